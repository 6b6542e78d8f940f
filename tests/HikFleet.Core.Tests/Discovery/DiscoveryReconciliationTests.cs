using System.Net;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Discovery;
using HikFleet.Sadp;
using HikFleet.Simulator;
using HikFleet.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace HikFleet.Core.Tests.Discovery;

/// <summary>
/// Discovery against the real simulator (SADP on loopback, random port) and real PostgreSQL: every reconciliation rule, asserted on
/// the rows, events, findings and sighting outcomes it writes.
/// </summary>
public sealed class DiscoveryReconciliationTests : IAsyncLifetime
{
    private readonly MigratedDatabase _database = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => _database.InitializeAsync();

    public ValueTask DisposeAsync() => _database.DisposeAsync();

    private async Task<(DiscoveryRun Run, List<DiscoverySighting> Sightings)> RunAsync(InventoryWorld world, Site site)
    {
        var run = await world.Discovery.RunSiteAsync(site.Id, "test", Ct);
        Assert.True(run.Status == DiscoveryRunStatus.Succeeded, $"run {run.Status}: {run.Error}");
        await using var db = world.Db();
        return (run, await db.DiscoverySightings.AsNoTracking().Where(s => s.RunId == run.Id).ToListAsync(Ct));
    }

    private static async Task<Camera> ReloadAsync(InventoryWorld world, Guid id)
    {
        await using var db = world.Db();
        return await db.Cameras.AsNoTracking().SingleAsync(c => c.Id == id, Ct);
    }

    private static async Task<List<CameraEvent>> EventsAsync(InventoryWorld world, Guid id)
    {
        await using var db = world.Db();
        return await db.CameraEvents.AsNoTracking().Where(e => e.CameraId == id).OrderBy(e => e.Id).ToListAsync(Ct);
    }

    private static async Task<List<CameraFinding>> FindingsAsync(InventoryWorld world, Guid id)
    {
        await using var db = world.Db();
        return await db.CameraFindings.AsNoTracking().Where(f => f.CameraId == id).ToListAsync(Ct);
    }

    [Fact]
    public async Task New_devices_become_discovered_cameras_that_wait_for_adoption_and_are_known_next_time()
    {
        await using var world = await InventoryWorld.StartAsync(_database, Ct);
        var a = world.Fleet.AddDevice(new DeviceSpec());
        var b = world.Fleet.AddDevice(new DeviceSpec { Activated = false });
        var site = await world.SiteAsync();

        var (run, sightings) = await RunAsync(world, site);

        Assert.Equal(2, run.Seen);
        Assert.Equal(2, run.New);
        Assert.All(sightings, s => Assert.Equal(SightingOutcome.New, s.Outcome));
        await using (var db = world.Db())
        {
            var cameras = await db.Cameras.AsNoTracking().Where(c => c.SiteId == site.Id).ToListAsync(Ct);
            Assert.Equal(2, cameras.Count);
            Assert.All(cameras, c => Assert.Equal(CameraLifecycle.Discovered, c.Lifecycle));
            var camA = cameras.Single(c => c.SerialNumber == a.Serial);
            Assert.Equal(a.Address, camA.Address);
            Assert.Equal(a.Model, camA.Model);
            Assert.Equal(a.FirmwareVersion, camA.FirmwareVersion);
            Assert.True(camA.Activated);
            Assert.False(cameras.Single(c => c.SerialNumber == b.Serial).Activated);
            Assert.Contains(await db.CameraEvents.Where(e => e.CameraId == camA.Id).ToListAsync(Ct), e => e.Kind == CameraEventKinds.Discovered);
        }

        var (again, second) = await RunAsync(world, site);
        Assert.Equal(0, again.New);
        Assert.All(second, s => Assert.Equal(SightingOutcome.Known, s.Outcome));
    }

