using Hangfire;
using HikFleet.Core.Audit;
using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace HikFleet.Core.Operations;

/// <summary>
/// Scheduled password rotation of one site (Hangfire recurring job per site, cron from <c>Site.PasswordRotationCron</c>): a
/// PasswordRotation operation (two phases, never losing a working password) for each managed camera that is idle and not offline,
/// as one batch staggered by the site's bulk concurrency and halted when one fails.
/// </summary>
public sealed class ScheduledRotationJob(IDbContextFactory<FleetDbContext> contexts, OperationCreator creator, ILogger<ScheduledRotationJob> logger)
{
    public const string RequesterId = "job:rotation";

    public static string RecurringJobId(Guid siteId) => $"rotation-{siteId:N}";

    /// <summary>Declares (or removes, when <paramref name="cron"/> is null) the recurring rotation of a site. Idempotent.</summary>
    public static void Schedule(IRecurringJobManager jobs, Guid siteId, string? cron)
    {
        if (string.IsNullOrWhiteSpace(cron)) jobs.RemoveIfExists(RecurringJobId(siteId));
        else jobs.AddOrUpdate<ScheduledRotationJob>(RecurringJobId(siteId), job => job.ExecuteAsync(siteId, CancellationToken.None), cron);
    }

    // No Hangfire retries: each camera's rotation is its own operation with its own retry; the next scheduled run comes anyway.
    [AutomaticRetry(Attempts = 0)]
    public async Task<ScheduledBackupRun> ExecuteAsync(Guid siteId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var site = await db.Sites.AsNoTracking().SingleOrDefaultAsync(s => s.Id == siteId, cancellationToken);
        if (site is null) return new ScheduledBackupRun(null, 0, 0, 0);
        var (batch, queued, skipped, _) = await SiteBatch.QueueAsync(db, creator, site, OperationKind.PasswordRotation, "Scheduled password rotation",
            AuditActor.Job(RecurringJobId(siteId), "Scheduled password rotation"), RequesterId, cancellationToken);
        logger.LogInformation("Scheduled credential rotation of site {SiteId}: {Queued} queued, {Skipped} skipped", siteId, queued, skipped);
        return new ScheduledBackupRun(batch, queued, skipped, 0);
    }
}
