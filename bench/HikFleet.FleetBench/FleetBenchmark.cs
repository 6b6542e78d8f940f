using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using HikFleet.Core;
using HikFleet.Core.Audit;
using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Discovery;
using HikFleet.Core.Health;
using HikFleet.Core.Inventory;
using HikFleet.Core.Security;
using HikFleet.Core.Vault;
using HikFleet.Isapi;
using HikFleet.Isapi.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace HikFleet.FleetBench;

/// <summary>
/// The fleet benchmark of issue #13. This process hosts the real application services (AddFleetCore: HealthCheckJob and
/// HealthCheckService, DiscoveryService, InventoryQueries, the EF context on a fresh PostgreSQL database); the simulated devices
/// run in separate simulator processes on loopback, so this process's CPU time and memory are the application's alone.
/// </summary>
public static class FleetBenchmark
{
    /// <summary>
    /// The GETs of a steady-state healthy check in the order HealthProbe makes them (docs/health.md "What one check asks"); the
    /// settings reads (every 6 h) and the picture decode (every 5 min) come on top for the cameras whose slot it is.
    /// </summary>
    public static readonly IReadOnlyList<string> CheckPaths =
    [
        "/ISAPI/System/deviceInfo", "/ISAPI/System/status", "/ISAPI/ContentMgmt/Storage", "/ISAPI/Streaming/channels/101/picture",
    ];

    private static Func<double>? _simulatorCpu;

    public static async Task<FleetBenchResult> RunAsync(FleetBenchOptions options, CancellationToken ct)
    {
        var log = options.Log ?? (_ => { });
        var result = new FleetBenchResult { Options = options with { Log = null }, Machine = MachineInfo.Read(), StartedAt = DateTimeOffset.UtcNow };
        var openFiles = Math.Max(65_536, options.Cameras * 4 + 4_096);
        RaiseOpenFilesLimit((ulong)openFiles, log);

        var admin = options.AdminConnectionString ?? Environment.GetEnvironmentVariable("HIKFLEET_TEST_PG")
            ?? throw new InvalidOperationException("Set HIKFLEET_TEST_PG (or --pg) to a superuser connection string of a disposable PostgreSQL cluster.");
        var database = $"hf_bench_{Guid.NewGuid():N}";
        // Loopback blocks of their own, as the tests pick theirs (127.x with x random): never a fixed address that may be taken.
        // At most DevicesPerSimulator devices per simulator process: each device needs a listening socket and a connection, and
        // the open-files hard limit may not be raisable (20,000 on the reference machine; no CAP_SYS_RESOURCE in the container).
        var processes = Math.Max(1, (options.Cameras + DevicesPerSimulator - 1) / DevicesPerSimulator);
        var mainBlock = Random.Shared.Next(32, 250 - processes - 2);
        var sadpBlock = mainBlock + processes;

        log($"starting {processes} simulator process(es) ({options.Cameras} devices on 127.{mainBlock}.x.y…){(options.SadpDevices > 0 ? $" and the SADP simulator ({options.SadpDevices} devices)" : "")}");
        var started = Stopwatch.StartNew();
        var mainTasks = Enumerable.Range(0, processes).Select(k =>
        {
            var cameras = options.Cameras / processes + (k < options.Cameras % processes ? 1 : 0);
            var sites = Math.Max(1, options.Sites / processes + (k < options.Sites % processes ? 1 : 0));
            return SimulatorProcess.StartAsync(
            [
                "--cameras", $"{cameras}", "--sites", $"{sites}", "--base-address", $"127.{mainBlock + k}.0.10", "--http-port", "0",
                "--control", "127.0.0.1:0", "--no-sadp", "--seed", $"{options.Seed + 100 * k}", "--factory-address", $"127.{mainBlock + k}.250.64",
            ], openFiles, TimeSpan.FromMinutes(10), ct);
        }).ToList();
        var sadpTask = options.SadpDevices <= 0 ? Task.FromResult<SimulatorProcess?>(null) : StartSadpSimulatorAsync(options, sadpBlock, ct);
        var simulators = new List<SimulatorProcess>();
        SimulatorProcess? sadpSimulator = null;
        try
        {
            foreach (var task in mainTasks) simulators.Add(await task);
            sadpSimulator = await sadpTask;
            var pids = simulators.Select(x => x.ProcessId).Concat(sadpSimulator is null ? [] : [sadpSimulator.ProcessId]).ToList();
            _simulatorCpu = () => pids.Sum(ProcessCpu.Seconds);
            log($"simulators ready in {started.Elapsed.TotalSeconds:F1} s: {simulators.Sum(x => x.Ready)} devices (pids {string.Join(' ', simulators.Select(x => x.ProcessId))})" +
                (sadpSimulator is null ? "" : $", SADP {sadpSimulator.Ready} devices on udp/{sadpSimulator.SadpPort} (pid {sadpSimulator.ProcessId})"));
            var devices = new List<(SimulatedDevice Device, string Subnet, string SitePrefix)>();
            for (var k = 0; k < simulators.Count; k++)
                devices.AddRange((await simulators[k].DevicesAsync(ct)).Select(d => (d, $"127.{mainBlock + k}.0.0/16", processes > 1 ? $"P{k + 1}-" : "")));
            await RunPhasesAsync(options, admin, database, devices, sadpSimulator, sadpBlock, result, log, ct);
        }
        finally
        {
            // Each simulator is ended by its own process id (never by name).
            foreach (var sim in simulators) await sim.DisposeAsync();
            if (sadpSimulator is not null) await sadpSimulator.DisposeAsync();
            foreach (var task in mainTasks.Where(t => t.IsCompletedSuccessfully && !simulators.Contains(t.Result))) await task.Result.DisposeAsync();
            if (sadpTask.IsCompletedSuccessfully && sadpTask.Result is { } late && late != sadpSimulator) await late.DisposeAsync();
        }

        return result;
    }

