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
                // The bytes came from a device: serve them only if they start like a JPEG, and never let a browser sniff them as
                // anything else (a camera is hostile input, DESIGN.md "Safety with devices").
                if (snapshot is null || snapshot.Jpeg.Length < 4 || snapshot.Jpeg[0] != 0xFF || snapshot.Jpeg[1] != 0xD8)
                {
                    return ApiResults.NotFound();
                }

                var headers = http.Response.Headers;
                headers.CacheControl = "private, max-age=60";
                headers.XContentTypeOptions = "nosniff";
                return Results.File(snapshot.Jpeg, "image/jpeg", lastModified: snapshot.TakenAt,
                    entityTag: new Microsoft.Net.Http.Headers.EntityTagHeaderValue($"\"{snapshot.Sha256[..Math.Min(32, snapshot.Sha256.Length)]}\""));
            })
            .RequireAuthorization(FleetPermissions.Read)
            .WithName("CameraSnapshot");
        return api;
    }
}
