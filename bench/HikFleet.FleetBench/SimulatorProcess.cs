using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace HikFleet.FleetBench;

/// <summary>One simulated device as the simulator's control API lists it (GET /devices).</summary>
public sealed record SimulatedDevice(
    [property: JsonPropertyName("serial")] string Serial,
    [property: JsonPropertyName("mac")] string Mac,
    [property: JsonPropertyName("address")] string Address,
    [property: JsonPropertyName("httpPort")] int HttpPort,
    [property: JsonPropertyName("username")] string? UserName,
    [property: JsonPropertyName("password")] string? Password,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("firmwareVersion")] string? FirmwareVersion,
    [property: JsonPropertyName("site")] string? Site,
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("activated")] bool Activated,
    [property: JsonPropertyName("online")] bool Online);

/// <summary>
/// The simulator (src/HikFleet.Simulator) as a separate process on loopback, so the CPU and memory of this process are the
/// application's alone. Started through <c>sh -c "ulimit -n …; exec dotnet HikFleet.Simulator.dll …"</c>: 10,000 devices
/// need 10,000 listening sockets plus one connection each, above the usual 1,024 (or 20,000) open-files limit.
/// The simulator is told this process's id (<c>--parent-pid</c>) and ends when it does, however it ends.
/// </summary>
public sealed partial class SimulatorProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];

    private SimulatorProcess(Process process) => _process = process;

    public Uri? ControlUri { get; private set; }
    public int? SadpPort { get; private set; }
    public int Ready { get; private set; }
    public int ProcessId => _process.Id;

    /// <summary>Starts the simulator and waits for its "ready: N devices" line (every device accepts a TCP connection).</summary>
    public static async Task<SimulatorProcess> StartAsync(IReadOnlyList<string> arguments, int openFiles, TimeSpan timeout, CancellationToken ct)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "HikFleet.Simulator.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException("The simulator is not next to the benchmark (build bench/HikFleet.FleetBench).", dll);
        // --parent-pid: a benchmark killed with SIGKILL (or stopped where no finally runs) cannot dispose of us, so the simulator
        // watches this process and stops by itself within about a second of it being gone (docs/simulator.md).
        string[] all = [.. arguments, "--parent-pid", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        var command = $"ulimit -n {openFiles} 2>/dev/null || ulimit -n $(ulimit -Hn); exec dotnet {Quote(dll)} {string.Join(' ', all.Select(Quote))}";
        var info = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(command);
        // The simulator is a test tool: keep its GC small and out of the way of the app under test.
        info.Environment["DOTNET_gcServer"] = "0";
        // For experiments on the simulators' runtime alone: HIKFLEET_BENCH_SIMULATOR_ENV="NAME=value;NAME=value".
        foreach (var pair in (Environment.GetEnvironmentVariable("HIKFLEET_BENCH_SIMULATOR_ENV") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            if (pair.Split('=', 2) is [var name, var value]) info.Environment[name.Trim()] = value.Trim();
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start the simulator.");
        var sim = new SimulatorProcess(process);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not { } line) return;
            lock (sim._output) sim._output.Add(line);
            if (ReadyLine().Match(line) is { Success: true } r) sim.Ready = int.Parse(r.Groups[1].Value);
            if (ControlLine().Match(line) is { Success: true } c) sim.ControlUri = new Uri(c.Groups[1].Value);
            if (SadpLine().Match(line) is { Success: true } s) sim.SadpPort = int.Parse(s.Groups[1].Value);
            if (line.StartsWith("started in", StringComparison.Ordinal)) ready.TrySetResult();
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line) lock (sim._output) sim._output.Add("stderr: " + line);
        };
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException("The simulator exited: " + sim.Output()));
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await ready.Task.WaitAsync(timeout, ct);
        }
        catch
        {
            await sim.DisposeAsync();
            throw;
        }

        return sim;
    }

    public string Output()
    {
        lock (_output) return string.Join('\n', _output.TakeLast(20));
    }

    /// <summary>Every device with its identity, address and password (the control API).</summary>
    public async Task<List<SimulatedDevice>> DevicesAsync(CancellationToken ct)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromMinutes(2) };
        return await http.GetFromJsonAsync<List<SimulatedDevice>>(new Uri(ControlUri ?? throw new InvalidOperationException("No control API."), "devices"), ct)
               ?? [];
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException or System.ComponentModel.Win32Exception)
        {
        }

        _process.Dispose();
    }

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''") + "'";

    [GeneratedRegex(@"^ready: (\d+) devices")]
    private static partial Regex ReadyLine();

    [GeneratedRegex(@"control API (http://[^;\s]+)")]
    private static partial Regex ControlLine();

    [GeneratedRegex(@"SADP udp/(\d+)")]
    private static partial Regex SadpLine();
}
