namespace HikFleet.FleetBench;

/// <summary>What to run (command line: <c>fleet --cameras 10000 …</c>, see <see cref="Program"/>).</summary>
public sealed record FleetBenchOptions
{
    /// <summary>Managed cameras, each a simulated device on its own 127.x.y.z.</summary>
    public int Cameras { get; init; } = 10_000;
    /// <summary>Sites (the simulator's <c>--sites</c>; each becomes a HikFleet site with its own sweep job).</summary>
    public int Sites { get; init; } = 40;
    /// <summary>Tenants the sites are spread over.</summary>
    public int Tenants { get; init; } = 4;
    /// <summary>Devices answering SADP in the discovery phase (a second simulator process); 0 skips it.</summary>
    public int SadpDevices { get; init; } = 1_000;
    /// <summary>Sightings reconciled in one run (known, moved and new devices); 0 skips it.</summary>
    public int ReconcileSightings { get; init; } = 10_000;
    /// <summary>Steady-state sweeps measured after the cold one, each followed by its own ceiling (the reported sweep is their median
    /// by wall time; sweep vs ceiling is the median of the pairs' ratios). Five: three pairs were too few on a noisy machine.</summary>
    public int SteadySweeps { get; init; } = 5;
    /// <summary>
    /// Seconds from one sweep's start to the next (the <c>* * * * *</c> schedule: 60). The slow reads (settings, picture decode) fall
    /// due per minute of the application's clock, so a shorter interval measures fewer of them than production makes.
    /// </summary>
    public int SweepIntervalSeconds { get; init; } = 60;
    /// <summary>
    /// Sweeps run (not measured) between the aged fleet and the measured sweeps, so the measured ones see the process as a server
    /// that has run for a while sees it: methods compiled to their final tier, GC budgets settled. The JIT time of every measured
    /// sweep is reported, so it shows whether they sufficed.
    /// </summary>
    public int WarmupSweeps { get; init; } = 4;
    /// <summary>Seconds from one warm-up sweep's start to the next: past the devices' idle timeout, so they meet closed connections.</summary>
    public int WarmupIntervalSeconds { get; init; } = 15;
    /// <summary>Repetitions of each list query and of the dashboard.</summary>
    public int LatencyRepeats { get; init; } = 40;
    /// <summary>Site sweeps at once: Hangfire's worker count in the app (FleetJobs: max(4, 2 × cores)).</summary>
    public int JobWorkers { get; init; } = Math.Max(4, Environment.ProcessorCount * 2);
    /// <summary>Superuser connection string of a disposable PostgreSQL cluster (default: HIKFLEET_TEST_PG).</summary>
    public string? AdminConnectionString { get; init; }
    /// <summary>Keep the benchmark database afterwards (to look at it).</summary>
    public bool KeepDatabase { get; init; }
    /// <summary>Simulator seed (same seed, same fleet).</summary>
    public int Seed { get; init; } = 13;
    /// <summary>Sample the measured sweep's allocations by type (GCAllocationTick events) and print the top ones.</summary>
    public bool AllocationProfile { get; init; }

    /// <summary>Before each ceiling pass, wait at most this long for the local PostgreSQL to be quiet (the sweep's autovacuum and
    /// checkpoint work would slow the ceiling and flatter the ratio). 0: no wait (the CI smoke shares the server with other tests).</summary>
    public int QuietPostgresSeconds { get; init; } = 30;
    /// <summary>The application's own warnings and errors on the console (the command line turns it on; the CI smoke keeps quiet).</summary>
    public bool AppLogs { get; init; }
    /// <summary>Progress lines (null = quiet).</summary>
    public Action<string>? Log { get; init; }
}