    [Fact]
    public async Task A_known_camera_at_a_new_address_is_moved_with_an_event_and_an_audit_entry()
    {
        await using var world = await InventoryWorld.StartAsync(_database, Ct);
        var device = world.Fleet.AddDevice(new DeviceSpec { Password = "Known-Pass-1" });
        var site = await world.SiteAsync();
        var camera = await world.ManagedAsync(site, device);
        var before = device.Address;

        // The device really moves (SADP update, applied at once by the simulator, §4.4).
        var to = world.Address(200);
        var sadp = new SadpClient(new SadpOptions { Port = world.Fleet.SadpPort!.Value, QuietWindow = TimeSpan.FromMilliseconds(300), CommandTimeout = TimeSpan.FromSeconds(2) });
        var outcome = await sadp.UpdateNetworkAsync(device.Mac, new SadpNetworkSettings(to.ToString(), "255.255.255.0", world.Address(1).ToString()), "Known-Pass-1", Ct);
        Assert.True(outcome.IsSuccess, outcome.Detail);
        await InventoryWorld.EventuallyAsync(() => Equals(device.Address, to), "device moved", Ct);

        var (run, sightings) = await RunAsync(world, site);

        Assert.Equal(1, run.Moved);
        var sighting = Assert.Single(sightings);
        Assert.Equal(SightingOutcome.Moved, sighting.Outcome);
        Assert.Equal(camera.Id, sighting.CameraId);
        Assert.Equal(to, (await ReloadAsync(world, camera.Id)).Address);
        var moved = Assert.Single(await EventsAsync(world, camera.Id), e => e.Kind == CameraEventKinds.Moved);
        Assert.Equal($"{before} → {to}", moved.Detail);
        await using var db = world.Db();
        var audit = Assert.Single(await db.AuditEntries.AsNoTracking().Where(e => e.CameraId == camera.Id && e.Action == "camera.moved").ToListAsync(Ct));
        Assert.Contains(to.ToString(), audit.Parameters);
        Assert.Equal("discovery", audit.ActorName);
        Assert.DoesNotContain("Known-Pass-1", await world.EverythingWrittenAsync());
    }

    [Fact]
    public async Task Two_devices_on_one_address_are_an_ip_conflict_for_both()
    {
        await using var world = await InventoryWorld.StartAsync(_database, Ct);
        var first = world.Fleet.AddDevice(new DeviceSpec());
        var second = world.Fleet.AddDevice(new DeviceSpec());
        var site = await world.SiteAsync();
        var camFirst = await world.ManagedAsync(site, first, configure: c => c.FindingCodes = ["clock-drift"]);
        var camSecond = await world.ManagedAsync(site, second);
        var home = second.Address;

        second.Faults.IpConflict = true; // takes the first device's address
        await InventoryWorld.EventuallyAsync(() => Equals(second.Address, first.Address), "conflict applied", Ct);

        var (run, sightings) = await RunAsync(world, site);

        Assert.Equal(2, run.Conflicts);
        Assert.Equal(2, sightings.Count(s => s.Outcome == SightingOutcome.IpConflict));
        Assert.All(sightings, s => Assert.Equal(first.Address, s.Address));
        foreach (var id in new[] { camFirst.Id, camSecond.Id })
        {
            var row = await ReloadAsync(world, id);
            Assert.Contains(DiscoveryFindings.IpConflict, row.FindingCodes);
            Assert.Single(await FindingsAsync(world, id), f => f.Code == DiscoveryFindings.IpConflict);
        }

        // The health job's code is left alone; the conflicting camera keeps its inventory address (which one is right is a person's call).
        Assert.Contains("clock-drift", (await ReloadAsync(world, camFirst.Id)).FindingCodes);
        Assert.Equal(home, (await ReloadAsync(world, camSecond.Id)).Address);

        second.Faults.IpConflict = false;
        await InventoryWorld.EventuallyAsync(() => Equals(second.Address, home), "conflict cleared", Ct);
        var (_, after) = await RunAsync(world, site);
        Assert.All(after, s => Assert.Equal(SightingOutcome.Known, s.Outcome));
        Assert.Empty(await FindingsAsync(world, camSecond.Id));
        Assert.Equal(["clock-drift"], (await ReloadAsync(world, camFirst.Id)).FindingCodes);
    }

