using System.Net;
using System.Security.Cryptography;
using HikFleet.Sadp;
using HikFleet.Simulator;

namespace HikFleet.Sadp.Tests;

/// <summary>Starts the real simulator in-process on loopback with an ephemeral SADP port, and a client aimed at it.</summary>
internal static class SimulatorFleet
{
    public static Task<VirtualFleet> StartAsync(int cameras, CancellationToken ct, Action<SimulatorOptions>? configure = null)
    {
        var options = new SimulatorOptions
        {
            Cameras = cameras,
            HttpPort = 0,
            SadpPort = 0, // ephemeral: parallel test processes never see each other's SADP traffic
            TimeScale = 0.001,
            BaseAddress = RandomLoopbackBase(),
        };
        configure?.Invoke(options);
        return VirtualFleet.StartAsync(options, ct);
    }

    /// <summary>A random 127.x.y.10 base so that fleets of parallel tests do not share device addresses.</summary>
    public static IPAddress RandomLoopbackBase() => RandomLoopbackAddress(10);

    /// <summary>A random 127.x.y.<paramref name="lastOctet"/> address (x in 32..249, so never 127.0.0.x).</summary>
    public static IPAddress RandomLoopbackAddress(byte lastOctet) =>
        new([127, (byte)RandomNumberGenerator.GetInt32(32, 250), (byte)RandomNumberGenerator.GetInt32(1, 250), lastOctet]);

    public static SadpClient Client(VirtualFleet fleet, Action<SadpOptions>? configure = null)
    {
        var options = new SadpOptions
        {
            Port = fleet.SadpPort ?? throw new InvalidOperationException("simulator SADP is off"),
            QuietWindow = TimeSpan.FromMilliseconds(400),
            ProbeRounds = 2,
            ProbeInterval = TimeSpan.FromMilliseconds(200),
            MaxDuration = TimeSpan.FromSeconds(5),
            CommandTimeout = TimeSpan.FromSeconds(2),
        };
        configure?.Invoke(options);
        return new SadpClient(options);
    }

    public static async Task<Dictionary<string, SadpSighting>> DiscoverAllAsync(this SadpClient client, CancellationToken ct)
    {
        var seen = new Dictionary<string, SadpSighting>(StringComparer.Ordinal);
        await foreach (var s in client.DiscoverAsync(ct))
            Assert.True(seen.TryAdd(s.Mac, s), $"{s.Mac} yielded twice");
        return seen;
    }

    /// <summary>Waits (bounded) for a simulator condition that changes asynchronously (reboots are scaled but not instant).</summary>
    public static async Task EventuallyAsync(Func<bool> condition, string what, CancellationToken ct, int timeoutMs = 5000)
    {
        var until = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, $"timed out waiting for: {what}");
            await Task.Delay(20, ct);
        }
    }
}
