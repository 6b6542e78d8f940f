using HikFleet.FleetBench;

namespace HikFleet.Core.Tests.Bench;

/// <summary>
/// CI smoke of the fleet benchmark (issue #13): the same code as <c>fleet --cameras 10000</c>, with 50 cameras, asserting that
/// it measured real things (every camera checked and written, requests and round trips counted, a ceiling) — never timings.
/// </summary>
public sealed class FleetBenchSmokeTests
{
    [Fact]
    public async Task FiftyCameras_EveryPhaseMeasuresRealWork()
    {
        var result = await FleetBenchmark.RunAsync(new FleetBenchOptions
        {
            Cameras = 50, Sites = 2, Tenants = 2, SadpDevices = 20, ReconcileSightings = 200, LatencyRepeats = 2, SteadySweeps = 2, SweepIntervalSeconds = 0, WarmupSweeps = 1, WarmupIntervalSeconds = 0,
            QuietPostgresSeconds = 0,
        }, TestContext.Current.CancellationToken);

        var sweep = Assert.IsType<PhaseFigures>(result.Sweep);
        Assert.Equal(50, sweep.Items);
        // Every camera was checked through the real job and written to PostgreSQL: one sample and one updated row each.
        Assert.Equal(50, result.SweepSamplesWritten);
        Assert.Equal(50, result.SweepCamerasUpdated);
        Assert.Equal(50, result.SweepStates.Values.Sum());
        Assert.True(sweep.DbRoundTrips > 0);
        Assert.True(sweep.HttpRequests >= 2 * 50, $"HTTP requests {sweep.HttpRequests}");
        Assert.True(sweep.IsapiCalls >= 2 * 50, $"ISAPI calls {sweep.IsapiCalls}");
        Assert.True(sweep.CpuSeconds > 0 && sweep.WallSeconds > 0 && sweep.AllocatedMb > 0);
        Assert.True(sweep.ThreadPoolWorkItems > 0, "the sweep's continuations run on the thread pool");
        Assert.True(Assert.IsType<PhaseFigures>(result.ColdSweep).HttpRequests > sweep.HttpRequests, "the first sweep also reads the settings and meets challenges");
        // The warm-up sweep ran the same checks, unmeasured in the result.
        Assert.Equal(50, Assert.Single(result.WarmupSweeps).Items);
        Assert.True(result.WarmupSweeps[0].HttpRequests >= 50 * FleetBenchmark.CheckPaths.Count);
        // Both steady sweeps measured, after the fleet was aged to its steady state: every check is the four per-check GETs, plus
        // six for a camera whose settings slot came (rare in back-to-back sweeps: one slot per 6 h).
        Assert.Equal(2, result.SteadySweeps.Count);
        Assert.Contains(result.Sweep, result.SteadySweeps.Select(x => x.Figures));
        Assert.All(result.SteadySweeps, x => Assert.Equal(50 * FleetBenchmark.CheckPaths.Count + 6 * x.SettingsReads, x.Figures.HttpRequests));
        Assert.All(result.SteadySweeps, x => Assert.InRange(x.SettingsReads, 0, 5));

        // Every steady sweep has its own ceiling pass, made right after it: the same GETs per camera from bare clients, with no
        // database; the reported one is the median sweep's.
        Assert.All(result.SteadySweeps, x => Assert.Equal(50 * FleetBenchmark.CheckPaths.Count, Assert.IsType<PhaseFigures>(x.Ceiling).HttpRequests));
        Assert.All(result.SteadySweeps, x => Assert.True(x.PercentOfCeiling > 0));
        Assert.Equal(0, result.CeilingFailures);
        var ceiling = Assert.IsType<PhaseFigures>(result.Ceiling);
        Assert.Contains(ceiling, result.SteadySweeps.Select(x => x.Ceiling));
        Assert.Equal(50, ceiling.Items);
        Assert.Equal(50 * FleetBenchmark.CheckPaths.Count, ceiling.HttpRequests);
        Assert.Equal(0, ceiling.DbRoundTrips);
        Assert.True(result.SweepPercentOfCeiling > 0);

        // SADP on loopback (TTL 0) found every device of the SADP simulator, new to the inventory.
        Assert.Equal(20, result.DiscoverySeen);
        Assert.Equal(20, result.DiscoveryNew);

        Assert.Equal(7, result.ListLatency.Count);
        Assert.All(result.ListLatency, l => Assert.Equal(2, l.Samples));
        Assert.True(result.ListOverall!.P95Ms > 0);
        Assert.Equal(2, result.Dashboard!.Samples);

        Assert.Equal(200, result.ReconciledSeen);
        Assert.True(result.Reconciliation!.DbRoundTrips > 0);
        Assert.True(result.PeakWorkingSetMb > 0);
    }

    [Fact]
    public void The_meters_resident_set_is_the_one_the_process_api_reports()
    {
        // The meter reads /proc/self/statm instead of Process.WorkingSet64 (which reads every thread's stat file): same figure.
        var meter = PhaseMeter.WorkingSetBytes();
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        var api = self.WorkingSet64;
        Assert.InRange(meter, api * 0.9, api * 1.1);
        Assert.True(meter > 10 << 20, $"{meter} bytes");
    }

    [Fact]
    public void Sweep_vs_ceiling_is_the_median_of_the_pairs_ratios_not_the_median_sweeps_own_pair()
    {
        // 100 requests in 1 s against a ceiling of 100 requests in `ceiling` s: that pair's ratio is 100 × ceiling %.
        static SteadySweep Pair(double sweepSeconds, double ceilingSeconds) => new(
            new PhaseFigures("sweep", 25, sweepSeconds, 1, 0, 100, 100, 0, 0, 0, 0), 0, 0,
            new PhaseFigures("ceiling", 25, ceilingSeconds, 1, 0, 100, 100, 0, 0, 0, 0));

        // The round-7 run: the median sweep by wall time (1.19 s) met a fast ceiling; its own pair read 46 %.
        var result = new FleetBenchResult
        {
            Options = new FleetBenchOptions(), Machine = MachineInfo.Read(), SteadySweeps = [Pair(1.00, 0.61), Pair(1.19, 0.5474), Pair(1.36, 0.68)],
        };
        result.Sweep = result.SteadySweeps[1].Figures;
        result.Ceiling = result.SteadySweeps[1].Ceiling;
        Assert.Equal(46, result.SteadySweeps[1].PercentOfCeiling, 0);
        Assert.Equal(50, result.SweepPercentOfCeiling, 0);
        // An even number of pairs: the mean of the middle two.
        result.SteadySweeps.Add(Pair(1, 0.70));
        Assert.Equal(55.5, result.SweepPercentOfCeiling, 1);
    }
}