    [Fact]
    public async Task A_known_serial_with_another_mac_is_a_replaced_device_and_the_identity_is_kept()
    {
        await using var world = await InventoryWorld.StartAsync(_database, Ct);
        var device = world.Fleet.AddDevice(new DeviceSpec());
        var site = await world.SiteAsync();
        // The inventory knows this serial with the MAC of the hardware that was swapped out.
        var camera = await world.ManagedAsync(site, device, configure: c => c.MacAddress = "44:00:00:aa:bb:cc");

        var (run, sightings) = await RunAsync(world, site);

        var sighting = Assert.Single(sightings);
        Assert.Equal(SightingOutcome.Replaced, sighting.Outcome);
        Assert.Equal(camera.Id, sighting.CameraId);
        var row = await ReloadAsync(world, camera.Id);
        Assert.Equal("44:00:00:aa:bb:cc", row.MacAddress);
        Assert.Equal(device.Serial, row.SerialNumber);
        Assert.Contains(DiscoveryFindings.ReplacedDevice, row.FindingCodes);
        var finding = Assert.Single(await FindingsAsync(world, camera.Id));
        Assert.Contains(device.Mac.ToLowerInvariant().Replace('-', ':'), finding.Evidence);
        Assert.Single(await EventsAsync(world, camera.Id), e => e.Kind == CameraEventKinds.Replaced);
        Assert.Equal(0, run.New);

        // A second run does not repeat the event.
        await RunAsync(world, site);
        Assert.Single(await EventsAsync(world, camera.Id), e => e.Kind == CameraEventKinds.Replaced);
    }

    [Fact]
    public async Task A_known_camera_seen_inactive_is_found_reset()
    {
        await using var world = await InventoryWorld.StartAsync(_database, Ct);
        var device = world.Fleet.AddDevice(new DeviceSpec());
        var site = await world.SiteAsync();
        var camera = await world.ManagedAsync(site, device);
        var home = device.Address;

        device.PressResetButton(); // full reset: inactive, at the factory address (outside the site's subnet)
        await InventoryWorld.EventuallyAsync(() => !device.Activated && device.Online && Equals(device.Address, world.FactoryAddress), "reset", Ct);

        var (run, sightings) = await RunAsync(world, site);

        Assert.Equal(1, run.FoundReset);
        var sighting = Assert.Single(sightings);
        Assert.Equal(SightingOutcome.FoundReset, sighting.Outcome);
        Assert.Equal(world.FactoryAddress, sighting.Address);
        Assert.False(sighting.Activated);
        var row = await ReloadAsync(world, camera.Id);
        Assert.False(row.Activated);
        Assert.Equal(home, row.Address); // kept: reprovisioning restores the device to it
        Assert.Equal(CameraLifecycle.Managed, row.Lifecycle);
        Assert.Equal([DiscoveryFindings.FoundReset], row.FindingCodes);
        Assert.Single(await EventsAsync(world, camera.Id), e => e.Kind == CameraEventKinds.FoundReset);

        await RunAsync(world, site);
        Assert.Single(await EventsAsync(world, camera.Id), e => e.Kind == CameraEventKinds.FoundReset);
    }

    [Fact]
    public async Task An_address_outside_the_sites_subnets_is_a_subnet_mismatch()
    {
        await using var world = await InventoryWorld.StartAsync(_database, Ct);
        var known = world.Fleet.AddDevice(new DeviceSpec());
        var stranger = world.Fleet.AddDevice(new DeviceSpec());
        var elsewhere = $"{InventoryWorld.Next(world.SubnetBase, 0)}/24";
        var site = await world.SiteAsync(null, elsewhere);
        var camera = await world.ManagedAsync(site, known);

        var (run, sightings) = await RunAsync(world, site);

        Assert.Equal(2, run.Mismatched);
        Assert.All(sightings, s => Assert.Equal(SightingOutcome.SubnetMismatch, s.Outcome));
        Assert.Contains(DiscoveryFindings.SubnetMismatch, (await ReloadAsync(world, camera.Id)).FindingCodes);
        await using var db = world.Db();
        var created = await db.Cameras.AsNoTracking().SingleAsync(c => c.SerialNumber == stranger.Serial, Ct);
        Assert.Equal(CameraLifecycle.Discovered, created.Lifecycle);
        Assert.Contains(DiscoveryFindings.SubnetMismatch, created.FindingCodes);

        // Adding the subnet to the site resolves it.
        var row = await db.Sites.SingleAsync(s => s.Id == site.Id, Ct);
        row.Subnets = [.. row.Subnets, IPNetwork.Parse(world.Subnet)];
        await db.SaveChangesAsync(Ct);
        var (_, after) = await RunAsync(world, site);
        Assert.All(after, s => Assert.Equal(SightingOutcome.Known, s.Outcome));
        Assert.Empty((await ReloadAsync(world, camera.Id)).FindingCodes);
    }

