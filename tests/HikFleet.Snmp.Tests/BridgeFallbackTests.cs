using HikFleet.Snmp.Poe;
using HikFleet.Testing.Snmp;

namespace HikFleet.Snmp.Tests;

/// <summary>A switch without Q-BRIDGE-MIB: the forwarding table comes from BRIDGE-MIB dot1dTpFdbTable (no VLAN).</summary>
public sealed class BridgeFallbackTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Forwarding_table_falls_back_to_bridge_mib_when_the_switch_has_no_q_bridge()
    {
        var model = PoeSwitchModel.ForCameras([("CAM-A", "44:19:b6:00:00:0a"), ("CAM-B", "44:19:B6:00:00:0B")], controlUrl: null, uplinkMacs: 3);
        model.QBridge = false;
        model.Port(2).Vlan = 20;
        await using var agent = await PoeSwitchAgent.StartAsync(model, Ct);
        using var client = new SnmpClient();
        var mib = new PoeSwitchMib(client);

        // The agent really has no Q-BRIDGE subtree.
        Assert.Empty(await client.WalkAsync(agent.V2cTarget(), ObjectIdentifier.Parse("1.3.6.1.2.1.17.7"), Ct));

        var fdb = await mib.ReadForwardingTableAsync(agent.V2cTarget(), Ct);
        var a = Assert.Single(fdb, f => f.Mac == "44:19:b6:00:00:0a");
        Assert.Equal(1, a.BridgePort);
        Assert.Null(a.Vlan);
        Assert.True(a.Learned);
        Assert.Equal(2, Assert.Single(fdb, f => f.Mac == "44:19:b6:00:00:0b").BridgePort);
        Assert.Equal(3, fdb.Count(f => f.BridgePort == 3));

        // With Q-BRIDGE switched on (same agent; the script re-reads its state) the VLAN appears.
        await agent.UpdateAsync(m => m.QBridge = true, Ct);
        var q = await mib.ReadForwardingTableAsync(agent.V2cTarget(), Ct);
        Assert.Equal(20, Assert.Single(q, f => f.Mac == "44:19:b6:00:00:0b").Vlan);
    }

    [Fact]
    public async Task A_port_without_a_camera_is_searching_and_a_port_set_without_a_control_url_still_switches()
    {
        var model = PoeSwitchModel.ForCameras([("CAM-A", "44:19:b6:00:00:0a")], controlUrl: null, uplinkMacs: 1);
        model.Ports.Add(new PoePort { Port = 9, Macs = [] });
        await using var agent = await PoeSwitchAgent.StartAsync(model, Ct);
        using var client = new SnmpClient();
        var mib = new PoeSwitchMib(client);
        var ports = await mib.ReadPortsAsync(agent.V2cTarget(), Ct);
        Assert.Equal(PseDetectionStatus.Searching, Assert.Single(ports, p => p.Port == 9).Detection);

        await mib.SetPortPowerAsync(agent.V2cTarget(), 1, 1, false, Ct);
        var state = await agent.ReadStateAsync(Ct);
        Assert.False(state.Port(1).AdminEnabled);
        var e = Assert.Single(state.Events);
        Assert.False(e.On);
        Assert.Equal("CAM-A", e.Serial);
        Assert.Null(e.NotifyError); // nothing to notify without a control URL
        Assert.True(e.At > DateTimeOffset.UtcNow.AddMinutes(-1));

        // A port that is not there cannot be created.
        var missing = await Assert.ThrowsAsync<SnmpException>(() => mib.SetPortPowerAsync(agent.V2cTarget(), 1, 42, false, Ct));
        Assert.Equal(SnmpErrorKind.ErrorStatus, missing.Kind);
        Assert.Equal(17, missing.ErrorStatus); // notWritable: snmpd's pass_persist handler refuses instances the script does not have
    }
}
