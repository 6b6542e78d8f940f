using System.Net;
using HikFleet.Core.Audit;
using HikFleet.Core.Common;
using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Devices;
using HikFleet.Core.Security;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace HikFleet.Core.Poe;

/// <summary>A switch as people submit it. Secrets: the v2c community, or the v3 user's two passwords; empty on update = keep.</summary>
public sealed record PoeSwitchInput(Guid SiteId, string? Name, string? Address, int? Port, SnmpVersion Version, string? Community = null,
    string? User = null, string? AuthPassword = null, string? PrivPassword = null);

public sealed record PoePortView(int Group, int Port, bool AdminEnabled, string Detection, int? PowerClass, IReadOnlyList<string> Macs, bool Uplink,
    int DropsInWindow, bool HeldOff, IReadOnlyList<PoePortCameraView> Cameras);

public sealed record PoePortCameraView(Guid CameraId, string Name, bool Confirmed);

public sealed record PoeSwitchView(Guid Id, Guid TenantId, Guid SiteId, string SiteName, string Name, string Address, int Port, SnmpVersion Version,
    string? User, string? SystemName, string? SystemDescription, int? PowerBudgetWatts, int? PowerConsumptionWatts, int? UsageThresholdPercent,
    DateTimeOffset? PolledAt, string? PollError, IReadOnlyList<PoePortView> Ports);

/// <summary>Where a camera's power comes from, for its page.</summary>
public sealed record CameraPoeView(Guid SwitchId, string SwitchName, string SwitchAddress, int Group, int Port, PoePortMappingSource Source,
    DateTimeOffset FoundAt, DateTimeOffset? SeenAt, DateTimeOffset? ConfirmedAt, string? ConfirmedBy, string? Conflict,
    bool? PortAdminEnabled, string? PortDetection, int? PowerClass, bool Uplink, int DropsInWindow)
{
    /// <summary>Why a camera without a mapping cannot be power-cycled (the same words wherever it is said).</summary>
    public const string NoPortKnown = "No PoE switch port is known for this camera: add its switch or set the port by hand.";

    public bool Confirmed => ConfirmedAt is not null;
    /// <summary>Why a power-cycle is impossible now; null when it may be asked for.</summary>
    public string? CycleProblem => Uplink ? "The port carries several devices (an uplink or a hub): it is never power-cycled."
        : ConfirmedAt is null ? "Confirm the port first (it was found automatically)."
        : Conflict is not null ? $"The mapping is in doubt: {Conflict} Set the port again." : null;
}

