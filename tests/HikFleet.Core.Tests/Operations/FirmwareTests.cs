using HikFleet.Core.Common;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Firmware;
using HikFleet.Core.Health;
using HikFleet.Core.Operations;
using HikFleet.Core.Tests.Discovery;
using HikFleet.Simulator;
using HikFleet.Testing;
using Package = HikFleet.Simulator.FirmwareImage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace HikFleet.Core.Tests.Operations;

/// <summary>Firmware library, upgrade as an operation and staged rollouts (issue #10) against the simulator's real §2.7 upgrade.</summary>
public sealed class FirmwareTests(MigratedDatabase database) : IClassFixture<MigratedDatabase>, IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly string _store = Directory.CreateTempSubdirectory("hikfleet-firmware-").FullName;

    public void Dispose() => Directory.Delete(_store, recursive: true);

    private Task<InventoryWorld> StartAsync(Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?> { ["Fleet:Firmware:Directory"] = _store };
        foreach (var (k, v) in more ?? []) settings[k] = v;
        return OperationWorld.StartAsync(database, Ct, o => o.UpgradeSeconds = 1, settings);
    }

    private static DeviceSpec Dome(DeviceFaults? faults = null) => new() { Model = DeviceCatalog.Dome4MP.Model, Faults = faults };

    private static async Task<Guid> UploadAsync(InventoryWorld world, Site site, byte[] image, string fileName = "digicap.dav", params string[] models)
    {
        var result = await world.Services.GetRequiredService<FirmwareLibrary>().AddAsync(OperationWorld.Admin(site),
            new FirmwareUpload(site.TenantId, fileName, Models: models), new MemoryStream(image), cancellationToken: Ct);
        Assert.True(result.Succeeded, result.Message);
        return result.Id!.Value;
    }

    [Fact]
    public async Task TheLibrary_ReadsTheImage_HashesIt_AndStoresItOnce()
    {
        await using var world = await StartAsync();
        var site = await world.SiteAsync();
        var library = world.Services.GetRequiredService<FirmwareLibrary>();
        var bytes = Package.Create("IPC_G5", "V5.7.20", "build 250101", 300_000);

        var id = await UploadAsync(world, site, bytes, "digicap.dav", "DS-2CD2*G2*");
        var again = await UploadAsync(world, site, bytes, "copy.dav", "DS-2CD2*G2*");
        Assert.Equal(id, again);
        var image = Assert.Single(await library.ListAsync(OperationWorld.Admin(site), site.TenantId, Ct));
        Assert.Equal(("V5.7.20", "build 250101", "IPC_G5", 300_000L), (image.Version, image.Build, image.Platform, image.Size));
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), image.Sha256);
        Assert.Single(Directory.GetFiles(_store));

        // Nothing readable and nothing said: a clear refusal, and the file does not stay behind.
        var unknown = await library.AddAsync(OperationWorld.Admin(site), new FirmwareUpload(site.TenantId, "mystery.bin"), new MemoryStream(new byte[4096]), cancellationToken: Ct);
        Assert.Equal(ResultKind.Invalid, unknown.Kind);
        Assert.Contains("version", unknown.Errors.Keys);
        Assert.Contains("models", unknown.Errors.Keys);
        Assert.Single(Directory.GetFiles(_store));

        // Hikvision's release naming is read when the header is not; a pattern that matches anything is refused.
        var named = await library.AddAsync(OperationWorld.Admin(site), new FirmwareUpload(site.TenantId, "IPC_G5_EN_STD_V5.7.21_build250301.dav",
            Models: ["*"]), new MemoryStream(new byte[4096]), cancellationToken: Ct);
        Assert.Equal(ResultKind.Invalid, named.Kind);
        Assert.Contains("match almost any model", named.Message);
        Assert.DoesNotContain("version", named.Errors.Keys);

        // Only people who manage the tenant upload.
        var refused = await library.AddAsync(InventoryWorld.Operator(site), new FirmwareUpload(site.TenantId, "x.dav", Models: ["DS-2CD2143G2-I"]),
            new MemoryStream(bytes), cancellationToken: Ct);
        Assert.Equal(ResultKind.Forbidden, refused.Kind);

        // The fleet view: the camera's model and version (as its health check read them), outdated against the library's newer image.
        var (_, camera) = await world.ManagedDeviceAsync(site, Dome());
        await world.Services.GetRequiredService<HealthCheckService>().CheckCameraAsync(camera.Id, Ct);
        var rows = await library.FleetVersionsAsync(OperationWorld.Admin(site), site.TenantId, Ct);
        var row = Assert.Single(rows);
        Assert.Equal("DS-2CD2143G2-I", row.Model);
        Assert.True(row.Outdated, $"{row.Firmware} vs {row.Newest}");
        Assert.Equal("V5.7.20 build 250101", row.Newest);
        // Health knows the library too: the camera's outdated-firmware finding names the image's version.
        await using var db = world.Db();
        var finding = await db.CameraFindings.AsNoTracking().SingleAsync(f => f.CameraId == camera.Id && f.Code == HealthFindings.OutdatedFirmware, Ct);
        Assert.Contains("V5.7.20 build 250101", finding.Evidence);
    }

    [Fact]
    public async Task AnUpgrade_BacksUp_Uploads_Installs_AndVerifiesTheNewVersion()
    {
        await using var world = await StartAsync();
        var site = await world.SiteAsync();
        var (device, camera) = await world.ManagedDeviceAsync(site, Dome());
        var imageId = await UploadAsync(world, site, Package.Create("IPC_G5", "V5.7.20", "build 250101", 400_000), "digicap.dav", "DS-2CD2143G2-I");

        var started = await world.Operations().StartAsync(InventoryWorld.Operator(site), camera.Id,
            new OperationRequest(OperationKind.FirmwareUpgrade, "Quarterly firmware", FirmwareImageId: imageId), Ct);
        Assert.True(started.Succeeded, started.Message);
        var op = await world.FinishedAsync(started.Id!.Value, Ct, 90);
        Assert.True(op.State == OperationState.Succeeded, OperationWorld.Describe(op));
        Assert.Equal(["preflight", "check-image", "backup", "upload", "install", "wait-up", "verify", "health"], op.Steps.Select(s => s.Name));
        Assert.All(op.Steps, s => Assert.Equal(OperationStepState.Succeeded, s.State));
        Assert.Equal("V5.7.20", device.FirmwareVersion);
        Assert.Equal(1, device.FirmwareUploadCount);
        Assert.StartsWith("Upgraded from V5.7.3 build 220112 to V5.7.20 build 250101.", op.Summary);

        await using var db = world.Db();
        var row = await db.Cameras.AsNoTracking().SingleAsync(c => c.Id == camera.Id, Ct);
        Assert.Equal(("V5.7.20", "build 250101"), (row.FirmwareVersion, row.FirmwareBuild));
        Assert.Equal(1, await db.ConfigurationBackups.CountAsync(b => b.CameraId == camera.Id, Ct));
        // The restart was planned: the timeline says so, health will not call it unexpected.
        Assert.True(await db.CameraEvents.AnyAsync(e => e.CameraId == camera.Id && e.Kind == CameraEventKinds.PlannedRestart, Ct));

        // The same image again: nothing is installed, nothing is sent.
        var again = await world.Operations().StartAsync(InventoryWorld.Operator(site), camera.Id,
            new OperationRequest(OperationKind.FirmwareUpgrade, "Make sure", FirmwareImageId: imageId), Ct);
        var second = await world.FinishedAsync(again.Id!.Value, Ct, 60);
        Assert.True(second.State == OperationState.Succeeded, OperationWorld.Describe(second));
        Assert.Equal(1, device.FirmwareUploadCount);
        Assert.Contains("nothing installed", second.Summary);
    }

    [Fact]
    public async Task AWrongImage_IsRefusedBeforeAnythingIsSent()
    {
        await using var world = await StartAsync();
        var site = await world.SiteAsync();
        var (device, camera) = await world.ManagedDeviceAsync(site, Dome());
        // An image for another model: refused when asked, no operation at all.
        var other = await UploadAsync(world, site, Package.Create("IPC_R6", "V5.5.800", "build 210628"), "r6.dav", "DS-2CD2085FWD-I");
        var refused = await world.Operations().StartAsync(InventoryWorld.Operator(site), camera.Id,
            new OperationRequest(OperationKind.FirmwareUpgrade, "Wrong file", FirmwareImageId: other), Ct);
        Assert.Equal(ResultKind.Conflict, refused.Kind);
        Assert.Contains("refused before anything was sent", refused.Message);
        await using (var db = world.Db())
        {
            Assert.False(await db.Operations.AnyAsync(o => o.CameraId == camera.Id, Ct));
            Assert.True(await db.AuditEntries.AnyAsync(e => e.Action == "camera.firmware_upgrade.request" && e.Result == HikFleet.Core.Audit.AuditResult.Failed, Ct));
        }

        // The inventory believes the camera is a 2143 but the device at its address says it is a 2085 (swapped on site): the
        // operation checks the device's own answer and stops before the upload.
        var (swapped, swappedCamera) = await world.ManagedDeviceAsync(site, new DeviceSpec { Model = DeviceCatalog.Bullet8MPVulnerable.Model });
        var forDome = await UploadAsync(world, site, Package.Create("IPC_G5", "V5.7.20", "build 250101"), "g5.dav", "DS-2CD2143G2-I");
        var started = await world.Operations().StartAsync(InventoryWorld.Operator(site), swappedCamera.Id,
            new OperationRequest(OperationKind.FirmwareUpgrade, "Quarterly firmware", FirmwareImageId: forDome), Ct);
        Assert.True(started.Succeeded, started.Message);
        var op = await world.FinishedAsync(started.Id!.Value, Ct, 60);
        Assert.Equal(OperationState.Failed, op.State);
        Assert.Equal("check-image", op.Steps[op.CurrentStep].Name);
        Assert.Contains("not for DS-2CD2085FWD-I: refused before anything was sent", op.Summary);
        Assert.Equal(0, op.Steps.Single(s => s.Name == "upload").Attempts);
        Assert.Equal(0, swapped.FirmwareUploadCount);
        Assert.Equal(0, device.FirmwareUploadCount);
        Assert.Equal(DeviceCatalog.Bullet8MPVulnerable.FirmwareVersion, swapped.FirmwareVersion);
    }

    [Fact]
    public async Task AStagedRollout_HaltsWhenTheCanaryFails()
    {
        await using var world = await StartAsync();
        var site = await world.SiteAsync(s => s.BulkConcurrency = 2);
        var canary = await world.ManagedDeviceAsync(site, Dome(new DeviceFaults { UpgradeFails = true }));
        var rest = new List<(VirtualDevice Device, Camera Camera)>();
        for (var i = 0; i < 3; i++) rest.Add(await world.ManagedDeviceAsync(site, Dome()));
        var imageId = await UploadAsync(world, site, Package.Create("IPC_G5", "V5.7.20", "build 250101"), "digicap.dav", "DS-2CD2*G2*");

        var bulk = await world.Operations().StartBulkAsync(InventoryWorld.Operator(site), [canary.Camera.Id, .. rest.Select(r => r.Camera.Id)],
            new OperationRequest(OperationKind.FirmwareUpgrade, "Fix CVE", FirmwareImageId: imageId, Rollout: new RolloutPlan(1, 2, 0)), Ct);
        Assert.Equal(4, bulk.Started);
        Assert.Equal(["Queued (canary).", "Queued (wave 1).", "Queued (wave 1).", "Queued (wave 2)."], bulk.Items.Select(i => i.Message));

        var failed = await world.FinishedAsync(bulk.Items[0].OperationId!.Value, Ct, 90);
        Assert.True(failed.State == OperationState.Failed, OperationWorld.Describe(failed));
        Assert.Contains("the upgrade did not take", failed.Summary);
        Assert.Equal(DeviceCatalog.Dome4MP.FirmwareVersion, canary.Device.FirmwareVersion);
        foreach (var item in bulk.Items.Skip(1))
        {
            var halted = await world.FinishedAsync(item.OperationId!.Value, Ct, 30);
            Assert.True(halted.State == OperationState.Cancelled, OperationWorld.Describe(halted));
            Assert.Contains("Halted", halted.Summary);
            Assert.All(halted.Steps, s => Assert.Equal(0, s.Attempts));
        }

        Assert.All(rest, r => Assert.Equal(0, r.Device.FirmwareUploadCount));
        Assert.All(rest, r => Assert.Equal(DeviceCatalog.Dome4MP.FirmwareVersion, r.Device.FirmwareVersion));
    }

    [Fact]
    public async Task AStagedRollout_GoesWaveByWave_AndHaltsWhenAnUpgradedCameraTurnsUnhealthy()
    {
        await using var world = await StartAsync();
        var site = await world.SiteAsync(s => s.BulkConcurrency = 3);
        var devices = new List<(VirtualDevice Device, Camera Camera)>();
        for (var i = 0; i < 3; i++) devices.Add(await world.ManagedDeviceAsync(site, Dome()));
        var imageId = await UploadAsync(world, site, Package.Create("IPC_G5", "V5.7.20", "build 250101"), "digicap.dav", "DS-2CD2*G2*");

        var bulk = await world.Operations().StartBulkAsync(InventoryWorld.Operator(site), devices.Select(d => d.Camera.Id).ToList(),
            new OperationRequest(OperationKind.FirmwareUpgrade, "Fix CVE", FirmwareImageId: imageId, Rollout: new RolloutPlan(1, 2, 0)), Ct);
        Assert.True(bulk.Started == 3, string.Join(" / ", bulk.Items.Select(i => i.Message)));
        var ops = new List<Operation>();
        foreach (var item in bulk.Items) ops.Add(await world.FinishedAsync(item.OperationId!.Value, Ct, 120));
        Assert.All(ops, o => Assert.True(o.State == OperationState.Succeeded, OperationWorld.Describe(o)));
        // The wave started only after the canary finished; the two cameras of wave 1 ran side by side (site concurrency 3).
        Assert.All(ops.Skip(1), o => Assert.True(o.StartedAt >= ops[0].FinishedAt, $"{o.StartedAt:O} < {ops[0].FinishedAt:O}"));
        Assert.All(devices, d => Assert.Equal("V5.7.20", d.Device.FirmwareVersion));

        // Second rollout, watched for a while after the canary: the canary dies meanwhile, the health check sees it, the wave halts.
        var site2 = await world.SiteAsync(s => s.BulkConcurrency = 3);
        var canary = await world.ManagedDeviceAsync(site2, Dome());
        var next = await world.ManagedDeviceAsync(site2, Dome());
        // Each tenant has its own library: the first tenant's image is not offered to the second.
        var foreign = await world.Operations().StartAsync(InventoryWorld.Operator(site2), canary.Camera.Id,
            new OperationRequest(OperationKind.FirmwareUpgrade, "Fix CVE", FirmwareImageId: imageId), Ct);
        Assert.Equal(ResultKind.Invalid, foreign.Kind);
        var image2 = await UploadAsync(world, site2, Package.Create("IPC_G5", "V5.7.20", "build 250101"), "digicap.dav", "DS-2CD2*G2*");
        var second = await world.Operations().StartBulkAsync(InventoryWorld.Operator(site2), [canary.Camera.Id, next.Camera.Id],
            new OperationRequest(OperationKind.FirmwareUpgrade, "Fix CVE", FirmwareImageId: image2, Rollout: new RolloutPlan(1, 5, 0.25)), Ct);
        Assert.True(second.Started == 2, string.Join(" / ", second.Items.Select(i => i.Message)));
        var canaryOp = await world.FinishedAsync(second.Items[0].OperationId!.Value, Ct, 90);
        Assert.True(canaryOp.State == OperationState.Succeeded, OperationWorld.Describe(canaryOp));
        canary.Device.Faults.Offline = true;
        await world.Services.GetRequiredService<HealthCheckService>().CheckCameraAsync(canary.Camera.Id, Ct);
        var halted = await world.FinishedAsync(second.Items[1].OperationId!.Value, Ct, 60);
        Assert.True(halted.State == OperationState.Cancelled, OperationWorld.Describe(halted));
        Assert.Contains("is Offline", halted.Summary);
        Assert.Equal(0, next.Device.FirmwareUploadCount);
    }
}
