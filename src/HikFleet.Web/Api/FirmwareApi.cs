using System.Security.Claims;
using HikFleet.Core.Firmware;
using HikFleet.Core.Security;
using HikFleet.Web.Auth;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace HikFleet.Web.Api;

/// <summary>Upload parameters (query string); the request body is the image itself, streamed.</summary>
public sealed class FirmwareUploadParameters
{
    public Guid TenantId { get; set; }
    public string? FileName { get; set; }
    /// <summary>Comma-separated models or patterns (e.g. <c>DS-2CD2*G2*,DS-2CD2143G2-I</c>); read from the package when it names one.</summary>
    public string? Models { get; set; }
    public string? Version { get; set; }
    public string? Build { get; set; }
    public string? Platform { get; set; }
    public string? Notes { get; set; }
}

/// <summary>
/// The firmware library under <c>/api/v1/firmware</c>: upload (the body is the image, streamed to disk and hashed, never buffered),
/// list, delete, the images fitting a camera and the fleet's versions per model. Upgrades are operations
/// (<c>POST /cameras/{id}/operations</c> kind firmwareUpgrade, or <c>/operations/bulk</c> for a staged rollout).
/// </summary>
public static class FirmwareApi
{
    public static RouteGroupBuilder MapFirmwareEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/firmware", async ([AsParameters] FirmwareUploadParameters p, HttpContext http, ClaimsPrincipal user, FleetScopeProvider scopes,
                [FromServices] FirmwareLibrary library, [FromServices] IOptions<FirmwareOptions> options, CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                // Images are far above Kestrel's 30 MB default; the library still stops at its own limit while streaming.
                if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = options.Value.MaxImageBytes + 1;
                var upload = new FirmwareUpload(p.TenantId, string.IsNullOrWhiteSpace(p.FileName) ? "digicap.dav" : p.FileName, p.Version, p.Build, p.Platform,
                    p.Models?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries), p.Notes);
                var result = await library.AddAsync(scope, upload, http.Request.Body, cancellationToken: ct);
                return await ApiResults.FromAsync(result, async id =>
                    await library.FindAsync(scope, id, ct) is { } image
                        ? Results.Created($"/api/v1/firmware/{id}", (await library.ListAsync(scope, image.TenantId, ct)).Single(i => i.Id == id))
                        : ApiResults.NotFound());
            })
            .RequireAuthorization(FleetPermissions.ManageSites);

        api.MapGet("/firmware", async (Guid? tenantId, ClaimsPrincipal user, FleetScopeProvider scopes, [FromServices] FirmwareLibrary library,
                CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                return Results.Ok(await library.ListAsync(scope, tenantId, ct));
            })
            .RequireAuthorization(FleetPermissions.Read);

        api.MapDelete("/firmware/{id:guid}", async (Guid id, ClaimsPrincipal user, FleetScopeProvider scopes, [FromServices] FirmwareLibrary library,
                CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                return ApiResults.From(await library.DeleteAsync(scope, id, ct), _ => Results.NoContent());
            })
            .RequireAuthorization(FleetPermissions.ManageSites);

        api.MapGet("/firmware/fleet", async (Guid? tenantId, ClaimsPrincipal user, FleetScopeProvider scopes, [FromServices] FirmwareLibrary library,
                CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                return Results.Ok(await library.FleetVersionsAsync(scope, tenantId, ct));
            })
            .RequireAuthorization(FleetPermissions.Read);

        api.MapGet("/cameras/{id:guid}/firmware", async (Guid id, ClaimsPrincipal user, FleetScopeProvider scopes, [FromServices] FirmwareLibrary library,
                CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                return await library.CompatibleAsync(scope, id, ct) is { } images ? Results.Ok(images) : ApiResults.NotFound();
            })
            .RequireAuthorization(FleetPermissions.Read);

        return api;
    }
}
