using Hangfire;
using HikFleet.Core.Audit;

namespace HikFleet.Core.Jobs;

/// <summary>Every recurring job of HikFleet, declared in this one place (idempotent: safe on every start of every node).</summary>
public static class FleetSchedules
{
    public const string AuditChainVerification = "audit-chain-verification";

    public static void Declare(IRecurringJobManager jobs)
    {
        // Tampering with the audit trail must be noticed within the hour, not at the next audit.
        jobs.AddOrUpdate<AuditChainVerificationJob>(AuditChainVerification, job => job.ExecuteAsync(CancellationToken.None), Cron.Hourly());
    }
}
