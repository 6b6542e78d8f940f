using HikFleet.Core.Common;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Operations;
using HikFleet.Core.Tests.Discovery;
using HikFleet.Isapi;
using HikFleet.Testing;
using Microsoft.EntityFrameworkCore;

namespace HikFleet.Core.Tests.Operations;

/// <summary>Reboots and factory resets on PostgreSQL, through the real Hangfire runner, against the simulator over ISAPI and SADP.</summary>
public sealed class RebootAndResetTests(MigratedDatabase database) : IClassFixture<MigratedDatabase>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Reboot_GoesDownAndComesBackWithItsUptimeReset_AndIsAuditedStepByStep()
    {
        await using var world = await OperationWorld.StartAsync(database, Ct);
        var site = await world.SiteAsync();
        var (device, camera) = await world.ManagedDeviceAsync(site, new() { UptimeSeconds = 86_400 });
        var boots = device.RebootCount;

        var started = await world.Operations().StartAsync(InventoryWorld.Operator(site), camera.Id, new OperationRequest(OperationKind.Reboot, "Image frozen"), Ct);
        Assert.True(started.Succeeded, started.Message);
        var op = await world.FinishedAsync(started.Id!.Value, Ct);

        Assert.True(op.State == OperationState.Succeeded, OperationWorld.Describe(op));
        Assert.Equal(["preflight", "reboot", "wait-down", "wait-up"], op.Steps.Select(s => s.Name));
        Assert.All(op.Steps, s => Assert.Equal(OperationStepState.Succeeded, s.State));
        Assert.All(op.Steps, s => Assert.True(s.StartedAt <= s.FinishedAt));
        Assert.Equal(boots + 1, device.RebootCount);
        Assert.True(device.Uptime < TimeSpan.FromMinutes(1), $"uptime after the reboot: {device.Uptime}");

        await using var db = world.Db();
        var trail = await db.AuditEntries.AsNoTracking().Where(e => e.CorrelationId == op.Id.ToString("D")).OrderBy(e => e.Id).ToListAsync(Ct);
        Assert.Equal(["camera.reboot.request", "camera.reboot.step", "camera.reboot.step", "camera.reboot.step", "camera.reboot.step", "camera.reboot.finish"],
            trail.Select(e => e.Action));
        Assert.Equal("Image frozen", trail[0].Reason);
        Assert.DoesNotContain(OperationWorld.Password, await world.EverythingWrittenAsync());
    }

    [Theory]
    [InlineData(FactoryResetMode.Basic)]
    [InlineData(FactoryResetMode.Full)]
    public async Task FactoryReset_EndsAtTheOriginalAddress_WithTheSameCredentials_AndTheSameSettings(FactoryResetMode mode)
    {
        await using var world = await OperationWorld.StartAsync(database, Ct);
        var site = await world.SiteAsync();
        var (device, camera) = await world.ManagedDeviceAsync(site);
        var address = device.Address;
        var before = await CustomiseAsync(world, device);

        var request = new OperationRequest(OperationKind.FactoryReset, "Camera misbehaves after a firmware glitch", mode, Confirmation: device.Serial);
        var started = await world.Operations().StartAsync(InventoryWorld.Operator(site), camera.Id, request, Ct);
        Assert.True(started.Succeeded, started.Message);
        var op = await world.FinishedAsync(started.Id!.Value, Ct);

        Assert.True(op.State == OperationState.Succeeded, OperationWorld.Describe(op));
        Assert.Equal(1, device.FactoryResetCount);
        Assert.Equal(address, device.Address);
        Assert.True(device.Activated);
        Assert.Equal(OperationWorld.Password, device.AdminPassword);
        using var client = world.Client(device);
        var after = await DeviceSettingsIo.ReadAsync(client, Ct);
        var drift = DeviceSettings.Compare(before, after);
        Assert.True(drift.Count == 0, string.Join("; ", drift));
        Assert.Equal("[]", op.Drift);
        Assert.Contains("every setting matches", op.Summary);

        await using var db = world.Db();
        var backup = await db.ConfigurationBackups.AsNoTracking().SingleAsync(b => b.CameraId == camera.Id, Ct);
        Assert.NotNull(backup.DeviceExport);
        Assert.Equal(DeviceSettings.Sha256(backup.Snapshot), backup.SnapshotSha256);
        Assert.DoesNotContain(OperationWorld.Password, backup.Snapshot);
        Assert.DoesNotContain(OperationWorld.Password, await world.EverythingWrittenAsync());
    }

    [Fact]
    public async Task WhenTheDeviceRefusesItsOwnExport_TheSnapshotIsWrittenBackField_ByField()
    {
        await using var world = await OperationWorld.StartAsync(database, Ct);
        var site = await world.SiteAsync();
        var (device, camera) = await world.ManagedDeviceAsync(site);
        var before = await CustomiseAsync(world, device, "Back gate");
        device.Faults.RefuseConfigurationImport = true;

        var started = await world.Operations().StartAsync(InventoryWorld.Operator(site), camera.Id,
            new OperationRequest(OperationKind.FactoryReset, "Settings corrupted", FactoryResetMode.Basic, Confirmation: device.Serial), Ct);
        var op = await world.FinishedAsync(started.Id!.Value, Ct);

        Assert.True(op.State == OperationState.Succeeded, OperationWorld.Describe(op));
        Assert.Contains("refused its own export", op.Steps.Single(s => s.Name == "restore-config").Detail);
        using var client = world.Client(device);
        var drift = DeviceSettings.Compare(before, await DeviceSettingsIo.ReadAsync(client, Ct));
        Assert.True(drift.Count == 0, string.Join("; ", drift));
        Assert.Equal("[]", op.Drift);
    }

    [Fact]
    public async Task ThreeCamerasFullyResetAtOnce_CollideOnTheFactoryAddress_AndAreAllRestored()
    {
        await using var world = await OperationWorld.StartAsync(database, Ct);
        var site = await world.SiteAsync();
        var cameras = new List<(Simulator.VirtualDevice Device, Camera Camera, System.Net.IPAddress Address, DeviceSettings Before)>();
        for (var i = 0; i < 3; i++)
        {
            var (device, camera) = await world.ManagedDeviceAsync(site);
            cameras.Add((device, camera, device.Address, await CustomiseAsync(world, device, $"Gate {i}")));
        }

        var admin = OperationWorld.Admin(site);
        var ids = new List<Guid>();
        foreach (var (device, camera, _, _) in cameras)
        {
            var r = await world.Operations().StartAsync(admin, camera.Id,
                new OperationRequest(OperationKind.FactoryReset, "Decommissioned installer settings", FactoryResetMode.Full, Confirmation: device.Serial), Ct);
            Assert.True(r.Succeeded, r.Message);
            ids.Add(r.Id!.Value);
        }

        // All three sit inactive at the same factory address at some point: SADP by MAC tells them apart.
        await InventoryWorld.EventuallyAsync(() => cameras.Count(c => c.Device.Address.Equals(world.FactoryAddress)) >= 2, "two devices on the factory address", Ct, 20_000);
        foreach (var (id, (device, _, address, before)) in ids.Zip(cameras))
        {
            var op = await world.FinishedAsync(id, Ct, 90);
            Assert.True(op.State == OperationState.Succeeded, OperationWorld.Describe(op));
            Assert.Equal(address, device.Address);
            Assert.Equal(OperationWorld.Password, device.AdminPassword);
            using var client = world.Client(device);
            var drift = DeviceSettings.Compare(before, await DeviceSettingsIo.ReadAsync(client, Ct));
            Assert.True(drift.Count == 0, string.Join("; ", drift));
        }
    }

    [Fact]
    public async Task GuardRails_FourthRebootWithinTheHourIsRefused_AndADoubleClickStartsOneOperation()
    {
        await using var world = await OperationWorld.StartAsync(database, Ct);
        var site = await world.SiteAsync();
        var (_, camera) = await world.ManagedDeviceAsync(site);
        var op = InventoryWorld.Operator(site);
        var service = world.Operations();

        // A double click: the same request key twice at once gives one operation.
        var key = Guid.NewGuid().ToString("N");
        var clicks = await Task.WhenAll(
            service.StartAsync(op, camera.Id, new OperationRequest(OperationKind.Reboot, "Frozen", RequestKey: key), Ct),
            service.StartAsync(op, camera.Id, new OperationRequest(OperationKind.Reboot, "Frozen", RequestKey: key), Ct));
        Assert.All(clicks, c => Assert.True(c.Succeeded, c.Message));
        Assert.Equal(clicks[0].Id, clicks[1].Id);

        // A second, different request while one is active: refused by the database's one-active-operation rule.
        var second = await service.StartAsync(op, camera.Id, new OperationRequest(OperationKind.Reboot, "Again"), Ct);
        Assert.Equal(ResultKind.Conflict, second.Kind);
        Assert.Contains("already has an active Reboot", second.Message);
        await world.FinishedAsync(clicks[0].Id!.Value, Ct);

        for (var i = 0; i < 2; i++)
        {
            var r = await service.StartAsync(op, camera.Id, new OperationRequest(OperationKind.Reboot, $"Reboot {i + 2}"), Ct);
            Assert.True(r.Succeeded, r.Message);
            Assert.Equal(OperationState.Succeeded, (await world.FinishedAsync(r.Id!.Value, Ct)).State);
        }

        var fourth = await service.StartAsync(op, camera.Id, new OperationRequest(OperationKind.Reboot, "Reboot 4"), Ct);
        Assert.Equal(ResultKind.Conflict, fourth.Kind);
        Assert.Contains("at most 3 per rolling hour", fourth.Message);

        // Other guard rails: a reason is required, a reset needs the typed serial, only administrators skip the backup.
        Assert.Equal(ResultKind.Invalid, (await service.StartAsync(op, camera.Id, new OperationRequest(OperationKind.Backup, " "), Ct)).Kind);
        var noConfirm = await service.StartAsync(op, camera.Id, new OperationRequest(OperationKind.FactoryReset, "x", FactoryResetMode.Basic, Confirmation: "yes"), Ct);
        Assert.Equal(ResultKind.Invalid, noConfirm.Kind);
        var overrideByOperator = await service.StartAsync(op, camera.Id,
            new OperationRequest(OperationKind.FactoryReset, "x", FactoryResetMode.Basic, BackupOverride: true, Confirmation: camera.SerialNumber), Ct);
        Assert.Equal(ResultKind.Forbidden, overrideByOperator.Kind);
        var viewer = await service.StartAsync(InventoryWorld.Viewer(site), camera.Id, new OperationRequest(OperationKind.Backup, "x"), Ct);
        Assert.Equal(ResultKind.Forbidden, viewer.Kind);

        await using var db = world.Db();
        Assert.Equal(3, await db.Operations.CountAsync(o => o.CameraId == camera.Id, Ct));
        Assert.True(await db.AuditEntries.AnyAsync(e => e.Action == "camera.reboot.request" && e.CameraId == camera.Id && e.ResultDetail!.Contains("rolling hour"), Ct));
    }

    /// <summary>Gives the device settings that differ from factory values (over ISAPI) and returns them as read back.</summary>
    internal static async Task<DeviceSettings> CustomiseAsync(InventoryWorld world, Simulator.VirtualDevice device, string name = "Loading bay")
    {
        using var client = world.Client(device);
        var current = await DeviceSettingsIo.ReadAsync(client, Ct);
        var wanted = current with
        {
            DeviceName = name,
            OsdName = name + " OSD",
            Time = current.Time! with { TimeZone = "CST-1:00:00DST-2:00:00,M3.5.0/02:00:00,M10.5.0/03:00:00" },
            Ntp = [current.Ntp[0] with { Format = "hostname", Host = "ntp.example.internal", Address = null, IntervalMinutes = 30 }],
            Motion = current.Motion! with { Enabled = true, Sensitivity = 80 },
            CloudAccessEnabled = false,
        };
        var write = await DeviceSettingsIo.WriteAsync(client, wanted, current, Ct);
        Assert.Empty(write.Problems);
        await client.CreateUserAsync("nightshift", "Night#Shift-4471", "Operator", Ct);
        return await DeviceSettingsIo.ReadAsync(client, Ct);
    }
}
