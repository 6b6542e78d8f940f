using System.Diagnostics;
using System.Diagnostics.Tracing;
using System.Text.Json;
using System.Text.RegularExpressions;
using HikFleet.Isapi;

namespace HikFleet.Benchmarks;

/// <summary>
/// <c>HikFleet.Benchmarks check-profile [checks] [rounds] [keep-alive]</c>: the steady check's four GETs (as
/// <see cref="SteadyCheckBenchmarks"/>) against the simulator started as a SEPARATE process, so this process's CPU time
/// and allocations are the client's alone (BenchmarkDotNet's in-process runs include the simulated device's work).
/// Prints, per check, the client's allocated bytes and CPU µs (best round), then the allocation-tick sample by type
/// (each tick ≈ 100 KB allocated; estimates, not exact). With <c>keep-alive</c> the picture is fetched without
/// <c>Connection: close</c> (the connection is reused), to price the per-check reconnect.
/// </summary>
public static partial class CheckProfile
{
    public static async Task<int> RunAsync(string[] args)
    {
        var checks = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 3000;
        var rounds = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5;
        s_close = !(args.Length > 2 && args[2] == "keep-alive");
        var dll = Path.Combine(AppContext.BaseDirectory, "HikFleet.Simulator.dll");
        var address = $"127.{Random.Shared.Next(32, 250)}.{Random.Shared.Next(1, 250)}.10";
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { dll, "--cameras", "1", "--no-sadp", "--base-address", address, "--http-port", "0", "--control", "127.0.0.1:0" })
            info.ArgumentList.Add(a);
        using var sim = Process.Start(info) ?? throw new InvalidOperationException("could not start the simulator");
        try
        {
            Uri? control = null;
            while (await sim.StandardOutput.ReadLineAsync() is { } line)
            {
                if (ControlLine().Match(line) is { Success: true } m) control = new Uri(m.Groups[1].Value);
                if (line.StartsWith("started in", StringComparison.Ordinal)) break;
            }
            if (control is null) throw new InvalidOperationException("the simulator printed no control API");
            using var http = new HttpClient();
            using var devices = JsonDocument.Parse(await http.GetStringAsync(new Uri(control, "devices")));
            var d = devices.RootElement[0];
            var endpoint = new IsapiEndpoint(d.GetProperty("address").GetString()!, d.GetProperty("httpPort").GetInt32());
            using var client = new IsapiClientFactory().Create(endpoint, new IsapiCredentials("admin", d.GetProperty("password").GetString()!));

            for (var i = 0; i < 300; i++) await CheckAsync(client); // warm: nonce, JIT tiers, pools
            Console.WriteLine($"snapshot: {(await client.GetSnapshotAsync(101, closeConnection: true)).Data.Length} B (kept by the caller: part of every check's allocation)");
            Console.WriteLine($"{checks} checks per round, {rounds} rounds, picture {(s_close ? "with Connection: close" : "on a kept-alive connection")}, {Environment.ProcessorCount} cores, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
            var results = new List<(double Cpu, double Wall, double Bytes, int Gen0)>();
            for (var r = 0; r < rounds; r++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                var gen0 = GC.CollectionCount(0);
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var bytes = GC.GetTotalAllocatedBytes(precise: true);
                var wall = Stopwatch.StartNew();
                for (var i = 0; i < checks; i++) await CheckAsync(client);
                wall.Stop();
                var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
                results.Add((used.TotalMicroseconds / checks, wall.Elapsed.TotalMicroseconds / checks,
                    (GC.GetTotalAllocatedBytes(precise: true) - bytes) / (double)checks, GC.CollectionCount(0) - gen0));
                Console.WriteLine($"round {r + 1}: CPU {results[^1].Cpu:F0} µs/check, wall {results[^1].Wall:F0} µs/check, allocated {results[^1].Bytes:F0} B/check, gen0 GCs {results[^1].Gen0}");
            }
            var best = results.MinBy(x => x.Cpu);
            var medianBytes = results.Select(x => x.Bytes).Order().ElementAt(results.Count / 2);
            Console.WriteLine($"client per check: CPU {best.Cpu:F0} µs (best round), allocated {medianBytes:F0} B (median)");

            using var listener = new AllocationListener();
            for (var i = 0; i < checks; i++) await CheckAsync(client);
            Console.WriteLine("allocation ticks by type (≈ bytes per check):");
            foreach (var (type, amount) in listener.Snapshot().OrderByDescending(x => x.Value).Take(25))
                Console.WriteLine($"  {amount / (double)checks,8:F0}  {type}");
            return 0;
        }
        finally
        {
            sim.Kill(entireProcessTree: true);
            await sim.WaitForExitAsync();
        }
    }

    private static async Task CheckAsync(IsapiClient client)
    {
        await client.GetDeviceInfoAsync();
        await client.GetStatusAsync();
        await client.GetStorageAsync();
        await client.GetSnapshotAsync(101, closeConnection: s_close);
    }

    private static bool s_close = true;

    [GeneratedRegex(@"control API (http://[^;\s]+)")]
    private static partial Regex ControlLine();

    /// <summary>GCAllocationTick events (one per ~100 KB allocated) summed by type name.</summary>
    private sealed class AllocationListener : EventListener
    {
        private readonly Dictionary<string, long> _bytes = [];

        public Dictionary<string, long> Snapshot()
        {
            lock (_bytes) return new Dictionary<string, long>(_bytes);
        }

        protected override void OnEventSourceCreated(EventSource source)
        {
            if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1);
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (e.EventName is not { } name || !name.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.PayloadNames is null) return;
            var type = e.Payload![e.PayloadNames.IndexOf("TypeName")] as string ?? "?";
            var amount = Convert.ToInt64(e.Payload[e.PayloadNames.IndexOf("AllocationAmount64")], System.Globalization.CultureInfo.InvariantCulture);
            lock (_bytes) _bytes[type] = _bytes.GetValueOrDefault(type) + amount;
        }
    }
}