    /// <summary>
    /// The application's GC gen0 budget (64 MB), set by deploy/Dockerfile and deploy/run.sh; the runtime reads it from the environment
    /// only (not from runtimeconfig.json), so the benchmark's command line starts itself with it (Program).
    /// </summary>
    public const string Gen0BudgetVariable = "DOTNET_GCgen0size", Gen0Budget = "0x4000000";

    /// <summary>Devices per simulator process (see the open-files note in RunAsync).</summary>
    public const int DevicesPerSimulator = 5_000;

    private static async Task RunPhasesAsync(FleetBenchOptions options, string admin, string database,
        List<(SimulatedDevice Device, string Subnet, string SitePrefix)> devices, SimulatorProcess? sadpSimulator, int sadpBlock,
        FleetBenchResult result, Action<string> log, CancellationToken ct)
    {
        await ExecuteAdminAsync(admin, $"CREATE DATABASE {database}", ct);
        var connection = new NpgsqlConnectionStringBuilder(admin) { Database = database, MaxPoolSize = 50 }.ConnectionString;
        var counter = new RoundTripCounter();
        using var requests = new RequestCounter();
        try
        {
            await using var services = BuildServices(connection, sadpSimulator?.SadpPort, counter, options.AppLogs);
            await services.GetRequiredService<FleetDatabaseMigrator>().MigrateAsync(ct);

            var seedWatch = Stopwatch.StartNew();
            var sites = await SeedFleetAsync(services, options, devices, ct);
            result.SeedSeconds = seedWatch.Elapsed.TotalSeconds;
            log($"seeded {devices.Count} managed cameras over {sites.Count} sites in {result.SeedSeconds:F1} s");

            await SweepPhasesAsync(services, options, sites, result, counter, requests, log, ct);
            if (sadpSimulator is not null) await DiscoveryPhaseAsync(services, options, sadpBlock, result, counter, requests, log, ct);
            await LatencyPhaseAsync(services, options, sites, result, log, ct);
            if (options.ReconcileSightings > 0) await ReconcilePhaseAsync(services, options, result, counter, requests, log, ct);
            // The application's memory: the peaks sampled (every 50 ms) during its own phases, not during the ceiling passes (whose
            // bare clients live in this process between the sweeps).
            var phases = new[] { result.ColdSweep, result.Discovery, result.Reconciliation }.Concat(result.WarmupSweeps)
                .Concat(result.SteadySweeps.Select(x => x.Figures)).Where(p => p is not null).Select(p => p!).ToList();
            result.PeakWorkingSetMb = phases.Select(p => p.PeakWorkingSetMb).DefaultIfEmpty(0).Max();
            result.PeakGcHeapMb = phases.Select(p => p.PeakGcHeapMb).DefaultIfEmpty(0).Max();
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            if (!options.KeepDatabase) await ExecuteAdminAsync(admin, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)", CancellationToken.None);
            else log($"database kept: {database}");
        }
    }

    private static Task<SimulatorProcess?> StartSadpSimulatorAsync(FleetBenchOptions options, int block, CancellationToken ct) =>
        SimulatorProcess.StartAsync(
        [
            "--cameras", $"{options.SadpDevices}", "--sites", "1", "--base-address", $"127.{block}.0.10", "--http-port", "0", "--no-control",
            "--sadp-interface", "127.0.0.1", "--sadp-ttl", "0", "--sadp-port", "0", "--seed", $"{options.Seed + 1}",
            "--factory-address", $"127.{block}.250.64",
        ], 16_384, TimeSpan.FromMinutes(5), ct)!;

