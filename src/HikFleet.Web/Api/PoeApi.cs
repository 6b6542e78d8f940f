using System.Security.Claims;
using HikFleet.Core.Common;
using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Poe;
using HikFleet.Core.Security;
using HikFleet.Web.Auth;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace HikFleet.Web.Api;

/// <summary>
/// A switch as people submit it (issue #14). <paramref name="Version"/> is <c>V2c</c> (with <paramref name="Community"/>) or <c>V3</c> (with
/// <paramref name="User"/>, <paramref name="AuthPassword"/> for SHA and <paramref name="PrivPassword"/> for AES). On update, secrets left
/// empty keep the stored ones while the version stays the same. Secrets are write-only: no answer ever carries them.
/// </summary>
public sealed record PoeSwitchInputDto(Guid? SiteId, string? Name, string? Address, int? Port, string? Version, string? Community = null,
    string? User = null, string? AuthPassword = null, string? PrivPassword = null)
{
    /// <summary>An unknown version is passed on as an undefined value: the service then reports it with every other field's problem.</summary>
    internal PoeSwitchInput ToInput(Guid siteId) =>
        new(siteId, Name, Address, Port, TryParseVersion(Version, out var version) ? version : (SnmpVersion)(-1), Community, User, AuthPassword, PrivPassword);

    internal static bool TryParseVersion(string? text, out SnmpVersion version)
    {
        version = default;
        var t = text?.Trim().TrimStart('v', 'V');
        switch (t?.ToLowerInvariant())
        {
            case "2c":
                version = SnmpVersion.V2c;
                return true;
            case "3":
                version = SnmpVersion.V3;
                return true;
            default:
                return false;
        }
    }
}

/// <summary>One PSE port: power, detection, class, the MACs learned on it and which cameras HikFleet places there.</summary>
public sealed record PoePortDto(int Group, int Port, bool PowerOn, string Detection, int? PowerClass, IReadOnlyList<string> Macs, bool Uplink,
    int DropsInWindow, bool HeldOff, IReadOnlyList<PoePortCameraDto> Cameras);

public sealed record PoePortCameraDto(Guid CameraId, string Name, bool Confirmed);

/// <summary>A switch as the API answers it: never its community or passwords (the v3 user name is not a secret).</summary>
public sealed record PoeSwitchDto(Guid Id, Guid TenantId, Guid SiteId, string SiteName, string Name, string Address, int Port, string Version,
    string? User, string? SystemName, string? SystemDescription, int? PowerBudgetWatts, int? PowerConsumptionWatts, int? UsageThresholdPercent,
    DateTimeOffset? PolledAt, string? PollError, IReadOnlyList<PoePortDto> Ports)
{
    public static PoeSwitchDto From(PoeSwitchView s) => new(s.Id, s.TenantId, s.SiteId, s.SiteName, s.Name, s.Address, s.Port, s.Version.ToString(),
        s.User, s.SystemName, s.SystemDescription, s.PowerBudgetWatts, s.PowerConsumptionWatts, s.UsageThresholdPercent, s.PolledAt, s.PollError,
        s.Ports.Select(p => new PoePortDto(p.Group, p.Port, p.AdminEnabled, p.Detection, p.PowerClass, p.Macs, p.Uplink, p.DropsInWindow, p.HeldOff,
            p.Cameras.Select(c => new PoePortCameraDto(c.CameraId, c.Name, c.Confirmed)).ToList())).ToList());
}

/// <summary>The port a camera is mapped to, how it was found, and its last known state.</summary>
public sealed record CameraPortDto(Guid SwitchId, string SwitchName, string SwitchAddress, int Group, int Port, string Source, DateTimeOffset FoundAt,
    DateTimeOffset? SeenAt, bool Confirmed, DateTimeOffset? ConfirmedAt, string? ConfirmedBy, string? Conflict, bool? PowerOn, string? Detection,
    int? PowerClass, bool Uplink, int DropsInWindow);

/// <summary>
/// A camera's power: its port (null when none is known) and <c>CycleProblem</c>, why a power-cycle cannot be asked for now (null when it can).
/// </summary>
public sealed record CameraPoeDto(Guid CameraId, CameraPortDto? Port, string? CycleProblem)
{
    public const string NoPort = CameraPoeView.NoPortKnown;

