using HikFleet.Core.Adoption;
using Microsoft.Extensions.DependencyInjection;

using HikFleet.Core.Discovery;

namespace HikFleet.Core;

public static class DiscoveryServiceCollectionExtensions
{
    /// <summary>Discovery (SADP + ISAPI probe, reconciliation, its job), adoption and the inventory CSV.</summary>
    public static IServiceCollection AddFleetDiscovery(this IServiceCollection services)
    {
        services.AddOptions<DiscoveryOptions>().BindConfiguration(DiscoveryOptions.SectionName);
        services.AddSingleton<SiteSadpClients>();
        services.AddSingleton<DiscoveryScanner>();
        services.AddSingleton<DiscoveryService>();
        services.AddTransient<SiteDiscoveryJob>();
        services.AddSingleton<AdoptionService>();
        services.AddSingleton<InventoryCsv>();
        return services;
    }
}
