using HikFleet.Core.Data;
using HikFleet.Core.Devices;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace HikFleet.Core.Poe;

/// <summary>Polls every PoE switch (a recurring job, <see cref="Jobs.FleetSchedules"/>): ports, power, forwarding tables, mappings.</summary>
public sealed class PoePollJob(IDbContextFactory<FleetDbContext> contexts, PoeSwitchPoller poller, FleetChangeFeed changes)
{
    public const string RecurringJobId = "poe-poll";

    public async Task ExecuteAsync(CancellationToken cancellationToken)
    {
        List<(Guid Id, Guid TenantId, Guid SiteId)> switches;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            switches = (await db.PoeSwitches.AsNoTracking().Select(s => new { s.Id, s.TenantId, s.SiteId }).ToListAsync(cancellationToken))
                .Select(s => (s.Id, s.TenantId, s.SiteId)).ToList();
        }

        // A few at once: each poll is a handful of SNMP walks; a dead switch costs its timeout, not everyone's.
        await Parallel.ForEachAsync(switches, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (sw, ct) =>
        {
            await poller.PollAsync(sw.Id, ct);
            changes.Publish(new FleetChange(FleetChangeKinds.Poe, sw.TenantId, sw.SiteId));
        });
    }
}

/// <summary>Registration of the PoE services.</summary>
public static class PoeServiceCollectionExtensions
{
    public static IServiceCollection AddFleetPoe(this IServiceCollection services)
    {
        services.AddOptions<PoeOptions>().BindConfiguration(PoeOptions.SectionName);
        services.AddSingleton<PoeSwitchAccess>();
        services.AddSingleton<PoeSwitchPoller>();
        services.AddSingleton<PoeService>();
        services.AddTransient<PoePollJob>();
        return services;
    }
}
