using System.Net;
using HikFleet.Core.Audit;
using HikFleet.Core.Common;
using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Devices;
using HikFleet.Core.Operations;
using HikFleet.Core.Security;
using HikFleet.Core.Vault;
using HikFleet.Isapi;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace HikFleet.Core.Profiles;

/// <summary>What a person (or the API) submits to create or change a profile.</summary>
public sealed class ProfileInput
{
    public Guid TenantId { get; set; }
    /// <summary>Null: the tenant-wide profile.</summary>
    public Guid? SiteId { get; set; }
    public string Name { get; set; } = "";
    public ProfileSettings Settings { get; set; } = new();
    /// <summary>The version the editor loaded; a save against a newer version is refused, not merged.</summary>
    public uint? Version { get; set; }
}

/// <summary>A profile as lists and editors show it.</summary>
public sealed record ProfileView(Guid Id, Guid TenantId, string TenantName, Guid? SiteId, string? SiteName, string Name, ProfileSettings Settings,
    DateTimeOffset UpdatedAt, uint Version, bool CanEdit);

/// <summary>The profile that applies to a site: its own over its tenant's, field by field.</summary>
/// <param name="ProfileId">The site's profile when it has one, else the tenant's (recorded on the operation).</param>
/// <param name="ChangedAt">When either profile was last changed (null: no profile); the health check reads a camera's settings
/// again after it.</param>
public sealed record EffectiveProfile(ProfileSettings Settings, Guid? ProfileId, Guid? TenantProfileId, Guid? SiteProfileId,
    DateTimeOffset? ChangedAt = null);

/// <summary>A dry run's answer: what would change on the camera (fields the profile sets only), or why it could not be read.</summary>
public sealed record ProfileDryRun(ServiceResult Result, IReadOnlyList<SettingsDifference> Differences, string? Note = null);

