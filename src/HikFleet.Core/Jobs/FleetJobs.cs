using System.Linq.Expressions;
using Hangfire;
using Hangfire.Common;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Hangfire.States;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HikFleet.Core.Jobs;

/// <summary>Hangfire on the fleet's PostgreSQL database (schema <c>hangfire</c>).</summary>
public static class FleetJobs
{
    /// <summary>
    /// Jobs a person started and is waiting for ("Scan now"). Every worker takes them before background work, and one worker
    /// serves nothing else: health sweeps, PoE polls (each waiting out its SNMP timeout when a switch is down) and scheduled
    /// discovery can occupy all the other workers for minutes on a large fleet, and an operator's scan must not queue behind them.
    /// The name is "critical" because Hangfire.PostgreSql fetches the queues of a server in alphabetical order, not in the order
    /// they are listed (its fetch orders by fetched-at, queue name, job id): it must sort before <see cref="DefaultQueue"/>.
    /// </summary>
    public const string InteractiveQueue = "critical";

    /// <summary>Background work: recurring and scheduled jobs, operations, alert delivery.</summary>
    public const string DefaultQueue = "default";

    /// <summary>Workers of the main server (both queues); the interactive queue has one more of its own.</summary>
    public static int WorkerCount => Math.Max(4, Environment.ProcessorCount * 2);

    /// <summary>Queues a job on <see cref="InteractiveQueue"/>.</summary>
    public static string EnqueueInteractive<T>(this IBackgroundJobClient jobs, Expression<Func<T, Task>> call) =>
        jobs.Create(Job.FromExpression(call), new EnqueuedState(InteractiveQueue));

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
            // The default 15 s poll makes every "do it now" button feel broken: poll every second instead. Long polling
            // (LISTEN/NOTIFY) stays off: when its listening connection breaks (a database restart or failover), enqueued jobs sit
            // until the invisibility timeout (Hangfire.PostgreSql issue #410) — seen here as operations that never started.
            QueuePollInterval = TimeSpan.FromSeconds(1),
            EnableLongPolling = false,
            DistributedLockTimeout = TimeSpan.FromMinutes(1),
        };

        services.AddSingleton<JobStorage>(_ =>
            new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, storageOptions), storageOptions));
        services.AddSingleton<JobActivator>(sp => new ServiceProviderJobActivator(sp));
        // Job telemetry (duration, outcome, span) through this host's own filter provider, not Hangfire's global filter list: a
        // second host in the process would otherwise time every job twice.
        services.AddSingleton<IJobFilterProvider>(_ => new JobFilterProviderCollection(JobFilterProviders.Providers, new TelemetryFilterProvider()));

        services.AddHangfire((sp, config) => config
            .UseLogProvider(new ResilientLogProvider(new Hangfire.AspNetCore.AspNetCoreLogProvider(sp.GetRequiredService<ILoggerFactory>())))
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseStorage(sp.GetRequiredService<JobStorage>())
            .UseActivator(sp.GetRequiredService<JobActivator>()));

        if (runServer)
        {
            services.AddHangfireServer((sp, options) =>
            {
                options.WorkerCount = WorkerCount;
                options.Queues = [InteractiveQueue, DefaultQueue];
                options.SchedulePollingInterval = TimeSpan.FromSeconds(1);
            });
            // The interactive queue's own worker: a second server in the process. Hangfire gives every server its own delayed and
            // recurring job schedulers; the main server's poll every second already, so this one's keep Hangfire's default pace
            // instead of doubling those queries (both take the storage's locks, so nothing is triggered twice either way).
            services.AddHangfireServer((sp, options) =>
            {
                options.WorkerCount = 1;
                options.Queues = [InteractiveQueue];
            });
        }

        return services;
    }

    /// <summary>
    /// Hangfire's log provider is process-wide too: with two hosts in one process (tests, a web node and an agent) it points at
    /// whichever host configured Hangfire last. When that host is disposed, a worker of the other host that logs while fetching a
    /// job throws ObjectDisposedException after it marked the job fetched, and the job then sits invisible for the whole
    /// invisibility timeout. Logging must never cost a job: a disposed logger factory logs nothing instead.
    /// </summary>
    private sealed class ResilientLogProvider(Hangfire.Logging.ILogProvider inner) : Hangfire.Logging.ILogProvider
    {
        public Hangfire.Logging.ILog GetLogger(string name)
        {
            try
            {
                return new ResilientLog(inner.GetLogger(name));
            }
            catch (ObjectDisposedException)
            {
                return new ResilientLog(null);
            }
        }

        private sealed class ResilientLog(Hangfire.Logging.ILog? log) : Hangfire.Logging.ILog
        {
            public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null)
            {
                try
                {
                    return log?.Log(logLevel, messageFunc, exception) ?? false;
                }
                catch (ObjectDisposedException)
                {
                    return false;
                }
            }
        }
    }

    private sealed class TelemetryFilterProvider : IJobFilterProvider
    {
        private static readonly JobFilter[] Filters = [new(new Observability.JobTelemetryFilter(), JobFilterScope.Global, null)];

        public IEnumerable<JobFilter> GetFilters(Job job) => Filters;
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
