using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace HikFleet.Core.Operations;

/// <summary>Why an operation does not start yet (or at all).</summary>
/// <param name="After">Look again after this.</param>
/// <param name="Detail">For people.</param>
/// <param name="Halt">Do not start at all: the bulk run it belongs to was halted.</param>
public sealed record GateVerdict(TimeSpan After, string Detail, bool Halt = false);

/// <summary>Guard rails checked before an operation first touches its device.</summary>
public static class OperationGates
{
    public static async Task<GateVerdict?> BeforeStartAsync(FleetDbContext db, Operation op, Site site, DateTimeOffset now, OperationOptions options,
        CancellationToken ct)
    {
        if (MaintenanceWindow.Wait(site, now) is { } wait)
        {
            return new GateVerdict(wait, $"Waiting for the site's maintenance window ({MaintenanceWindow.Describe(site)}).");
        }

        if (op.Kind == OperationKind.PowerCycle && await SwitchGateAsync(db, op, site, options, ct) is { } switchVerdict) return switchVerdict;

        if (op.BatchId is not { } batch) return null;

        var parameters = OperationParameters.FromJson(op.Parameters);
        // Admitted (StartedAt set, under the site lock) and not over: it counts, even before its first step saved its state. Read
        // BEFORE the failure check: each statement sees what was committed when it began, and a camera of the run failing between
        // two statements must be seen as failed or as still running, never as neither (read the other way round, a failure
        // committed in between let the next camera in while the run should halt). The finishing runner does not take the site lock.
        var running = await db.Operations.Where(OperationStates.Runnable)
            .CountAsync(o => o.BatchId == batch && o.SiteId == op.SiteId && o.Id != op.Id && o.StartedAt != null, ct);

        // A failed backup says nothing about the next camera (scheduled backups go on); a failed reboot may mean the site is in trouble.
        var failed = op.Kind == OperationKind.Backup ? null : await db.Operations.AsNoTracking()
            .Where(o => o.BatchId == batch && o.State == OperationState.Failed)
            .Select(o => new { o.CameraId, o.Summary })
            .FirstOrDefaultAsync(ct);
        if (failed is not null)
        {
            return new GateVerdict(TimeSpan.Zero, $"Halted: another camera of this bulk run failed ({failed.Summary}).", Halt: true);
        }

        if (op.Wave is { } wave and > 0 && await WaveGateAsync(db, batch, wave, parameters, now, options, ct) is { } waveVerdict) return waveVerdict;

        if (parameters.SiteOfflineAtStart is { } baseline)
        {
            var offline = await db.Cameras.CountAsync(c => c.SiteId == op.SiteId && c.Lifecycle == CameraLifecycle.Managed
                                                           && c.Health == HealthState.Offline, ct);
            // Cameras of the run being rebooted right now are expected to be down; anything beyond them is the site getting worse.
            if (offline - running > baseline + Math.Max(2, baseline / 10))
            {
                return new GateVerdict(TimeSpan.Zero,
                    $"Halted: the site's health dropped during the bulk run ({offline} cameras offline, {baseline} when it began).", Halt: true);
            }
        }

        // In the order they were asked for: a camera later in the batch waits for the earlier ones of its site to be admitted.
        var earlier = await db.Operations.Where(OperationStates.Runnable)
            .CountAsync(o => o.BatchId == batch && o.SiteId == op.SiteId && o.Id != op.Id && o.StartedAt == null && o.CreatedAt < op.CreatedAt, ct);
        if (earlier > 0)
        {
            return new GateVerdict(options.PollInterval, $"Queued: {earlier} camera(s) of this bulk run go first.");
        }

        if (running >= Math.Max(1, site.BulkConcurrency))
        {
            return new GateVerdict(options.PollInterval, $"Queued: {running} camera(s) of this site are being worked on (at most {site.BulkConcurrency} at once).");
        }

        return null;
    }

