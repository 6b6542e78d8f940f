using System.Diagnostics;
using HikFleet.Snmp.Poe;

namespace HikFleet.Snmp.Tests;

/// <summary>SNMP v2c against the real net-snmp agent (PoE switch model) on loopback.</summary>
public sealed class V2cAgentTests(SwitchFixture fx) : IClassFixture<SwitchFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly ObjectIdentifier SysDescr = ObjectIdentifier.Parse("1.3.6.1.2.1.1.1.0");
    private static readonly ObjectIdentifier SysUpTime = ObjectIdentifier.Parse("1.3.6.1.2.1.1.3.0");

    [Fact]
    public async Task Get_reads_system_group_and_reports_missing_instances_as_exception_values()
    {
        var v = await fx.Client.GetAsync(fx.Agent.V2cTarget(), [SysDescr, SysUpTime, ObjectIdentifier.Parse("1.3.6.1.2.1.1.99.0"), ObjectIdentifier.Parse("1.3.6.1.2.1.105.1.1.1.3.1.999")], Ct);
        Assert.Equal(4, v.Count);
        Assert.Contains("HikFleet test PoE switch", v[0].Value.AsString());
        Assert.Equal(SnmpValueType.TimeTicks, v[1].Value.Type);
        Assert.True(v[2].Value.IsException);
        Assert.True(v[3].Value.IsException);
    }

    [Fact]
    public async Task GetNext_returns_the_following_instances()
    {
        var v = await fx.Client.GetNextAsync(fx.Agent.V2cTarget(), [ObjectIdentifier.Parse("1.3.6.1.2.1.105.1.1.1.3"), ObjectIdentifier.Parse("1.3.6.1.2.1.105.1.3.1.1.2.1")], Ct);
        Assert.Equal(ObjectIdentifier.Parse("1.3.6.1.2.1.105.1.1.1.3.1.1"), v[0].Oid); // admin of group 1 port 1
        Assert.Equal(1, v[0].Value.AsInt32());
        Assert.Equal(ObjectIdentifier.Parse("1.3.6.1.2.1.105.1.3.1.1.3.1"), v[1].Oid); // oper status of PSE 1
        Assert.Equal(1, v[1].Value.AsInt32());
    }

    [Fact]
    public async Task Walk_reads_a_subtree_in_order_and_stops_at_its_end()
    {
        var root = ObjectIdentifier.Parse("1.3.6.1.2.1.105.1.1.1.6"); // pethPsePortDetectionStatus
        var rows = await fx.Client.WalkAsync(fx.Agent.V2cTarget(), root, Ct);
        Assert.Equal(fx.Fleet.Devices.Count, rows.Count); // the uplink has no PoE
        Assert.All(rows, r => Assert.True(r.Oid.StartsWith(root)));
        Assert.Equal(rows.Select(r => r.Oid).Order(), rows.Select(r => r.Oid));

        // A walk bigger than one GetBulk answer (the uplink's 40 MACs, 2 Q-BRIDGE + 3 BRIDGE columns each).
        var fdb = await fx.Client.WalkAsync(fx.Agent.V2cTarget(), ObjectIdentifier.Parse("1.3.6.1.2.1.17"), Ct);
        Assert.True(fdb.Count > 100, $"{fdb.Count} rows");
        Assert.Equal(fdb.Count, fdb.Select(r => r.Oid).Distinct().Count());

        // Row limit: hostile tables stop with Malformed.
        var e = await Assert.ThrowsAsync<SnmpException>(() => fx.Client.WalkAsync(fx.Agent.V2cTarget(), ObjectIdentifier.Parse("1.3.6.1.2.1.17"), Ct, maxRows: 10));
        Assert.Equal(SnmpErrorKind.Malformed, e.Kind);
    }

    [Fact]
    public async Task Wrong_community_times_out_quickly_and_the_message_carries_no_community()
    {
        var target = new SnmpTarget(fx.Agent.EndPoint, new SnmpV2cCredentials("not-" + fx.Agent.Community), TimeSpan.FromMilliseconds(200), Retries: 1);
        var watch = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<SnmpException>(() => fx.Client.GetAsync(target, [SysDescr], Ct));
        Assert.Equal(SnmpErrorKind.Timeout, e.Kind);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"{watch.Elapsed}");
        Assert.DoesNotContain(fx.Agent.Community, e.ToString());
        Assert.DoesNotContain(fx.Agent.Community, target.ToString());
    }

    [Fact]
    public async Task Set_of_a_read_only_or_unknown_object_is_an_error_status()
    {
        var e = await Assert.ThrowsAsync<SnmpException>(() => fx.Client.SetAsync(fx.Agent.V2cTarget(),
            [new VarBind(ObjectIdentifier.Parse("1.3.6.1.2.1.105.1.1.1.6.1.1"), SnmpValue.Integer(3))], Ct));
        Assert.Equal(SnmpErrorKind.ErrorStatus, e.Kind);
        Assert.Equal(17, e.ErrorStatus); // notWritable
        Assert.Equal(1, e.ErrorIndex);

        // pethPsePortAdminEnable takes true(1)/false(2) only, as an INTEGER.
        var admin = PoeSwitchMib.PsePortAdminEnable.Append(1, 1);
        var wrongValue = await Assert.ThrowsAsync<SnmpException>(() => fx.Client.SetAsync(fx.Agent.V2cTarget(), [new VarBind(admin, SnmpValue.Integer(7))], Ct));
        Assert.Equal(10, wrongValue.ErrorStatus); // wrongValue
        var wrongType = await Assert.ThrowsAsync<SnmpException>(() => fx.Client.SetAsync(fx.Agent.V2cTarget(), [new VarBind(admin, SnmpValue.OctetString("off"))], Ct));
        Assert.Equal(7, wrongType.ErrorStatus); // wrongType
        Assert.True((await fx.Agent.ReadStateAsync(Ct)).Port(1).AdminEnabled);
    }

    [Fact]
    public async Task PoeSwitchMib_reads_identity_ports_pses_and_the_q_bridge_forwarding_table()
    {
        var mib = new PoeSwitchMib(fx.Client);
        var target = fx.Agent.V2cTarget();
        var id = await mib.ReadIdentityAsync(target, Ct);
        Assert.Equal("poe-sw-1", id.Name);
        Assert.Equal("1.3.6.1.4.1.8072.3.2.10", id.ObjectId);
        Assert.True(id.UpTime >= TimeSpan.Zero);

        var pses = await mib.ReadPsesAsync(target, Ct);
        var pse = Assert.Single(pses);
        Assert.Equal(370, pse.PowerWatts);
        Assert.Equal(PseOperStatus.On, pse.Status);
        Assert.Equal(90, pse.UsageThresholdPercent);

        var fdb = await mib.ReadForwardingTableAsync(target, Ct);
        foreach (var (d, i) in fx.Fleet.Devices.Select((d, i) => (d, i)))
        {
            if (!d.Powered)
                continue; // another test may have its port off just now
            var entry = Assert.Single(fdb, f => f.Mac == d.Mac.ToLowerInvariant());
            Assert.Equal(i + 1, entry.BridgePort);
            Assert.Equal(1, entry.Vlan);
            Assert.True(entry.Learned);
        }
        var uplink = fx.Fleet.Devices.Count + 1;
        Assert.Equal(40, fdb.Count(f => f.BridgePort == uplink));
        Assert.Contains(fdb, f => !f.Learned && f.Mac == "00:00:5e:00:53:01"); // the bridge itself: self(4)

        var ports = await mib.ReadPortsAsync(target, Ct);
        Assert.Equal(fx.Fleet.Devices.Count, ports.Count);
        var p4 = Assert.Single(ports, p => p.Port == 4);
        Assert.Equal(1, p4.Group);
        Assert.True(p4.AdminEnabled);
        Assert.Equal(PseDetectionStatus.DeliveringPower, p4.Detection);
        Assert.Equal(3, p4.PowerClass);

        var ifIndex = await mib.ReadBridgePortIfIndexAsync(target, Ct);
        Assert.Equal(uplink, ifIndex[uplink]);
    }

    [Fact]
    public async Task Counters_and_consumption_follow_the_model()
    {
        var mib = new PoeSwitchMib(fx.Client);
        await fx.Agent.UpdateAsync(m =>
        {
            m.Port(3).Counters.MpsAbsent = 7;
            m.Port(3).Counters.OverLoad = 2;
            m.Pses[0].PowerWatts = 60;
        }, Ct);
        try
        {
            var p3 = Assert.Single(await mib.ReadPortsAsync(fx.Agent.V2cTarget(), Ct), p => p.Port == 3);
            Assert.Equal(7, p3.MpsAbsentCounter);
            Assert.Equal(2, p3.OverLoadCounter);
            var pse = Assert.Single(await mib.ReadPsesAsync(fx.Agent.V2cTarget(), Ct));
            Assert.Equal(60, pse.PowerWatts);
            var delivering = (await mib.ReadPortsAsync(fx.Agent.V2cTarget(), Ct)).Count(p => p.Detection == PseDetectionStatus.DeliveringPower);
            Assert.Equal((int)Math.Round(delivering * 6.5), pse.ConsumptionWatts);
        }
        finally
        {
            await fx.Agent.UpdateAsync(m => m.Pses[0].PowerWatts = 370, Ct);
        }
    }

    [Fact]
    public async Task SetPortPower_off_powers_the_camera_down_and_on_boots_it_with_uptime_reset()
    {
        var mib = new PoeSwitchMib(fx.Client);
        var target = fx.Agent.V2cTarget();
        var camera = fx.Fleet.Devices[1]; // port 2
        using var http = new HttpClient { BaseAddress = camera.HttpUri, Timeout = TimeSpan.FromSeconds(5) };
        Assert.Contains("Activated", await http.GetStringAsync("/SDK/activateStatus", Ct));
        await Task.Delay(200, Ct); // let it gather 100 simulated seconds of uptime
        var reboots = camera.RebootCount;
        var eventsBefore = (await fx.Agent.ReadStateAsync(Ct)).Events.Count;

        await mib.SetPortPowerAsync(target, 1, 2, enabled: false, Ct);
        Assert.False(camera.Powered);
        Assert.False(camera.Online);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => http.GetStringAsync("/SDK/activateStatus", Ct));
        var port = Assert.Single(await mib.ReadPortsAsync(target, Ct), p => p.Port == 2);
        Assert.False(port.AdminEnabled);
        Assert.Equal(PseDetectionStatus.Disabled, port.Detection);
        Assert.Null(port.PowerClass);
        Assert.DoesNotContain(await mib.ReadForwardingTableAsync(target, Ct), f => f.Mac == camera.Mac.ToLowerInvariant()); // link down

        await mib.SetPortPowerAsync(target, 1, 2, enabled: true, Ct);
        Assert.True(camera.Powered);
        var watch = Stopwatch.StartNew();
        while (!camera.Online && watch.Elapsed < TimeSpan.FromSeconds(10))
            await Task.Delay(10, Ct);
        Assert.Contains("Activated", await http.GetStringAsync("/SDK/activateStatus", Ct));
        Assert.Equal(reboots + 1, camera.RebootCount);
        Assert.True(camera.Uptime < TimeSpan.FromSeconds(90), $"uptime {camera.Uptime}");
        Assert.Equal(PseDetectionStatus.DeliveringPower, Assert.Single(await mib.ReadPortsAsync(target, Ct), p => p.Port == 2).Detection);

        // A SET retried after a slow answer (the agent POSTs the simulator before it answers) records an unchanged event too.
        var events = (await fx.Agent.ReadStateAsync(Ct)).Events.Skip(eventsBefore).Where(e => e.Port == 2 && e.Changed).ToList();
        Assert.Equal([false, true], events.Select(e => e.On));
        Assert.All(events, e => Assert.Null(e.NotifyError));
        Assert.All(events, e => Assert.Equal(camera.Serial, e.Serial));
    }
}
