using Hangfire;
using HikFleet.Core.Audit;
using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace HikFleet.Core.Operations;

/// <summary>What one scheduled backup run did.</summary>
/// <param name="Queued">Backup operations created (one batch).</param>
/// <param name="Skipped">Cameras left out: busy with another operation, offline, or refused.</param>
/// <param name="Pruned">Old backups deleted beyond the site's retention.</param>
public sealed record ScheduledBackupRun(Guid? BatchId, int Queued, int Skipped, int Pruned);

/// <summary>
/// The scheduled configuration backup of one site (Hangfire recurring job per site, cron from <c>Site.BackupCron</c>): a Backup
/// operation for each managed camera that is not busy, one batch staggered by the site's bulk concurrency, then the site's
/// retention applied to every camera's backups.
/// </summary>
public sealed class ScheduledBackupJob(IDbContextFactory<FleetDbContext> contexts, OperationCreator creator, ConfigurationBackups backups,
    ILogger<ScheduledBackupJob> logger)
{
    public const string RequesterId = "job:backup";

    /// <summary>Recurring job id of a site's backups.</summary>
    public static string RecurringJobId(Guid siteId) => $"backup-{siteId:N}";

    /// <summary>Declares (or removes, when <paramref name="cron"/> is null) the recurring backup of a site. Idempotent.</summary>
    public static void Schedule(IRecurringJobManager jobs, Guid siteId, string? cron)
    {
        if (string.IsNullOrWhiteSpace(cron)) jobs.RemoveIfExists(RecurringJobId(siteId));
        else jobs.AddOrUpdate<ScheduledBackupJob>(RecurringJobId(siteId), job => job.ExecuteAsync(siteId, CancellationToken.None), cron);
    }

    // No Hangfire retries: a camera whose backup failed shows it on its operation; the next scheduled run comes anyway.
    [AutomaticRetry(Attempts = 0)]
    public async Task<ScheduledBackupRun> ExecuteAsync(Guid siteId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var site = await db.Sites.AsNoTracking().SingleOrDefaultAsync(s => s.Id == siteId, cancellationToken);
        if (site is null) return new ScheduledBackupRun(null, 0, 0, 0);

        var actor = AuditActor.Job(RecurringJobId(siteId), "Scheduled backup");
        var (batch, queued, skipped, cameras) = await SiteBatch.QueueAsync(db, creator, site, OperationKind.Backup, "Scheduled backup", actor, RequesterId,
            cancellationToken);

        var pruned = 0;
        foreach (var camera in cameras) pruned += await backups.PruneAsync(db, camera.Id, site.BackupRetention, cancellationToken);
        logger.LogInformation("Scheduled backup of site {SiteId}: {Queued} queued, {Skipped} skipped, {Pruned} old backup(s) pruned", siteId, queued, skipped,
            pruned);
        return new ScheduledBackupRun(batch, queued, skipped, pruned);
    }
}

/// <summary>
/// One operation of a kind for every managed camera of a site that is idle and not offline, as one batch (staggered by the site's bulk
/// concurrency): what scheduled jobs (backups, password rotation) start.
/// </summary>
public static class SiteBatch
{
    public static async Task<(Guid? BatchId, int Queued, int Skipped, IReadOnlyList<Camera> Cameras)> QueueAsync(FleetDbContext db, OperationCreator creator,
        Site site, OperationKind kind, string reason, AuditActor actor, string requesterId, CancellationToken ct)
    {
        var cameras = await db.Cameras.AsNoTracking()
            .Where(c => c.SiteId == site.Id && c.Lifecycle == CameraLifecycle.Managed && c.Address != null)
            .OrderBy(c => c.Name ?? c.SerialNumber)
            .ToListAsync(ct);
        var busy = (await db.Operations.AsNoTracking()
            .Where(OperationStates.Active).Where(o => o.SiteId == site.Id)
            .Select(o => o.CameraId).ToListAsync(ct)).ToHashSet();

        var batch = Guid.CreateVersion7();
        int queued = 0, skipped = 0;
        foreach (var camera in cameras)
        {
            // An offline camera would only fail after the step's timeout, and a failed camera may halt the rest of the batch
            // (OperationGates): it is left out; the next scheduled run tries again.
            if (busy.Contains(camera.Id) || camera.Health == HealthState.Offline)
            {
                skipped++;
                continue;
            }

            var result = await creator.CreateAsync(db, FleetScope.System,
                new OperationCreator.Request(kind, camera, site, reason, new OperationParameters(), batch), ct, actor, requesterId, reason);
            if (result.Succeeded) queued++;
            else skipped++;
        }

        return (queued > 0 ? batch : null, queued, skipped, cameras);
    }
}
