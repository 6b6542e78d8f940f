using System.Net;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Discovery;
using HikFleet.Core.Vault;
using HikFleet.Isapi;
using HikFleet.Isapi.Security;
using HikFleet.Sadp;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace HikFleet.Core.Operations;

/// <summary>
/// The steps device workflows are built from, each idempotent: it checks what the device already did before it acts (a crash between
/// the device acting and the result being saved runs the step again), and a wait returns <see cref="StepOutcome.Wait"/> instead of
/// holding a worker. Bag keys are the constants below.
/// </summary>
public sealed class DeviceSteps(DeviceLink link, ConfigurationBackups backups, SiteSadpClients sadp, CredentialVault vault,
    IOptions<OperationOptions> options, TimeProvider time)
{
    public const string PreviousNetwork = "previous.network", PreviousHttpPort = "previous.httpPort", BackupId = "backup.id",
        CommandSentAt = "command.sentAt", FoundAddress = "found.address", ImportedAt = "config.importedAt", RebootRequired = "rebootRequired",
        RestoreProblems = "restore.problems", RebootSentAt = "reboot.sentAt", BootBefore = "boot.before",
        ImportRefused = "config.importRefused";

    private OperationOptions Options => options.Value;
    private TimeSpan Poll => Options.PollInterval;

    // ------------------------------------------------------------------ preflight and backup

    /// <summary>The camera is managed, answers with the vault's password and is the device we think it is; remembers its network.</summary>
    public async Task<StepOutcome> PreflightAsync(StepContext ctx)
    {
        if (ctx.Camera.Lifecycle != CameraLifecycle.Managed) return new StepOutcome.Fail($"The camera is {ctx.Camera.Lifecycle}, not managed.");
        if (ctx.Camera.Address is null) return new StepOutcome.Fail("The camera has no address.");
        var (info, ip) = await link.CallAsync(ctx, async c => (await c.GetDeviceInfoAsync(ctx.CancellationToken), await c.GetIpAddressAsync(1, ctx.CancellationToken)));
        if (info.SerialNumber is { } serial && !SameSerial(serial, ctx.Camera.SerialNumber))
        {
            return new StepOutcome.Fail($"Another device answers at {ctx.Camera.Address} (serial {serial}): nothing was sent to it.");
        }

        ctx.Bag.Set(PreviousNetwork, new DeviceSettings.NetworkSettings(ip.AddressingType, ip.IpAddress ?? ctx.Camera.Address.ToString(), ip.SubnetMask,
            ip.DefaultGateway, ip.PrimaryDns, ip.SecondaryDns));
        ctx.Bag.Set(PreviousHttpPort, ctx.Camera.HttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return new StepOutcome.Done($"{info.Model} {info.FirmwareVersion} answers at {ctx.Camera.Address}; network remembered ({ip.AddressingType} {ip.IpAddress}).");
    }

    /// <summary>No backup, no reset: the device's export and readable snapshot, unless an administrator overrode it.</summary>
    public async Task<StepOutcome> BackupAsync(StepContext ctx, string trigger)
    {
        if (ctx.Bag.Get(BackupId) is { } existing && await ctx.Db.ConfigurationBackups.AnyAsync(b => b.Id == Guid.Parse(existing), ctx.CancellationToken))
        {
            return new StepOutcome.Done("Backup already taken.");
        }

        try
        {
            var backup = await link.CallAsync(ctx, c => backups.TakeAsync(ctx.Db, ctx.Camera, c, trigger, ctx.Operation.RequestedByName, ctx.Operation.Id,
                ctx.CancellationToken));
            ctx.Bag.Set(BackupId, backup.Id.ToString("D"));
            return new StepOutcome.Done(
                $"Backup #{backup.Number}: {(backup.DeviceExport is { } e ? $"device export {e.Length:N0} bytes (SHA-256 {backup.DeviceExportSha256![..12]}…) and " : "no device export; ")}" +
                $"settings snapshot (SHA-256 {backup.SnapshotSha256[..12]}…).");
        }
        catch (IsapiException e) when (ctx.Parameters.BackupOverride && e.Kind is not (IsapiErrorKind.Unauthorized or IsapiErrorKind.LockedOut))
        {
            return new StepOutcome.Skipped($"No backup ({e.Kind}); an administrator chose to go on without one.");
        }
    }

    /// <summary>Reprovisioning: which backup to restore and which address the camera had (from the backup, else the inventory).</summary>
    public async Task<StepOutcome> PlanReprovisionAsync(StepContext ctx)
    {
        var backup = ctx.Parameters.BackupId is { } chosen
            ? await ctx.Db.ConfigurationBackups.AsNoTracking().SingleOrDefaultAsync(b => b.Id == chosen && b.CameraId == ctx.Camera.Id, ctx.CancellationToken)
            : await ctx.Db.ConfigurationBackups.AsNoTracking().Where(b => b.CameraId == ctx.Camera.Id).OrderByDescending(b => b.Number)
                .FirstOrDefaultAsync(ctx.CancellationToken);
        if (ctx.Camera.Address is null) return new StepOutcome.Fail("The camera's previous address is unknown.");
        var network = backup is null ? null : DeviceSettings.FromJson(backup.Snapshot).Network;
        ctx.Bag.Set(PreviousNetwork, network ?? new DeviceSettings.NetworkSettings("static", ctx.Camera.Address.ToString(), "255.255.255.0", null, null, null));
        ctx.Bag.Set(PreviousHttpPort, ctx.Camera.HttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (backup is not null) ctx.Bag.Set(BackupId, backup.Id.ToString("D"));
        return new StepOutcome.Done(backup is null
            ? $"No backup of this camera: it gets its address {ctx.Camera.Address} and password back, its settings stay at factory values."
            : $"Restoring backup #{backup.Number} of {backup.CreatedAt:u} to {network?.Address ?? ctx.Camera.Address.ToString()}.");
    }

    // ------------------------------------------------------------------ reset and reboot commands

    /// <summary>Sends the factory reset, once: a resumed step first looks whether the device already went down or came back reset.</summary>
    public async Task<StepOutcome> ResetAsync(StepContext ctx)
    {
        var mode = ctx.Parameters.ResetMode ?? FactoryResetMode.Basic;
        if (await BeforeRestartCommandAsync(ctx, expectInactive: mode == FactoryResetMode.Full) is { } already) return already;

        var result = await link.CallAsync(ctx, c => c.FactoryResetAsync(mode, ctx.CancellationToken));
        if (result.RebootRequired)
        {
            // statusCode 7: the reset applies at the next boot, which HikFleet must ask for (§5 item 4).
            await link.CallAsync(ctx, c => c.RebootAsync(ctx.CancellationToken));
            return new StepOutcome.Done($"{mode} reset accepted (reboot required); reboot sent.");
        }

        return new StepOutcome.Done($"{mode} factory reset accepted.");
    }

    /// <summary>Sends the reboot, once (a resumed step looks at the boot time first).</summary>
    public async Task<StepOutcome> RebootAsync(StepContext ctx)
    {
        if (await BeforeRestartCommandAsync(ctx, expectInactive: false) is { } already) return already;
        await link.CallAsync(ctx, c => c.RebootAsync(ctx.CancellationToken));
        return new StepOutcome.Done("Reboot accepted.");
    }

    /// <summary>
    /// Before a command that restarts the device: on a resumed step, whether it already restarted (then the command is not sent again);
    /// otherwise the boot time now, checkpointed before the command goes out, so the wait (and a resume) can tell the restart happened.
    /// </summary>
    public async Task<StepOutcome?> BeforeRestartCommandAsync(StepContext ctx, bool expectInactive)
    {
        // Keyed by step: an earlier step's command (the reset before an import) must not count as this one's.
        var stepKey = $"{BootBefore}@{ctx.Step.Name}";
        if (ctx.Bag.Get(stepKey) is { } recorded)
        {
            var before = DateTimeOffset.Parse(recorded, System.Globalization.CultureInfo.InvariantCulture);
            var (answers, activated) = await link.ProbeAsync(ctx.Camera, ctx.CancellationToken);
            if (!answers || (expectInactive && activated == false) || (!expectInactive && await RestartedSinceAsync(ctx, before) is not null))
            {
                return new StepOutcome.Done("The camera had already taken the command (resumed after an interruption); not sent again.");
            }
        }

        var boot = await BootTimeAsync(ctx) ?? time.GetUtcNow();
        ctx.Bag.Set(stepKey, boot.ToString("O"));
        ctx.Bag.Set(BootBefore, boot.ToString("O"));
        ctx.Bag.Set(CommandSentAt, time.GetUtcNow().ToString("O"));
        await ctx.CheckpointAsync();
        return null;
    }

    /// <summary>Until the camera stops answering, or shows it already restarted (fast devices come back between two looks).</summary>
    public async Task<StepOutcome> WaitDownAsync(StepContext ctx, bool expectInactive)
    {
        var (answers, activated) = await link.ProbeAsync(ctx.Camera, ctx.CancellationToken);
        if (!answers) return new StepOutcome.Done("The camera went down.");
        if (expectInactive && activated == false) return new StepOutcome.Done("The camera went down and is back, inactive.");
        if (!expectInactive && await RestartedSinceAsync(ctx, BootBeforeOf(ctx)) is { } uptime)
        {
            return new StepOutcome.Done($"The camera already restarted (uptime {uptime:hh\\:mm\\:ss}).");
        }

        return new StepOutcome.Wait(Poll, "Waiting for the camera to go down.");
    }

    /// <summary>Until the camera answers at its address with the vault's password and a boot time later than before the command.</summary>
    public async Task<StepOutcome> WaitUpAsync(StepContext ctx)
    {
        var (answers, _) = await link.ProbeAsync(ctx.Camera, ctx.CancellationToken);
        if (!answers) return new StepOutcome.Wait(Poll, "Waiting for the camera to answer again.");
        if (await RestartedSinceAsync(ctx, BootBeforeOf(ctx)) is { } uptime)
        {
            var sent = ctx.Bag.Get(CommandSentAt) is { } s ? DateTimeOffset.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : ctx.Step.StartedAt!.Value;
            return new StepOutcome.Done($"Back after {(time.GetUtcNow() - sent).TotalSeconds:0.#} s with its uptime reset ({uptime:hh\\:mm\\:ss}).");
        }

        return new StepOutcome.Wait(Poll, "The camera answers but has not restarted yet.");
    }

    // ------------------------------------------------------------------ after a full reset: find, activate, readdress

    /// <summary>Finds the reset camera by MAC over SADP (it is inactive, usually at the factory address, maybe next to others).</summary>
    public async Task<StepOutcome> FindAsync(StepContext ctx)
    {
        var sighting = await sadp.ForSite(ctx.Site).FindAsync(ctx.Camera.MacAddress, ctx.CancellationToken);
        if (sighting is null) return new StepOutcome.Wait(Poll, "Looking for the camera by its MAC over SADP.");
        if (sighting.Serial is { } serial && !SameSerial(serial, ctx.Camera.SerialNumber))
        {
            return new StepOutcome.Fail($"The device with MAC {ctx.Camera.MacAddress} reports serial {serial}: not the camera that was reset.");
        }

        ctx.Bag.Set(FoundAddress, sighting.Address.ToString());
        return new StepOutcome.Done($"Found by MAC at {sighting.Address} ({(sighting.Activated == false ? "inactive" : "activated")}).");
    }

    /// <summary>Activates it by MAC with the vault's password (a new strong one, committed to the vault first, when the vault has none).</summary>
    public async Task<StepOutcome> ActivateAsync(StepContext ctx)
    {
        var client = sadp.ForSite(ctx.Site);
        var sighting = await client.FindAsync(ctx.Camera.MacAddress, ctx.CancellationToken);
        if (sighting is null) return new StepOutcome.Wait(Poll, "Looking for the camera by its MAC over SADP.");
        if (sighting.Activated == true) return new StepOutcome.Done("Already activated (resumed after an interruption, or activated on site).");

        var secret = await link.SecretAsync(ctx) ?? await NewPasswordAsync(ctx, "the vault held none");
        var outcome = await client.ActivateAsync(ctx.Camera.MacAddress, secret.Password, ctx.CancellationToken);
        if (outcome.Status == SadpCommandStatus.RiskyPassword)
        {
            // The device's rules refuse the old password (rules tighten with firmware): a new strong one, in the vault first.
            secret = await NewPasswordAsync(ctx, "the device refused the previous one as risky");
            outcome = await client.ActivateAsync(ctx.Camera.MacAddress, secret.Password, ctx.CancellationToken);
        }

        return outcome.Status switch
        {
            SadpCommandStatus.Success => Activated(ctx, "Activated over SADP with the vault's password."),
            SadpCommandStatus.AlreadyActivated => Activated(ctx, $"The camera reports it is activated ({outcome.Detail})."),
            SadpCommandStatus.NoAnswer => new StepOutcome.Wait(Poll, "The camera did not answer the activation; trying again."),
            _ => new StepOutcome.Fail($"The camera refused the activation: {outcome.Status} {outcome.Detail}"),
        };

        async Task<DeviceSecret> NewPasswordAsync(StepContext c, string why)
        {
            var password = PasswordRules.Generate(14);
            var row = await vault.StoreForCameraAsync(c.Db, c.Camera.Id, c.Site.DefaultUserName, password,
                $"operation {c.Operation.Id:D}: new password because {why}", c.CancellationToken);
            // Committed before the device sees it: if HikFleet dies right after activation, the device's only password is not lost.
            await c.CheckpointAsync();
            return vault.Open(row);
        }

        static StepOutcome Activated(StepContext ctx, string detail)
        {
            ctx.Camera.Activated = true;
            return new StepOutcome.Done(detail);
        }
    }

    /// <summary>Moves it back to its previous address (SADP update by MAC), then waits until it answers there as itself.</summary>
    public async Task<StepOutcome> RestoreNetworkAsync(StepContext ctx)
    {
        var previous = ctx.Bag.Get<DeviceSettings.NetworkSettings>(PreviousNetwork);
        if (previous is null) return new StepOutcome.Fail("The camera's previous network settings are unknown.");
        var secret = await link.SecretAsync(ctx) ?? throw new DeviceRefusedException("The vault holds no password for this camera.");

        // Already there (resumed, or the address never changed)? Then nothing is sent.
        var (answers, activated) = await link.ProbeAsync(ctx.Camera, ctx.CancellationToken);
        if (answers && activated != false)
        {
            var info = await link.CallAsync(ctx, c => c.GetDeviceInfoAsync(ctx.CancellationToken));
            if (info.SerialNumber is { } serial && SameSerial(serial, ctx.Camera.SerialNumber))
            {
                return new StepOutcome.Done($"Answers at {ctx.Camera.Address} again ({previous.AddressingType} {previous.Address}).");
            }
        }

        var client = sadp.ForSite(ctx.Site);
        var sighting = await client.FindAsync(ctx.Camera.MacAddress, ctx.CancellationToken);
        if (sighting is null) return new StepOutcome.Wait(Poll, "Looking for the camera by its MAC over SADP.");
        var dhcp = string.Equals(previous.AddressingType, "dynamic", StringComparison.OrdinalIgnoreCase);
        var target = previous.Address ?? ctx.Camera.Address!.ToString();
        if (!dhcp && sighting.Address.ToString() == target)
        {
            ctx.Progress = $"At {target}; waiting for it to answer ISAPI.";
            return new StepOutcome.Wait(Poll, ctx.Progress);
        }

        var settings = new SadpNetworkSettings(target, previous.SubnetMask ?? "255.255.255.0", previous.Gateway ?? "", dhcp)
        {
            HttpPort = int.TryParse(ctx.Bag.Get(PreviousHttpPort), out var port) ? port : ctx.Camera.HttpPort,
        };
        var outcome = await client.UpdateNetworkAsync(ctx.Camera.MacAddress, settings, secret.Password, ctx.CancellationToken);
        if (outcome.Status == SadpCommandStatus.NoAnswer) return new StepOutcome.Wait(Poll, "The camera did not answer the network update; trying again.");
        if (!outcome.IsSuccess) return new StepOutcome.Fail($"The camera refused the network update: {outcome.Status} {outcome.Detail}");
        ctx.Progress = $"Moved from {sighting.Address} to {(dhcp ? "DHCP" : target)}; waiting for it to answer there.";
        return new StepOutcome.Wait(Poll, ctx.Progress);
    }

    // ------------------------------------------------------------------ configuration

    /// <summary>
    /// Restores the backup: the device's own export when the firmware still matches (it reboots to apply it), otherwise its readable
    /// settings written back area by area. A resumed step first compares: nothing is written twice.
    /// </summary>
    public async Task<StepOutcome> RestoreConfigurationAsync(StepContext ctx)
    {
        if (ctx.Bag.Get(ImportedAt) is not null) return new StepOutcome.Done("The device's own backup was imported; it restarts to apply it.");
        var backup = await BackupOf(ctx);
        if (backup is null) return new StepOutcome.Skipped("No backup to restore (an administrator went on without one).");
        var wanted = DeviceSettings.FromJson(backup.Snapshot);
        var (info, current) = await link.CallAsync(ctx, async c => (await c.GetDeviceInfoAsync(ctx.CancellationToken), await DeviceSettingsIo.ReadAsync(c, ctx.CancellationToken)));
        var differences = DeviceSettings.Compare(wanted, current).Where(d => !d.Field.StartsWith("network.", StringComparison.Ordinal)).ToList();
        if (differences.Count == 0) return new StepOutcome.Done("The settings already match the backup.");

        var sameFirmware = backup.DeviceExport is not null && info.FirmwareVersion == backup.FirmwareVersion && info.FirmwareReleasedDate == backup.FirmwareBuild;
        string? importRefused = null;
        if (sameFirmware && ctx.Bag.Get(ImportRefused) is null)
        {
            if (await BeforeRestartCommandAsync(ctx, expectInactive: false) is not null)
            {
                return new StepOutcome.Done("The device's own backup was imported; it restarts to apply it.");
            }

            try
            {
                var importedAt = time.GetUtcNow();
                using var stream = new MemoryStream(backup.DeviceExport!, writable: false);
                var result = await link.CallAsync(ctx, c => c.ImportConfigurationAsync(stream, null, ctx.CancellationToken));
                ctx.Bag.Set(ImportedAt, importedAt.ToString("O"));
                if (result.RebootRequired) ctx.Bag.Set(RebootRequired, "true");
                return new StepOutcome.Done($"Imported backup #{backup.Number} (the device's own export, firmware {backup.FirmwareVersion}); the device restarts to apply it.");
            }
            catch (IsapiException e) when (e.Kind is IsapiErrorKind.BadRequest or IsapiErrorKind.NotSupported or IsapiErrorKind.DeviceError)
            {
                // The device would not take its own file (a changed hardware revision, a corrupted export): write the settings instead.
                importRefused = $"the device refused its own export ({e.SubStatusCode ?? e.Kind.ToString()})";
                ctx.Bag.Set(ImportRefused, importRefused);
                await ctx.CheckpointAsync();
            }
        }

        // Profile plus snapshot: the snapshot is what this camera had; the site's effective profile fills the areas the backup could
        // not read from the device.
        var profile = await Profiles.ProfileService.EffectiveAsync(ctx.Db, ctx.Site, ctx.CancellationToken);
        var desired = Profiles.ProfileService.ToDesiredSettings(profile.Settings, ctx.Camera, ctx.Site, current);
        var merged = wanted with
        {
            Time = wanted.Time ?? desired.Time,
            Ntp = wanted.Ntp.Count > 0 ? wanted.Ntp : desired.Ntp,
            Streams = wanted.Streams.Count > 0 ? wanted.Streams : desired.Streams,
            OsdName = wanted.OsdName ?? desired.OsdName,
            Motion = wanted.Motion ?? desired.Motion,
            CloudAccessEnabled = wanted.CloudAccessEnabled ?? desired.CloudAccessEnabled,
        };
        var write = await link.CallAsync(ctx, c => DeviceSettingsIo.WriteAsync(c, merged, current, ctx.CancellationToken));
        if (write.RebootRequired) ctx.Bag.Set(RebootRequired, "true");
        if (write.Problems.Count > 0) ctx.Bag.Set(RestoreProblems, string.Join("; ", write.Problems));
        var why = importRefused ?? ctx.Bag.Get(ImportRefused)
                  ?? (backup.DeviceExport is null ? "no device export in the backup" : $"firmware {info.FirmwareVersion} differs from the backup's {backup.FirmwareVersion}");
        return new StepOutcome.Done($"Wrote {write.Applied.Count} area(s) from backup #{backup.Number}'s snapshot ({why})" +
                                    (write.Problems.Count > 0 ? $"; not restorable: {string.Join("; ", write.Problems)}" : "."));
    }

    /// <summary>Reboots when a step answered "reboot required", or waits out the restart an import triggers; skipped otherwise.</summary>
    public async Task<StepOutcome> RebootIfRequiredAsync(StepContext ctx)
    {
        if (ctx.Bag.Get(ImportedAt) is not null && ctx.Bag.Get(RebootRequired) is null) return await WaitUpAsync(ctx);
        if (ctx.Bag.Get(RebootRequired) is null) return new StepOutcome.Skipped("No step asked for a reboot.");
        if (ctx.Bag.Get(RebootSentAt) is null)
        {
            if (await BeforeRestartCommandAsync(ctx, expectInactive: false) is null)
            {
                await link.CallAsync(ctx, c => c.RebootAsync(ctx.CancellationToken));
            }

            ctx.Bag.Set(RebootSentAt, time.GetUtcNow().ToString("O"));
            return new StepOutcome.Wait(Poll, "Rebooting to apply the restored settings.");
        }

        return await WaitUpAsync(ctx);
    }

    /// <summary>Reads everything back and compares it, field by field, with the backup; the drift is the operation's result.</summary>
    public async Task<StepOutcome> VerifyAsync(StepContext ctx)
    {
        var (info, now) = await link.CallAsync(ctx, async c => (await c.GetDeviceInfoAsync(ctx.CancellationToken), await DeviceSettingsIo.ReadAsync(c, ctx.CancellationToken)));
        await RestartedSinceAsync(ctx, BootBeforeOf(ctx)); // a reset's last restart becomes the known boot time (not "unexpected")
        ctx.Camera.Activated = true;
        ctx.Camera.FirmwareVersion = info.FirmwareVersion is { Length: <= 64 } v ? v : ctx.Camera.FirmwareVersion;
        var backup = await BackupOf(ctx);
        if (backup is null)
        {
            ctx.Operation.Drift = "[]";
            return new StepOutcome.Done($"{info.Model} answers as itself at {ctx.Camera.Address}; no backup to compare with.");
        }

        var drift = DeviceSettings.Compare(DeviceSettings.FromJson(backup.Snapshot), now);
        ctx.Operation.Drift = System.Text.Json.JsonSerializer.Serialize(drift, DeviceSettings.Json);
        var problems = ctx.Bag.Get(RestoreProblems);
        ctx.Operation.Summary = drift.Count == 0
            ? $"Restored and verified: every setting matches backup #{backup.Number}."
            : $"Restored with drift: {drift.Count} setting(s) differ from backup #{backup.Number} ({string.Join(", ", drift.Take(5).Select(d => d.Field))}{(drift.Count > 5 ? ", …" : "")})." +
              (problems is null ? "" : $" {problems}");
        return new StepOutcome.Done(ctx.Operation.Summary);
    }

    // ------------------------------------------------------------------ helpers

    private async Task<ConfigurationBackup?> BackupOf(StepContext ctx)
    {
        var id = ctx.Bag.Get(BackupId) is { } s ? Guid.Parse(s) : ctx.Parameters.BackupId;
        if (id is { } known) return await ctx.Db.ConfigurationBackups.AsNoTracking().SingleOrDefaultAsync(b => b.Id == known, ctx.CancellationToken);
        return null;
    }

    private static DateTimeOffset BootBeforeOf(StepContext ctx) =>
        ctx.Bag.Get(BootBefore) is { } s ? DateTimeOffset.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : ctx.Operation.StartedAt ?? ctx.Now;

    /// <summary>When the device booted (now − uptime), or null when it cannot say (down, inactive, busy).</summary>
    private async Task<DateTimeOffset?> BootTimeAsync(StepContext ctx)
    {
        try
        {
            var status = await link.CallAsync(ctx, c => c.GetStatusAsync(ctx.CancellationToken));
            return status.Uptime is { } uptime ? time.GetUtcNow() - uptime : null;
        }
        catch (IsapiException e) when (e.Kind is IsapiErrorKind.Unreachable or IsapiErrorKind.Timeout or IsapiErrorKind.NotActivated or IsapiErrorKind.Busy)
        {
            return null;
        }
    }

    /// <summary>The uptime, when the device booted after <paramref name="bootBefore"/> (by more than the slack); null when it did not.</summary>
    private async Task<TimeSpan?> RestartedSinceAsync(StepContext ctx, DateTimeOffset bootBefore)
    {
        var boot = await BootTimeAsync(ctx);
        if (boot is not { } b || b <= bootBefore + Options.RestartDetectionSlack) return null;
        var uptime = time.GetUtcNow() - b;
        // A planned restart: the health check must not count it as unexpected (nor towards a reboot loop), so the camera row learns
        // the new boot time now, and the timeline says who restarted it.
        if (ctx.Camera.BootedAt is null || ctx.Camera.BootedAt < b - Options.RestartDetectionSlack)
        {
            ctx.Camera.BootedAt = b;
            ctx.Camera.UptimeSeconds = (long)uptime.TotalSeconds;
            ctx.Db.CameraEvents.Add(new CameraEvent
            {
                CameraId = ctx.Camera.Id, At = time.GetUtcNow(), Kind = CameraEventKinds.PlannedRestart,
                Detail = $"Restarted by {OperationAudit.Verb(ctx.Operation.Kind).Replace('_', ' ')} operation {ctx.Operation.Id:D} ({ctx.Step.Title.ToLowerInvariant()}).",
            });
        }

        return uptime;
    }

    private static bool SameSerial(string a, string b) =>
        string.Equals(a.Trim(), b.Trim(), StringComparison.OrdinalIgnoreCase)
        || (a.Length > 9 && b.EndsWith(a[^9..], StringComparison.OrdinalIgnoreCase));
}
