using System.Globalization;
using System.Text.Json;
using HikFleet.FleetBench;

// dotnet run -c Release --project bench/HikFleet.FleetBench -- fleet --cameras 10000 [--sites 40] [--tenants 4] [--sadp 1000]
//   [--reconcile 10000] [--repeats 40] [--workers N] [--warmup 4] [--warmup-interval 15] [--sweeps 5] [--interval 60]
//   [--pg CONNECTION] [--keep-db] [--json FILE]
const string usage = "usage: HikFleet.FleetBench fleet [--cameras N] [--sites S] [--tenants T] [--sadp N] [--reconcile N] [--repeats N] [--workers N]\n" +
                     "       [--warmup N (unmeasured sweeps, 4)] [--warmup-interval SECONDS (15)]\n" +
                     "       [--sweeps N (steady sweeps, 5)] [--interval SECONDS (between sweep starts, 60)]\n" +
                     "       [--seed N] [--pg CONNECTION] [--keep-db] [--alloc-profile] [--quiet-wait S] [--json FILE]   (PostgreSQL: --pg or HIKFLEET_TEST_PG)";
if (args.Length == 0 || args[0] != "fleet")
{
    Console.Error.WriteLine(usage);
    return 2;
}

// The application runs with the GC settings deploy/Dockerfile and deploy/run.sh give it; the runtime reads the gen0 budget from the
// environment only, so without it this process starts itself again with it (same arguments, same console).
if (Environment.GetEnvironmentVariable(FleetBenchmark.Gen0BudgetVariable) is null)
{
    var start = new System.Diagnostics.ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false };
    if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet") start.ArgumentList.Add(typeof(FleetBenchmark).Assembly.Location);
    foreach (var arg in args) start.ArgumentList.Add(arg);
    start.Environment[FleetBenchmark.Gen0BudgetVariable] = FleetBenchmark.Gen0Budget;
    start.Environment[LauncherVariable] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
    using var child = System.Diagnostics.Process.Start(start)!;
    await child.WaitForExitAsync();
    return child.ExitCode;
}

// Started by the lines above: end when the launcher is killed (its simulators watch this process and follow within a second).
if (int.TryParse(Environment.GetEnvironmentVariable(LauncherVariable), CultureInfo.InvariantCulture, out var launcher) && HikFleet.Simulator.ParentWatch.IsSupported)
{
    var watch = HikFleet.Simulator.ParentWatch.Of(launcher);
    _ = Task.Run(async () =>
    {
        await watch.WaitForExitAsync(TimeSpan.FromSeconds(1), CancellationToken.None);
        Console.Error.WriteLine($"the launching process {launcher} is gone; stopping");
        Environment.Exit(130);
    });
}

