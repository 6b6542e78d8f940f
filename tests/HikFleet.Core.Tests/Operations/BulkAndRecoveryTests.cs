using HikFleet.Core.Data.Entities;
using HikFleet.Core.Operations;
using HikFleet.Core.Tests.Discovery;
using HikFleet.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace HikFleet.Core.Tests.Operations;

/// <summary>Bulk runs (stagger, halt), failure with a clear reason, retry from the failed step, cancel, the maintenance window.</summary>
public sealed class BulkAndRecoveryTests(MigratedDatabase database) : IClassFixture<MigratedDatabase>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task BulkReboot_IsStaggeredPerSite_AndHaltsWhenACameraFails()
    {
        await using var world = await OperationWorld.StartAsync(database, Ct);
        var site = await world.SiteAsync(s => s.BulkConcurrency = 1);
        var cameras = new List<Camera>();
        for (var i = 0; i < 3; i++) cameras.Add((await world.ManagedDeviceAsync(site)).Camera);

        var bulk = await world.Operations().StartBulkAsync(InventoryWorld.Operator(site), cameras.Select(c => c.Id).ToList(),
            new OperationRequest(OperationKind.Reboot, "Monthly maintenance reboot"), Ct);
        Assert.Equal(3, bulk.Started);
        var ops = new List<Operation>();
        foreach (var item in bulk.Items) ops.Add(await world.FinishedAsync(item.OperationId!.Value, Ct, 90));
        Assert.All(ops, o => Assert.True(o.State == OperationState.Succeeded, OperationWorld.Describe(o)));
        // One camera of the site at a time: no two runs overlap.
        var runs = ops.Select(o => (Start: o.Steps[0].StartedAt!.Value, End: o.FinishedAt!.Value)).OrderBy(r => r.Start).ToList();
        for (var i = 1; i < runs.Count; i++) Assert.True(runs[i].Start >= runs[i - 1].End, $"run {i} started before run {i - 1} ended");

        // A second batch where the first camera is dead: it fails (its preflight times out) and the rest of the batch is halted.
        await using var world2 = await OperationWorld.StartAsync(database, Ct, settings: new() { ["Fleet:Operations:StepTimeout"] = "00:00:02" });
        var site2 = await world2.SiteAsync(s => s.BulkConcurrency = 1);
        var dead = await world2.ManagedDeviceAsync(site2, new Simulator.DeviceSpec { Faults = new() { Offline = true } });
        var others = new[] { (await world2.ManagedDeviceAsync(site2)).Camera, (await world2.ManagedDeviceAsync(site2)).Camera };
        var second = await world2.Operations().StartBulkAsync(InventoryWorld.Operator(site2), [dead.Camera.Id, .. others.Select(c => c.Id)],
            new OperationRequest(OperationKind.Reboot, "Monthly maintenance reboot"), Ct);
        var failed = await world2.FinishedAsync(second.Items[0].OperationId!.Value, Ct);
        Assert.Equal(OperationState.Failed, failed.State);
        Assert.Contains("Check the camera", failed.Summary);
        var all = new List<Operation> { failed };
        foreach (var item in second.Items.Skip(1)) all.Add(await world2.FinishedAsync(item.OperationId!.Value, Ct));
        var story = string.Join("\n", all.Select(o => $"{o.CreatedAt:HH:mm:ss.ffffff} started {o.StartedAt:HH:mm:ss.fff} finished {o.FinishedAt:HH:mm:ss.fff} " + OperationWorld.Describe(o)));
        foreach (var halted in all.Skip(1))
        {
            Assert.True(halted.State == OperationState.Cancelled, story);
            Assert.Contains("Halted", halted.Summary);
            Assert.All(halted.Steps, s => Assert.Equal(0, s.Attempts));
        }
    }

    [Fact]
    public async Task TheScheduledHealthSweep_LeavesACameraUnderAnOperationAlone()
    {
        await using var world = await InventoryWorld.StartAsync(database, Ct);
        var site = await world.SiteAsync();
        var (_, busy) = await world.ManagedDeviceAsync(site);
        var (_, idle) = await world.ManagedDeviceAsync(site);
        await using (var db = world.Db())
        {
            db.Operations.Add(new Operation
            {
                Kind = OperationKind.Reboot, TenantId = site.TenantId, SiteId = site.Id, CameraId = busy.Id, State = OperationState.Waiting,
                Reason = "Rebooting", RequestedById = "test", RequestedByName = "test", StartedAt = DateTimeOffset.UtcNow,
            });
            await db.SaveChangesAsync(Ct);
        }

        var sweep = await world.Services.GetRequiredService<HikFleet.Core.Health.HealthCheckService>().RunSiteAsync(site.Id, Ct);
        Assert.Equal(1, sweep.Checked);
        await using var check = world.Db();
        Assert.Equal(HealthState.Unknown, (await check.Cameras.AsNoTracking().SingleAsync(c => c.Id == busy.Id, Ct)).Health);
        Assert.Equal(HealthState.Healthy, (await check.Cameras.AsNoTracking().SingleAsync(c => c.Id == idle.Id, Ct)).Health);
    }

    [Fact]
    public async Task AFailedOperation_SaysWhy_AndRetriesFromTheFailedStep()
    {
        await using var world = await OperationWorld.StartAsync(database, Ct, settings: new() { ["Fleet:Operations:DownTimeout"] = "00:00:03" });
        var site = await world.SiteAsync();
        var (device, camera) = await world.ManagedDeviceAsync(site);
        var op = InventoryWorld.Operator(site);

        // The camera takes the reboot command but never restarts (a hung firmware): wait-down fails with a clear reason.
        device.Faults.IgnoreReboot = true;
        var started = await world.Operations().StartAsync(op, camera.Id, new OperationRequest(OperationKind.Reboot, "Frozen image"), Ct);
        var failed = await world.FinishedAsync(started.Id!.Value, Ct);
        Assert.Equal(OperationState.Failed, failed.State);
        Assert.Equal("wait-down", failed.Steps[failed.CurrentStep].Name);
        Assert.Contains("no result within", failed.Summary);

        device.Faults.IgnoreReboot = false;
        await device.RebootAsync(); // someone power-cycled it meanwhile
        var retried = await world.Operations().RetryAsync(op, failed.Id, Ct);
        Assert.True(retried.Succeeded, retried.Message);
        var done = await world.FinishedAsync(failed.Id, Ct);
        Assert.True(done.State == OperationState.Succeeded, OperationWorld.Describe(done));
        Assert.Equal(1, done.Steps.Single(s => s.Name == "reboot").Attempts); // the earlier steps were not run again

        await using var db = world.Db();
        Assert.True(await db.AuditEntries.AnyAsync(e => e.Action == "camera.reboot.retry" && e.CorrelationId == failed.Id.ToString("D"), Ct));
    }

    [Fact]
    public async Task OutsideTheMaintenanceWindow_AnOperationWaits_AndCanBeCancelled()
    {
        await using var world = await OperationWorld.StartAsync(database, Ct);
        var now = TimeOnly.FromDateTime(DateTime.UtcNow);
        var site = await world.SiteAsync(s =>
        {
            s.TimeZone = "Etc/UTC";
            s.MaintenanceStart = now.AddHours(2);
            s.MaintenanceEnd = now.AddHours(3);
        });
        var (device, camera) = await world.ManagedDeviceAsync(site);
        var boots = device.RebootCount;
        var started = await world.Operations().StartAsync(InventoryWorld.Operator(site), camera.Id, new OperationRequest(OperationKind.Reboot, "Planned"), Ct);

        await using var db = world.Db();
        await InventoryWorld.EventuallyAsync(() => db.Operations.AsNoTracking().Single(o => o.Id == started.Id).Summary?.Contains("maintenance window") == true,
            "the operation waiting for the window", Ct);
        var waiting = await db.Operations.AsNoTracking().SingleAsync(o => o.Id == started.Id, Ct);
        Assert.Equal(OperationState.Queued, waiting.State);
        Assert.True(waiting.NextRunAt > DateTimeOffset.UtcNow.AddMinutes(100));

        var cancelled = await world.Operations().CancelAsync(InventoryWorld.Operator(site), waiting.Id, Ct);
        Assert.True(cancelled.Succeeded, cancelled.Message);
        var over = await world.FinishedAsync(waiting.Id, Ct);
        Assert.Equal(OperationState.Cancelled, over.State);
        Assert.Equal(boots, device.RebootCount);
    }
}