    [Fact]
    public async Task A_camera_not_seen_for_the_sites_number_of_runs_is_missing_and_returns_when_seen()
    {
        await using var world = await InventoryWorld.StartAsync(_database, Ct);
        var device = world.Fleet.AddDevice(new DeviceSpec());
        var site = await world.SiteAsync(s => s.MissingAfterRuns = 2);
        var camera = await world.ManagedAsync(site, device);
        device.Faults.Offline = true;

        var (first, _) = await RunAsync(world, site);
        Assert.Equal(0, first.Missing);
        Assert.Equal(1, (await ReloadAsync(world, camera.Id)).MissedDiscoveryRuns);
        Assert.Empty(await FindingsAsync(world, camera.Id));

        var (second, _) = await RunAsync(world, site);
        Assert.Equal(1, second.Missing);
        var row = await ReloadAsync(world, camera.Id);
        Assert.Equal(2, row.MissedDiscoveryRuns);
        Assert.Equal([DiscoveryFindings.Missing], row.FindingCodes);
        Assert.Single(await EventsAsync(world, camera.Id), e => e.Kind == CameraEventKinds.Missing);

        var (third, _) = await RunAsync(world, site);
        Assert.Equal(1, third.Missing);
        Assert.Single(await EventsAsync(world, camera.Id), e => e.Kind == CameraEventKinds.Missing);

        device.Faults.Offline = false;
        await InventoryWorld.EventuallyAsync(() => device.IsListening, "online", Ct);
        var (back, sightings) = await RunAsync(world, site);
        Assert.Equal(0, back.Missing);
        Assert.Equal(SightingOutcome.Known, Assert.Single(sightings).Outcome);
        row = await ReloadAsync(world, camera.Id);
        Assert.Equal(0, row.MissedDiscoveryRuns);
        Assert.Empty(row.FindingCodes);
        Assert.Empty(await FindingsAsync(world, camera.Id));
        Assert.Single(await EventsAsync(world, camera.Id), e => e.Kind == CameraEventKinds.Returned);
    }

    [Fact]
    public async Task Devices_of_another_site_or_tenant_are_foreign_and_never_changed_and_ignored_ones_stay_ignored()
    {
        await using var world = await InventoryWorld.StartAsync(_database, Ct);
        var theirs = world.Fleet.AddDevice(new DeviceSpec());
        var inTheirSubnet = world.Fleet.AddDevice(new DeviceSpec { Address = world.Address(150) });
        var ignored = world.Fleet.AddDevice(new DeviceSpec());
        var mine = await world.SiteAsync(null, world.Subnet);
        var other = await world.SiteAsync(null, $"{world.Address(128)}/25"); // another tenant, on the same segment
        await using (var db = world.Db())
        {
            var row = await db.Sites.SingleAsync(s => s.Id == mine.Id, Ct);
            row.Subnets = [IPNetwork.Parse($"{world.Address(0)}/25")];
            await db.SaveChangesAsync(Ct);
        }

        var theirCamera = await world.ManagedAsync(other, theirs, address: world.Address(99));
        var ignoredCamera = await world.ManagedAsync(mine, ignored, address: world.Address(98), configure: c => c.Lifecycle = CameraLifecycle.Ignored);

        var (_, sightings) = await RunAsync(world, mine);

        var foreign = sightings.Where(s => s.Outcome == SightingOutcome.ForeignSite).ToList();
        Assert.Equal(2, foreign.Count);
        Assert.All(foreign, s => Assert.Null(s.CameraId));
        Assert.Equal(world.Address(99), (await ReloadAsync(world, theirCamera.Id)).Address);
        Assert.Empty(await EventsAsync(world, theirCamera.Id));
        var ignoredRow = await ReloadAsync(world, ignoredCamera.Id);
        Assert.Equal(world.Address(98), ignoredRow.Address);
        Assert.Equal(CameraLifecycle.Ignored, ignoredRow.Lifecycle);
        await using var check = world.Db();
        Assert.False(await check.Cameras.AnyAsync(c => c.SerialNumber == inTheirSubnet.Serial, Ct));

        // A site without subnets claims no address: the other sites' devices on the segment stay theirs.
        var open = await world.SiteAsync(s => s.Subnets = []);
        var (_, fromOpen) = await RunAsync(world, open);
        Assert.Equal(3, fromOpen.Count);
        Assert.All(fromOpen, s => Assert.Equal(SightingOutcome.ForeignSite, s.Outcome));
        Assert.False(await check.Cameras.AnyAsync(c => c.SiteId == open.Id, Ct));
    }

