using HikFleet.Core.Common;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Operations;
using HikFleet.Core.Tests.Discovery;
using HikFleet.Testing;
using Microsoft.EntityFrameworkCore;

namespace HikFleet.Core.Tests.Operations;

/// <summary>A camera reset by hand on site (the paperclip) is recognised by discovery and brought back from its backup.</summary>
public sealed class ReprovisionTests(MigratedDatabase database) : IClassFixture<MigratedDatabase>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ACameraResetByHand_IsRecoveredAutomatically_WhereTheSitePolicyAllows()
    {
        await using var world = await OperationWorld.StartAsync(database, Ct);
        var site = await world.SiteAsync(s => s.ReprovisionPolicy = ReprovisionPolicy.Automatic);
        var (device, camera) = await world.ManagedDeviceAsync(site);
        var address = device.Address;
        var before = await RebootAndResetTests.CustomiseAsync(world, device, "Car park");
        var backup = await world.Operations().StartAsync(InventoryWorld.Operator(site), camera.Id, new OperationRequest(OperationKind.Backup, "Weekly backup"), Ct);
        Assert.Equal(OperationState.Succeeded, (await world.FinishedAsync(backup.Id!.Value, Ct)).State);

        device.PressResetButton();
        await InventoryWorld.EventuallyAsync(() => device.Online && !device.Activated, "the device back up, inactive", Ct, 20_000);
        await world.Discovery.RunSiteAsync(site.Id, "test", Ct);

        await using var db = world.Db();
        var op = await db.Operations.AsNoTracking().SingleAsync(o => o.CameraId == camera.Id && o.Kind == OperationKind.Reprovision, Ct);
        Assert.Equal("Discovery", op.RequestedByName);
        var done = await world.FinishedAsync(op.Id, Ct, 90);
        Assert.True(done.State == OperationState.Succeeded, OperationWorld.Describe(done));
        Assert.Equal(address, device.Address);
        Assert.Equal(OperationWorld.Password, device.AdminPassword);
        using var client = world.Client(device);
        var drift = DeviceSettings.Compare(before, await DeviceSettingsIo.ReadAsync(client, Ct));
        Assert.True(drift.Count == 0, string.Join("; ", drift));

        // The next discovery run sees it activated again: no second reprovisioning.
        await world.Discovery.RunSiteAsync(site.Id, "test", Ct);
        Assert.Equal(1, await db.Operations.CountAsync(o => o.CameraId == camera.Id && o.Kind == OperationKind.Reprovision, Ct));
    }

    [Fact]
    public async Task UnderTheApprovalPolicy_NothingIsSentUntilAPersonApproves()
    {
        await using var world = await OperationWorld.StartAsync(database, Ct);
        var site = await world.SiteAsync(s => s.ReprovisionPolicy = ReprovisionPolicy.AfterApproval);
        var (device, camera) = await world.ManagedDeviceAsync(site);
        var address = device.Address;
        device.PressResetButton();
        await InventoryWorld.EventuallyAsync(() => device.Online && !device.Activated, "the device back up, inactive", Ct, 20_000);
        await world.Discovery.RunSiteAsync(site.Id, "test", Ct);

        await using var db = world.Db();
        var op = await db.Operations.AsNoTracking().SingleAsync(o => o.CameraId == camera.Id, Ct);
        Assert.Equal(OperationState.AwaitingApproval, op.State);
        await Task.Delay(1500, Ct);
        Assert.False(device.Activated);
        Assert.Equal(OperationState.AwaitingApproval, (await db.Operations.AsNoTracking().SingleAsync(o => o.Id == op.Id, Ct)).State);

        Assert.Equal(ResultKind.Forbidden, (await world.Operations().ApproveAsync(InventoryWorld.Viewer(site), op.Id, Ct)).Kind);
        var approved = await world.Operations().ApproveAsync(InventoryWorld.Operator(site), op.Id, Ct);
        Assert.True(approved.Succeeded, approved.Message);
        var done = await world.FinishedAsync(op.Id, Ct, 90);
        // No backup was ever taken: it gets its address and password back, its settings stay factory values (said in the plan step).
        Assert.True(done.State == OperationState.Succeeded, OperationWorld.Describe(done));
        Assert.Contains("No backup of this camera", done.Steps[0].Detail);
        Assert.Equal(address, device.Address);
        Assert.Equal(OperationWorld.Password, device.AdminPassword);
        Assert.NotNull(done.ApprovedByName);
    }
}