    private static ServiceProvider BuildServices(string connection, int? sadpPort, RoundTripCounter counter, bool appLogs)
    {
        var settings = new Dictionary<string, string?>
        {
            // SADP as the tests run it: loopback only, TTL 0, the SADP simulator's own port.
            ["Sadp:Interfaces:0"] = "127.0.0.1",
            ["Sadp:MulticastTtl"] = "0",
            ["Sadp:Port"] = (sadpPort ?? 37020).ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        var services = new ServiceCollection();
        // Experiments: HIKFLEET_BENCH_Fleet__Health__BatchSize=500 overrides Fleet:Health:BatchSize (any setting the app reads).
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).AddEnvironmentVariables("HIKFLEET_BENCH_").Build());
        // HIKFLEET_BENCH_SQL=1 prints every SQL command (to see what a phase sends).
        var sql = Environment.GetEnvironmentVariable("HIKFLEET_BENCH_SQL") == "1";
        services.AddLogging(b =>
        {
            b.SetMinimumLevel(LogLevel.Warning).AddFilter("Microsoft.EntityFrameworkCore.Database.Command", sql ? LogLevel.Information : LogLevel.Warning);
            if (appLogs || sql) b.AddSimpleConsole(o => o.SingleLine = true);
        });
        services.AddFleetCore(connection, runJobServer: false);
        services.AddSingleton(VaultKeyRing.CreateNew(out _));
        services.ConfigureDbContext<FleetDbContext>((_, o) => o.AddInterceptors(counter), ServiceLifetime.Singleton);
        return services.BuildServiceProvider();
    }

    // ---------------------------------------------------------------- seed

    public sealed record SeededSite(Guid Id, Guid TenantId, string Name, List<Guid> CameraIds, List<SimulatedDevice> Devices);

    private static async Task<List<SeededSite>> SeedFleetAsync(IServiceProvider services, FleetBenchOptions options,
        List<(SimulatedDevice Device, string Subnet, string SitePrefix)> devices, CancellationToken ct)
    {
        var contexts = services.GetRequiredService<IDbContextFactory<FleetDbContext>>();
        var vault = services.GetRequiredService<CredentialVault>();
        var groups = devices.GroupBy(d => (Name: d.SitePrefix + (d.Device.Site ?? "site"), d.Subnet)).OrderBy(g => g.Key.Name, StringComparer.Ordinal).ToList();
        var tenants = Enumerable.Range(1, Math.Max(1, options.Tenants)).Select(i => new Tenant { Name = $"Tenant {i:00}" }).ToList();
        var seeded = new List<SeededSite>();
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            db.Tenants.AddRange(tenants);
            var siteRows = groups.Select((g, i) => new Site
            {
                TenantId = tenants[i % tenants.Count].Id, Name = g.Key.Name, TimeZone = "Europe/Berlin", Subnets = [IPNetwork.Parse(g.Key.Subnet)],
                DiscoveryCron = null, HealthCron = "* * * * *",
            }).ToList();
            db.Sites.AddRange(siteRows);
            await db.SaveChangesAsync(ct);
            for (var i = 0; i < groups.Count; i++) seeded.Add(new SeededSite(siteRows[i].Id, siteRows[i].TenantId, siteRows[i].Name, [], [.. groups[i].Select(x => x.Device)]));
        }

        foreach (var chunk in seeded.SelectMany(s => s.Devices.Select(d => (Site: s, Device: d))).Chunk(1000))
        {
            await using var db = await contexts.CreateDbContextAsync(ct);
            foreach (var (site, d) in chunk)
            {
                var camera = new Camera
                {
                    SiteId = site.Id, SerialNumber = d.Serial, MacAddress = MacAddresses.TryNormalize(d.Mac, out var mac) ? mac : d.Mac.ToLowerInvariant(),
                    Model = d.Model, Name = d.Name, DeviceName = d.Name, FirmwareVersion = d.FirmwareVersion, Address = IPAddress.Parse(d.Address),
                    HttpPort = d.HttpPort, Lifecycle = CameraLifecycle.Managed, Activated = d.Activated,
                };
                db.Cameras.Add(camera);
                site.CameraIds.Add(camera.Id);
            }

            await db.SaveChangesAsync(ct);
        }

        // Sealed in the vault as an operator would have entered them (the simulator's passwords), 500 cameras per transaction.
        var byId = seeded.SelectMany(s => s.CameraIds.Zip(s.Devices)).Where(p => p.Second.Password is not null).ToList();
        await Parallel.ForEachAsync(byId.Chunk(500), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct }, async (chunk, token) =>
        {
            await using var db = await contexts.CreateDbContextAsync(token);
            foreach (var (id, d) in chunk) await vault.StoreForCameraAsync(db, id, d.UserName ?? "admin", d.Password!, "bench", token);
            await db.SaveChangesAsync(token);
        });
        return seeded;
    }

    // ---------------------------------------------------------------- sweep

    private static async Task SweepPhasesAsync(IServiceProvider services, FleetBenchOptions options, List<SeededSite> sites, FleetBenchResult result,
        RoundTripCounter counter, RequestCounter requests, Action<string> log, CancellationToken ct)
    {
        var total = sites.Sum(s => s.CameraIds.Count);
        // As Hangfire runs them: every site's HealthCheckJob (cron "* * * * *") taken by JobWorkers workers at once.
        async Task SweepAllAsync()
        {
            await Parallel.ForEachAsync(sites, new ParallelOptions { MaxDegreeOfParallelism = options.JobWorkers, CancellationToken = ct }, async (site, token) =>
            {
                var job = services.GetRequiredService<HealthCheckJob>();
                await job.ExecuteAsync(site.Id, token);
            });
        }

        log("cold sweep (new clients, hardening reads)…");
        await using (var meter = new PhaseMeter("cold sweep", counter, requests, _simulatorCpu))
        {
            await SweepAllAsync();
            result.ColdSweep = await meter.StopAsync(total);
        }

        log($"  {Describe(result.ColdSweep)}");
        var contexts = services.GetRequiredService<IDbContextFactory<FleetDbContext>>();
        var health = services.GetRequiredService<IOptions<HealthOptions>>().Value;
        await AgeFleetAsync(contexts, health, log, ct);

        // Warm-up: a server that has run for a while has compiled its methods to their final tier and settled its GC budgets; a
        // process one sweep old still spends a large share of each sweep in the JIT (1.2 s of 2.8 s at 2,000 cameras). Not
        // measured; each measured sweep reports its own JIT time.
        var warmup = Stopwatch.StartNew();
        for (var k = 0; k < options.WarmupSweeps; k++)
        {
            var wait = TimeSpan.FromSeconds(options.WarmupIntervalSeconds * k) - warmup.Elapsed;
            if (wait > TimeSpan.Zero) await Task.Delay(wait, ct);
            await using var meter = new PhaseMeter("warm-up sweep", counter, requests, _simulatorCpu);
            await SweepAllAsync();
            var figures = await meter.StopAsync(total);
            result.WarmupSweeps.Add(figures);
            log($"  {Describe(figures)}");
        }

        if (options.WarmupSweeps > 0)
        {
            // The first measured sweep comes a full interval after the last warm-up, like every later one: its connections are
            // closed (idle timeout) and the slow reads of a whole interval's slots are due (after a shorter gap it decoded only the
            // pictures of that gap's slots, a quarter of a steady sweep's).
            var rest = TimeSpan.FromSeconds(options.WarmupIntervalSeconds * (options.WarmupSweeps - 1) + options.SweepIntervalSeconds) - warmup.Elapsed;
            if (rest > TimeSpan.Zero) await Task.Delay(rest, ct);
        }

        // The steady state: a sweep every SweepIntervalSeconds (the cron's minute), each measured on its own; the one reported is
        // the median by wall time (the others are in the JSON). Counters are checked on the median one.
        var schedule = Stopwatch.StartNew();
        var measured = new List<(SteadySweep Sweep, DateTimeOffset Since)>();
        for (var k = 0; k < Math.Max(1, options.SteadySweeps); k++)
        {
            var wait = TimeSpan.FromSeconds(options.SweepIntervalSeconds * k) - schedule.Elapsed;
            if (wait > TimeSpan.Zero) await Task.Delay(wait, ct);
            var since = DateTimeOffset.UtcNow;
            log($"steady sweep {k + 1} of {options.SteadySweeps}…");
            using var allocations = options.AllocationProfile && k == 0 ? new AllocationProfiler() : null;
            allocations?.Start();
            PhaseFigures figures;
            await using (var meter = new PhaseMeter("sweep", counter, requests, _simulatorCpu))
            {
                await SweepAllAsync();
                figures = await meter.StopAsync(total);
            }

            if (allocations is not null)
            {
                foreach (var (type, mb) in allocations.Stop(25)) log($"  allocated (sampled) {mb,8:F1} MB  {type}");
                LogGcFigures(allocations, "GC", log);
            }

            await using var check = await contexts.CreateDbContextAsync(ct);
            var settings = await check.Cameras.CountAsync(c => c.HardeningCheckedAt >= since, ct);
            var decoded = await check.CameraSnapshots.CountAsync(p => p.TakenAt >= since, ct);
            log($"  {Describe(figures)}; settings read {settings}, pictures decoded {decoded}");
            // Its ceiling at once, in the same minute: the machine is shared, and a ceiling measured minutes apart from its sweep
            // compared two different loads (the same code gave 29-42 % that way).
            // The sweep's writes wake PostgreSQL's background work (autovacuum of the rows a sweep updates, checkpoints). A ceiling
            // that ran beside it would be slowed by work the sweep caused and flatter the ratio (one run read 66 % with 0.6 CPU s of
            // PostgreSQL in each ceiling): it waits until the server is quiet.
            var waited = await WaitForQuietPostgresAsync(TimeSpan.FromSeconds(options.QuietPostgresSeconds), ct);
            if (waited > TimeSpan.FromMilliseconds(300)) log($"  (waited {waited.TotalSeconds:F1} s for PostgreSQL's background work to finish)");
            using var ceilingAllocations = options.AllocationProfile && k == 0 ? new AllocationProfiler() : null;
            ceilingAllocations?.Start();
            var (ceiling, failures) = await CeilingPassAsync(services, options, sites, counter, requests, log, ct);
            if (ceilingAllocations is not null)
            {
                ceilingAllocations.Stop(0);
                LogGcFigures(ceilingAllocations, "ceiling GC", log);
            }

            result.CeilingFailures += failures;
            var sweep = new SteadySweep(figures, settings, decoded, ceiling);
            measured.Add((sweep, since));
            log($"  {Describe(ceiling)}; failed GETs {failures}; this sweep at {sweep.PercentOfCeiling:F0} % of its ceiling (requests/s)");
        }

        result.SteadySweeps = [.. measured.Select(m => m.Sweep)];
        var median = measured.OrderBy(m => m.Sweep.Figures.WallSeconds).ElementAt(measured.Count / 2);
        result.Sweep = median.Sweep.Figures;
        result.Ceiling = median.Sweep.Ceiling;
        var next = measured.IndexOf(median) + 1 < measured.Count ? measured[measured.IndexOf(median) + 1].Since : DateTimeOffset.MaxValue;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var ids = sites.SelectMany(s => s.CameraIds).ToList();
        result.SweepSamplesWritten = await db.HealthSamples.CountAsync(s => s.At >= median.Since && s.At < next, ct);
        result.SweepCamerasUpdated = await db.HealthSamples.Where(s => s.At >= median.Since && s.At < next).Select(s => s.CameraId).Distinct().CountAsync(ct);
        result.SweepStates = (await db.Cameras.Where(c => c.Lifecycle == CameraLifecycle.Managed).GroupBy(c => c.Health)
                .Select(g => new { g.Key, Count = g.Count() }).ToListAsync(ct))
            .ToDictionary(g => g.Key.ToString(), g => g.Count);
        log($"  median sweep: samples written {result.SweepSamplesWritten}, cameras checked {result.SweepCamerasUpdated} of {ids.Count}; states " +
            string.Join(", ", result.SweepStates.Select(s => $"{s.Key} {s.Value}")));
    }

    /// <summary>
    /// Makes the fleet look as it does after the application has run for hours: every camera's last settings read and last picture
    /// decode moved back to the start of its slot (<see cref="CheckCadence.LastSlotStart"/>), as the steady state leaves them. Without
    /// it, the cold sweep's reads all fall due again together, which production sees once after a restart, not every minute.
    /// </summary>
    private static async Task AgeFleetAsync(IDbContextFactory<FleetDbContext> contexts, HealthOptions health, Action<string> log, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var now = DateTimeOffset.UtcNow;
        var cameras = await db.Cameras.Where(c => c.Lifecycle == CameraLifecycle.Managed).Select(c => c.Id).ToListAsync(ct);
        var settingsAt = cameras.Select(id => CheckCadence.LastSlotStart(id, now, health.HardeningInterval)).ToArray();
        var pictureAt = cameras.Select(id => CheckCadence.LastSlotStart(id, now, health.SnapshotInterval)).ToArray();
        var ids = cameras.ToArray();
        var aged = await db.Database.ExecuteSqlInterpolatedAsync(
            $"UPDATE cameras c SET hardening_checked_at = a.at FROM unnest({ids}, {settingsAt}) AS a(id, at) WHERE c.id = a.id AND c.hardening_checked_at IS NOT NULL", ct);
        var pictures = await db.Database.ExecuteSqlInterpolatedAsync(
            $"UPDATE camera_snapshots s SET taken_at = a.at FROM unnest({ids}, {pictureAt}) AS a(id, at) WHERE s.camera_id = a.id", ct);
        log($"aged the fleet to its steady state: {aged} settings reads and {pictures} picture decodes moved back to their slots");
    }

    // ---------------------------------------------------------------- ceiling

    /// <summary>
    /// The ceiling: the same four GETs per camera a steady healthy check makes, same concurrency, from bare clients (the library's
    /// Digest handler on a plain SocketsHttpHandler; no ISAPI parsing, no vault, no database). One unmeasured pass first (Digest
    /// challenges, the JIT), then the measured one; both end every connection with the last GET (Connection: close), so the measured
    /// pass opens a new connection per camera as the sweep does a minute after the last. The clients are disposed afterwards.
    /// </summary>
    private static async Task<(PhaseFigures Figures, int Failures)> CeilingPassAsync(IServiceProvider services, FleetBenchOptions options,
        List<SeededSite> sites, RoundTripCounter counter, RequestCounter requests, Action<string> log, CancellationToken ct)
    {
        var concurrency = services.GetRequiredService<IOptions<HealthOptions>>().Value.MaxConcurrency;
        var idleTimeout = services.GetRequiredService<IOptions<IsapiOptions>>().Value.PooledConnectionIdleTimeout;
        var clients = sites.Select(s => s.Devices.Where(d => d.Password is not null).Select(d =>
        {
            var credentials = new IsapiCredentials(d.UserName ?? "admin", d.Password!);
            var handler = new DigestAuthenticationHandler(() => credentials, new SocketsHttpHandler
            {
                UseProxy = false, AllowAutoRedirect = false, UseCookies = false, PooledConnectionIdleTimeout = idleTimeout,
            });
            return new HttpClient(handler) { BaseAddress = new Uri($"http://{d.Address}:{d.HttpPort}/"), Timeout = TimeSpan.FromSeconds(30) };
        }).ToList()).ToList();
        var failures = 0;
        async Task GetAsync(HttpClient client, string path, CancellationToken token, bool close)
        {
            try
            {
                // The check's last GET closes the connection, as HealthProbe's does.
                using var request = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { ConnectionClose = close ? true : null } };
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, token);
                if (!response.IsSuccessStatusCode) Interlocked.Increment(ref failures);
            }
            catch (HttpRequestException)
            {
                Interlocked.Increment(ref failures);
            }
        }

        Task PassAsync() => Parallel.ForEachAsync(clients, new ParallelOptions { MaxDegreeOfParallelism = options.JobWorkers, CancellationToken = ct }, async (site, token) =>
            await Parallel.ForEachAsync(site, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = token }, async (client, t) =>
            {
                foreach (var path in CheckPaths) await GetAsync(client, path, t, close: path == CheckPaths[^1]);
            }));

        try
        {
            await PassAsync();
            failures = 0;
            await using var meter = new PhaseMeter("ceiling", counter, requests, _simulatorCpu);
            await PassAsync();
            return (await meter.StopAsync(clients.Sum(c => c.Count)), failures);
        }
        finally
        {
            foreach (var client in clients.SelectMany(c => c)) client.Dispose();
        }
    }

    // ---------------------------------------------------------------- discovery

    private static async Task DiscoveryPhaseAsync(IServiceProvider services, FleetBenchOptions options, int block, FleetBenchResult result,
        RoundTripCounter counter, RequestCounter requests, Action<string> log, CancellationToken ct)
    {
        var contexts = services.GetRequiredService<IDbContextFactory<FleetDbContext>>();
        Guid siteId;
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            var tenant = await db.Tenants.OrderBy(t => t.Name).FirstAsync(ct);
            var site = new Site { TenantId = tenant.Id, Name = "SADP segment", TimeZone = "Europe/Berlin", Subnets = [IPNetwork.Parse($"127.{block}.0.0/16")], DiscoveryCron = null };
            db.Sites.Add(site);
            await db.SaveChangesAsync(ct);
            siteId = site.Id;
        }

        log($"discovery: SADP scan of {options.SadpDevices} devices + reconciliation…");
        var discovery = services.GetRequiredService<DiscoveryService>();
        await using var meter = new PhaseMeter("discovery", counter, requests, _simulatorCpu);
        var run = await discovery.RunSiteAsync(siteId, "bench", ct);
        result.Discovery = await meter.StopAsync(run.Seen);
        result.DiscoverySeen = run.Seen;
        result.DiscoveryNew = run.New;
        log($"  {Describe(result.Discovery)}; run {run.Status}, seen {run.Seen}, new {run.New}{(run.Error is null ? "" : ", " + run.Error)}");
    }

    // ---------------------------------------------------------------- list and dashboard latency

    private static async Task LatencyPhaseAsync(IServiceProvider services, FleetBenchOptions options, List<SeededSite> sites, FleetBenchResult result,
        Action<string> log, CancellationToken ct)
    {
        var queries = services.GetRequiredService<InventoryQueries>();
        var scope = FleetScope.System;
        var site = sites[sites.Count / 2];
        var deepPage = Math.Max(0, sites.Sum(s => s.CameraIds.Count) / 50 / 2);
        var cases = new (string Name, CameraListQuery Query)[]
        {
            ("default (name, page 1)", new CameraListQuery()),
            ("state Warning+Critical+Offline, by health", new CameraListQuery { States = [HealthState.Warning, HealthState.Critical, HealthState.Offline], Sort = CameraSort.Health }),
            ("site, by address", new CameraListQuery { SiteId = site.Id, Sort = CameraSort.Address }),
            ("search \"CAM-01\", by last seen desc", new CameraListQuery { Search = "CAM-01", Sort = CameraSort.LastSeen, Descending = true }),
            ("search MAC fragment, by model", new CameraListQuery { Search = site.Devices[0].Mac[^8..], Sort = CameraSort.Model }),
            ($"deep page {deepPage + 1}, by firmware", new CameraListQuery { Page = deepPage, Sort = CameraSort.Firmware }),
            ("tenant + state Healthy, by site, 200/page", new CameraListQuery { TenantId = site.TenantId, States = [HealthState.Healthy], Sort = CameraSort.Site, PageSize = 200 }),
        };
        log($"list and dashboard latency ({options.LatencyRepeats} × each, after one warm-up call)…");
        var all = new List<double>();
        foreach (var (name, query) in cases)
        {
            await queries.ListCamerasAsync(scope, query, ct);
            var samples = new List<double>();
            for (var i = 0; i < options.LatencyRepeats; i++)
            {
                var t = Stopwatch.GetTimestamp();
                await queries.ListCamerasAsync(scope, query, ct);
                samples.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            }

            all.AddRange(samples);
            var figures = LatencyFigures.From(name, samples);
            result.ListLatency.Add(figures);
            log($"  list {name}: p50 {figures.P50Ms:F1} ms, p95 {figures.P95Ms:F1} ms");
        }

        result.ListOverall = LatencyFigures.From("camera list (all cases)", all);
        await queries.DashboardAsync(scope, cancellationToken: ct);
        var dashboard = new List<double>();
        for (var i = 0; i < options.LatencyRepeats; i++)
        {
            var t = Stopwatch.GetTimestamp();
            await queries.DashboardAsync(scope, cancellationToken: ct);
            dashboard.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
        }

        result.Dashboard = LatencyFigures.From("dashboard", dashboard);
        log($"  dashboard: p50 {result.Dashboard.P50Ms:F1} ms, p95 {result.Dashboard.P95Ms:F1} ms");
    }

    // ---------------------------------------------------------------- reconciliation

    private static async Task ReconcilePhaseAsync(IServiceProvider services, FleetBenchOptions options, FleetBenchResult result, RoundTripCounter counter,
        RequestCounter requests, Action<string> log, CancellationToken ct)
    {
        // A site of its own (its own tenant) on a made-up 10.99/16: only rows and sightings, no device traffic. 80 % of the
        // sightings are managed cameras where they were, 10 % managed cameras at a new address, 10 % devices never seen.
        var n = options.ReconcileSightings;
        var known = n * 8 / 10;
        var moved = n / 10;
        var contexts = services.GetRequiredService<IDbContextFactory<FleetDbContext>>();
        static IPAddress Address(int i, int offset) => new([10, 99, (byte)(offset + i / 250), (byte)(1 + i % 250)]);
        static string Mac(int i) => $"4c:bd:8f:{(i >> 16) & 0xff:x2}:{(i >> 8) & 0xff:x2}:{i & 0xff:x2}";
        Guid siteId;
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            var tenant = new Tenant { Name = "Reconcile tenant" };
            var site = new Site { Tenant = tenant, Name = "Reconcile site", TimeZone = "Europe/Berlin", Subnets = [IPNetwork.Parse("10.99.0.0/16")], DiscoveryCron = null };
            db.Sites.Add(site);
            for (var i = 0; i < known + moved; i++)
            {
                db.Cameras.Add(new Camera
                {
                    Site = site, SerialNumber = $"DS-2CD2386G2-IU20260101AAWR{i:D8}", MacAddress = Mac(i), Model = "DS-2CD2386G2-IU", Address = Address(i, 0),
                    HttpPort = 80, Lifecycle = CameraLifecycle.Managed, Activated = true, FirmwareVersion = "V5.7.18",
                });
            }

            await db.SaveChangesAsync(ct);
            siteId = site.Id;
        }

        var now = DateTimeOffset.UtcNow;
        var observations = Enumerable.Range(0, n).Select(i => new DeviceObservation
        {
            Source = SightingSource.Sadp, Mac = Mac(i), Serial = $"DS-2CD2386G2-IU20260101AAWR{i:D8}", Model = "DS-2CD2386G2-IU",
            Address = i < known ? Address(i, 0) : Address(i, 100), HttpPort = 80, FirmwareVersion = "V5.7.18", FirmwareBuild = "build 230425",
            Activated = true, SeenAt = now,
        }).ToList();
        log($"reconciliation of {n} sightings ({known} known, {moved} moved, {n - known - moved} new)…");
        var discovery = services.GetRequiredService<DiscoveryService>();
        await using var meter = new PhaseMeter("reconciliation", counter, requests, _simulatorCpu);
        var run = await discovery.ReconcileObservationsAsync(siteId, observations, "bench", ct);
        result.Reconciliation = await meter.StopAsync(run.Seen);
        result.ReconciledSeen = run.Seen;
        log($"  {Describe(result.Reconciliation)}; seen {run.Seen}, new {run.New}, moved {run.Moved}");
    }

    // ---------------------------------------------------------------- helpers

    private static void LogGcFigures(AllocationProfiler profiler, string label, Action<string> log)
    {
        foreach (var (what, value) in profiler.GcFigures().OrderBy(p => p.Key, StringComparer.Ordinal)) log($"  {label}: {what} {value:F1}");
    }

    /// <summary>Waits until the local PostgreSQL processes use under 5 % of a core over a quarter second (at most
    /// <paramref name="limit"/>); returns how long it waited. No local server: returns at once.</summary>
    private static async Task<TimeSpan> WaitForQuietPostgresAsync(TimeSpan limit, CancellationToken ct)
    {
        var started = Stopwatch.StartNew();
        var window = TimeSpan.FromMilliseconds(250);
        while (started.Elapsed < limit)
        {
            var before = ProcessCpu.PostgresSeconds();
            await Task.Delay(window, ct);
            if (ProcessCpu.PostgresSeconds() - before < 0.05 * window.TotalSeconds) break;
        }

        return started.Elapsed;
    }

    public static string Describe(PhaseFigures p) =>
        $"{p.Name}: {p.Items} in {p.WallSeconds:F2} s ({p.ItemsPerSecond:F0}/s), CPU {p.CpuSeconds:F1} s ({p.CpuSecondsPer1000:F2} s/1000), " +
        $"DB {p.DbRoundTripsPerItem:F2}/item, HTTP {p.HttpRequestsPerItem:F2}/item, peak WS {p.PeakWorkingSetMb:F0} MB, GC heap {p.PeakGcHeapMb:F0} MB, " +
        $"alloc {p.AllocatedMb:F0} MB, GCs {p.Gen0Collections}/{p.Gen1Collections}/{p.Gen2Collections} paused {p.GcPauseSeconds:F2} s, " +
        $"JIT {p.JitMethods} methods {p.JitSeconds:F2} s, thread-pool items {(p.Items > 0 ? (double)p.ThreadPoolWorkItems / p.Items : 0):F1}/item, " +
        $"threads {p.ThreadsAtStart}→{p.PeakThreads}, minor faults {p.MinorFaults}; " +
        $"simulators' CPU {p.SimulatorCpuSeconds:F1} s, PostgreSQL's {p.PostgresCpuSeconds:F1} s";

    private static async Task ExecuteAdminAsync(string admin, string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    private const int RlimitNofile = 7; // Linux

    [DllImport("libc", SetLastError = true)]
    private static extern int getrlimit(int resource, out RLimit limit);

    [DllImport("libc", SetLastError = true)]
    private static extern int setrlimit(int resource, ref RLimit limit);

    /// <summary>
    /// Raises this process's open-files limit (one client connection per camera): to <paramref name="wanted"/> when allowed (root may
    /// raise the hard limit too), else to the hard limit. Equivalent to <c>ulimit -n</c> before starting the benchmark.
    /// </summary>
    private static void RaiseOpenFilesLimit(ulong wanted, Action<string> log)
    {
        if (!OperatingSystem.IsLinux() || getrlimit(RlimitNofile, out var limit) != 0) return;
        if (limit.Current >= wanted) return;
        var raised = new RLimit { Current = wanted, Maximum = Math.Max(wanted, limit.Maximum) };
        if (setrlimit(RlimitNofile, ref raised) != 0)
        {
            raised = new RLimit { Current = limit.Maximum, Maximum = limit.Maximum };
            setrlimit(RlimitNofile, ref raised);
        }

        getrlimit(RlimitNofile, out limit);
        log($"open-files limit of this process: {limit.Current}");
    }
}
