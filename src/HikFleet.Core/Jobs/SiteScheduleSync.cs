using Hangfire;
using Hangfire.Storage;
using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Devices;
using Microsoft.Extensions.Logging;
using HikFleet.Core.Discovery;
using HikFleet.Core.Health;
using Microsoft.EntityFrameworkCore;

namespace HikFleet.Core.Jobs;

/// <summary>
/// Keeps each site's recurring discovery and health jobs in line with its cron settings: at start, after a site is saved or
/// deleted, and every few minutes (so a change made through another node or by hand is picked up, and jobs of deleted sites go).
/// </summary>
public sealed class SiteScheduleSync(IDbContextFactory<FleetDbContext> contexts, IRecurringJobManager jobs, JobStorage storage)
{
    /// <summary>Declares or removes one site's jobs.</summary>
    public async Task SyncSiteAsync(Guid siteId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var site = await db.Sites.AsNoTracking().SingleOrDefaultAsync(s => s.Id == siteId, cancellationToken);
        if (site is null)
        {
            jobs.RemoveIfExists(SiteDiscoveryJob.RecurringId(siteId));
            jobs.RemoveIfExists(HealthCheckJob.RecurringJobId(siteId));
            jobs.RemoveIfExists(Operations.ScheduledBackupJob.RecurringJobId(siteId));
            jobs.RemoveIfExists(Operations.ScheduledRotationJob.RecurringJobId(siteId));
            return;
        }

        Schedule(site);
    }

    private void Schedule(Site site)
    {
        SiteDiscoveryJob.Schedule(jobs, site);
        HealthCheckJob.Schedule(jobs, site.Id, site.HealthCron);
        Operations.ScheduledBackupJob.Schedule(jobs, site.Id, site.BackupCron);
        Operations.ScheduledRotationJob.Schedule(jobs, site.Id, site.PasswordRotationCron);
    }

    /// <summary>Declares every site's jobs and removes those of sites that no longer exist.</summary>
    [DisableConcurrentExecution(timeoutInSeconds: 120)]
    public async Task SyncAllAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var sites = await db.Sites.AsNoTracking().ToListAsync(cancellationToken);
        foreach (var site in sites) Schedule(site);

        var known = sites.Select(s => s.Id).ToHashSet();
        using var connection = storage.GetConnection();
        foreach (var job in connection.GetRecurringJobs())
        {
            if (SiteOf(job.Id) is { } siteId && !known.Contains(siteId)) jobs.RemoveIfExists(job.Id);
        }
    }

    /// <summary>The site a per-site recurring job id belongs to ("discovery-{N}", "health-{N}", "backup-{N}", "rotation-{N}"), or null for other jobs.</summary>
    internal static Guid? SiteOf(string jobId)
    {
        foreach (var prefix in new[] { "discovery-", "health-", "backup-", "rotation-" })
        {
            if (jobId.StartsWith(prefix, StringComparison.Ordinal) && Guid.TryParseExact(jobId[prefix.Length..], "N", out var id)) return id;
        }

        return null;
    }
}

/// <summary>Re-declares a site's jobs as soon as the site is saved or deleted on this node (the 5-minute sync covers other nodes).</summary>
public sealed class SiteScheduleListener(FleetChangeFeed feed, SiteScheduleSync sync, Microsoft.Extensions.Logging.ILogger<SiteScheduleListener> logger)
    : Microsoft.Extensions.Hosting.IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        feed.Changed += OnChanged;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        feed.Changed -= OnChanged;
        return Task.CompletedTask;
    }

    private void OnChanged(FleetChange change)
    {
        if (change.Kind != FleetChangeKinds.Site || change.SiteId is not { } siteId) return;
        _ = Task.Run(async () =>
        {
            try
            {
                await sync.SyncSiteAsync(siteId);
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Could not update the schedules of site {SiteId}; the periodic sync will retry", siteId);
            }
        });
    }
}