    [Fact]
    public async Task One_run_per_site_at_a_time_and_a_stale_run_is_closed()
    {
        await using var world = await InventoryWorld.StartAsync(_database, Ct);
        var site = await world.SiteAsync();
        DiscoveryRun running;
        await using (var db = world.Db())
        {
            running = new DiscoveryRun { SiteId = site.Id, StartedAt = DateTimeOffset.UtcNow, TriggeredBy = "other node" };
            db.DiscoveryRuns.Add(running);
            await db.SaveChangesAsync(Ct);
        }

        var result = await world.Discovery.RunSiteAsync(site.Id, "test", Ct);
        Assert.Equal(running.Id, result.Id);
        Assert.Equal(DiscoveryRunStatus.Running, result.Status);

        await using (var db = world.Db())
        {
            var row = await db.DiscoveryRuns.SingleAsync(r => r.Id == running.Id, Ct);
            row.StartedAt = DateTimeOffset.UtcNow.AddHours(-2);
            await db.SaveChangesAsync(Ct);
        }

        var fresh = await world.Discovery.RunSiteAsync(site.Id, "test", Ct);
        Assert.NotEqual(running.Id, fresh.Id);
        Assert.Equal(DiscoveryRunStatus.Succeeded, fresh.Status);
        await using var check = world.Db();
        var stale = await check.DiscoveryRuns.AsNoTracking().SingleAsync(r => r.Id == running.Id, Ct);
        Assert.Equal(DiscoveryRunStatus.Failed, stale.Status);
        Assert.NotNull(stale.Error);
    }

    [Fact]
    public async Task Scan_now_needs_operate_in_scope_queues_a_job_and_is_audited()
    {
        await using var world = await InventoryWorld.StartAsync(_database, Ct);
        var site = await world.SiteAsync();
        var stranger = await world.SiteAsync();

        Assert.Equal(Common.ResultKind.Forbidden, (await world.Discovery.ScanNowAsync(InventoryWorld.Viewer(site), site.Id, Ct)).Kind);
        Assert.Equal(Common.ResultKind.NotFound, (await world.Discovery.ScanNowAsync(InventoryWorld.Operator(site), stranger.Id, Ct)).Kind);
        var ok = await world.Discovery.ScanNowAsync(InventoryWorld.Operator(site), site.Id, Ct);
        Assert.True(ok.Succeeded, ok.Message);

        var storage = world.Services.GetRequiredService<Hangfire.JobStorage>();
        var enqueued = storage.GetMonitoringApi().EnqueuedJobs(Jobs.FleetJobs.InteractiveQueue, 0, 50);
        Assert.Contains(enqueued, j => j.Value.Job.Type == typeof(SiteDiscoveryJob) && j.Value.Job.Args.Contains(site.Id));
        await using var db = world.Db();
        var audits = await db.AuditEntries.AsNoTracking().Where(e => e.Action == "discovery.scan" && e.SiteId == site.Id).ToListAsync(Ct);
        Assert.Equal(2, audits.Count); // the refusal and the success
    }
}
