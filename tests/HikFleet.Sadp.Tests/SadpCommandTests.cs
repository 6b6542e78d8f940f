using System.Net;
using HikFleet.Sadp;
using HikFleet.Simulator;

namespace HikFleet.Sadp.Tests;

/// <summary>MAC-addressed commands against the real simulator: the device changes, and the next probe shows it.</summary>
public sealed class SadpCommandTests
{
    private const string StrongPassword = "Fleet#Pass2026x";

    [Fact]
    public async Task Activate_ActivatesTheDevice_AndTheNextProbeShowsIt()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var fleet = await SimulatorFleet.StartAsync(2, ct);
        var device = fleet.AddDevice(new DeviceSpec { Activated = false });
        var client = SimulatorFleet.Client(fleet);
        Assert.False((await client.DiscoverAllAsync(ct))[device.Mac].Activated);

        var outcome = await client.ActivateAsync(device.Mac, StrongPassword, ct);

        Assert.Equal(SadpCommandStatus.Success, outcome.Status);
        Assert.True(device.Activated);
        Assert.Equal(StrongPassword, device.AdminPassword);
        var next = await client.DiscoverAllAsync(ct);
        Assert.True(next[device.Mac].Activated);
        Assert.All(fleet.Devices.Where(d => d != device), d => Assert.True(d.Activated)); // addressed by MAC: nobody else touched

