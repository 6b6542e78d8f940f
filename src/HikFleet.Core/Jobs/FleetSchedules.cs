using Hangfire;
using HikFleet.Core.Audit;

namespace HikFleet.Core.Jobs;

/// <summary>Every recurring job of HikFleet, declared in this one place (idempotent: safe on every start of every node).</summary>
public static class FleetSchedules
{
    public const string AuditChainVerification = "audit-chain-verification";
    public const string HealthRetention = "health-retention";
    public const string SiteSchedules = "site-schedules";

    public static void Declare(IRecurringJobManager jobs)
    {
        // Tampering with the audit trail must be noticed within the hour, not at the next audit.
        jobs.AddOrUpdate<AuditChainVerificationJob>(AuditChainVerification, job => job.ExecuteAsync(CancellationToken.None), Cron.Hourly());
        // Samples and events beyond their retention, in chunks, at night (UTC).
        jobs.AddOrUpdate<Health.HealthRetentionJob>(HealthRetention, job => job.ExecuteAsync(CancellationToken.None), Cron.Daily(3));
        // Per-site discovery and health jobs follow the sites' settings (also synced at start and whenever a site is saved).
        jobs.AddOrUpdate<SiteScheduleSync>(SiteSchedules, job => job.SyncAllAsync(CancellationToken.None), "*/5 * * * *");
        // Alerts: camera conditions held past their rules' delays become messages (grouped per site), resolves, escalations.
        jobs.AddOrUpdate<Alerts.AlertEvaluationJob>(Alerts.AlertEvaluationJob.RecurringJobId, job => job.ExecuteAsync(CancellationToken.None), Cron.Minutely());
        // PoE switches: port power, forwarding tables (camera → port), and ports a power-cycle left off switched back on.
        jobs.AddOrUpdate<Poe.PoePollJob>(Poe.PoePollJob.RecurringJobId, job => job.ExecuteAsync(CancellationToken.None), "*/5 * * * *");
        // Operations whose job was lost (a crashed node) are resumed from their persisted step.
        jobs.AddOrUpdate<Operations.OperationWatchdogJob>(Operations.OperationWatchdogJob.RecurringJobId, job => job.ExecuteAsync(CancellationToken.None),
            Cron.Minutely());
    }
}
