using Hangfire;
using HikFleet.Core.Data.Entities;

namespace HikFleet.Core.Discovery;

/// <summary>The Hangfire job of one site's discovery: scheduled from <see cref="Site.DiscoveryCron"/>, or queued by "scan now".</summary>
public sealed class SiteDiscoveryJob(DiscoveryService discovery)
{
    /// <summary>What a scheduled run records as its trigger.</summary>
    public const string ScheduleTrigger = "schedule";

    /// <summary>The recurring job id of a site's discovery.</summary>
    public static string RecurringId(Guid siteId) => $"discovery-{siteId:N}";

    /// <summary>Declares (or removes, when the site has no discovery schedule) the site's recurring discovery, in UTC.</summary>
    public static void Schedule(IRecurringJobManager jobs, Site site)
    {
        if (string.IsNullOrWhiteSpace(site.DiscoveryCron))
        {
            jobs.RemoveIfExists(RecurringId(site.Id));
            return;
        }

        var siteId = site.Id;
        jobs.AddOrUpdate<SiteDiscoveryJob>(RecurringId(siteId), job => job.ExecuteAsync(siteId, ScheduleTrigger, CancellationToken.None), site.DiscoveryCron);
    }

    /// <summary>
    /// Runs discovery of the site. No automatic retry: the next scheduled run is the retry, and a failed run is recorded on its row.
    /// A site deleted since the job was queued ends quietly.
    /// </summary>
    [AutomaticRetry(Attempts = 0)]
    public async Task ExecuteAsync(Guid siteId, string triggeredBy, CancellationToken cancellationToken)
    {
        try
        {
            await discovery.RunSiteAsync(siteId, triggeredBy, cancellationToken);
        }
        catch (KeyNotFoundException)
        {
            // The site was deleted after the job was queued.
        }
    }
}
