using System.Security.Claims;
using HikFleet.Core.Cameras;
using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Inventory;
using HikFleet.Core.Security;
using HikFleet.Core.Sites;
using HikFleet.Core.Tenants;
using HikFleet.Web.Auth;
using HikFleet.Web.Extensions;
using Microsoft.EntityFrameworkCore;

namespace HikFleet.Web.Api;

/// <summary>The REST API under <c>/api/v1</c>. Every endpoint names its permission; every query goes through the caller's scope.</summary>
public static class FleetApi
{
    public static IEndpointRouteBuilder MapFleetApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/v1").RequireRateLimiting(AuthExtensions.ApiRateLimit).WithTags("HikFleet");
        api.MapTenantEndpoints();
        api.MapSiteEndpoints();
        api.MapCameraEndpoints();
        api.MapCameraMediaEndpoints();
        api.MapTokenEndpoints();
        api.MapUserEndpoints();
        api.MapInventoryEndpoints();
        api.MapAuditEndpoints();
        api.MapProfileEndpoints();
        api.MapOperationEndpoints();
        api.MapFirmwareEndpoints();
        api.MapAlertEndpoints();
        api.MapPoeEndpoints();
        api.MapGet("/me", async (ClaimsPrincipal user, FleetScopeProvider scopes, CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                return Results.Ok(new MeDto(scope.UserName, scope.Role,
                    scope.Memberships.Select(m => new MembershipDto(m.TenantId, m.SiteIds)).ToList()));
            })
            .RequireAuthorization(FleetPermissions.OwnTokens);
        return endpoints;
    }

    private static void MapTenantEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/tenants", async (ClaimsPrincipal user, FleetScopeProvider scopes, IDbContextFactory<FleetDbContext> contexts, CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                await using var db = await contexts.CreateDbContextAsync(ct);
                return Results.Ok(await scope.Tenants(db).OrderBy(t => t.Name)
                    .Select(t => new TenantDto(t.Id, t.Name, t.CreatedAt)).ToListAsync(ct));
            })
            .RequireAuthorization(FleetPermissions.Read);

        api.MapPost("/tenants", async (TenantCreateDto body, ClaimsPrincipal user, FleetScopeProvider scopes, TenantService tenants,
                IDbContextFactory<FleetDbContext> contexts, CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                var result = await tenants.CreateAsync(scope, body.Name, ct);
                return await ApiResults.FromAsync(result, async id =>
                {
                    await using var db = await contexts.CreateDbContextAsync(ct);
                    var tenant = await db.Tenants.SingleAsync(t => t.Id == id, ct);
                    return Results.Created($"/api/v1/tenants/{id}", new TenantDto(tenant.Id, tenant.Name, tenant.CreatedAt));
                });
            })
            .RequireAuthorization(FleetPermissions.Administer);
    }

    private static void MapSiteEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/sites", async (Guid? tenantId, ClaimsPrincipal user, FleetScopeProvider scopes,
                IDbContextFactory<FleetDbContext> contexts, CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                await using var db = await contexts.CreateDbContextAsync(ct);
                var sites = scope.Sites(db);
                if (tenantId is { } tenant)
                {
                    sites = sites.Where(s => s.TenantId == tenant);
                }

                return Results.Ok(await sites.OrderBy(s => s.Name).Select(SiteDto.Projection).ToListAsync(ct));
            })
            .RequireAuthorization(FleetPermissions.Read);

        api.MapGet("/sites/{id:guid}", async (Guid id, ClaimsPrincipal user, FleetScopeProvider scopes,
                IDbContextFactory<FleetDbContext> contexts, CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                await using var db = await contexts.CreateDbContextAsync(ct);
                var site = await scope.Sites(db).Where(s => s.Id == id).Select(SiteDto.Projection).SingleOrDefaultAsync(ct);
                return site is null ? ApiResults.NotFound() : Results.Ok(site);
            })
            .RequireAuthorization(FleetPermissions.Read);

        api.MapPost("/sites", async (SiteInput body, ClaimsPrincipal user, FleetScopeProvider scopes, SiteService sites,
                IDbContextFactory<FleetDbContext> contexts, CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                var result = await sites.CreateAsync(scope, body, ct);
                return await ApiResults.FromAsync(result, async id =>
                    Results.Created($"/api/v1/sites/{id}", await LoadSiteAsync(contexts, id, ct)));
            })
            .RequireAuthorization(FleetPermissions.ManageSites);

        api.MapPut("/sites/{id:guid}", async (Guid id, SiteInput body, ClaimsPrincipal user, FleetScopeProvider scopes, SiteService sites,
                IDbContextFactory<FleetDbContext> contexts, CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                var result = await sites.UpdateAsync(scope, id, body, ct);
                return await ApiResults.FromAsync(result, async _ => Results.Ok(await LoadSiteAsync(contexts, id, ct)));
            })
            .RequireAuthorization(FleetPermissions.ManageSites);

        api.MapPut("/sites/{id:guid}/credential", async (Guid id, SiteCredentialDto body, ClaimsPrincipal user, FleetScopeProvider scopes,
                SiteService sites, CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                var result = await sites.SetDefaultCredentialAsync(scope, id, body.UserName, body.Password, ct);
                // Never echoes the password: the answer says who set which user name, and when.
                return await ApiResults.FromAsync(result, async _ => Results.Ok(await sites.DefaultCredentialAsync(scope, id, ct)));
            })
            .RequireAuthorization(FleetPermissions.ManageSites);

        api.MapDelete("/sites/{id:guid}", async (Guid id, ClaimsPrincipal user, FleetScopeProvider scopes, SiteService sites, CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                return ApiResults.From(await sites.DeleteAsync(scope, id, ct), _ => Results.NoContent());
            })
            .RequireAuthorization(FleetPermissions.ManageSites);
    }

    private static void MapCameraEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/cameras", async ([AsParameters] CameraListParameters p, ClaimsPrincipal user, FleetScopeProvider scopes,
                InventoryQueries inventory, CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                if (!p.TryBuild(out var query, out var errors))
                {
                    return Results.ValidationProblem(errors);
                }

                var result = await inventory.ListCamerasAsync(scope, query, ct);
                return Results.Ok(new PageDto<CameraDto>(result.Items.Select(CameraDto.From).ToList(), result.Total, query.Page + 1, query.PageSize));
            })
            .RequireAuthorization(FleetPermissions.Read);

        api.MapGet("/cameras/{id:guid}", async (Guid id, ClaimsPrincipal user, FleetScopeProvider scopes,
                IDbContextFactory<FleetDbContext> contexts, CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                await using var db = await contexts.CreateDbContextAsync(ct);
                var camera = await scope.Cameras(db).Where(c => c.Id == id).Select(CameraDto.Projection).SingleOrDefaultAsync(ct);
                return camera is null ? ApiResults.NotFound() : Results.Ok(camera);
            })
            .RequireAuthorization(FleetPermissions.Read);

        // "Check now": runs the health check of one managed camera and answers with its confirmed state.
        api.MapPost("/cameras/{id:guid}/check", async (Guid id, ClaimsPrincipal user, FleetScopeProvider scopes, Core.Health.HealthCheckService health,
                IDbContextFactory<FleetDbContext> contexts, CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                var (result, _) = await health.CheckNowAsync(scope, id, ct);
                if (!result.Succeeded) return ApiResults.From(result, _ => Results.Ok());
                await using var db = await contexts.CreateDbContextAsync(ct);
                return Results.Ok(await scope.Cameras(db).Where(c => c.Id == id).Select(CameraDto.Projection).SingleAsync(ct));
            })
            .RequireAuthorization(FleetPermissions.Operate);

        api.MapPut("/cameras/{id:guid}", async (Guid id, CameraUpdateDto body, ClaimsPrincipal user, FleetScopeProvider scopes,
                CameraService cameras, IDbContextFactory<FleetDbContext> contexts, CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                var result = await cameras.RenameAsync(scope, id, body.Name, ct);
                return await ApiResults.FromAsync(result, async _ =>
                {
                    await using var db = await contexts.CreateDbContextAsync(ct);
                    return Results.Ok(await db.Cameras.Where(c => c.Id == id).Select(CameraDto.Projection).SingleAsync(ct));
                });
            })
            .RequireAuthorization(FleetPermissions.Operate);

        api.MapDelete("/cameras/{id:guid}", async (Guid id, ClaimsPrincipal user, FleetScopeProvider scopes, CameraService cameras, CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                return ApiResults.From(await cameras.RetireAsync(scope, id, ct), _ => Results.NoContent());
            })
            .RequireAuthorization(FleetPermissions.ManageSites);
    }

    private static void MapTokenEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/tokens", async (ClaimsPrincipal user, FleetScopeProvider scopes, ApiTokenService tokens, CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                var list = await tokens.ListAsync(scope.UserId!.Value, ct);
                return Results.Ok(list.Select(t => new TokenDto(t.Id, t.Name, t.Prefix, t.CreatedAt, t.ExpiresAt, t.RevokedAt, t.LastUsedAt)));
            })
            .RequireAuthorization(FleetPermissions.OwnTokens);

        api.MapPost("/tokens", async (TokenCreateDto body, ClaimsPrincipal user, FleetScopeProvider scopes, ApiTokenService tokens, CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                var days = body.Days ?? (int)ApiTokenService.DefaultLifetime.TotalDays;
                if (string.IsNullOrWhiteSpace(body.Name) || body.Name.Length > 100 || days < 1 || days > ApiTokenService.MaxLifetime.TotalDays)
                {
                    return Results.ValidationProblem(new Dictionary<string, string[]>
                    {
                        ["name"] = ["A token needs a name of 1 to 100 characters and a lifetime of 1 to 366 days."],
                    });
                }

                var (token, secret) = await tokens.CreateAsync(scope.UserId!.Value, body.Name, TimeSpan.FromDays(days), ct);
                return Results.Created($"/api/v1/tokens/{token.Id}", new TokenCreatedDto(token.Id, token.Name, secret, token.ExpiresAt));
            })
            .RequireAuthorization(FleetPermissions.OwnTokens);

        api.MapDelete("/tokens/{id:guid}", async (Guid id, ClaimsPrincipal user, FleetScopeProvider scopes, ApiTokenService tokens, CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                return await tokens.RevokeAsync(scope, id, ct) ? Results.NoContent() : ApiResults.NotFound();
            })
            .RequireAuthorization(FleetPermissions.OwnTokens);
    }

    private static void MapUserEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/users", async (ClaimsPrincipal user, FleetScopeProvider scopes, UserService users, CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                var list = await users.ListAsync(scope, ct);
                return Results.Ok(list.Select(u => new UserDto(u.Id, u.UserName, u.DisplayName, u.Role, u.LockedOut,
                    u.Memberships.Select(m => new MembershipDto(m.TenantId, m.SiteIds)).ToList())));
            })
            .RequireAuthorization(FleetPermissions.ManageUsers);

        api.MapPost("/users", async (UserInput body, ClaimsPrincipal user, FleetScopeProvider scopes, UserService users, CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                var result = await users.CreateAsync(scope, body, ct);
                return ApiResults.From(result, id => Results.Created($"/api/v1/users/{id}", new { id }));
            })
            .RequireAuthorization(FleetPermissions.ManageUsers);

        api.MapPost("/users/{id:guid}/lock", async (Guid id, ClaimsPrincipal user, FleetScopeProvider scopes, UserService users, CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                return ApiResults.From(await users.SetLockedAsync(scope, id, locked: true, ct), _ => Results.NoContent());
            })
            .RequireAuthorization(FleetPermissions.ManageUsers);

        api.MapPost("/users/{id:guid}/unlock", async (Guid id, ClaimsPrincipal user, FleetScopeProvider scopes, UserService users, CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                return ApiResults.From(await users.SetLockedAsync(scope, id, locked: false, ct), _ => Results.NoContent());
            })
            .RequireAuthorization(FleetPermissions.ManageUsers);
    }

    private static async Task<SiteDto> LoadSiteAsync(IDbContextFactory<FleetDbContext> contexts, Guid id, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Sites.Where(s => s.Id == id).Select(SiteDto.Projection).SingleAsync(ct);
    }
}
