using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Microsoft.Extensions.DependencyInjection;

namespace HikFleet.Core.Jobs;

/// <summary>Hangfire on the fleet's PostgreSQL database (schema <c>hangfire</c>).</summary>
public static class FleetJobs
{
    /// <summary>
    /// Registers Hangfire's storage and activator as this host's own singletons before <c>AddHangfire</c> (which only
    /// TryAdds them). Hangfire otherwise falls back to process-wide statics, and two hosts in one process (tests, or
    /// a web node and an agent) would run each other's jobs against the wrong database.
    /// </summary>
    public static IServiceCollection AddFleetJobs(this IServiceCollection services, string connectionString, bool runServer = true)
    {
        var storageOptions = new PostgreSqlStorageOptions
        {
            SchemaName = "hangfire",
            PrepareSchemaIfNecessary = true,
            // The default 15 s poll makes every "do it now" button feel broken; LISTEN/NOTIFY wakes workers at once.
            QueuePollInterval = TimeSpan.FromSeconds(1),
            EnableLongPolling = true,
            DistributedLockTimeout = TimeSpan.FromMinutes(1),
        };

        services.AddSingleton<JobStorage>(_ =>
            new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, storageOptions), storageOptions));
        services.AddSingleton<JobActivator>(sp => new ServiceProviderJobActivator(sp));

        services.AddHangfire((sp, config) => config
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseStorage(sp.GetRequiredService<JobStorage>())
            .UseActivator(sp.GetRequiredService<JobActivator>()));

        if (runServer)
        {
            services.AddHangfireServer((sp, options) =>
            {
                options.WorkerCount = Math.Max(4, Environment.ProcessorCount * 2);
                options.Queues = ["default"];
                options.SchedulePollingInterval = TimeSpan.FromSeconds(1);
            });
        }

        return services;
    }

    private sealed class ServiceProviderJobActivator(IServiceProvider services) : JobActivator
    {
        public override JobActivatorScope BeginScope(JobActivatorContext context) => new Scope(services.CreateScope());

        private sealed class Scope(IServiceScope scope) : JobActivatorScope
        {
            public override object Resolve(Type type) => ActivatorUtilities.GetServiceOrCreateInstance(scope.ServiceProvider, type);

            public override void DisposeScope() => scope.Dispose();
        }
    }
}
