using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace HikFleet.Simulator.Tests;

/// <summary>
/// <c>--exit-with-parent</c> / <c>--parent-pid</c>: a simulator whose starter is killed with SIGKILL (no <c>finally</c> runs) stops
/// by itself, through the same clean path as SIGTERM, and leaves no listener behind.
/// </summary>
public sealed partial class ExitWithParentTests(ITestOutputHelper output)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("--exit-with-parent")]
    [InlineData("--parent-pid $$")] // sh's own pid
    public async Task Simulator_stops_when_the_process_that_started_it_is_killed(string option)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "HikFleet.Simulator.dll");
        Assert.True(File.Exists(dll), $"simulator not found at {dll}");
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var baseAddress = $"127.{Random.Shared.Next(100, 250)}.{Random.Shared.Next(1, 250)}.10";
        var log = Path.Combine(Path.GetTempPath(), $"simexit-{Guid.NewGuid():N}.log");

        // The intermediate parent: a shell that starts the simulator in the background, prints its pid and waits — as a benchmark
        // does, it never stops the simulator itself. Output goes to a file, so nothing of ours keeps the simulator's pipes open.
        var parent = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[]
                 {
                     "-c",
                     $"\"$1\" \"$2\" --cameras 2 --base-address \"$3\" --http-port 0 --no-control --no-sadp --time-scale 0.01 {option} " +
                     ">\"$4\" 2>&1 </dev/null & echo $!; wait",
                     "sh", dotnet, dll, baseAddress, log,
                 })
            parent.ArgumentList.Add(a);
        using var shell = Process.Start(parent)!;
        var simulatorPid = 0;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            simulatorPid = int.Parse((await shell.StandardOutput.ReadLineAsync(timeout.Token))!, System.Globalization.CultureInfo.InvariantCulture);
            var port = await WaitForReadyAsync(log, simulatorPid, timeout.Token);
            Assert.True(await AcceptsAsync(baseAddress, port), "the device does not accept connections while its starter lives");
            Assert.Equal(State.Running, StateOf(simulatorPid));

            shell.Kill(); // SIGKILL: the starter gets no chance to clean up
            var sw = Stopwatch.StartNew();
            await shell.WaitForExitAsync(timeout.Token);
            while (StateOf(simulatorPid) == State.Running && sw.Elapsed < TimeSpan.FromSeconds(10))
                await Task.Delay(100, timeout.Token);
            var state = StateOf(simulatorPid);
            output.WriteLine($"simulator {simulatorPid} after its starter's SIGKILL: {state} in {sw.ElapsedMilliseconds} ms");
            var text = await File.ReadAllTextAsync(log, Ct);
            output.WriteLine(text);

            // Nobody we know reaps an orphan in every container (init may not), so an exited simulator may linger as a zombie:
            // it has exited all the same, its sockets closed.
            Assert.NotEqual(State.Running, state);
            Assert.False(await AcceptsAsync(baseAddress, port), "the device still accepts connections after the simulator stopped");
            Assert.Matches(@"process \d+ is gone; stopping", text);
            Assert.Contains("\nstopping", text); // the SIGTERM path to the end: the fleet disposed, Main returned
        }
        finally
        {
            if (!shell.HasExited)
                shell.Kill(entireProcessTree: true);
            if (simulatorPid > 0 && StateOf(simulatorPid) == State.Running && IsOurs(simulatorPid, baseAddress))
                Process.GetProcessById(simulatorPid).Kill();
            File.Delete(log);
        }
    }

    [Fact]
    public async Task Watch_completes_once_the_watched_process_is_killed_and_refuses_a_process_that_is_not_running()
    {
        using var sleeper = Process.Start(new ProcessStartInfo("sleep", "30") { UseShellExecute = false })!;
        try
        {
            var watch = ParentWatch.Of(sleeper.Id);
            Assert.True(watch.StartTime > 0);
            Assert.True(watch.IsAlive());
            var waiting = watch.WaitForExitAsync(TimeSpan.FromMilliseconds(50), Ct);
            await Task.Delay(200, Ct);
            Assert.False(waiting.IsCompleted);

            sleeper.Kill();
            await waiting.WaitAsync(TimeSpan.FromSeconds(5), Ct);
            Assert.False(watch.IsAlive());
            await sleeper.WaitForExitAsync(Ct);
            Assert.Throws<InvalidOperationException>(() => ParentWatch.Of(sleeper.Id)); // reaped: nothing to watch
        }
        finally
        {
            if (!sleeper.HasExited)
                sleeper.Kill();
        }

        Assert.Throws<InvalidOperationException>(() => ParentWatch.Of(0));
    }

    [Fact]
    public async Task Executable_refuses_to_start_for_a_parent_that_is_already_gone()
    {
        int gonePid;
        using (var done = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!)
        {
            await done.WaitForExitAsync(Ct);
            gonePid = done.Id;
        }

        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var psi = new ProcessStartInfo(dotnet)
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "HikFleet.Simulator.dll"), "--cameras", "0", "--no-control", "--no-sadp", "--parent-pid", $"{gonePid}" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(psi)!;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            Assert.Equal(2, process.ExitCode);
            Assert.Contains($"process {gonePid} is not running", await stderr);
        }
        finally
        {
            if (!process.HasExited)
                process.Kill();
        }
    }

    private enum State { Running, Exited, Gone }

    /// <summary>From /proc/PID/stat: running (any live state), exited (zombie, not yet reaped) or gone.</summary>
    private static State StateOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z') ? State.Exited : State.Running;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return State.Gone;
        }
    }

    private static bool IsOurs(int pid, string baseAddress)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Contains(baseAddress, StringComparison.Ordinal);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return false;
        }
    }

    private static async Task<int> WaitForReadyAsync(string log, int pid, CancellationToken ct)
    {
        while (true)
        {
            var text = File.Exists(log) ? await File.ReadAllTextAsync(log, ct) : "";
            if (text.Contains("ready: 2 devices", StringComparison.Ordinal) && FirstDevice().Match(text) is { Success: true } m)
                return int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(StateOf(pid) == State.Running, "the simulator exited before it was ready:\n" + text);
            await Task.Delay(100, ct);
        }
    }

    private static async Task<bool> AcceptsAsync(string address, int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            await socket.ConnectAsync(IPAddress.Parse(address), port, timeout.Token);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"first device http://[\d.]+:(\d+)/")]
    private static partial Regex FirstDevice();
}
