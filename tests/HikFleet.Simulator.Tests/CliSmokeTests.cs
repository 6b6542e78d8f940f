using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace HikFleet.Simulator.Tests;

/// <summary>Seconds-long smoke of the executable: flags, "ready: N devices", the control API, a clean stop on SIGTERM.</summary>
public sealed class CliSmokeTests
{
    [Fact]
    public async Task Executable_prints_ready_serves_the_control_api_and_stops_on_sigterm()
    {
        var ct = TestContext.Current.CancellationToken;
        var dll = Path.Combine(AppContext.BaseDirectory, "HikFleet.Simulator.dll");
        var baseAddress = $"127.{Random.Shared.Next(100, 250)}.{Random.Shared.Next(1, 250)}.10";
        var psi = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { dll, "--cameras", "4", "--sites", "2", "--base-address", baseAddress, "--http-port", "0", "--control", "127.0.0.1:0",
                             "--sadp-port", "0", "--time-scale", "0.01", "--seed", "7",
                             "--parent-pid", $"{Environment.ProcessId}" }, // a killed test host leaves no simulator behind
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(psi)!;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            var ready = await process.StandardOutput.ReadLineAsync(timeout.Token);
            Assert.Equal("ready: 4 devices", ready);
            var info = await process.StandardOutput.ReadLineAsync(timeout.Token);
            var control = System.Text.RegularExpressions.Regex.Match(info!, @"control API (http://\S+)").Groups[1].Value;
            using var http = new HttpClient { BaseAddress = new Uri(control) };
            var devices = await http.GetFromJsonAsync<JsonElement[]>("/devices", ct);
            Assert.Equal(4, devices!.Length);
            Assert.Equal(baseAddress, devices[0].GetProperty("address").GetString());
            Assert.Equal(["Site 1", "Site 1", "Site 2", "Site 2"], devices.Select(d => d.GetProperty("site").GetString()));
            Assert.True(await Xml.AcceptsAsync(System.Net.IPAddress.Parse(baseAddress), devices[0].GetProperty("httpPort").GetInt32()));

            Assert.Equal(0, Kill(process.Id, 15)); // SIGTERM
            await process.WaitForExitAsync(timeout.Token);
            Assert.Equal(0, process.ExitCode);
            Assert.Contains("stopping", await process.StandardOutput.ReadToEndAsync(timeout.Token));
        }
        finally
        {
            if (!process.HasExited)
                process.Kill();
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
