// The simulator's own Program would clash with the web app's (WebApplicationFactory<Program>): it comes in under an alias.
extern alias simulator;

using System.Diagnostics;
using System.Net;
using HikFleet.Testing;
using simulator::HikFleet.Simulator;

namespace HikFleet.Web.Tests;

/// <summary>What the <c>demo seed</c> tests share: the README's demo fleet (12 cameras over 6 simulator sites, control API on
/// loopback) and the verb run as the real app's own process.</summary>
internal static class DemoSeedRun
{
    /// <summary>A 12-camera simulator on its own 127.b.x.y block with its control API; the list of devices is at <c>{control}/devices</c>.</summary>
    public static async Task<DemoFleet> StartFleetAsync(CancellationToken ct)
    {
        var b = Random.Shared.Next(32, 250);
        var controlPort = TestNetwork.FreeTcpPort();
        var fleet = await VirtualFleet.StartAsync(new SimulatorOptions
        {
            Cameras = 12, Sites = 6, HttpPort = 0, HttpsPort = 0, Sadp = false, Control = new IPEndPoint(IPAddress.Loopback, controlPort),
            BaseAddress = IPAddress.Parse($"127.{b}.{Random.Shared.Next(1, 250)}.10"), FactoryAddress = IPAddress.Parse($"127.{b}.251.64"),
        }, ct);
        return new DemoFleet(fleet, $"http://127.0.0.1:{controlPort}");
    }

    /// <summary>Runs <c>demo seed</c> with <paramref name="args"/> against the database, with the vault key line the app runs with.</summary>
    public static async Task<(int Exit, string Err, string Out)> SeedAsync(string connectionString, string keys, CancellationToken ct, params string[] args)
    {
        var start = FleetWebFactory.AppProcess(connectionString, ["demo", "seed", .. args]);
        start.Environment["Fleet__Vault__Keys"] = keys;
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync(ct);
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        return (process.ExitCode, await stderr, await stdout);
    }
}

/// <summary>The demo simulator and its control API's base address; disposing stops the simulator.</summary>
internal sealed record DemoFleet(VirtualFleet Fleet, string Control) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Fleet.DisposeAsync();
}