        var again = await client.ActivateAsync(device.Mac, "Other#Pass2026x", ct);
        Assert.Equal(SadpCommandStatus.AlreadyActivated, again.Status);
        Assert.Equal(StrongPassword, device.AdminPassword);
    }

    [Fact]
    public async Task DevicesSendingABinaryPrefix_AreDiscoveredAndActivated()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var fleet = await SimulatorFleet.StartAsync(2, ct, o => o.SadpBinaryPrefix = true); // §4.1 [U] builds
        var device = fleet.AddDevice(new DeviceSpec { Activated = false });
        var client = SimulatorFleet.Client(fleet);
        Assert.Equal(3, (await client.DiscoverAllAsync(ct)).Count);
        Assert.Equal(SadpCommandStatus.Success, (await client.ActivateAsync(device.Mac, StrongPassword, ct)).Status);
        Assert.True(device.Activated);
    }

    [Fact]
    public async Task Activate_WithWeakPassword_IsRiskyPassword_AndDeviceStaysInactive()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var fleet = await SimulatorFleet.StartAsync(0, ct);
        var device = fleet.AddDevice(new DeviceSpec { Activated = false });
        var client = SimulatorFleet.Client(fleet);
        var outcome = await client.ActivateAsync(device.Mac, "12345", ct);
        Assert.Equal(SadpCommandStatus.RiskyPassword, outcome.Status);
        Assert.False(device.Activated);
    }

    [Fact]
    public async Task UpdateNetwork_WithSaltedProof_MovesTheDevice_AndTheNextProbeShowsIt()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var fleet = await SimulatorFleet.StartAsync(3, ct);
        var device = fleet.Devices.First(d => d.Salt is not null);
        var client = SimulatorFleet.Client(fleet);
        await client.DiscoverAllAsync(ct);
        var newAddress = SimulatorFleet.RandomLoopbackAddress(77).ToString();

        var outcome = await client.UpdateNetworkAsync(device.Mac, new SadpNetworkSettings(newAddress, "255.255.255.0", "127.0.0.1"),
            device.AdminPassword!, ct);

        Assert.Equal(SadpCommandStatus.Success, outcome.Status);
        await SimulatorFleet.EventuallyAsync(() => device.Address.Equals(IPAddress.Parse(newAddress)), "device moved", ct);
        var next = await client.DiscoverAllAsync(ct);
        Assert.Equal(newAddress, next[device.Mac].Message.IPv4Address);
        Assert.Equal(IPAddress.Parse(newAddress), next[device.Mac].RemoteEndPoint.Address);
        Assert.Equal("255.255.255.0", next[device.Mac].Message.IPv4SubnetMask);
    }

    [Fact]
    public async Task UpdateNetwork_OnLegacyDevice_UsesPlainPassword()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var fleet = await SimulatorFleet.StartAsync(0, ct);
        var device = fleet.AddDevice(new DeviceSpec { Model = DeviceCatalog.LegacyBullet.Model });
        Assert.Null(device.Salt);
        var client = SimulatorFleet.Client(fleet);
        var sighting = await client.FindAsync(device.Mac, ct);
        Assert.True(string.IsNullOrEmpty(sighting!.Message.Salt));
        var newAddress = SimulatorFleet.RandomLoopbackAddress(78).ToString();

        var outcome = await client.UpdateNetworkAsync(device.Mac, new SadpNetworkSettings(newAddress, "255.0.0.0", "127.0.0.1"), device.AdminPassword!, ct);

        Assert.Equal(SadpCommandStatus.Success, outcome.Status);
        await SimulatorFleet.EventuallyAsync(() => device.Address.Equals(IPAddress.Parse(newAddress)), "device moved", ct);
        var moved = await client.FindAsync(device.Mac, ct);
        Assert.Equal(newAddress, moved!.Message.IPv4Address);
    }

    [Fact]
    public async Task UpdateNetwork_WithWrongPassword_IsWrongPassword_AndNothingChanges()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var fleet = await SimulatorFleet.StartAsync(2, ct);
        var device = fleet.Devices[0];
        var before = device.Address;
        var client = SimulatorFleet.Client(fleet);

        var outcome = await client.UpdateNetworkAsync(device.Mac, new SadpNetworkSettings("127.9.9.9", "255.0.0.0", "127.0.0.1"), "Wrong#Pass2026", ct);

        Assert.Equal(SadpCommandStatus.WrongPassword, outcome.Status);
        Assert.Equal(before, device.Address);
        Assert.Equal(1, device.FailedLogins);
        Assert.DoesNotContain("Wrong#Pass2026", outcome.Detail ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public async Task Command_ToALockedDevice_IsLocked()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var fleet = await SimulatorFleet.StartAsync(1, ct);
        var device = fleet.Devices[0];
        device.Faults.LockedOut = true;
        var outcome = await SimulatorFleet.Client(fleet).RebootAsync(device.Mac, device.AdminPassword!, ct);
        Assert.Equal(SadpCommandStatus.Locked, outcome.Status);
    }

    [Fact]
    public async Task Reboot_RebootsTheDevice()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var fleet = await SimulatorFleet.StartAsync(2, ct);
        var device = fleet.Devices[1];
        var reboots = device.RebootCount;
        var outcome = await SimulatorFleet.Client(fleet).RebootAsync(device.Mac, device.AdminPassword!, ct);
        Assert.Equal(SadpCommandStatus.Success, outcome.Status);
        await SimulatorFleet.EventuallyAsync(() => device.RebootCount > reboots, "reboot counted", ct);
        Assert.Equal(0, fleet.Devices[0].RebootCount);
    }

    [Fact]
    public async Task RestoreInactive_ReturnsTheDeviceToInactive_AndTheNextProbeShowsIt()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var fleet = await SimulatorFleet.StartAsync(0, ct);
        var device = fleet.AddDevice(new DeviceSpec { Password = StrongPassword });
        var client = SimulatorFleet.Client(fleet);
        var outcome = await client.RestoreInactiveAsync(device.Mac, StrongPassword, ct);
        Assert.Equal(SadpCommandStatus.Success, outcome.Status);
        await SimulatorFleet.EventuallyAsync(() => !device.Activated && device.Online, "device back, inactive", ct);
        var s = await client.FindAsync(device.Mac, ct);
        Assert.NotNull(s);
        Assert.False(s.Activated);

        // and it can be activated again over SADP: the full recovery loop
        Assert.Equal(SadpCommandStatus.Success, (await client.ActivateAsync(device.Mac, StrongPassword, ct)).Status);
        Assert.True(device.Activated);
    }

    [Fact]
    public async Task Command_ToUnknownMac_IsNoAnswer()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var fleet = await SimulatorFleet.StartAsync(2, ct);
        var client = SimulatorFleet.Client(fleet, o => o.QuietWindow = TimeSpan.FromMilliseconds(150));
        var outcome = await client.RebootAsync("02:00:00:00:00:99", "x", ct);
        Assert.Equal(SadpCommandStatus.NoAnswer, outcome.Status);
    }

    [Fact]
    public async Task Command_ToAKnownDeviceThatWentOffline_IsNoAnswer_AfterTimeout()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var fleet = await SimulatorFleet.StartAsync(1, ct);
        var device = fleet.Devices[0];
        var client = SimulatorFleet.Client(fleet, o => o.CommandTimeout = TimeSpan.FromMilliseconds(300));
        Assert.NotNull(await client.FindAsync(device.Mac, ct));
        device.Faults.Offline = true;
        var outcome = await client.RebootAsync(device.Mac, device.AdminPassword!, ct);
        Assert.Equal(SadpCommandStatus.NoAnswer, outcome.Status);
    }

    [Fact]
    public async Task Commands_CanBeSentByUnicast_AfterMulticastDiscovery()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var fleet = await SimulatorFleet.StartAsync(3, ct);
        var device = fleet.Devices[1];
        var client = SimulatorFleet.Client(fleet, o =>
        {
            o.CommandsByUnicast = true;
        });
        Assert.Equal(3, (await client.DiscoverAllAsync(ct)).Count);
        var newAddress = SimulatorFleet.RandomLoopbackAddress(79).ToString();
        var outcome = await client.UpdateNetworkAsync(device.Mac, new SadpNetworkSettings(newAddress, "255.255.255.0", "127.0.0.1"),
            device.AdminPassword!, ct);
        Assert.True(outcome.IsSuccess, $"{outcome.Status}: {outcome.Detail}");
        await SimulatorFleet.EventuallyAsync(() => device.Address.Equals(IPAddress.Parse(newAddress)), "device moved", ct);
    }

    [Fact]
    public async Task Commands_CanBeSentByUnicast_WhenMulticastIsOff()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var fleet = await SimulatorFleet.StartAsync(3, ct);
        var device = fleet.Devices[2];
        var client = SimulatorFleet.Client(fleet, o =>
        {
            o.EnableMulticast = false;
            o.UnicastTargets = [.. fleet.Devices.Select(d => d.Address.ToString())];
        });
        var reboots = device.RebootCount;
        Assert.Equal(SadpCommandStatus.Success, (await client.RebootAsync(device.Mac, device.AdminPassword!, ct)).Status);
        await SimulatorFleet.EventuallyAsync(() => device.RebootCount > reboots, "reboot counted", ct);
    }

    [Fact]
    public async Task Activate_ByUnicast_RunsTheKeyExchangeAndActivationBackToBack()
    {
        // exchangecode and activate follow each other within milliseconds: each must reach the device, sent once.
        var ct = TestContext.Current.CancellationToken;
        await using var fleet = await SimulatorFleet.StartAsync(1, ct);
        var devices = Enumerable.Range(0, 5).Select(_ => fleet.AddDevice(new DeviceSpec { Activated = false })).ToList();
        var client = SimulatorFleet.Client(fleet, o => o.CommandsByUnicast = true);
        Assert.Equal(6, (await client.DiscoverAllAsync(ct)).Count);

        foreach (var device in devices)
        {
            var outcome = await client.ActivateAsync(device.Mac, StrongPassword, ct);
            Assert.True(outcome.Status == SadpCommandStatus.Success, $"{device.Mac}: {outcome.Status} {outcome.Detail}");
            Assert.True(device.Activated);
        }
    }
}