    public static CameraPoeDto From(Guid cameraId, CameraPoeView? v) => v is null
        ? new(cameraId, null, NoPort)
        : new(cameraId, new CameraPortDto(v.SwitchId, v.SwitchName, v.SwitchAddress, v.Group, v.Port, v.Source.ToString(), v.FoundAt, v.SeenAt, v.Confirmed,
            v.ConfirmedAt, v.ConfirmedBy, v.Conflict, v.PortAdminEnabled, v.PortDetection, v.PowerClass, v.Uplink, v.DropsInWindow), v.CycleProblem);
}

/// <summary>Set a camera's port by hand: a switch of the camera's site, the PSE group (default 1) and the port.</summary>
public sealed record CameraPortInputDto(Guid? SwitchId, int? Group, int? Port);

/// <summary>
/// PoE switches under <c>/api/v1</c> (issue #14): list (Read), add/change/remove (ManageSites of the tenant), poll now (Operate); a camera's
/// port: read (Read), confirm, set by hand, clear (Operate). Every change is audited by <see cref="PoeService"/>; power-cycles go through the
/// operations endpoint (<c>kind: powerCycle</c>, <c>offSeconds</c>).
/// </summary>
public static class PoeApi
{
    // PoeService is taken [FromServices] explicitly: a host without AddFleetPoe fails the request, never the start-up.
    public static RouteGroupBuilder MapPoeEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/poe-switches", async (Guid? siteId, ClaimsPrincipal user, FleetScopeProvider scopes, [FromServices] PoeService poe, CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                return Results.Ok((await poe.ListAsync(scope, siteId, ct)).Select(PoeSwitchDto.From).ToList());
            })
            .RequireAuthorization(FleetPermissions.Read);

        api.MapGet("/poe-switches/{id:guid}", async (Guid id, ClaimsPrincipal user, FleetScopeProvider scopes, [FromServices] PoeService poe,
                IDbContextFactory<FleetDbContext> contexts, CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                return await LoadAsync(scope, poe, contexts, id, ct) is { } sw ? Results.Ok(sw) : ApiResults.NotFound();
            })
            .RequireAuthorization(FleetPermissions.Read);

        api.MapPost("/poe-switches", async (PoeSwitchInputDto body, ClaimsPrincipal user, FleetScopeProvider scopes, [FromServices] PoeService poe,
                IDbContextFactory<FleetDbContext> contexts, CancellationToken ct) =>
            {
                if (body.SiteId is not { } siteId) return Results.ValidationProblem(new Dictionary<string, string[]> { ["siteId"] = ["Choose the switch's site."] });
                var scope = await scopes.GetAsync(user, ct);
                var result = await poe.AddSwitchAsync(scope, body.ToInput(siteId), ct);
                return await ApiResults.FromAsync(result, async id =>
                    Results.Created($"/api/v1/poe-switches/{id}", await LoadAsync(scope, poe, contexts, id, ct)));
            })
            .RequireAuthorization(FleetPermissions.ManageSites);

        api.MapPut("/poe-switches/{id:guid}", async (Guid id, PoeSwitchInputDto body, ClaimsPrincipal user, FleetScopeProvider scopes,
                [FromServices] PoeService poe, IDbContextFactory<FleetDbContext> contexts, CancellationToken ct) =>
            {
                // A switch stays on its site: the site in the body (if any) is not used.
                var scope = await scopes.GetAsync(user, ct);
                var result = await poe.UpdateSwitchAsync(scope, id, body.ToInput(Guid.Empty), ct);
                return await ApiResults.FromAsync(result, async _ => Results.Ok(await LoadAsync(scope, poe, contexts, id, ct)));
            })
            .RequireAuthorization(FleetPermissions.ManageSites);

        api.MapDelete("/poe-switches/{id:guid}", async (Guid id, ClaimsPrincipal user, FleetScopeProvider scopes, [FromServices] PoeService poe,
                CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                return ApiResults.From(await poe.DeleteSwitchAsync(scope, id, ct), _ => Results.NoContent());
            })
            .RequireAuthorization(FleetPermissions.ManageSites);

        // Reads the switch now and answers with what was read (a switch that does not answer comes back with its pollError).
        api.MapPost("/poe-switches/{id:guid}/poll", async (Guid id, ClaimsPrincipal user, FleetScopeProvider scopes, [FromServices] PoeService poe,
                IDbContextFactory<FleetDbContext> contexts, CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                var (result, _) = await poe.PollNowAsync(scope, id, ct);
                return await ApiResults.FromAsync(result, async _ => Results.Ok(await LoadAsync(scope, poe, contexts, id, ct)));
            })
            .RequireAuthorization(FleetPermissions.Operate);

        api.MapGet("/cameras/{id:guid}/poe", async (Guid id, ClaimsPrincipal user, FleetScopeProvider scopes, [FromServices] PoeService poe,
                IDbContextFactory<FleetDbContext> contexts, CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                return await CameraAsync(scope, poe, contexts, id, ct) is { } dto ? Results.Ok(dto) : ApiResults.NotFound();
            })
            .RequireAuthorization(FleetPermissions.Read);

        api.MapPost("/cameras/{id:guid}/poe/confirm", async (Guid id, ClaimsPrincipal user, FleetScopeProvider scopes, [FromServices] PoeService poe,
                IDbContextFactory<FleetDbContext> contexts, CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                var result = await poe.ConfirmMappingAsync(scope, id, ct);
                return await ApiResults.FromAsync(result, async _ => Results.Ok(await CameraAsync(scope, poe, contexts, id, ct)));
            })
            .RequireAuthorization(FleetPermissions.Operate);

        api.MapPut("/cameras/{id:guid}/poe", async (Guid id, CameraPortInputDto body, ClaimsPrincipal user, FleetScopeProvider scopes,
                [FromServices] PoeService poe, IDbContextFactory<FleetDbContext> contexts, CancellationToken ct) =>
            {
                var errors = new Dictionary<string, string[]>();
                if (body.SwitchId is null) errors["switchId"] = ["Choose a switch of the camera's site."];
                if (body.Port is null) errors["port"] = ["Say which port of the switch powers the camera."];
                if (errors.Count > 0) return Results.ValidationProblem(errors);
                var scope = await scopes.GetAsync(user, ct);
                var result = await poe.SetMappingAsync(scope, id, body.SwitchId!.Value, body.Group ?? 1, body.Port!.Value, ct);
                return await ApiResults.FromAsync(result, async _ => Results.Ok(await CameraAsync(scope, poe, contexts, id, ct)));
            })
            .RequireAuthorization(FleetPermissions.Operate);

        api.MapDelete("/cameras/{id:guid}/poe", async (Guid id, ClaimsPrincipal user, FleetScopeProvider scopes, [FromServices] PoeService poe,
                CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                return ApiResults.From(await poe.ClearMappingAsync(scope, id, ct), _ => Results.NoContent());
            })
            .RequireAuthorization(FleetPermissions.Operate);
        return api;
    }

    private static async Task<PoeSwitchDto?> LoadAsync(FleetScope scope, PoeService poe, IDbContextFactory<FleetDbContext> contexts, Guid id,
        CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        // The list is per site; find the switch's site first (through the scope: another tenant's switch stays invisible).
        var sites = scope.Sites(db).Select(s => s.Id);
        var siteId = await db.PoeSwitches.Where(s => s.Id == id && sites.Contains(s.SiteId)).Select(s => (Guid?)s.SiteId).SingleOrDefaultAsync(ct);
        if (siteId is null) return null;
        return (await poe.ListAsync(scope, siteId, ct)).Where(s => s.Id == id).Select(PoeSwitchDto.From).SingleOrDefault();
    }

    private static async Task<CameraPoeDto?> CameraAsync(FleetScope scope, PoeService poe, IDbContextFactory<FleetDbContext> contexts, Guid cameraId,
        CancellationToken ct)
    {
        // The service answers null both for "no such camera" and "no port known": the first is a 404, the second an answer.
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            if (!await scope.Cameras(db).AnyAsync(c => c.Id == cameraId, ct)) return null;
        }

        return CameraPoeDto.From(cameraId, await poe.CameraAsync(scope, cameraId, ct));
    }
}