    /// <summary>
    /// Staged rollouts: a wave starts when every camera of the earlier waves succeeded, they were watched for the plan's soak time,
    /// and none of them is less healthy now than when the rollout was asked for (then the rest halts).
    /// </summary>
    private static async Task<GateVerdict?> WaveGateAsync(FleetDbContext db, Guid batch, int wave, OperationParameters parameters, DateTimeOffset now,
        OperationOptions options, CancellationToken ct)
    {
        var earlier = await db.Operations.AsNoTracking().Where(o => o.BatchId == batch && o.Wave < wave)
            .Select(o => new { o.State, o.FinishedAt, o.Parameters, o.Camera!.Health, Name = o.Camera.Name ?? o.Camera.SerialNumber })
            .ToListAsync(ct);
        var unfinished = earlier.Count(e => e.State is not (OperationState.Succeeded or OperationState.Failed or OperationState.Cancelled));
        if (unfinished > 0) return new GateVerdict(options.PollInterval, $"Wave {wave} waits for the earlier waves ({unfinished} camera(s) not finished).");
        if (earlier.FirstOrDefault(e => e.State == OperationState.Cancelled) is { } cancelled)
        {
            return new GateVerdict(TimeSpan.Zero, $"Halted: {cancelled.Name} of an earlier wave did not complete (cancelled).", Halt: true);
        }

        if (earlier.Count == 0) return null;
        var soak = TimeSpan.FromMinutes(parameters.Rollout?.SoakMinutes ?? 0);
        var watchedUntil = earlier.Max(e => e.FinishedAt ?? now) + soak;
        var worse = earlier.FirstOrDefault(e => Worse(e.Health, OperationParameters.FromJson(e.Parameters).HealthAtStart));
        if (worse is not null)
        {
            return new GateVerdict(TimeSpan.Zero, $"Halted: after the upgrade {worse.Name} of an earlier wave is {worse.Health}.", Halt: true);
        }

        if (now < watchedUntil)
        {
            var left = watchedUntil - now;
            return new GateVerdict(left < options.PollInterval ? left : options.PollInterval,
                $"Wave {wave} starts at {watchedUntil:HH:mm:ss} UTC, after watching the earlier waves for {soak.TotalMinutes:0.#} min.");
        }

        return null;
    }

    /// <summary>At most the site's number of ports of one switch power-cycled at once (a PSE restarting many cameras at once browns out).</summary>
    private static async Task<GateVerdict?> SwitchGateAsync(FleetDbContext db, Operation op, Site site, OperationOptions options, CancellationToken ct)
    {
        if (OperationParameters.FromJson(op.Parameters).PoePort is not { } port) return null;
        var admitted = await db.Operations.Where(OperationStates.Runnable)
            .Where(o => o.Kind == OperationKind.PowerCycle && o.SiteId == op.SiteId && o.Id != op.Id && o.StartedAt != null)
            .Select(o => o.Parameters).ToListAsync(ct);
        var onSwitch = admitted.Count(p => OperationParameters.FromJson(p).PoePort?.SwitchId == port.SwitchId);
        var limit = Math.Max(1, site.PoeConcurrentPorts);
        return onSwitch >= limit
            ? new GateVerdict(options.PollInterval, $"Queued: {onSwitch} port(s) of this switch are being power-cycled (at most {limit} at once).")
            : null;
    }

    private static int Rank(HealthState state) => state switch
    {
        HealthState.Unknown or HealthState.Healthy => 0,
        HealthState.Warning => 1,
        HealthState.Critical => 2,
        _ => 3,
    };

    /// <summary>A camera counts as less healthy when it is critical or unreachable now and was better before.</summary>
    private static bool Worse(HealthState now, HealthState? before) => Rank(now) >= 2 && Rank(now) > Rank(before ?? HealthState.Unknown);
}

/// <summary>A site's daily maintenance window, in its own time zone.</summary>
public static class MaintenanceWindow
{
    /// <summary>Null when operations may run now; otherwise how long until the window opens.</summary>
    public static TimeSpan? Wait(Site site, DateTimeOffset now)
    {
        if (site.MaintenanceStart is not { } start || site.MaintenanceEnd is not { } end || start == end) return null;
        if (IsInside(start, end, site.TimeZone, now)) return null;
        var local = TimeZoneInfo.ConvertTime(now, FindZone(site.TimeZone));
        var opensToday = local.Date + start.ToTimeSpan();
        var opens = opensToday > local.DateTime ? opensToday : opensToday.AddDays(1);
        var wait = opens - local.DateTime;
        return wait < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : wait;
    }

    /// <summary>Whether <paramref name="now"/> falls in the daily window [start, end) of the time zone (a window may cross midnight).</summary>
    public static bool IsInside(TimeOnly start, TimeOnly end, string timeZone, DateTimeOffset now)
    {
        var t = TimeOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, FindZone(timeZone)).DateTime);
        return start < end ? t >= start && t < end : t >= start || t < end;
    }

    public static string Describe(Site site) =>
        site.MaintenanceStart is { } s && site.MaintenanceEnd is { } e ? $"{s:HH\\:mm}–{e:HH\\:mm} {site.TimeZone}" : "any time";

    private static TimeZoneInfo FindZone(string id) =>
        TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? zone : TimeZoneInfo.Utc;
}

/// <summary>Audit action names of operations: <c>camera.reboot.request</c>, <c>camera.factory_reset.step</c>...</summary>
public static class OperationAudit
{
    public static string Verb(OperationKind kind) => kind switch
    {
        OperationKind.Reboot => "reboot",
        OperationKind.FactoryReset => "factory_reset",
        OperationKind.Reprovision => "reprovision",
        OperationKind.ApplyProfile => "apply_profile",
        OperationKind.Backup => "backup",
        OperationKind.PasswordRotation => "rotate_password",
        OperationKind.FirmwareUpgrade => "firmware_upgrade",
        OperationKind.PowerCycle => "power_cycle",
        _ => kind.ToString().ToLowerInvariant(),
    };

    public static string Action(OperationKind kind, string what) => $"camera.{Verb(kind)}.{what}";
}