var options = new FleetBenchOptions { AppLogs = true, Log = line => Console.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {line}") };
var json = $"fleet-bench-{DateTime.UtcNow:yyyyMMdd-HHmmss}.json";
try
{
    for (var i = 1; i < args.Length; i++)
    {
        string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
        int Int() => int.Parse(Next(), CultureInfo.InvariantCulture);
        if (args[i] == "--json")
        {
            json = Next();
            continue;
        }

        options = args[i] switch
        {
            "--cameras" => options with { Cameras = Int() },
            "--sites" => options with { Sites = Int() },
            "--tenants" => options with { Tenants = Int() },
            "--sadp" => options with { SadpDevices = Int() },
            "--reconcile" => options with { ReconcileSightings = Int() },
            "--repeats" => options with { LatencyRepeats = Int() },
            "--workers" => options with { JobWorkers = Int() },
            "--sweeps" => options with { SteadySweeps = Int() },
            "--warmup" => options with { WarmupSweeps = Int() },
            "--warmup-interval" => options with { WarmupIntervalSeconds = Int() },
            "--interval" => options with { SweepIntervalSeconds = Int() },
            "--seed" => options with { Seed = Int() },
            "--pg" => options with { AdminConnectionString = Next() },
            "--keep-db" => options with { KeepDatabase = true },
            "--alloc-profile" => options with { AllocationProfile = true },
            "--quiet-wait" => options with { QuietPostgresSeconds = Int() },
            _ => throw new ArgumentException($"unknown option {args[i]}"),
        };
    }
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(usage);
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
var result = await FleetBenchmark.RunAsync(options, stop.Token);

static string F(double v, string format = "F1") => v.ToString(format, CultureInfo.InvariantCulture);
static string Verdict(bool ok) => ok ? "ok" : "MISSED";
var rows = new List<(string Metric, string Target, string Measured, string Verdict)>();
if (result.Sweep is { } s)
{
    rows.Add(("sweep wall time", "≤ 15 s", $"{F(s.WallSeconds, "F2")} s ({s.Items} cameras)", Verdict(s.WallSeconds <= 15)));
    rows.Add(("checks per second", "", F(s.ItemsPerSecond, "F0"), ""));
    rows.Add(("app CPU per sweep", "≤ 30 s", $"{F(s.CpuSeconds)} s", Verdict(s.CpuSeconds <= 30)));
    rows.Add(("app CPU per 1,000 checks", "", $"{F(s.CpuSecondsPer1000, "F2")} s", ""));
    rows.Add(("DB round trips per check", "", F(s.DbRoundTripsPerItem, "F2"), ""));
    rows.Add(("HTTP requests per check", "", $"{F(s.HttpRequestsPerItem, "F2")} (ISAPI calls {F(s.Items > 0 ? (double)s.IsapiCalls / s.Items : 0, "F2")})", ""));
    rows.Add(("allocated per check", "", $"{F(s.Items > 0 ? s.AllocatedMb * 1024 / s.Items : 0, "F0")} KB", ""));
    rows.Add(("checks written", $"= {s.Items}", $"{result.SweepSamplesWritten} samples, {result.SweepCamerasUpdated} cameras", Verdict(result.SweepSamplesWritten == s.Items)));
    foreach (var (sweep, k) in result.SteadySweeps.Select((x, k) => (x, k + 1)))
        rows.Add(($"  steady sweep {k}", "", $"{F(sweep.Figures.WallSeconds, "F2")} s, CPU {F(sweep.Figures.CpuSeconds)} s, settings read {sweep.SettingsReads}, " +
                  $"pictures decoded {sweep.PicturesDecoded}; its ceiling {F(sweep.Ceiling?.WallSeconds ?? 0, "F2")} s = {F(sweep.PercentOfCeiling, "F0")} %", ""));
}

if (result.ColdSweep is { } c)
    rows.Add(("cold first sweep (info)", "", $"{F(c.WallSeconds, "F2")} s, CPU {F(c.CpuSeconds)} s, HTTP {F(c.HttpRequestsPerItem, "F2")}/check", ""));
if (result.Ceiling is { } ce)
{
    rows.Add(("bare-client ceiling (the median sweep's)", "", $"{F(ce.WallSeconds, "F2")} s, {F(ce.HttpRequests / Math.Max(ce.WallSeconds, 1e-9), "F0")} GETs/s, CPU {F(ce.CpuSeconds)} s", ""));
    rows.Add(("sweep vs ceiling (requests/s)", "≥ 60 %", $"{F(result.SweepPercentOfCeiling, "F0")} % (median of {result.SteadySweeps.Count} sweep/ceiling pairs)",
        Verdict(result.SweepPercentOfCeiling >= 60)));
}

if (result.Discovery is { } d)
    rows.Add(($"SADP discovery of {result.Options.SadpDevices}", "", $"{F(d.WallSeconds, "F2")} s, seen {result.DiscoverySeen}, new {result.DiscoveryNew}, CPU {F(d.CpuSeconds)} s", ""));
if (result.ListOverall is { } l) rows.Add(("camera list p50 / p95", "p95 ≤ 150 ms", $"{F(l.P50Ms)} / {F(l.P95Ms)} ms", Verdict(l.P95Ms <= 150)));
foreach (var q in result.ListLatency) rows.Add(($"  list: {q.Name}", "", $"{F(q.P50Ms)} / {F(q.P95Ms)} ms", ""));
if (result.Dashboard is { } db) rows.Add(("dashboard p50 / p95", "p95 ≤ 150 ms", $"{F(db.P50Ms)} / {F(db.P95Ms)} ms", Verdict(db.P95Ms <= 150)));
if (result.Reconciliation is { } r)
    rows.Add(($"reconciliation of {result.ReconciledSeen} sightings", "≤ 2 s", $"{F(r.WallSeconds, "F2")} s, DB {r.DbRoundTrips} round trips", Verdict(r.WallSeconds <= 2)));
rows.Add(("app peak working set", "≤ 600 MB", $"{F(result.PeakWorkingSetMb, "F0")} MB (GC heap peak {F(result.PeakGcHeapMb, "F0")} MB)", Verdict(result.PeakWorkingSetMb <= 600)));

var w1 = rows.Max(x => x.Metric.Length);
var w2 = Math.Max(6, rows.Max(x => x.Target.Length));
var w3 = rows.Max(x => x.Measured.Length);
Console.WriteLine();
Console.WriteLine($"machine: {result.Machine.ProcessorCount} cores, {result.Machine.CpuModel}, {result.Machine.MemoryGb} GB, load {result.Machine.LoadAverage}, {result.Machine.Runtime}");
Console.WriteLine($"{"metric".PadRight(w1)} | {"target".PadRight(w2)} | {"measured".PadRight(w3)} |");
Console.WriteLine($"{new string('-', w1)}-|-{new string('-', w2)}-|-{new string('-', w3)}-|-------");
foreach (var (m, t, v, ok) in rows) Console.WriteLine($"{m.PadRight(w1)} | {t.PadRight(w2)} | {v.PadRight(w3)} | {ok}");
await File.WriteAllTextAsync(json, JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
Console.WriteLine($"\nJSON: {Path.GetFullPath(json)}");
return 0;

partial class Program
{
    /// <summary>Set by the launcher for the process it starts with the GC settings: the launcher's pid.</summary>
    private const string LauncherVariable = "HIKFLEET_BENCH_LAUNCHER";
}
