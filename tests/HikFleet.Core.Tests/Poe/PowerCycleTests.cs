using System.Text;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Health;
using HikFleet.Core.Operations;
using HikFleet.Core.Poe;
using HikFleet.Core.Tests.Discovery;
using HikFleet.Core.Tests.Operations;
using HikFleet.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace HikFleet.Core.Tests.Poe;

/// <summary>
/// Power-cycling frozen cameras through a real SNMP agent (Debian's snmpd with a pass_persist PoE switch model) that powers the
/// simulated cameras off and on: mapping by MAC, the full cycle, and every guard rail.
/// </summary>
public sealed class PowerCycleTests(MigratedDatabase database) : IClassFixture<MigratedDatabase>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_frozen_camera_is_found_on_its_port_by_MAC_and_brought_back_by_a_v2c_power_cycle()
    {
        await using var w = await PoeWorld.StartAsync(database, 2, Ct);
        var switchId = await w.AddSwitchAsync(Ct);
        var poll = await w.PollAsync(switchId, Ct);
        Assert.True(poll.Succeeded, poll.Error);
        Assert.Equal(2, poll.MappedCameras);
        var (device, camera) = w.Cameras[0];
        var (other, otherCamera) = w.Cameras[1];
        var mapping = await w.MappingAsync(camera, Ct);
        Assert.NotNull(mapping);
        Assert.Equal((switchId, 1, 1, PoePortMappingSource.Discovered), (mapping.SwitchId, mapping.Group, mapping.Port, mapping.Source));
        Assert.False(mapping.Confirmed);
        Assert.Equal(2, (await w.MappingAsync(otherCamera, Ct))!.Port);

        // Found is not confirmed: nothing is switched until a person says it is the camera's port.
        var refused = await w.PowerCycleAsync(camera, Ct);
        Assert.Equal(Common.ResultKind.Conflict, refused.Kind);
        Assert.Contains("Confirm", refused.Message);
        var confirmed = await w.Poe.ConfirmMappingAsync(InventoryWorld.Operator(w.Site), camera.Id, Ct);
        Assert.True(confirmed.Succeeded, confirmed.Message);

        // Frozen: connections accepted, nothing answered, a reboot command impossible.
        device.Faults.Hung = true;
        var health = w.World.Services.GetRequiredService<HealthCheckService>();
        Assert.Equal(HealthState.Offline, await health.CheckCameraAsync(camera.Id, Ct));
        var reboots = device.RebootCount;
        var otherReboots = other.RebootCount;

        var started = await w.PowerCycleAsync(camera, Ct, offSeconds: 2);
        Assert.True(started.Succeeded, started.Message);
        var op = await w.World.FinishedAsync(started.Id!.Value, Ct);
        Assert.True(op.State == OperationState.Succeeded, OperationWorld.Describe(op));
        Assert.Equal(["check-port", "port-off", "hold-off", "port-on", "wait-up"], op.Steps.Select(s => s.Name));
        Assert.Contains("uptime reset", op.Steps[^1].Detail);

        // The agent switched exactly the camera's port: off, then on at least 2 s later; the camera booted once and answers.
        // (Changed only: a SET the agent answered slowly may be resent by the client; the repeat changes nothing.)
        var events = (await w.Agent.ReadStateAsync(Ct)).Events.Where(e => e.Changed).ToList();
        Assert.Equal([(1, false), (1, true)], events.Select(e => (e.Port, e.On)));
        Assert.True(events[1].At - events[0].At >= TimeSpan.FromSeconds(1.9), $"{events[0].At:O} → {events[1].At:O}");
        Assert.Equal(reboots + 1, device.RebootCount);
        Assert.False(device.Faults.Hung);
        Assert.Equal(otherReboots, other.RebootCount);
        // It answers ISAPI again (the health state follows after the usual confirmations of flap suppression).
        Assert.Equal(device.Serial, (await w.World.Client(device).GetDeviceInfoAsync(Ct)).SerialNumber);

        await using var db = w.World.Db();
        var port = await db.PoeSwitchPorts.AsNoTracking().SingleAsync(p => p.SwitchId == switchId && p.Port == 1, Ct);
        Assert.Null(port.HeldOffByOperationId);
        Assert.True(port.AdminEnabled);
        var trail = await db.AuditEntries.AsNoTracking().Where(e => e.CorrelationId == op.Id.ToString("D")).OrderBy(e => e.Id)
            .Select(e => e.Action).ToListAsync(Ct);
        Assert.Equal("camera.power_cycle.request", trail[0]);
        Assert.Equal(5, trail.Count(a => a == "camera.power_cycle.step"));
        Assert.Equal("camera.power_cycle.finish", trail[^1]);
        Assert.Contains(await db.AuditEntries.AsNoTracking().Select(e => e.Action).ToListAsync(Ct), a => a == "poe.mapping.confirm");
    }

    [Fact]
    public async Task An_SNMPv3_switch_is_polled_and_power_cycled_and_a_camera_gets_at_most_two_cycles_an_hour()
    {
        await using var w = await PoeWorld.StartAsync(database, 1, Ct);
        var switchId = await w.AddSwitchAsync(Ct, SnmpVersion.V3);
        Assert.True((await w.PollAsync(switchId, Ct)).Succeeded);
        var (device, camera) = w.Cameras[0];
        Assert.True((await w.Poe.ConfirmMappingAsync(InventoryWorld.Operator(w.Site), camera.Id, Ct)).Succeeded);

        var reboots = device.RebootCount;
        for (var i = 0; i < 2; i++)
        {
            var started = await w.PowerCycleAsync(camera, Ct);
            Assert.True(started.Succeeded, started.Message);
            var op = await w.World.FinishedAsync(started.Id!.Value, Ct);
            Assert.True(op.State == OperationState.Succeeded, OperationWorld.Describe(op));
        }

        Assert.Equal(reboots + 2, device.RebootCount);
        Assert.Equal(4, (await w.Agent.ReadStateAsync(Ct)).Events.Count(e => e.Changed));
        var third = await w.PowerCycleAsync(camera, Ct);
        Assert.Equal(Common.ResultKind.Conflict, third.Kind);
        Assert.Contains("at most 2 per rolling hour", third.Message);
        Assert.Equal(4, (await w.Agent.ReadStateAsync(Ct)).Events.Count(e => e.Changed));
        await using var db = w.World.Db();
        Assert.True(await db.AuditEntries.AnyAsync(e => e.Action == "camera.power_cycle.request" && e.Result != HikFleet.Core.Audit.AuditResult.Succeeded && e.ResultDetail!.Contains("at most 2"), Ct));

        // v3 credentials are sealed: neither password is in the row, and the audit entry of the switch names only the user.
        var sw = await db.PoeSwitches.AsNoTracking().SingleAsync(s => s.Id == switchId, Ct);
        Assert.Equal(w.Agent.V3User, sw.SnmpUser);
        var sealedText = Encoding.UTF8.GetString(sw.SecretSealed);
        Assert.DoesNotContain(w.Agent.V3AuthPassword, sealedText);
        Assert.DoesNotContain(w.Agent.V3PrivPassword, sealedText);
        var audit = string.Join("\n", await db.AuditEntries.AsNoTracking().Select(e => e.Parameters).ToListAsync(Ct));
        Assert.DoesNotContain(w.Agent.V3AuthPassword, audit);
        Assert.DoesNotContain(w.Agent.V3PrivPassword, audit);
        Assert.DoesNotContain(w.Agent.V3AuthPassword, string.Join("\n", w.World.Logs.Lines));
    }

    [Fact]
    public async Task Uplinks_unconfirmed_or_doubtful_ports_are_never_switched_and_a_port_that_gained_a_device_is_refused_live()
    {
        await using var w = await PoeWorld.StartAsync(database, 3, Ct);
        // Camera 3's port also carries a second device (a small switch or a hub behind it): an uplink.
        await w.Agent.UpdateAsync(m => m.Port(3).Macs.Add("02:00:5e:77:00:01"), Ct);
        var switchId = await w.AddSwitchAsync(Ct);
        Assert.Equal(2, (await w.PollAsync(switchId, Ct)).MappedCameras);
        var op = InventoryWorld.Operator(w.Site);
        var (_, a) = w.Cameras[0];
        var (_, b) = w.Cameras[1];
        var (_, c) = w.Cameras[2];

        // No mapping for the camera behind the hub, and a hand-made one onto that port is refused.
        Assert.Null(await w.MappingAsync(c, Ct));
        Assert.Contains("No PoE switch port", (await w.PowerCycleAsync(c, Ct)).Message);
        var manual = await w.Poe.SetMappingAsync(op, c.Id, switchId, 1, 3, Ct);
        Assert.Equal(Common.ResultKind.Conflict, manual.Kind);
        Assert.Contains("uplink", manual.Message);

        // A viewer may not confirm.
        Assert.Equal(Common.ResultKind.Forbidden, (await w.Poe.ConfirmMappingAsync(InventoryWorld.Viewer(w.Site), a.Id, Ct)).Kind);

        // A manual mapping that discovery contradicts is in doubt: refused until someone sets it again.
        Assert.True((await w.Poe.SetMappingAsync(op, b.Id, switchId, 1, 1, Ct)).Succeeded);
        await w.PollAsync(switchId, Ct);
        Assert.Contains("port 2", (await w.MappingAsync(b, Ct))!.Conflict);
        Assert.Contains("in doubt", (await w.PowerCycleAsync(b, Ct)).Message);

        // Confirmed at request time, but by the time it runs another device appeared on the port: the live check refuses, nothing is switched.
        Assert.True((await w.Poe.ConfirmMappingAsync(op, a.Id, Ct)).Succeeded);
        await w.Agent.UpdateAsync(m => m.Port(1).Macs.Add("02:00:5e:77:00:02"), Ct);
        var started = await w.PowerCycleAsync(a, Ct);
        Assert.True(started.Succeeded, started.Message);
        var failed = await w.World.FinishedAsync(started.Id!.Value, Ct);
        Assert.Equal(OperationState.Failed, failed.State);
        Assert.Contains("never power-cycled", failed.Steps[0].Detail);
        Assert.Empty((await w.Agent.ReadStateAsync(Ct)).Events);
    }

    [Fact]
    public async Task Ports_of_one_switch_are_cycled_one_at_a_time_and_a_cancel_waits_until_the_port_is_on()
    {
        await using var w = await PoeWorld.StartAsync(database, 2, Ct);
        var switchId = await w.AddSwitchAsync(Ct);
        await w.PollAsync(switchId, Ct);
        var op = InventoryWorld.Operator(w.Site);
        foreach (var (_, camera) in w.Cameras) Assert.True((await w.Poe.ConfirmMappingAsync(op, camera.Id, Ct)).Succeeded);

        var first = await w.PowerCycleAsync(w.Cameras[0].Camera, Ct, offSeconds: 3);
        var second = await w.PowerCycleAsync(w.Cameras[1].Camera, Ct, offSeconds: 1);
        Assert.True(first.Succeeded && second.Succeeded, first.Message + second.Message);

        // While the first port is off, cancelling it is refused (the port goes back on first).
        await w.Agent.WaitForEventsAsync(1, Ct, TimeSpan.FromSeconds(30));
        var cancel = await w.Operations.CancelAsync(op, first.Id!.Value, Ct);
        Assert.False(cancel.Succeeded);
        Assert.Contains("switches it back on first", cancel.Message);

        var one = await w.World.FinishedAsync(first.Id!.Value, Ct);
        var two = await w.World.FinishedAsync(second.Id!.Value, Ct);
        Assert.True(one.State == OperationState.Succeeded, OperationWorld.Describe(one));
        Assert.True(two.State == OperationState.Succeeded, OperationWorld.Describe(two));
        // Site setting: one port of a switch at once — the second port went off only after the first came back on.
        var events = (await w.Agent.ReadStateAsync(Ct)).Events.Where(e => e.Changed).ToList();
        Assert.Equal([(1, false), (1, true), (2, false), (2, true)], events.Select(e => (e.Port, e.On)));
    }

    [Fact]
    public async Task A_port_left_off_by_an_operation_that_is_over_is_switched_back_on_by_the_poll()
    {
        await using var w = await PoeWorld.StartAsync(database, 1, Ct);
        var switchId = await w.AddSwitchAsync(Ct);
        await w.PollAsync(switchId, Ct);
        var (device, camera) = w.Cameras[0];

        // As if a power-cycle died after switching the port off: the operation is over (failed), the port still held and off.
        var dead = new Operation
        {
            TenantId = w.Site.TenantId, SiteId = w.Site.Id, CameraId = camera.Id, Kind = OperationKind.PowerCycle, State = OperationState.Failed,
            Reason = "test", RequestedById = "test", RequestedByName = "test", FinishedAt = DateTimeOffset.UtcNow,
        };
        await using (var db = w.World.Db())
        {
            db.Operations.Add(dead);
            var port = await db.PoeSwitchPorts.SingleAsync(p => p.SwitchId == switchId && p.Port == 1, Ct);
            port.HeldOffByOperationId = dead.Id;
            await db.SaveChangesAsync(Ct);
        }

        var mib = w.World.Services.GetRequiredService<PoeSwitchAccess>().Mib;
        await mib.SetPortPowerAsync(w.Agent.V2cTarget(), 1, 1, false, Ct);
        await InventoryWorld.EventuallyAsync(() => !device.Powered, "camera unpowered", Ct);

        var poll = await w.PollAsync(switchId, Ct);
        Assert.Equal(1, poll.RestoredPorts);
        await InventoryWorld.EventuallyAsync(() => device.Powered, "camera powered again", Ct);
        Assert.True((await w.Agent.ReadStateAsync(Ct)).Port(1).AdminEnabled);
        await using var check = w.World.Db();
        Assert.Null((await check.PoeSwitchPorts.AsNoTracking().SingleAsync(p => p.SwitchId == switchId && p.Port == 1, Ct)).HeldOffByOperationId);
        Assert.True(await check.AuditEntries.AnyAsync(e => e.Action == "poe.port.restore" && e.CameraId == camera.Id, Ct));
    }

    [Fact]
    public async Task Power_drops_and_a_PSE_near_its_budget_become_findings_that_name_the_switch_and_port()
    {
        await using var w = await PoeWorld.StartAsync(database, 2, Ct);
        var switchId = await w.AddSwitchAsync(Ct, name: "Pole switch");
        await w.PollAsync(switchId, Ct);
        var (_, camera) = w.Cameras[0];
        var health = w.World.Services.GetRequiredService<HealthCheckService>();
        await health.CheckCameraAsync(camera.Id, Ct);
        Assert.DoesNotContain(await FindingsAsync(w, camera), f => f.StartsWith("poe-", StringComparison.Ordinal));

        // The port lost power three times nobody asked for (RFC 3621 MPS-absent counter), and the PSE draws 13 W of a 14 W budget.
        await w.Agent.UpdateAsync(m =>
        {
            m.Port(1).Counters.MpsAbsent += 3;
            m.Pses[0].PowerWatts = 14;
        }, Ct);
        await w.PollAsync(switchId, Ct);
        for (var i = 0; i < 3; i++) await health.CheckCameraAsync(camera.Id, Ct);
        var findings = await FindingsAsync(w, camera);
        Assert.Contains(PoeHealth.PortUnstable, findings);
        Assert.Contains(PoeHealth.BudgetNear, findings);
        await using var db = w.World.Db();
        var unstable = await db.CameraFindings.AsNoTracking().SingleAsync(f => f.CameraId == camera.Id && f.Code == PoeHealth.PortUnstable, Ct);
        Assert.Contains("switch Pole switch port 1", unstable.Summary);
        // The second camera shares the PSE (budget finding) but not the unstable port.
        var second = w.Cameras[1].Camera;
        for (var i = 0; i < 3; i++) await health.CheckCameraAsync(second.Id, Ct);
        var secondFindings = await FindingsAsync(w, second);
        Assert.Contains(PoeHealth.BudgetNear, secondFindings);
        Assert.DoesNotContain(PoeHealth.PortUnstable, secondFindings);
    }

    [Fact]
    public void A_reboot_loop_names_the_switch_port_its_drops_and_the_PSE_load()
    {
        var camera = TestFleet.NewCamera(Guid.NewGuid(), "DS-TEST-1", "44:19:b6:00:00:01", "10.0.0.5", 80);
        var poe = new PoePortHealth("Pole switch", 7, 4, TimeSpan.FromHours(24), 3, 95, 133, 140);
        var context = new HealthContext([], new HashSet<System.Net.IPAddress>(), [], new HealthOptions(), null,
            new Dictionary<Guid, PoePortHealth> { [camera.Id] = poe });
        var offline = new HealthObservation { CameraId = camera.Id, ReachFailure = new Isapi.IsapiException(Isapi.IsapiErrorKind.Unreachable, "refused") };
        var verdict = HealthEvaluator.Evaluate(camera, offline, null, 3, context);
        var loop = Assert.Single(verdict.Findings, f => f.Code == HealthFindings.RebootLoop);
        Assert.Contains("powered by switch Pole switch port 7", loop.Summary);
        Assert.Contains("lost power 4 times", loop.Evidence);
        Assert.Contains("95 %", loop.Evidence);
        Assert.Contains(verdict.Findings, f => f.Code == PoeHealth.PortUnstable);
        Assert.Contains(verdict.Findings, f => f.Code == PoeHealth.BudgetNear);
    }

    private static async Task<List<string>> FindingsAsync(PoeWorld w, Camera camera)
    {
        await using var db = w.World.Db();
        return await db.CameraFindings.AsNoTracking().Where(f => f.CameraId == camera.Id).Select(f => f.Code).ToListAsync(Ct);
    }
}
