namespace HikFleet.FleetBench;

/// <summary>Everything one run measured (serialised as the JSON report).</summary>
public sealed record FleetBenchResult
{
    public required FleetBenchOptions Options { get; init; }
    public required MachineInfo Machine { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public double SeedSeconds { get; set; }
    /// <summary>First sweep: new clients (Digest challenge), hardening reads, first-check events.</summary>
    public PhaseFigures? ColdSweep { get; set; }
    /// <summary>The unmeasured warm-up sweeps between the cold one and the measured ones (figures kept to show what warming costs).</summary>
    public List<PhaseFigures> WarmupSweeps { get; set; } = [];
    /// <summary>The GC gen0 budget the process ran with (<c>DOTNET_GCgen0size</c>; null = the runtime's default).</summary>
    public string? Gen0Budget { get; set; } = Environment.GetEnvironmentVariable(FleetBenchmark.Gen0BudgetVariable);
    /// <summary>The steady state every minute (the median of <see cref="SteadySweeps"/> by wall time).</summary>
    public PhaseFigures? Sweep { get; set; }
    /// <summary>Every steady-state sweep, in order, with the slow reads it made.</summary>
    public List<SteadySweep> SteadySweeps { get; set; } = [];
    /// <summary>Health samples written by the reported sweep, and the distinct cameras they belong to.</summary>
    public int SweepSamplesWritten { get; set; }
    public int SweepCamerasUpdated { get; set; }
    public Dictionary<string, int> SweepStates { get; set; } = [];
    /// <summary>The same GETs per camera from bare HttpClients (Digest handler only, no parsing, no database).</summary>
    public PhaseFigures? Ceiling { get; set; }
    public int CeilingFailures { get; set; }
    /// <summary>
    /// Sweep vs ceiling: the median over the steady sweeps of each one's ratio to its own ceiling (a paired measurement). On a shared
    /// machine consecutive sweeps of the same code moved 5.4–7.5 s; the ratio of the one median-by-wall-time sweep followed whichever
    /// pair it was (46 % in a run whose pairs read 61 / 46 / 50 %), the median of the pairs' ratios is the steadier estimate
    /// (issue #13, round 7). Without steady sweeps: the reported sweep against the reported ceiling.
    /// </summary>
    public double SweepPercentOfCeiling
    {
        get
        {
            var pairs = SteadySweeps.Where(s => s.PercentOfCeiling > 0).Select(s => s.PercentOfCeiling).Order().ToList();
            if (pairs.Count > 0) return pairs.Count % 2 == 1 ? pairs[pairs.Count / 2] : (pairs[pairs.Count / 2 - 1] + pairs[pairs.Count / 2]) / 2;
            return Sweep is null || Ceiling is null || Ceiling.HttpRequests == 0 || Sweep.WallSeconds == 0 ? 0
                : 100.0 * (Sweep.HttpRequests / Sweep.WallSeconds) / (Ceiling.HttpRequests / Ceiling.WallSeconds);
        }
    }
    public PhaseFigures? Discovery { get; set; }
    public int DiscoverySeen { get; set; }
    public int DiscoveryNew { get; set; }
    public List<LatencyFigures> ListLatency { get; set; } = [];
    public LatencyFigures? ListOverall { get; set; }
    public LatencyFigures? Dashboard { get; set; }
    public PhaseFigures? Reconciliation { get; set; }
    public int ReconciledSeen { get; set; }
    public double PeakWorkingSetMb { get; set; }
    public double PeakGcHeapMb { get; set; }
}

public sealed record MachineInfo(int ProcessorCount, string CpuModel, double MemoryGb, string LoadAverage, string Runtime, string Os)
{
    public static MachineInfo Read()
    {
        string Try(Func<string> f)
        {
            try { return f(); } catch (IOException) { return "?"; } catch (UnauthorizedAccessException) { return "?"; }
        }

        var cpu = Try(() => File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?");
        var memKb = Try(() => File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        var load = Try(() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)));
        return new MachineInfo(Environment.ProcessorCount, cpu, double.TryParse(memKb, out var kb) ? Math.Round(kb / 1048576.0, 1) : 0, load,
            System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription, System.Runtime.InteropServices.RuntimeInformation.OSDescription);
    }
}

/// <summary>One steady-state sweep: its figures, and how many cameras had their settings read or their picture decoded in it.</summary>
/// <param name="Ceiling">The bare-client pass run right after this sweep (same minute, same load on the shared machine).</param>
public sealed record SteadySweep(PhaseFigures Figures, int SettingsReads, int PicturesDecoded, PhaseFigures? Ceiling = null)
{
    /// <summary>This sweep's requests per second as a percentage of its paired ceiling's.</summary>
    public double PercentOfCeiling => Ceiling is null || Ceiling.HttpRequests == 0 || Figures.WallSeconds == 0 ? 0
        : 100.0 * (Figures.HttpRequests / Figures.WallSeconds) / (Ceiling.HttpRequests / Ceiling.WallSeconds);
}
