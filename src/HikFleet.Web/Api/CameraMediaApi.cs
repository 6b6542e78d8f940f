using System.Security.Claims;
using HikFleet.Core.Inventory;
using HikFleet.Core.Security;
using HikFleet.Web.Auth;

namespace HikFleet.Web.Api;

/// <summary>Pictures of cameras, served from what the health check stored (the device is never asked on behalf of a browser).</summary>
public static class CameraMediaApi
{
    public static RouteGroupBuilder MapCameraMediaEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/cameras/{id:guid}/snapshot.jpg", async (Guid id, HttpContext http, ClaimsPrincipal user, FleetScopeProvider scopes,
                InventoryQueries inventory, CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                var snapshot = await inventory.SnapshotAsync(scope, id, ct);
                // The thumbnail is HikFleet's own encoding of the decoded picture (SnapshotAnalysis), not the device's bytes; still,
                // serve it only if it starts like a JPEG and never let a browser sniff it as anything else (rows written before
                // thumbnails were re-encoded hold a device's bytes; DESIGN.md "Safety with devices").
                if (snapshot is null || snapshot.Jpeg.Length < 4 || snapshot.Jpeg[0] != 0xFF || snapshot.Jpeg[1] != 0xD8)
                {
                    return ApiResults.NotFound();
                }

                var headers = http.Response.Headers;
                headers.CacheControl = "private, max-age=60";
                headers.XContentTypeOptions = "nosniff";
                return Results.File(snapshot.Jpeg, "image/jpeg", lastModified: snapshot.TakenAt,
                    // The thumbnail changes only when a check decodes a picture (HealthOptions.SnapshotInterval), which is when TakenAt
                    // moves; the stored hash is the latest picture's, which may not be this thumbnail.
                    entityTag: new Microsoft.Net.Http.Headers.EntityTagHeaderValue($"\"{snapshot.TakenAt.UtcTicks:x}\""));
            })
            .RequireAuthorization(FleetPermissions.Read)
            .WithName("CameraSnapshot");
        return api;
    }
}
