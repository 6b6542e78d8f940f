using HikFleet.Core.Audit;
using HikFleet.Core.Cameras;
using HikFleet.Core.Data;
using HikFleet.Isapi;
using HikFleet.Sadp;
using HikFleet.Core.Devices;
using HikFleet.Core.Jobs;
using HikFleet.Core.Security;
using HikFleet.Core.Sites;
using HikFleet.Core.Tenants;
using HikFleet.Core.Vault;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.DependencyInjection;

namespace HikFleet.Core;

public static class CoreServiceCollectionExtensions
{
    /// <summary>The fleet model: database, jobs and the services that hold the business rules.</summary>
    public static IServiceCollection AddFleetCore(this IServiceCollection services, string connectionString, bool runJobServer = true,
        string? ownerConnectionString = null)
    {
        services.AddFleetDatabase(FleetDatabase.WithApplicationName(connectionString, "hikfleet"), ownerConnectionString);
        services.AddFleetJobs(FleetDatabase.WithApplicationName(connectionString, "hikfleet-jobs"), runJobServer);
        services.AddFleetAudit();
        services.AddFleetDiscovery();
        services.AddSingleton<SiteScheduleSync>();
        services.AddHostedService<SiteScheduleListener>();
        services.AddSingleton<SiteService>();
        services.AddSingleton<CameraService>();
        services.AddSingleton<Inventory.InventoryQueries>();
        services.AddSingleton<TenantService>();
        services.AddSingleton<ApiTokenService>();
        services.AddSingleton(TimeProvider.System);
        services.AddOptions<VaultOptions>().BindConfiguration(VaultOptions.SectionName)
            .PostConfigure(o => o.Keys ??= Environment.GetEnvironmentVariable(VaultOptions.KeyVariable));
        // Loaded (or created) once at start; a missing or unreadable key file stops the app rather than running without a vault.
        services.AddSingleton(sp => VaultKeyRing.Load(sp.GetRequiredService<IOptions<VaultOptions>>().Value,
            sp.GetRequiredService<ILoggerFactory>().CreateLogger<VaultKeyRing>()));
        services.AddSingleton<CredentialVault>();
        services.AddOptions<DeviceAccessOptions>().BindConfiguration(DeviceAccessOptions.SectionName);
        services.AddSingleton<DeviceAccess>();
        services.AddSingleton<FleetChangeFeed>();
        Health.HealthServiceCollectionExtensions.AddFleetHealth(services);
        Operations.OperationsServiceCollectionExtensions.AddFleetOperations(services);
        Profiles.ProfilesServiceCollectionExtensions.AddFleetProfiles(services);
        Alerts.AlertsServiceCollectionExtensions.AddFleetAlerts(services);
        Poe.PoeServiceCollectionExtensions.AddFleetPoe(services);
        // Device protocols, configured from the "Isapi" and "Sadp" sections (safe defaults: SADP on loopback only, TTL 0).
        services.AddIsapi();
        services.AddOptions<IsapiOptions>().BindConfiguration("Isapi");
        services.AddSadp();
        services.AddOptions<SadpOptions>().BindConfiguration(SadpOptions.SectionName);
        // Fleet gauges (per host, cached counts) and the meter factory they come from; exporters are the host's business.
        services.AddMetrics();
        services.AddOptions<Observability.FleetGaugeOptions>().BindConfiguration(Observability.FleetGaugeOptions.SectionName);
        services.AddSingleton<Observability.FleetGauges>();
        return services;
    }
}
