using System.Diagnostics;
using System.Text;
using HikFleet.Testing;

namespace HikFleet.Web.Tests;

/// <summary>The real web app as its own process on a loopback port (as <c>deploy/run.sh</c> runs it), its output collected.</summary>
internal static class RunningApp
{
    public static (Process App, string Url, StringBuilder Output) Start(string connectionString, IReadOnlyDictionary<string, string> environment)
    {
        var url = $"http://127.0.0.1:{TestNetwork.FreeTcpPort()}";
        var start = FleetWebFactory.AppProcess(connectionString);
        start.Environment["Urls"] = url;
        foreach (var (key, value) in environment) start.Environment[key] = value;
        var app = Process.Start(start)!;
        var output = new StringBuilder();
        app.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        app.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        app.BeginOutputReadLine();
        app.BeginErrorReadLine();
        return (app, url, output);
    }

    /// <summary>Waits (90 s at most) until <c>/healthz</c> answers 200; fails with the app's output when it stops or never does.</summary>
    public static async Task WaitHealthyAsync(string url, Process app, StringBuilder output, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var until = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < until)
        {
            Assert.False(app.HasExited, $"the app stopped:\n{Text(output)}");
            try
            {
                if ((await http.GetAsync($"{url}/healthz", ct)).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
            }

            await Task.Delay(250, ct);
        }

        Assert.Fail($"the app did not answer /healthz within 90 s:\n{Text(output)}");
    }

    /// <summary>Kills the app (SIGKILL, no shutdown: what an OOM kill or a power cut leaves behind) and waits for it.</summary>
    public static async Task KillAsync(Process app)
    {
        if (!app.HasExited) app.Kill(entireProcessTree: true);
        await app.WaitForExitAsync(CancellationToken.None);
        app.Dispose();
    }

    public static string Text(StringBuilder output)
    {
        lock (output) return output.ToString();
    }
}
