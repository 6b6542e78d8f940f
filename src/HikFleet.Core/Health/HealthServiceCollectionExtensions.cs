using Microsoft.Extensions.DependencyInjection;

namespace HikFleet.Core.Health;

public static class HealthServiceCollectionExtensions
{
    /// <summary>Health checks: the sweep service, its client cache and jobs; options from <c>Fleet:Health</c>.</summary>
    public static IServiceCollection AddFleetHealth(this IServiceCollection services)
    {
        services.AddOptions<HealthOptions>().BindConfiguration(HealthOptions.SectionName);
        services.AddSingleton<DeviceClientCache>();
        services.AddSingleton<HealthCheckService>();
        services.AddTransient<HealthCheckJob>();
        services.AddTransient<HealthRetentionJob>();
        return services;
    }
}
