using System.Net;
using HikFleet.Simulator;
using HikFleet.Testing.Snmp;

namespace HikFleet.Snmp.Tests;

/// <summary>
/// One simulated fleet (in-process, fast boots, control API on an ephemeral loopback port) and one real snmpd modelling the PoE
/// switch the cameras hang off: a port per camera plus an uplink with many MACs. Tests use different ports, so they share it.
/// </summary>
public sealed class SwitchFixture : IAsyncLifetime
{
    public VirtualFleet Fleet { get; private set; } = null!;
    public PoeSwitchAgent Agent { get; private set; } = null!;
    public SnmpClient Client { get; } = new();

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        Fleet = await VirtualFleet.StartAsync(new SimulatorOptions
        {
            Cameras = 4,
            BaseAddress = IPAddress.Parse($"127.{Random.Shared.Next(100, 250)}.{Random.Shared.Next(1, 250)}.10"),
            HttpPort = 0,
            TimeScale = 0.002, // a 60 s boot takes 120 ms
            Sadp = false,
            Control = new IPEndPoint(IPAddress.Loopback, 0),
        }, ct);
        Agent = await PoeSwitchAgent.StartAsync(PoeSwitchModel.ForCameras(Fleet.Devices.Select(d => (d.Serial, d.Mac)), Fleet.ControlUri, uplinkMacs: 40), ct);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (Agent is not null)
            await Agent.DisposeAsync();
        if (Fleet is not null)
            await Fleet.DisposeAsync();
    }
}