/// <summary>
/// PoE switches of a site (tenant administrators add and remove them; credentials sealed), their last known ports, and the camera →
/// port mappings (operators confirm a found mapping or set one by hand). Every change is audited.
/// </summary>
public sealed class PoeService(IDbContextFactory<FleetDbContext> contexts, PoeSwitchAccess access, PoeSwitchPoller poller, AuditLog audit,
    FleetChangeFeed changes, Microsoft.Extensions.Options.IOptions<PoeOptions> options, TimeProvider time)
{
    public const int MaxNameLength = 200, MaxSecretLength = 128;

    public static bool CanManage(FleetScope scope, Guid tenantId) => scope.Can(FleetPermissions.ManageSites, tenantId);

    public async Task<ServiceResult> AddSwitchAsync(FleetScope scope, PoeSwitchInput input, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var site = await scope.Sites(db).AsNoTracking().SingleOrDefaultAsync(s => s.Id == input.SiteId, ct);
        if (site is null) return ServiceResult.NotFound("The site does not exist.");
        if (!CanManage(scope, site.TenantId))
        {
            return await Record(scope, "poe.switch.create", ServiceResult.Forbidden("Your role may not manage this tenant's switches."), site, new { name = input.Name }, ct);
        }

        if (Validate(input, isNew: true) is { } invalid) return invalid;
        var sw = new PoeSwitch
        {
            TenantId = site.TenantId, SiteId = site.Id, Name = input.Name!.Trim(), Address = IPAddress.Parse(input.Address!.Trim()),
            SnmpPort = input.Port ?? 161, SecretSealed = [], SecretKeyId = "",
        };
        access.Seal(sw, new PoeSwitchAccess.Credentials(input.Version, input.Community, input.User?.Trim(), input.AuthPassword, input.PrivPassword));
        db.PoeSwitches.Add(sw);
        var result = await SaveAsync(db, sw.Id, ct);
        await Record(scope, "poe.switch.create", result, site,
            new { @switch = sw.Id, name = sw.Name, address = sw.Address.ToString(), port = sw.SnmpPort, version = sw.SnmpVersion.ToString(), user = sw.SnmpUser }, ct);
        return result;
    }

    /// <summary>Changes name, address or credentials (secrets left empty keep the stored ones when the version is unchanged).</summary>
    public async Task<ServiceResult> UpdateSwitchAsync(FleetScope scope, Guid switchId, PoeSwitchInput input, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var sw = await Switches(scope, db).Include(s => s.Site).SingleOrDefaultAsync(s => s.Id == switchId, ct);
        if (sw is null) return ServiceResult.NotFound("The switch does not exist.");
        if (!CanManage(scope, sw.TenantId))
        {
            return await Record(scope, "poe.switch.update", ServiceResult.Forbidden("Your role may not manage this tenant's switches."), sw.Site!, new { @switch = switchId }, ct);
        }

        var keepSecrets = input.Version == sw.SnmpVersion && string.IsNullOrEmpty(input.Community) && string.IsNullOrEmpty(input.AuthPassword)
                          && string.IsNullOrEmpty(input.PrivPassword);
        if (Validate(input, isNew: !keepSecrets) is { } invalid) return invalid;
        sw.Name = input.Name!.Trim();
        sw.Address = IPAddress.Parse(input.Address!.Trim());
        sw.SnmpPort = input.Port ?? 161;
        if (!keepSecrets) access.Seal(sw, new PoeSwitchAccess.Credentials(input.Version, input.Community, input.User?.Trim(), input.AuthPassword, input.PrivPassword));
        else if (sw.SnmpVersion == SnmpVersion.V3 && !string.IsNullOrWhiteSpace(input.User)) sw.SnmpUser = input.User.Trim();
        var result = await SaveAsync(db, sw.Id, ct);
        return await Record(scope, "poe.switch.update", result, sw.Site!,
            new { @switch = sw.Id, name = sw.Name, address = sw.Address.ToString(), port = sw.SnmpPort, version = sw.SnmpVersion.ToString(), credentialsChanged = !keepSecrets }, ct);
    }

    public async Task<ServiceResult> DeleteSwitchAsync(FleetScope scope, Guid switchId, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var sw = await Switches(scope, db).Include(s => s.Site).Include(s => s.Ports).SingleOrDefaultAsync(s => s.Id == switchId, ct);
        if (sw is null) return ServiceResult.NotFound("The switch does not exist.");
        if (!CanManage(scope, sw.TenantId))
        {
            return await Record(scope, "poe.switch.delete", ServiceResult.Forbidden("Your role may not manage this tenant's switches."), sw.Site!, new { @switch = switchId }, ct);
        }

        if (sw.Ports.Any(p => p.HeldOffByOperationId is not null))
        {
            return await Record(scope, "poe.switch.delete", ServiceResult.Conflict("switch", "A power-cycle holds one of its ports off; wait until it is back on."), sw.Site!,
                new { @switch = switchId }, ct);
        }

        db.PoeSwitches.Remove(sw);
        await db.SaveChangesAsync(ct);
        return await Record(scope, "poe.switch.delete", ServiceResult.Ok(switchId), sw.Site!, new { @switch = switchId, name = sw.Name }, ct);
    }

    /// <summary>Reads the switch now (also what the periodic poll does); operators may ask for it.</summary>
    public async Task<(ServiceResult Result, PoePollResult? Poll)> PollNowAsync(FleetScope scope, Guid switchId, CancellationToken ct = default)
    {
        PoeSwitch? sw;
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            sw = await Switches(scope, db).AsNoTracking().SingleOrDefaultAsync(s => s.Id == switchId, ct);
            if (sw is null) return (ServiceResult.NotFound("The switch does not exist."), null);
            if (!scope.Can(FleetPermissions.Operate, sw.TenantId, sw.SiteId)) return (ServiceResult.Forbidden("Your role may not poll switches."), null);
        }

        var poll = await poller.PollAsync(switchId, ct);
        changes.Publish(new FleetChange(FleetChangeKinds.Poe, sw.TenantId, sw.SiteId));
        return (ServiceResult.Ok(switchId), poll);
    }

    public async Task<IReadOnlyList<PoeSwitchView>> ListAsync(FleetScope scope, Guid? siteId = null, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var query = Switches(scope, db).AsNoTracking().Include(s => s.Site).Include(s => s.Ports).AsQueryable();
        if (siteId is { } site) query = query.Where(s => s.SiteId == site);
        var switches = await query.OrderBy(s => s.Site!.Name).ThenBy(s => s.Name).AsSplitQuery().ToListAsync(ct);
        var ids = switches.Select(s => s.Id).ToList();
        var mapped = await db.PoePortMappings.AsNoTracking().Where(m => ids.Contains(m.SwitchId))
            .Join(db.Cameras, m => m.CameraId, c => c.Id, (m, c) => new { m.SwitchId, m.Group, m.Port, m.CameraId, Name = c.Name ?? c.SerialNumber, m.ConfirmedAt })
            .ToListAsync(ct);
        var onPort = mapped.ToLookup(m => (m.SwitchId, m.Group, m.Port), m => new PoePortCameraView(m.CameraId, m.Name, m.ConfirmedAt is not null));
        var window = time.GetUtcNow() - options.Value.DropWindow;
        return switches.Select(s => new PoeSwitchView(s.Id, s.TenantId, s.SiteId, s.Site!.Name, s.Name, s.Address.ToString(), s.SnmpPort, s.SnmpVersion,
            s.SnmpUser, s.SystemName, s.SystemDescription, s.PowerBudgetWatts, s.PowerConsumptionWatts, s.UsageThresholdPercent, s.PolledAt, s.PollError,
            s.Ports.OrderBy(p => p.Group).ThenBy(p => p.Port).Select(p => new PoePortView(p.Group, p.Port, p.AdminEnabled, p.Detection, p.PowerClass, p.Macs,
                p.IsUplink, p.Drops.Count(d => d > window), p.HeldOffByOperationId is not null,
                onPort[(s.Id, p.Group, p.Port)].ToList())).ToList())).ToList();
    }

    public async Task<CameraPoeView?> CameraAsync(FleetScope scope, Guid cameraId, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await CameraViewAsync(db, scope, cameraId, time.GetUtcNow() - options.Value.DropWindow, ct);
    }

    internal static async Task<CameraPoeView?> CameraViewAsync(FleetDbContext db, FleetScope scope, Guid cameraId, DateTimeOffset window, CancellationToken ct)
    {
        if (!await scope.Cameras(db).AnyAsync(c => c.Id == cameraId, ct)) return null;
        var m = await db.PoePortMappings.AsNoTracking().Include(x => x.Switch).ThenInclude(s => s!.Ports).SingleOrDefaultAsync(x => x.CameraId == cameraId, ct);
        if (m is null) return null;
        var port = m.Switch!.Ports.SingleOrDefault(p => p.Group == m.Group && p.Port == m.Port);
        return new CameraPoeView(m.SwitchId, m.Switch.Name, m.Switch.Address.ToString(), m.Group, m.Port, m.Source, m.FoundAt, m.SeenAt, m.ConfirmedAt,
            m.ConfirmedBy, m.Conflict, port?.AdminEnabled, port?.Detection, port?.PowerClass, port?.IsUplink ?? false, port?.Drops.Count(d => d > window) ?? 0);
    }

    /// <summary>A person confirms the port found for the camera (or sets one by hand, which counts as confirmed).</summary>
    public async Task<ServiceResult> ConfirmMappingAsync(FleetScope scope, Guid cameraId, CancellationToken ct = default) =>
        await ChangeMappingAsync(scope, cameraId, "poe.mapping.confirm", null, ct);

    /// <summary>Sets the camera's port by hand (a switch of its site).</summary>
    public async Task<ServiceResult> SetMappingAsync(FleetScope scope, Guid cameraId, Guid switchId, int group, int port, CancellationToken ct = default) =>
        await ChangeMappingAsync(scope, cameraId, "poe.mapping.set", (switchId, group, port), ct);

    /// <summary>Forgets the camera's port (discovery may find it again, unconfirmed).</summary>
    public async Task<ServiceResult> ClearMappingAsync(FleetScope scope, Guid cameraId, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var camera = await scope.Cameras(db).Include(c => c.Site).AsNoTracking().SingleOrDefaultAsync(c => c.Id == cameraId, ct);
        if (camera is null) return ServiceResult.NotFound("The camera does not exist.");
        if (!scope.Can(FleetPermissions.Operate, camera.Site!.TenantId, camera.SiteId))
        {
            return await Record(scope, "poe.mapping.clear", ServiceResult.Forbidden("Your role may not change port mappings."), camera.Site, new { camera = cameraId }, ct, cameraId);
        }

        await db.PoePortMappings.Where(m => m.CameraId == cameraId).ExecuteDeleteAsync(ct);
        return await Record(scope, "poe.mapping.clear", ServiceResult.Ok(cameraId), camera.Site, new { camera = cameraId }, ct, cameraId);
    }

    private async Task<ServiceResult> ChangeMappingAsync(FleetScope scope, Guid cameraId, string action, (Guid SwitchId, int Group, int Port)? manual,
        CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var camera = await scope.Cameras(db).Include(c => c.Site).AsNoTracking().SingleOrDefaultAsync(c => c.Id == cameraId, ct);
        if (camera is null) return ServiceResult.NotFound("The camera does not exist.");
        if (!scope.Can(FleetPermissions.Operate, camera.Site!.TenantId, camera.SiteId))
        {
            return await Record(scope, action, ServiceResult.Forbidden("Your role may not change port mappings."), camera.Site, new { camera = cameraId }, ct, cameraId);
        }

        var mapping = await db.PoePortMappings.Include(m => m.Switch).SingleOrDefaultAsync(m => m.CameraId == cameraId, ct);
        var now = time.GetUtcNow();
        var who = scope.UserName ?? "system";
        if (manual is { } set)
        {
            var sw = await db.PoeSwitches.AsNoTracking().Include(s => s.Ports).SingleOrDefaultAsync(s => s.Id == set.SwitchId && s.SiteId == camera.SiteId, ct);
            if (sw is null) return ServiceResult.Invalid("switch", "Choose a switch of the camera's site.");
            if (set.Port is < 1 or > 4096 || set.Group is < 1 or > 64) return ServiceResult.Invalid("port", "Not a port of a switch.");
            var port = sw.Ports.SingleOrDefault(p => p.Group == set.Group && p.Port == set.Port);
            if (sw.Ports.Count > 0 && port is null) return ServiceResult.Invalid("port", $"{sw.Name} has no PoE port {set.Port} (group {set.Group}).");
            if (port?.IsUplink == true)
            {
                return await Record(scope, action, ServiceResult.Conflict("port", $"Port {set.Port} of {sw.Name} carries {port.Macs.Count} devices (an uplink): not a camera's port."),
                    camera.Site, new { camera = cameraId, @switch = sw.Name, port = set.Port }, ct, cameraId);
            }

            mapping ??= db.PoePortMappings.Add(new PoePortMapping { CameraId = cameraId }).Entity;
            (mapping.SwitchId, mapping.Group, mapping.Port, mapping.Source, mapping.FoundAt) = (sw.Id, set.Group, set.Port, PoePortMappingSource.Manual, now);
            (mapping.ConfirmedAt, mapping.ConfirmedBy, mapping.Conflict) = (now, who, null);
            await db.SaveChangesAsync(ct);
            return await Record(scope, action, ServiceResult.Ok(cameraId), camera.Site, new { camera = cameraId, @switch = sw.Name, group = set.Group, port = set.Port }, ct, cameraId);
        }

        if (mapping is null) return ServiceResult.Conflict("mapping", "No port is known for this camera yet: poll its switch or set the port by hand.");
        (mapping.ConfirmedAt, mapping.ConfirmedBy) = (now, who);
        await db.SaveChangesAsync(ct);
        return await Record(scope, action, ServiceResult.Ok(cameraId), camera.Site,
            new { camera = cameraId, @switch = mapping.Switch!.Name, group = mapping.Group, port = mapping.Port, source = mapping.Source.ToString() }, ct, cameraId);
    }

    private static IQueryable<PoeSwitch> Switches(FleetScope scope, FleetDbContext db)
    {
        var sites = scope.Sites(db).Select(s => s.Id);
        return db.PoeSwitches.Where(s => sites.Contains(s.SiteId));
    }

    private static ServiceResult? Validate(PoeSwitchInput input, bool isNew)
    {
        var errors = new Dictionary<string, string[]>();
        var name = input.Name?.Trim() ?? "";
        if (name.Length is 0 or > MaxNameLength) errors["name"] = ["A switch needs a name (at most 200 characters)."];
        if (!IPAddress.TryParse(input.Address?.Trim(), out _)) errors["address"] = ["The switch's management IP address (e.g. 10.1.0.2)."];
        if (input.Port is < 1 or > 65535) errors["port"] = ["A UDP port 1–65535 (SNMP is 161)."];
        if (!Enum.IsDefined(input.Version)) errors["version"] = ["SNMP version V2c or V3."];
        else if (isNew && input.Version == SnmpVersion.V2c && Problem(input.Community, 1) is { } c) errors["community"] = [$"The community: {c}"];
        else if (input.Version == SnmpVersion.V3)
        {
            if (Problem(input.User, 1) is { } u || input.User!.Trim().Length > 32) errors["user"] = ["The SNMPv3 user name (at most 32 characters)."];
            // RFC 3414: USM passwords have at least 8 characters.
            if (isNew && Problem(input.AuthPassword, 8) is { } a) errors["authPassword"] = [$"The authentication (SHA) password: {a}"];
            if (isNew && Problem(input.PrivPassword, 8) is { } p) errors["privPassword"] = [$"The privacy (AES) password: {p}"];
        }

        return errors.Count == 0 ? null : ServiceResult.Invalid(errors);

        static string? Problem(string? secret, int min) =>
            string.IsNullOrEmpty(secret) ? "required." : secret.Length < min ? $"at least {min} characters."
            : secret.Length > MaxSecretLength ? $"at most {MaxSecretLength} characters." : secret.Any(char.IsControl) ? "no control characters." : null;
    }

    private static async Task<ServiceResult> SaveAsync(FleetDbContext db, Guid id, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
            return ServiceResult.Ok(id);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return ServiceResult.Conflict("name", "The site has a switch with that name already.");
        }
        catch (DbUpdateConcurrencyException)
        {
            return ServiceResult.Conflict("", "Someone else changed it meanwhile; reload and apply your change again.");
        }
    }

    private async Task<ServiceResult> Record(FleetScope scope, string action, ServiceResult result, Site site, object parameters, CancellationToken ct,
        Guid? cameraId = null)
    {
        await audit.RecordAsync(scope, action, result, site.TenantId, site.Id, cameraId, parameters, ct);
        if (result.Succeeded) changes.Publish(new FleetChange(FleetChangeKinds.Poe, site.TenantId, site.Id, cameraId));
        return result;
    }
}
