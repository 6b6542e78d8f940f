using Hangfire;
using HikFleet.Core.Operations;
using Microsoft.Extensions.DependencyInjection;

namespace HikFleet.Core.Tests.Profiles;

/// <summary>A site's recurring backup job in Hangfire's real PostgreSQL storage: declared with the site's cron, changed, removed.</summary>
public sealed class BackupScheduleTests(ProfileWorld world) : IClassFixture<ProfileWorld>
{
    private Dictionary<string, string> RecurringJobs()
    {
        using var connection = world.Services.GetRequiredService<JobStorage>().GetConnection();
        return Hangfire.Storage.StorageConnectionExtensions.GetRecurringJobs(connection).ToDictionary(j => j.Id, j => j.Cron);
    }

    [Fact]
    public void A_sites_backup_job_follows_its_cron()
    {
        var jobs = world.Services.GetRequiredService<IRecurringJobManager>();
        var siteId = Guid.NewGuid();
        var id = ScheduledBackupJob.RecurringJobId(siteId);
        Assert.Equal($"backup-{siteId:N}", id);

        ScheduledBackupJob.Schedule(jobs, siteId, "30 2 * * 0");
        Assert.Equal("30 2 * * 0", RecurringJobs()[id]);
        ScheduledBackupJob.Schedule(jobs, siteId, "0 3 * * *");
        Assert.Equal("0 3 * * *", RecurringJobs()[id]);
        ScheduledBackupJob.Schedule(jobs, siteId, null);
        Assert.False(RecurringJobs().ContainsKey(id));
    }
}