/// <summary>
/// Configuration profiles of tenants and sites: editing (ManageSites, audited <c>profile.create/update/delete</c>), the effective
/// profile of a site, the dry-run difference against a camera (a read, never a write) and pushing it as ApplyProfile operations.
/// </summary>
public sealed class ProfileService(
    IDbContextFactory<FleetDbContext> contexts,
    AuditLog audit,
    CredentialVault vault,
    DeviceAccess access,
    OperationCreator creator,
    IOptions<OperationOptions> options,
    TimeProvider time,
    FleetChangeFeed? changes = null)
{
    /// <summary>Profiles the caller sees: tenant profiles of their tenants, site profiles of their sites.</summary>
    public async Task<IReadOnlyList<ProfileView>> ListAsync(FleetScope scope, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var tenants = scope.Tenants(db).Select(t => t.Id);
        var sites = scope.Sites(db).Select(s => s.Id);
        var rows = await db.ConfigurationProfiles.AsNoTracking()
            .Where(p => p.SiteId == null ? tenants.Contains(p.TenantId) : sites.Contains(p.SiteId.Value))
            .ToListAsync(cancellationToken);
        var tenantIds = rows.Select(r => r.TenantId).Distinct().ToList();
        var siteIds = rows.Where(r => r.SiteId != null).Select(r => r.SiteId!.Value).Distinct().ToList();
        var tenantNames = await db.Tenants.AsNoTracking().Where(t => tenantIds.Contains(t.Id)).ToDictionaryAsync(t => t.Id, t => t.Name, cancellationToken);
        var siteNames = await db.Sites.AsNoTracking().Where(s => siteIds.Contains(s.Id)).ToDictionaryAsync(s => s.Id, s => s.Name, cancellationToken);
        return rows.Select(p => View(scope, p, tenantNames.GetValueOrDefault(p.TenantId) ?? "", p.SiteId is { } site ? siteNames.GetValueOrDefault(site) : null))
            .OrderBy(v => v.TenantName, StringComparer.OrdinalIgnoreCase).ThenBy(v => v.SiteId is not null).ThenBy(v => v.SiteName, StringComparer.OrdinalIgnoreCase)
            .ToList();
    }

    /// <summary>Whether the caller may edit the profile of this tenant (site null) or site.</summary>
    public static bool CanEdit(FleetScope scope, Guid tenantId, Guid? siteId) =>
        siteId is { } site ? scope.Can(FleetPermissions.ManageSites, tenantId, site) : scope.Can(FleetPermissions.ManageSites, tenantId);

    public async Task<ServiceResult> CreateAsync(FleetScope scope, ProfileInput input, CancellationToken cancellationToken = default)
    {
        var result = await CreateCoreAsync(scope, input, cancellationToken);
        await audit.RecordAsync(scope, "profile.create", result, input.TenantId, input.SiteId, parameters: Describe(input), cancellationToken: cancellationToken);
        Publish(result, input.TenantId, input.SiteId);
        return result;
    }

    private async Task<ServiceResult> CreateCoreAsync(FleetScope scope, ProfileInput input, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (!await scope.Tenants(db).AnyAsync(t => t.Id == input.TenantId, ct)) return ServiceResult.Invalid(nameof(ProfileInput.TenantId), "No such tenant.");
        if (input.SiteId is { } siteId && !await scope.Sites(db).AnyAsync(s => s.Id == siteId && s.TenantId == input.TenantId, ct))
        {
            return ServiceResult.Invalid(nameof(ProfileInput.SiteId), "No such site in this tenant.");
        }

        if (!CanEdit(scope, input.TenantId, input.SiteId)) return ServiceResult.Forbidden("Your role may not edit configuration profiles here.");
        var errors = ProfileValidator.Validate(input.Name, input.Settings);
        if (errors.Count > 0) return ServiceResult.Invalid(errors);

        var now = time.GetUtcNow();
        var profile = new ConfigurationProfile
        {
            TenantId = input.TenantId, SiteId = input.SiteId, Name = input.Name.Trim(), Settings = Normalise(input.Settings).ToJson(), CreatedAt = now,
            UpdatedAt = now,
        };
        db.ConfigurationProfiles.Add(profile);
        return await SaveAsync(db, profile.Id, ct);
    }

    /// <summary>Changes a profile's name and settings (its tenant and site never change).</summary>
    public async Task<ServiceResult> UpdateAsync(FleetScope scope, Guid profileId, ProfileInput input, CancellationToken cancellationToken = default)
    {
        var (result, tenant, site) = await UpdateCoreAsync(scope, profileId, input, cancellationToken);
        await audit.RecordAsync(scope, "profile.update", result, tenant, site, parameters: new { profile = profileId, settings = Describe(input) },
            cancellationToken: cancellationToken);
        Publish(result, tenant, site);
        return result;
    }

    private async Task<(ServiceResult, Guid?, Guid?)> UpdateCoreAsync(FleetScope scope, Guid profileId, ProfileInput input, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var profile = await VisibleAsync(db, scope, profileId, ct);
        if (profile is null) return (ServiceResult.NotFound("The profile does not exist."), null, null);
        if (!CanEdit(scope, profile.TenantId, profile.SiteId))
        {
            return (ServiceResult.Forbidden("Your role may not edit configuration profiles here."), profile.TenantId, profile.SiteId);
        }

        var errors = ProfileValidator.Validate(input.Name, input.Settings);
        if (errors.Count > 0) return (ServiceResult.Invalid(errors), profile.TenantId, profile.SiteId);
        if (input.Version is { } version) db.Entry(profile).Property(p => p.Version).OriginalValue = version;
        profile.Name = input.Name.Trim();
        profile.Settings = Normalise(input.Settings).ToJson();
        profile.UpdatedAt = time.GetUtcNow();
        return (await SaveAsync(db, profile.Id, ct), profile.TenantId, profile.SiteId);
    }

    public async Task<ServiceResult> DeleteAsync(FleetScope scope, Guid profileId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var profile = await VisibleAsync(db, scope, profileId, cancellationToken);
        ServiceResult result;
        if (profile is null) result = ServiceResult.NotFound("The profile does not exist.");
        else if (!CanEdit(scope, profile.TenantId, profile.SiteId)) result = ServiceResult.Forbidden("Your role may not edit configuration profiles here.");
        else
        {
            db.ConfigurationProfiles.Remove(profile);
            result = await SaveAsync(db, profile.Id, cancellationToken);
        }

        await audit.RecordAsync(scope, "profile.delete", result, profile?.TenantId, profile?.SiteId,
            parameters: new { profile = profileId, name = profile?.Name }, cancellationToken: cancellationToken);
        Publish(result, profile?.TenantId, profile?.SiteId);
        return result;
    }

    /// <summary>The profile that applies to a site (its own over its tenant's, field by field).</summary>
    public async Task<EffectiveProfile> EffectiveAsync(Guid siteId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var site = await db.Sites.AsNoTracking().SingleOrDefaultAsync(s => s.Id == siteId, cancellationToken);
        return site is null ? new EffectiveProfile(new ProfileSettings(), null, null, null) : await EffectiveAsync(db, site, cancellationToken);
    }

    /// <inheritdoc cref="EffectiveAsync(Guid, CancellationToken)"/>
    public static async Task<EffectiveProfile> EffectiveAsync(FleetDbContext db, Site site, CancellationToken ct)
    {
        var rows = await db.ConfigurationProfiles.AsNoTracking()
            .Where(p => p.TenantId == site.TenantId && (p.SiteId == null || p.SiteId == site.Id))
            .Select(p => new { p.Id, p.SiteId, p.Settings, p.UpdatedAt }).ToListAsync(ct);
        var tenant = rows.FirstOrDefault(r => r.SiteId is null);
        var own = rows.FirstOrDefault(r => r.SiteId == site.Id);
        var tenantSettings = tenant is null ? null : ProfileSettings.FromJson(tenant.Settings);
        var settings = own is null ? tenantSettings ?? new ProfileSettings() : ProfileSettings.FromJson(own.Settings).Over(tenantSettings);
        return new EffectiveProfile(settings, own?.Id ?? tenant?.Id, tenant?.Id, own?.Id, rows.Max(r => (DateTimeOffset?)r.UpdatedAt));
    }

    // ------------------------------------------------------------------ profile → device settings

    /// <summary>Stream ids of channel 1 (§2.8: channel × 100 + stream).</summary>
    public const int MainStreamId = 101, SubStreamId = 102;

    /// <summary>
    /// The device settings the profile asks for, as a <see cref="DeviceSettings"/> with only the profile's areas set (the rest null
    /// or empty). Inside an area, what the profile does not govern is copied from <paramref name="current"/> (a stream's GOP, the
    /// NTP port, the motion grid), so writing it changes only the profile's fields.
    /// </summary>
    public static DeviceSettings ToDesiredSettings(ProfileSettings profile, Camera camera, Site site, DeviceSettings current)
    {
        DeviceSettings.TimeSettings? timeSettings = null;
        if (profile.TimeZone is not null || profile.NtpServers is not null)
        {
            var zone = profile.TimeZone is { } iana && PosixTimeZones.TryConvert(iana, out var posix, out _) ? posix : current.Time?.TimeZone;
            timeSettings = new DeviceSettings.TimeSettings(profile.NtpServers is not null ? "NTP" : current.Time?.Mode, zone);
        }

        var ntp = new List<DeviceSettings.NtpSettings>();
        foreach (var (server, i) in (profile.NtpServers ?? []).Select((s, i) => (s.Trim(), i + 1)))
        {
            var now = current.Ntp.FirstOrDefault(n => n.Id == i);
            var isAddress = IPAddress.TryParse(server, out _);
            ntp.Add(new DeviceSettings.NtpSettings(i, isAddress ? "ipaddress" : "hostname", isAddress ? null : server, isAddress ? server : null,
                now?.Port ?? 123, now?.IntervalMinutes ?? 1440));
        }

        var streams = new List<DeviceSettings.StreamSettings>();
        foreach (var (id, wanted) in new[] { (MainStreamId, profile.MainStream), (SubStreamId, profile.SubStream) })
        {
            if (wanted is null) continue;
            var now = current.Streams.FirstOrDefault(s => s.Id == id)
                      ?? new DeviceSettings.StreamSettings(id, null, null, null, null, null, null, null, null, null, null, null);
            var cbr = wanted.BitrateControl == "CBR";
            streams.Add(now with
            {
                Codec = wanted.Codec, Width = wanted.Width, Height = wanted.Height, MaxFrameRate = wanted.MaxFps, QualityControl = wanted.BitrateControl,
                ConstantBitRate = cbr ? wanted.BitrateKbps : now.ConstantBitRate, VbrUpperCap = cbr ? now.VbrUpperCap : wanted.BitrateKbps,
            });
        }

        DeviceSettings.MotionSettings? motion = null;
        if (profile.MotionEnabled is not null || profile.MotionSensitivity is not null)
        {
            motion = new DeviceSettings.MotionSettings(profile.MotionEnabled ?? current.Motion?.Enabled, profile.MotionSensitivity ?? current.Motion?.Sensitivity,
                current.Motion?.RegionType, current.Motion?.GridMap);
        }

        return new DeviceSettings
        {
            Time = timeSettings,
            Ntp = ntp,
            Streams = streams,
            OsdName = profile.OsdNamePattern is { } pattern ? ProfileSettings.RenderOsdName(pattern, camera.Name, site.Name, camera.SerialNumber) : null,
            Motion = motion,
            // Cloud access "allowed" leaves the device's choice alone; only "not allowed" is enforced.
            CloudAccessEnabled = profile.CloudAccessAllowed == false ? false : null,
            LoginLock = profile.LoginLock is { } l
                ? new DeviceSettings.LoginLockSettings(l.Enabled, l.MaxAttempts ?? current.LoginLock?.MaxAttempts,
                    l.LockMinutes is { } minutes ? minutes * 60 : current.LoginLock?.LockSeconds)
                : null,
            // Like cloud access: only "on" is enforced; HikFleet never switches HTTPS off.
            HttpsEnabled = profile.HttpsEnabled == true ? true : null,
        };
    }

    /// <summary>The flattened fields (<see cref="DeviceSettings.Flatten"/> keys) a profile governs: a dry run and a verify look at these only.</summary>
    public static IReadOnlySet<string> GovernedFields(ProfileSettings profile)
    {
        var f = new HashSet<string>(StringComparer.Ordinal);
        if (profile.TimeZone is not null) f.Add("time.zone");
        if (profile.NtpServers is { } servers)
        {
            f.Add("time.mode");
            for (var i = 1; i <= servers.Count; i++) f.Add($"ntp.{i}.server");
        }

        foreach (var (id, s) in new[] { (MainStreamId, profile.MainStream), (SubStreamId, profile.SubStream) })
        {
            if (s is null) continue;
            foreach (var field in new[] { "codec", "resolution", "maxFrameRate", "qualityControl", s.BitrateControl == "CBR" ? "constantBitRate" : "vbrUpperCap" })
                f.Add($"stream.{id}.{field}");
        }

        if (profile.OsdNamePattern is not null) f.Add("osd.name");
        if (profile.MotionEnabled is not null) f.Add("motion.enabled");
        if (profile.MotionSensitivity is not null) f.Add("motion.sensitivity");
        if (profile.CloudAccessAllowed == false) f.Add("cloud.enabled");
        if (profile.LoginLock is { } l)
        {
            f.Add("loginLock.enabled");
            if (l.MaxAttempts is not null) f.Add("loginLock.maxAttempts");
            if (l.LockMinutes is not null) f.Add("loginLock.lockSeconds");
        }

        if (profile.HttpsEnabled == true) f.Add("access.https");
        return f;
    }

    /// <summary>What differs between the device (<paramref name="current"/>) and <paramref name="desired"/>, on the profile's fields only.</summary>
    public static IReadOnlyList<SettingsDifference> Differences(ProfileSettings profile, DeviceSettings current, DeviceSettings desired)
    {
        var governed = GovernedFields(profile);
        var now = current.Flatten();
        var want = desired.Flatten();
        return governed.Order(StringComparer.Ordinal)
            .Select(key => new SettingsDifference(key, now.GetValueOrDefault(key), want.GetValueOrDefault(key)))
            .Where(d => !string.Equals(d.Before, d.After, StringComparison.Ordinal))
            .ToList();
    }

    // ------------------------------------------------------------------ dry run and apply

    /// <summary>
    /// Reads the camera over ISAPI (the lockout guard asked first, the outcome recorded on the camera row) and returns what the
    /// effective profile would change: fields the profile sets only. Nothing is written to the device.
    /// </summary>
    public async Task<ProfileDryRun> DryRunAsync(FleetScope scope, Guid cameraId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var camera = await scope.Cameras(db).Include(c => c.Site).SingleOrDefaultAsync(c => c.Id == cameraId, cancellationToken);
        if (camera is null) return new(ServiceResult.NotFound("The camera does not exist."), []);
        var site = camera.Site!;
        if (!scope.Can(FleetPermissions.Operate, site.TenantId, site.Id)) return new(ServiceResult.Forbidden("Your role may not operate cameras."), []);
        if (camera.Lifecycle != CameraLifecycle.Managed) return new(ServiceResult.Conflict("camera", $"The camera is {camera.Lifecycle}; only managed cameras get profiles."), []);
        if (camera.Address is null) return new(ServiceResult.Conflict("camera", "The camera has no address."), []);

        var effective = await EffectiveAsync(db, site, cancellationToken);
        if (effective.Settings.IsEmptyForDevices)
        {
            return new(ServiceResult.Conflict("profile", "No configuration profile sets anything for this camera's site."), []);
        }

        var secret = await vault.GetForCameraAsync(db, camera.Id, cancellationToken);
        var decision = access.Decide(camera, secret);
        if (!decision.Allowed) return new(ServiceResult.Conflict("camera", decision.Reason), []);
        DeviceSettings current;
        try
        {
            using var client = access.CreateClient(camera, secret);
            current = await DeviceSettingsIo.ReadAsync(client, cancellationToken);
            DeviceAccess.RecordSuccess(camera);
        }
        catch (IsapiException e)
        {
            var auth = access.RecordFailure(camera, secret, e);
            await db.SaveChangesAsync(cancellationToken);
            return new(ServiceResult.Conflict("camera", auth
                ? e.Kind == IsapiErrorKind.LockedOut
                    ? "The camera locked its login; HikFleet sends nothing until it unlocks."
                    : "The camera rejected the vault's password; HikFleet will not try it again until a person enters the right one."
                : $"The camera could not be read ({e.Kind})."), []);
        }

        await db.SaveChangesAsync(cancellationToken);
        var desired = ToDesiredSettings(effective.Settings, camera, site, current);
        var differences = Differences(effective.Settings, current, desired);
        string? note = null;
        if (effective.Settings.TimeZone is { } zone && PosixTimeZones.TryConvert(zone, out _, out var problem) && problem is not null) note = problem;
        if (current.Unreadable.Count > 0) note = (note is null ? "" : note + " ") + $"Not readable on this camera: {string.Join(", ", current.Unreadable)}.";
        return new(ServiceResult.Ok(camera.Id), differences, note);
    }

    /// <summary>
    /// Queues an ApplyProfile operation per camera (preflight, backup, apply, reboot if required, verify), one batch, staggered by
    /// each site's bulk concurrency. Each camera gets its own result; one refused camera does not stop the others.
    /// </summary>
    public async Task<BulkResult> ApplyAsync(FleetScope scope, IReadOnlyCollection<Guid> cameraIds, string? reason, CancellationToken cancellationToken = default)
    {
        var ids = cameraIds.Distinct().ToList();
        if (ids.Count == 0) return new BulkResult(null, [], "Choose at least one camera.");
        if (ids.Count > options.Value.MaxBulk) return new BulkResult(null, [], $"At most {options.Value.MaxBulk} cameras per request.");
        var why = reason?.Trim();
        if (string.IsNullOrEmpty(why)) return new BulkResult(null, [], "Say why (the reason goes into the audit trail).");
        if (why.Length > OperationService.MaxReasonLength) return new BulkResult(null, [], $"A reason has at most {OperationService.MaxReasonLength} characters.");

        var batch = ids.Count > 1 ? Guid.CreateVersion7() : (Guid?)null;
        var items = new List<BulkItemResult>();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var cameras = await scope.Cameras(db).Include(c => c.Site).AsNoTracking().Where(c => ids.Contains(c.Id)).ToDictionaryAsync(c => c.Id, cancellationToken);
        var effective = new Dictionary<Guid, EffectiveProfile>();
        foreach (var id in ids)
        {
            if (!cameras.TryGetValue(id, out var camera))
            {
                items.Add(new BulkItemResult(id, ResultKind.NotFound, null, "The camera does not exist."));
                continue;
            }

            var site = camera.Site!;
            ServiceResult? refusal = null;
            if (!scope.Can(FleetPermissions.Operate, site.TenantId, site.Id)) refusal = ServiceResult.Forbidden("Your role may not operate cameras.");
            else if (camera.Lifecycle != CameraLifecycle.Managed) refusal = ServiceResult.Conflict("camera", $"The camera is {camera.Lifecycle}; only managed cameras get profiles.");
            else if (camera.Address is null) refusal = ServiceResult.Conflict("camera", "The camera has no address.");
            if (!effective.TryGetValue(site.Id, out var profile)) effective[site.Id] = profile = await EffectiveAsync(db, site, cancellationToken);
            if (refusal is null && profile.Settings.IsEmptyForDevices)
                refusal = ServiceResult.Conflict("profile", "No configuration profile sets anything for this camera's site.");
            if (refusal is not null)
            {
                await audit.RecordAsync(scope, OperationAudit.Action(OperationKind.ApplyProfile, "request"), refusal, site.TenantId, site.Id, camera.Id,
                    new { kind = nameof(OperationKind.ApplyProfile), refused = refusal.Message }, cancellationToken);
                items.Add(new BulkItemResult(id, refusal.Kind, null, refusal.Message));
                continue;
            }

            var parameters = new OperationParameters { ProfileId = profile.ProfileId, SiteOfflineAtStart = batch is null ? null : await OfflineAsync(db, site.Id, cancellationToken) };
            var result = await creator.CreateAsync(db, scope, new OperationCreator.Request(OperationKind.ApplyProfile, camera, site, why, parameters, batch),
                cancellationToken);
            items.Add(new BulkItemResult(id, result.Kind, result.Id, result.Succeeded ? "Queued." : result.Message));
        }

        return new BulkResult(batch, items);
    }

    private static Task<int> OfflineAsync(FleetDbContext db, Guid siteId, CancellationToken ct) =>
        db.Cameras.CountAsync(c => c.SiteId == siteId && c.Lifecycle == CameraLifecycle.Managed && c.Health == HealthState.Offline, ct);

    // ------------------------------------------------------------------ helpers

    private static async Task<ConfigurationProfile?> VisibleAsync(FleetDbContext db, FleetScope scope, Guid id, CancellationToken ct)
    {
        var profile = await db.ConfigurationProfiles.SingleOrDefaultAsync(p => p.Id == id, ct);
        if (profile is null) return null;
        var visible = profile.SiteId is { } site ? await scope.Sites(db).AnyAsync(s => s.Id == site, ct) : await scope.Tenants(db).AnyAsync(t => t.Id == profile.TenantId, ct);
        return visible ? profile : null;
    }

    private static ProfileView View(FleetScope scope, ConfigurationProfile p, string tenantName, string? siteName) =>
        new(p.Id, p.TenantId, tenantName, p.SiteId, siteName, p.Name, ProfileSettings.FromJson(p.Settings), p.UpdatedAt, p.Version, CanEdit(scope, p.TenantId, p.SiteId));

    /// <summary>Trimmed values, NTP list without blanks.</summary>
    private static ProfileSettings Normalise(ProfileSettings s) => s with
    {
        TimeZone = s.TimeZone?.Trim(),
        NtpServers = s.NtpServers?.Select(n => n.Trim()).Where(n => n.Length > 0).ToList(),
        OsdNamePattern = s.OsdNamePattern?.Trim(),
    };

    private static object Describe(ProfileInput input) => new { name = input.Name, site = input.SiteId, settings = input.Settings };

    private async Task<ServiceResult> SaveAsync(FleetDbContext db, Guid id, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
            return ServiceResult.Ok(id);
        }
        catch (DbUpdateConcurrencyException)
        {
            return ServiceResult.Conflict("", "Someone else changed this profile meanwhile; reload it and make your change again.");
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return ServiceResult.Conflict("", "This tenant or site already has a profile; edit that one.");
        }
    }

    private void Publish(ServiceResult result, Guid? tenantId, Guid? siteId)
    {
        if (result.Succeeded) changes?.Publish(new FleetChange(FleetChangeKinds.Site, tenantId, siteId));
    }
}
