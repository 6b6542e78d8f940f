using System.Diagnostics;
using System.Net;
using HikFleet.Sadp;
using HikFleet.Simulator;

namespace HikFleet.Sadp.Tests;

/// <summary>Discovery against the real simulator on loopback (multicast with outgoing interface 127.0.0.1, TTL 0; and unicast).</summary>
public sealed class SadpDiscoveryTests
{
    [Fact]
    public async Task Sighting_CarriesTheDevicesIdentity_Normalised()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var fleet = await SimulatorFleet.StartAsync(3, ct);
        var inactive = fleet.AddDevice(new DeviceSpec { Activated = false });
        var seen = await SimulatorFleet.Client(fleet).DiscoverAllAsync(ct);
        Assert.Equal(4, seen.Count);
        foreach (var d in fleet.Devices)
        {
            var s = seen[d.Mac];
            Assert.Equal(d.Serial, s.Serial);
            Assert.Equal(d.Model, s.Model);
            Assert.Equal(d.Address, s.Address);
            Assert.Equal(d.Address, s.RemoteEndPoint.Address); // replies come from the device's own address (§4.1)
            Assert.Equal(d.Activated, s.Activated);
            Assert.Equal($"{d.FirmwareVersion} {d.FirmwareBuild}", s.Message.SoftwareVersion); // sent as "V5.7.18build 240826" (§4.3)
            Assert.Equal(d.Salt, s.Message.Salt);
            Assert.NotNull(s.Message.DeviceType);
            Assert.Equal(d.HttpPort, s.Message.HttpPort);
        }
        Assert.False(seen[inactive.Mac].Activated);
    }

    [Fact]
    public async Task TwoInterfaces_OneSocketEach_DevicesDeduplicated_AndEachRecordsItsInterface()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var fleet = await SimulatorFleet.StartAsync(6, ct);
        var second = SimulatorFleet.RandomLoopbackAddress(2); // any 127/8 address is local on Linux; bound with an ephemeral port
        var client = SimulatorFleet.Client(fleet, o => o.Interfaces = ["127.0.0.1", second.ToString()]);
        var seen = await client.DiscoverAllAsync(ct); // asserts no MAC is yielded twice although both sockets hear every device
        Assert.Equal(fleet.Devices.Select(d => d.Mac).Order(), seen.Keys.Order());
        Assert.All(seen.Values, s => Assert.Contains(s.LocalInterface, new[] { IPAddress.Loopback, second }));

        // and the second socket on its own really probes and hears: every sighting records it
        var onlySecond = await SimulatorFleet.Client(fleet, o => o.Interfaces = [second.ToString()]).DiscoverAllAsync(ct);
        Assert.Equal(fleet.Devices.Count, onlySecond.Count);
        Assert.All(onlySecond.Values, s => Assert.Equal(second, s.LocalInterface));
    }

    [Fact]
    public async Task Unicast_FindsOnlyTheTargetedDevice()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var fleet = await SimulatorFleet.StartAsync(5, ct);
        var target = fleet.Devices[3];
        var client = SimulatorFleet.Client(fleet, o =>
        {
            o.EnableMulticast = false;
            o.UnicastTargets = [target.Address.ToString()];
        });
        var seen = await client.DiscoverAllAsync(ct);
        Assert.Equal([target.Mac], seen.Keys);
    }

    [Fact]
    public async Task ProbesOnOtherPort_FindNothing_AndDiscoveryEndsAfterQuietWindow()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var fleet = await SimulatorFleet.StartAsync(3, ct);
        // A port nobody answers on: held by a silent socket for the test, so no other process's simulator can take it.
        using var silent = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram,
            System.Net.Sockets.ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Any, 0));
        var client = SimulatorFleet.Client(fleet, o =>
        {
            o.Port = ((IPEndPoint)silent.LocalEndPoint!).Port;
            o.QuietWindow = TimeSpan.FromMilliseconds(200);
        });
        var sw = Stopwatch.StartNew();
        var seen = await client.DiscoverAllAsync(ct);
        Assert.Empty(seen);
        Assert.InRange(sw.Elapsed, TimeSpan.FromMilliseconds(350), TimeSpan.FromSeconds(2)); // 2 rounds 200 ms apart + 200 ms quiet
    }

    [Fact]
    public async Task OfflineDevice_IsNotSeen()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var fleet = await SimulatorFleet.StartAsync(3, ct);
        fleet.Devices[1].Faults.Offline = true;
        var seen = await SimulatorFleet.Client(fleet).DiscoverAllAsync(ct);
        Assert.Equal(2, seen.Count);
        Assert.DoesNotContain(fleet.Devices[1].Mac, seen.Keys);
    }

    [Fact]
    public async Task FindAsync_StopsAtTheWantedDevice()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var fleet = await SimulatorFleet.StartAsync(4, ct);
        var client = SimulatorFleet.Client(fleet);
        var d = fleet.Devices[2];
        var s = await client.FindAsync(d.Mac.ToUpperInvariant().Replace(':', '-'), ct);
        Assert.NotNull(s);
        Assert.Equal(d.Mac, s.Mac);
        Assert.Null(await client.FindAsync("02:00:00:00:00:01", ct));
    }
}
