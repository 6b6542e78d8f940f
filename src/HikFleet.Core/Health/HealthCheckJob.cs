using Hangfire;

namespace HikFleet.Core.Health;

/// <summary>The scheduled health sweep of one site (Hangfire recurring job per site, cron from <c>Site.HealthCron</c>).</summary>
public sealed class HealthCheckJob(HealthCheckService health)
{
    /// <summary>Recurring job id of a site's sweep.</summary>
    public static string RecurringJobId(Guid siteId) => $"health-{siteId:N}";

    /// <summary>Declares (or removes, when <paramref name="cron"/> is null) the recurring sweep of a site. Idempotent.</summary>
    public static void Schedule(IRecurringJobManager jobs, Guid siteId, string? cron)
    {
        if (string.IsNullOrWhiteSpace(cron)) jobs.RemoveIfExists(RecurringJobId(siteId));
        else jobs.AddOrUpdate<HealthCheckJob>(RecurringJobId(siteId), job => job.ExecuteAsync(siteId, CancellationToken.None), cron);
    }

    // No retries: the next scheduled sweep comes within minutes, and a retried sweep would only overlap it.
    [AutomaticRetry(Attempts = 0)]
    public async Task ExecuteAsync(Guid siteId, CancellationToken cancellationToken) => await health.RunSiteAsync(siteId, cancellationToken);
}
