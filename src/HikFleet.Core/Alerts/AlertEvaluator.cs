using Hangfire;
using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Devices;
using HikFleet.Core.Operations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace HikFleet.Core.Alerts;

/// <summary>What one evaluation did.</summary>
public sealed record AlertRun(int Opened, int Resolved, int Notifications);

/// <summary>Queues the delivery of a message (Hangfire in the app).</summary>
public interface IAlertDeliveryScheduler
{
    void Enqueue(Guid notificationId);
    void Schedule(Guid notificationId, TimeSpan after);
}

public sealed class HangfireAlertDeliveryScheduler(IBackgroundJobClient jobs) : IAlertDeliveryScheduler
{
    public void Enqueue(Guid notificationId) => jobs.Enqueue<AlertDeliveryJob>(j => j.SendAsync(notificationId, CancellationToken.None));

    public void Schedule(Guid notificationId, TimeSpan after) =>
        jobs.Schedule<AlertDeliveryJob>(j => j.SendAsync(notificationId, CancellationToken.None), after);
}

/// <summary>
/// Turns camera conditions into alerts and alerts into messages (issue #11). A rule's condition (a health state, or an open finding)
/// must hold without a break for the rule's delay: a camera flapping faster than that never alerts. New alerts and resolves of one
/// site and rule wait <see cref="AlertOptions.GroupWindow"/> for each other and go out as ONE message per channel (40 cameras behind
/// a dead switch are one email, not 40). Quiet hours hold messages (an alert that resolves meanwhile is never sent); an alert nobody
/// acknowledges is escalated. Runs every minute (<see cref="AlertEvaluationJob"/>), idempotent, safe on two nodes at once.
/// </summary>
public sealed class AlertEvaluator(IDbContextFactory<FleetDbContext> contexts, IAlertDeliveryScheduler delivery, FleetChangeFeed changes,
    IOptions<AlertOptions> options, TimeProvider time, ILogger<AlertEvaluator> logger)
{
    public const string ConditionCleared = "condition cleared";

    public async Task<AlertRun> RunAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var rules = await db.AlertRules.AsNoTracking().Where(r => r.Enabled).ToListAsync(ct);
        int opened = 0, resolved = 0;
        foreach (var rule in rules)
        {
            try
            {
                var (o, r) = await EvaluateAsync(db, rule, now, ct);
                opened += o;
                resolved += r;
            }
            catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } or null)
            {
                // Another node evaluated the same rule at the same moment: its result stands, the next run sees it.
                logger.LogInformation("Alert rule {RuleId} was evaluated concurrently; skipped this time", rule.Id);
                db.ChangeTracker.Clear();
            }
        }

        var notifications = await DispatchAsync(db, rules, now, ct);
        if (opened + resolved + notifications > 0)
        {
            logger.LogInformation("Alerts: {Opened} opened, {Resolved} resolved, {Notifications} message(s) queued", opened, resolved, notifications);
        }

        return new AlertRun(opened, resolved, notifications);
    }

    private sealed record Condition(Guid CameraId, Guid SiteId, string Key, DateTimeOffset Since, string Summary);

    private static async Task<List<Condition>> ConditionsAsync(FleetDbContext db, AlertRule rule, DateTimeOffset now, CancellationToken ct)
    {
        var cameras = db.Cameras.AsNoTracking()
            .Where(c => c.Site!.TenantId == rule.TenantId && (rule.SiteId == null || c.SiteId == rule.SiteId) && c.Lifecycle == CameraLifecycle.Managed);
        var list = new List<Condition>();
        if (rule.States.Count > 0)
        {
            var states = rule.States;
            list.AddRange((await cameras.Where(c => states.Contains(c.Health))
                    .Select(c => new { c.Id, c.SiteId, c.Health, c.HealthChangedAt, c.HealthCheckedAt, c.HealthSummary }).ToListAsync(ct))
                .Select(c => new Condition(c.Id, c.SiteId, "state", c.HealthChangedAt ?? c.HealthCheckedAt ?? now,
                    c.HealthSummary is { Length: > 0 } s ? $"{c.Health}: {s}" : c.Health.ToString())));
        }

        if (rule.Findings.Count > 0)
        {
            var codes = rule.Findings;
            list.AddRange((await db.CameraFindings.AsNoTracking().Where(f => codes.Contains(f.Code) && cameras.Any(c => c.Id == f.CameraId))
                    .Select(f => new { f.CameraId, f.Camera!.SiteId, f.Code, f.FirstSeenAt, f.Summary }).ToListAsync(ct))
                .Select(f => new Condition(f.CameraId, f.SiteId, $"finding:{f.Code}", f.FirstSeenAt, f.Summary)));
        }

        return list;
    }

    private async Task<(int Opened, int Resolved)> EvaluateAsync(FleetDbContext db, AlertRule rule, DateTimeOffset now, CancellationToken ct)
    {
        var conditions = (await ConditionsAsync(db, rule, now, ct)).ToDictionary(c => (c.CameraId, c.Key));
        var live = await db.Alerts.Where(a => a.RuleId == rule.Id && a.State != AlertState.Resolved).ToListAsync(ct);
        var resolved = 0;
        foreach (var alert in live.Where(a => !conditions.ContainsKey((a.CameraId, a.Key))))
        {
            alert.State = AlertState.Resolved;
            alert.ResolvedAt = now;
            alert.ResolvedBy = ConditionCleared;
            if (alert.OpenNotifiedAt is null)
            {
                // Over before anyone was told (grouping window, quiet hours): nothing to say in either direction.
                alert.Suppressed = true;
                alert.ResolveNotifiedAt = now;
            }

            resolved++;
        }

        var delay = TimeSpan.FromSeconds(Math.Max(0, rule.DelaySeconds));
        var liveKeys = live.Where(a => a.State != AlertState.Resolved).Select(a => (a.CameraId, a.Key)).ToHashSet();
        var due = conditions.Values.Where(c => now - c.Since >= delay && !liveKeys.Contains((c.CameraId, c.Key))).ToList();
        var opened = 0;
        if (due.Count > 0)
        {
            // A person resolved this very episode (same start): it stays resolved until the condition clears and begins again.
            var dueIds = due.Select(d => d.CameraId).Distinct().ToList();
            var handled = (await db.Alerts.AsNoTracking().Where(a => a.RuleId == rule.Id && dueIds.Contains(a.CameraId))
                    .Select(a => new { a.CameraId, a.Key, a.ConditionSince }).ToListAsync(ct))
                .Select(a => (a.CameraId, a.Key, a.ConditionSince)).ToHashSet();
            foreach (var c in due.Where(c => !handled.Contains((c.CameraId, c.Key, c.Since))))
            {
                db.Alerts.Add(new Alert
                {
                    TenantId = rule.TenantId, SiteId = c.SiteId, CameraId = c.CameraId, RuleId = rule.Id, Key = c.Key, ConditionSince = c.Since,
                    Summary = c.Summary.Length > 500 ? c.Summary[..500] : c.Summary, OpenedAt = now,
                });
                opened++;
            }
        }

        if (opened + resolved > 0)
        {
            await db.SaveChangesAsync(ct);
            changes.Publish(new FleetChange(FleetChangeKinds.Alert, rule.TenantId, rule.SiteId, null));
        }

        db.ChangeTracker.Clear();
        return (opened, resolved);
    }

    private async Task<int> DispatchAsync(FleetDbContext db, IReadOnlyList<AlertRule> rules, DateTimeOffset now, CancellationToken ct)
    {
        var window = options.Value.GroupWindow;
        var ruleById = rules.ToDictionary(r => r.Id);
        var ruleIds = ruleById.Keys.ToList();
        var ripe = now - window;
        // Anything of a (rule, site) that has something ripe goes in the same message, ripe or not.
        var pending = await db.Alerts.Include(a => a.Camera)
            .Where(a => ruleIds.Contains(a.RuleId) && !a.Suppressed &&
                        ((a.OpenNotifiedAt == null && a.State != AlertState.Resolved) ||
                         (a.State == AlertState.Resolved && a.OpenNotifiedAt != null && a.ResolveNotifiedAt == null) ||
                         (a.State == AlertState.Open && a.OpenNotifiedAt != null && a.EscalatedAt == null)))
            .ToListAsync(ct);
        if (pending.Count == 0) return 0;

        var siteIds = pending.Select(a => a.SiteId).Distinct().ToList();
        var sites = await db.Sites.AsNoTracking().Where(s => siteIds.Contains(s.Id))
            .Select(s => new { s.Id, s.Name, s.TimeZone, Tenant = s.Tenant!.Name }).ToDictionaryAsync(s => s.Id, ct);
        var channelIds = rules.SelectMany(r => r.ChannelIds.Concat(r.EscalationChannelIds)).Distinct().ToList();
        var channels = await db.AlertChannels.AsNoTracking().Where(c => channelIds.Contains(c.Id) && c.Enabled).ToDictionaryAsync(c => c.Id, ct);

        var created = new List<AlertNotification>();
        foreach (var group in pending.GroupBy(a => (a.RuleId, a.SiteId)))
        {
            var rule = ruleById[group.Key.RuleId];
            var site = sites[group.Key.SiteId];
            if (rule.QuietStart is { } qs && rule.QuietEnd is { } qe && qs != qe && MaintenanceWindow.IsInside(qs, qe, site.TimeZone, now)) continue;

            var opens = group.Where(a => a.OpenNotifiedAt == null && a.State != AlertState.Resolved).ToList();
            if (opens.Any(a => a.OpenedAt <= ripe))
            {
                Emit(AlertNotificationKind.Opened, rule, rule.ChannelIds, opens, site.Tenant, site.Name);
                foreach (var a in opens) a.OpenNotifiedAt = now;
            }

            var resolves = group.Where(a => a.State == AlertState.Resolved && a.OpenNotifiedAt != null && a.ResolveNotifiedAt == null).ToList();
            if (resolves.Any(a => a.ResolvedAt <= ripe))
            {
                Emit(AlertNotificationKind.Resolved, rule, rule.ChannelIds, resolves, site.Tenant, site.Name);
                foreach (var a in resolves) a.ResolveNotifiedAt = now;
            }

            if (rule.EscalateAfterMinutes is { } minutes && rule.EscalationChannelIds.Count > 0)
            {
                var overdue = group.Where(a => a.State == AlertState.Open && a.OpenNotifiedAt is { } told && a.EscalatedAt == null
                                               && told <= now - TimeSpan.FromMinutes(minutes)).ToList();
                if (overdue.Count > 0)
                {
                    Emit(AlertNotificationKind.Escalated, rule, rule.EscalationChannelIds, overdue, site.Tenant, site.Name);
                    foreach (var a in overdue) a.EscalatedAt = now;
                }
            }
        }

        if (created.Count == 0 && !db.ChangeTracker.HasChanges()) return 0;
        db.AlertNotifications.AddRange(created);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Another node dispatched (or a person acknowledged) meanwhile: nothing is sent twice; the next run looks again.
            db.ChangeTracker.Clear();
            return 0;
        }

        foreach (var n in created) delivery.Enqueue(n.Id);
        return created.Count;

        void Emit(AlertNotificationKind kind, AlertRule rule, IEnumerable<Guid> targets, List<Alert> alerts, string tenant, string siteName)
        {
            var cameras = alerts.OrderBy(a => a.Camera?.Name ?? a.Camera?.SerialNumber)
                .Select(a => new AlertCamera(a.Id, a.CameraId, a.Camera?.Name ?? a.Camera?.DeviceName ?? a.Camera?.SerialNumber ?? a.CameraId.ToString(),
                    a.Camera?.SerialNumber ?? "", a.Camera?.Address?.ToString(), a.Summary, a.ConditionSince)).ToList();
            var message = AlertMessages.Compose(kind, tenant, siteName, alerts[0].SiteId, rule, cameras, now, options.Value.PublicUrl);
            foreach (var channelId in targets.Distinct())
            {
                if (!channels.TryGetValue(channelId, out var channel) || channel.TenantId != rule.TenantId) continue;
                created.Add(new AlertNotification
                {
                    TenantId = rule.TenantId, SiteId = alerts[0].SiteId, RuleId = rule.Id, ChannelId = channel.Id, Kind = kind,
                    AlertIds = alerts.Select(a => a.Id).ToList(), Subject = message.Subject, Body = message.Body, Payload = message.Payload, CreatedAt = now,
                });
            }
        }
    }
}

/// <summary>The recurring evaluation (every minute, one run at a time).</summary>
public sealed class AlertEvaluationJob(AlertEvaluator evaluator)
{
    public const string RecurringJobId = "alerts";

    [DisableConcurrentExecution(timeoutInSeconds: 120)]
    [AutomaticRetry(Attempts = 0)]
    public Task<AlertRun> ExecuteAsync(CancellationToken cancellationToken) => evaluator.RunAsync(cancellationToken);
}
