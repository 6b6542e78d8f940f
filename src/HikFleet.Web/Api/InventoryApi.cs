using System.Security.Claims;
using System.Text;
using HikFleet.Core.Adoption;
using HikFleet.Core.Common;
using HikFleet.Core.Data;
using HikFleet.Core.Discovery;
using HikFleet.Core.Security;
using HikFleet.Core.Vault;
using HikFleet.Web.Auth;
using Microsoft.EntityFrameworkCore;

namespace HikFleet.Web.Api;

/// <summary>Discovery, adoption, add by address, CSV and credential reveal under <c>/api/v1</c>; every endpoint names its permission.</summary>
public static class InventoryApi
{
    public static RouteGroupBuilder MapInventoryEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/sites/{id:guid}/discovery", async (Guid id, ClaimsPrincipal user, FleetScopeProvider scopes, DiscoveryService discovery,
                CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                return ApiResults.From(await discovery.ScanNowAsync(scope, id, ct), _ => Results.Accepted($"/api/v1/sites/{id}/discovery"));
            })
            .RequireAuthorization(FleetPermissions.Operate);

        api.MapGet("/sites/{id:guid}/discovery", async (Guid id, ClaimsPrincipal user, FleetScopeProvider scopes, DiscoveryService discovery,
                CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                var view = await discovery.GetLatestAsync(scope, id, ct);
                return view is null
                    ? ApiResults.NotFound()
                    : Results.Ok(new SiteDiscoveryDto(id, view.Running, view.Run is null ? null : DiscoveryRunDto.From(view.Run),
                        view.Sightings.Select(SightingDto.From).ToList()));
            })
            .RequireAuthorization(FleetPermissions.Read);

        api.MapPost("/cameras", async (AddCameraDto body, ClaimsPrincipal user, FleetScopeProvider scopes, AdoptionService adoption,
                IDbContextFactory<FleetDbContext> contexts, CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                var result = await adoption.AddByAddressAsync(scope, new AddCameraInput
                {
                    SiteId = body.SiteId, Address = body.Address ?? "", Port = body.Port, Https = body.Https, UserName = body.UserName,
                    Password = body.Password, Name = body.Name,
                }, ct);
                return await ApiResults.FromAsync(result, async cameraId =>
                {
                    await using var db = await contexts.CreateDbContextAsync(ct);
                    return Results.Created($"/api/v1/cameras/{cameraId}", await db.Cameras.Where(c => c.Id == cameraId).Select(CameraDto.Projection).SingleAsync(ct));
                });
            })
            .RequireAuthorization(FleetPermissions.Operate);

        api.MapPost("/cameras/adopt", async (AdoptDto body, ClaimsPrincipal user, FleetScopeProvider scopes, AdoptionService adoption, CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                var results = await adoption.AdoptAsync(scope, new AdoptRequest(body.CameraIds ?? [], body.SiteId, body.UserName, body.Password), ct);
                if (results is [{ CameraId: var empty, Kind: ResultKind.Invalid } only] && empty == Guid.Empty)
                {
                    return Results.ValidationProblem(new Dictionary<string, string[]> { ["cameraIds"] = [only.Message] });
                }

                return Results.Ok(results.Select(r => new AdoptionResultDto(r.CameraId, r.Adopted, r.Kind.ToString(), r.Message)).ToList());
            })
            .RequireAuthorization(FleetPermissions.Operate);

        api.MapPost("/cameras/{id:guid}/ignore", async (Guid id, ClaimsPrincipal user, FleetScopeProvider scopes, AdoptionService adoption, CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                return ApiResults.From(await adoption.IgnoreAsync(scope, id, ct), _ => Results.NoContent());
            })
            .RequireAuthorization(FleetPermissions.Operate);

        api.MapGet("/cameras/export.csv", async (Guid? siteId, ClaimsPrincipal user, FleetScopeProvider scopes, InventoryCsv csv, HttpResponse response,
                CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                var text = new StringWriter();
                await csv.ExportAsync(scope, siteId, text, ct);
                response.Headers.CacheControl = "no-store";
                return Results.File(Encoding.UTF8.GetBytes(text.ToString()), "text/csv; charset=utf-8", "hikfleet-cameras.csv");
            })
            .RequireAuthorization(FleetPermissions.Read);

        api.MapPost("/cameras/import", async (Guid? siteId, HttpRequest request, ClaimsPrincipal user, FleetScopeProvider scopes, InventoryCsv csv,
                CancellationToken ct) =>
            {
                if (siteId is not { } site)
                {
                    return Results.ValidationProblem(new Dictionary<string, string[]> { ["siteId"] = ["Say which site the cameras go to (?siteId=)."] });
                }

                if (request.ContentLength > InventoryCsv.MaxImportBytes)
                {
                    return Results.ValidationProblem(new Dictionary<string, string[]> { ["file"] = [$"A CSV import has at most {InventoryCsv.MaxImportBytes / 1024} KiB."] });
                }

                // Read at most one byte over the bound, whatever Content-Length claimed.
                var buffer = new char[InventoryCsv.MaxImportBytes + 1];
                using var reader = new StreamReader(request.Body, Encoding.UTF8);
                var read = 0;
                int n;
                while (read < buffer.Length && (n = await reader.ReadAsync(buffer.AsMemory(read), ct)) > 0) read += n;
                var scope = await scopes.GetAsync(user, ct);
                var (result, rows) = await csv.ImportAsync(scope, site, new string(buffer, 0, read), ct);
                return ApiResults.From(result, _ => Results.Ok(new ImportResultDto(rows.Count(r => r.Kind == ResultKind.Ok), rows.Count(r => r.Kind != ResultKind.Ok),
                    rows.Select(r => new ImportRowDto(r.Line, r.Kind.ToString(), r.Message, r.CameraId)).ToList())));
            })
            .Accepts<string>("text/csv")
            .RequireAuthorization(FleetPermissions.Operate);

        api.MapPost("/cameras/{id:guid}/credential/reveal", async (Guid id, RevealDto body, ClaimsPrincipal user, FleetScopeProvider scopes,
                CredentialVault vault, HttpResponse response, CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                var (result, secret) = await vault.RevealAsync(scope, id, body.Reason, ct);
                response.Headers.CacheControl = "no-store";
                response.Headers.Pragma = "no-cache";
                return ApiResults.From(result, _ => Results.Ok(new RevealedCredentialDto(secret!.UserName, secret.Password)));
            })
            .RequireAuthorization(FleetPermissions.Administer);

        return api;
    }
}
