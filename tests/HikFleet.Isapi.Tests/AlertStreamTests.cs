using HikFleet.Isapi.Events;
using HikFleet.Isapi.Tests.Support;

namespace HikFleet.Isapi.Tests;

/// <summary>The alert stream against the simulator: heartbeats, real events, reconnection (§2.10).</summary>
public sealed class AlertStreamTests(SimulatorFixture sim)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Heartbeats_AreFlagged_MotionIsNot()
    {
        var device = sim.AddCamera();
        using var client = sim.Client(device);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(TimeSpan.FromSeconds(10));
        var events = new List<IsapiEvent>();

        await foreach (var evt in client.ReadAlertStreamAsync(null, cts.Token))
        {
            events.Add(evt);
            if (events.Count(e => e.IsHeartbeat) == 2 && !events.Any(e => !e.IsHeartbeat)) device.TriggerMotion();
            if (events.Any(e => !e.IsHeartbeat)) break;
        }

        var heartbeat = events.First(e => e.IsHeartbeat);
        Assert.Equal("videoloss", heartbeat.EventType);
        Assert.Equal("inactive", heartbeat.EventState);
        var motion = events.Single(e => !e.IsHeartbeat);
        Assert.Equal("VMD", motion.EventType);
        Assert.Equal("active", motion.EventState);
        Assert.Equal(device.Mac, motion.MacAddress ?? device.Mac);
    }

    [Fact]
    public async Task HeartbeatsCanBeFilteredOut()
    {
        var device = sim.AddCamera();
        using var client = sim.Client(device);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(TimeSpan.FromSeconds(10));
        _ = Task.Run(async () => { await Task.Delay(300, cts.Token); device.TriggerMotion(); }, cts.Token);

        await foreach (var evt in client.ReadAlertStreamAsync(new AlertStreamOptions { IncludeHeartbeats = false }, cts.Token))
        {
            Assert.False(evt.IsHeartbeat);
            Assert.Equal("VMD", evt.EventType);
            break;
        }
    }

    [Fact]
    public async Task Reboot_DropsTheStream_ItReconnectsAndKeepsDelivering()
    {
        var device = sim.AddCamera();
        using var client = sim.Client(device);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(TimeSpan.FromSeconds(15));
        var reconnects = 0;
        Exception? reason = null;
        var options = new AlertStreamOptions { Reconnecting = (n, ex) => { Interlocked.Increment(ref reconnects); reason ??= ex; } };
        var before = 0;
        var after = 0;
        Task? reboot = null;

        await foreach (var evt in client.ReadAlertStreamAsync(options, cts.Token))
        {
            if (Volatile.Read(ref reconnects) == 0)
            {
                if (++before == 2) reboot = device.RebootAsync();
            }
            else if (++after == 2)
            {
                break;
            }
        }

        Assert.NotNull(reboot);
        await reboot!;
        Assert.True(reconnects >= 1);
        Assert.Equal(2, after);
        Assert.Equal(1, device.RebootCount);
        Assert.Equal(0, device.FailedLogins);
    }

    [Fact]
    public async Task UnescapedAmpersandInEvents_IsSanitised_NotDropped()
    {
        var device = sim.AddCamera();
        device.Faults.MalformedXml = true; // events carry "R&D " in channelName, as seen on real devices (§2.10)
        using var client = sim.Client(device);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(TimeSpan.FromSeconds(10));

        await foreach (var evt in client.ReadAlertStreamAsync(null, cts.Token))
        {
            Assert.True(evt.IsHeartbeat);
            Assert.StartsWith("R&D ", evt.ChannelName, StringComparison.Ordinal);
            break;
        }
    }

    [Fact]
    public async Task NvrEvents_MapChannel33ToIpChannel1()
    {
        var device = sim.AddCamera(Simulator.DeviceCatalog.Nvr8P.Model);
        using var client = sim.Client(device);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(TimeSpan.FromSeconds(10));

        await foreach (var evt in client.ReadAlertStreamAsync(null, cts.Token))
        {
            Assert.Equal(33, evt.ChannelId);
            Assert.Equal(1, evt.Channel);
            break;
        }
    }

    [Fact]
    public async Task WrongPassword_EndsTheStreamWithUnauthorized_NoRetryLoop()
    {
        var device = sim.AddCamera();
        using var client = sim.Client(device, password: "Wrong#Pass123");

        var ex = await Assert.ThrowsAsync<IsapiException>(async () =>
        {
            await foreach (var _ in client.ReadAlertStreamAsync(null, Ct)) { }
        });

        Assert.Equal(IsapiErrorKind.Unauthorized, ex.Kind);
        Assert.Equal(1, device.FailedLogins);
    }
}
