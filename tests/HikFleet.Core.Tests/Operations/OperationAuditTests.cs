using HikFleet.Core.Audit;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Operations;
using HikFleet.Core.Profiles;
using HikFleet.Core.Tests.Discovery;
using HikFleet.Isapi;
using HikFleet.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace HikFleet.Core.Tests.Operations;

/// <summary>
/// Issue #8's "each operation kind leaves complete entries, and no secret appears in any entry", for the operations engine: reboot,
/// backup, basic factory reset, reprovisioning (approved) and a profile push, each with its request, one entry per step carrying its
/// timing, and its finish, all correlated to the operation; the chain stays intact.
/// </summary>
public sealed class OperationAuditTests(MigratedDatabase database) : IClassFixture<MigratedDatabase>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EveryOperationKind_LeavesCompleteEntries_AndNoSecret()
    {
        var store = Directory.CreateTempSubdirectory("hikfleet-audit-firmware-");
        await using var world = await OperationWorld.StartAsync(database, Ct, o =>
            {
                o.UpgradeSeconds = 1;
                o.Control = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0);
            },
            new Dictionary<string, string?>(Poe.PoeWorld.FastPoe) { ["Fleet:Firmware:Directory"] = store.FullName });
        var site = await world.SiteAsync(s => s.ReprovisionPolicy = ReprovisionPolicy.AfterApproval);
        var op = InventoryWorld.Operator(site);
        var service = world.Operations();
        var ids = new List<Guid>();

        var (rebooted, rebootedCamera) = await world.ManagedDeviceAsync(site);
        ids.Add((await service.StartAsync(op, rebootedCamera.Id, new OperationRequest(OperationKind.Reboot, "Frozen image"), Ct)).Id!.Value);
        var (_, backedUp) = await world.ManagedDeviceAsync(site);
        ids.Add((await service.StartAsync(op, backedUp.Id, new OperationRequest(OperationKind.Backup, "Before the rewiring"), Ct)).Id!.Value);
        var (_, rotated) = await world.ManagedDeviceAsync(site);
        ids.Add((await service.StartAsync(op, rotated.Id, new OperationRequest(OperationKind.PasswordRotation, "Quarterly rotation"), Ct)).Id!.Value);
        var (resetDevice, reset) = await world.ManagedDeviceAsync(site);
        ids.Add((await service.StartAsync(op, reset.Id,
            new OperationRequest(OperationKind.FactoryReset, "Installer left a mess", FactoryResetMode.Basic, Confirmation: resetDevice.Serial), Ct)).Id!.Value);

        var (_, upgraded) = await world.ManagedDeviceAsync(site, new Simulator.DeviceSpec { Model = Simulator.DeviceCatalog.Dome4MP.Model });
        var image = await world.Services.GetRequiredService<HikFleet.Core.Firmware.FirmwareLibrary>().AddAsync(OperationWorld.Admin(site),
            new HikFleet.Core.Firmware.FirmwareUpload(site.TenantId, "digicap.dav", Models: ["DS-2CD2143G2-I"]),
            new MemoryStream(Simulator.FirmwareImage.Create("IPC_G5", "V5.7.20", "build 250101")), cancellationToken: Ct);
        ids.Add((await service.StartAsync(op, upgraded.Id, new OperationRequest(OperationKind.FirmwareUpgrade, "Fix CVE", FirmwareImageId: image.Id), Ct)).Id!.Value);

        // A power-cycle through a real SNMP agent modelling the camera's PoE switch (issue #14).
        var (powered, poweredCamera) = await world.ManagedDeviceAsync(site);
        await using var agent = await Testing.Snmp.PoeSwitchAgent.StartAsync(
            Testing.Snmp.PoeSwitchModel.ForCameras([(powered.Serial, powered.Mac)], world.Fleet.ControlUri), Ct);
        var poe = world.Services.GetRequiredService<HikFleet.Core.Poe.PoeService>();
        var sw = await poe.AddSwitchAsync(OperationWorld.Admin(site), new HikFleet.Core.Poe.PoeSwitchInput(site.Id, "sw", "127.0.0.1", agent.EndPoint.Port,
            SnmpVersion.V2c, Community: agent.Community), Ct);
        Assert.True((await poe.PollNowAsync(op, sw.Id!.Value, Ct)).Result.Succeeded);
        Assert.True((await poe.ConfirmMappingAsync(op, poweredCamera.Id, Ct)).Succeeded);
        ids.Add((await service.StartAsync(op, poweredCamera.Id, new OperationRequest(OperationKind.PowerCycle, "Frozen", OffSeconds: 1), Ct)).Id!.Value);

        var profiles = world.Services.GetRequiredService<ProfileService>();
        var (_, profiled) = await world.ManagedDeviceAsync(site);
        var created = await profiles.CreateAsync(HikFleet.Core.Security.FleetScope.System,
            new ProfileInput { TenantId = site.TenantId, Name = "Standard", Settings = new ProfileSettings { MotionEnabled = true, MotionSensitivity = 60 } }, Ct);
        Assert.True(created.Succeeded, created.Message);
        var pushed = await profiles.ApplyAsync(op, [profiled.Id], "Roll out the standard profile", Ct);
        ids.Add(pushed.Items.Single().OperationId!.Value);

        var (byHand, byHandCamera) = await world.ManagedDeviceAsync(site);
        byHand.PressResetButton();
        await InventoryWorld.EventuallyAsync(() => byHand.Online && !byHand.Activated, "the device back up, inactive", Ct, 20_000);
        await world.Discovery.RunSiteAsync(site.Id, "test", Ct);
        await using (var db = world.Db())
        {
            var reprovision = await db.Operations.AsNoTracking().SingleAsync(o => o.CameraId == byHandCamera.Id, Ct);
            Assert.True((await service.ApproveAsync(op, reprovision.Id, Ct)).Succeeded);
            ids.Add(reprovision.Id);
        }

        foreach (var id in ids)
        {
            var done = await world.FinishedAsync(id, Ct, 90);
            Assert.True(done.State == OperationState.Succeeded, OperationWorld.Describe(done));
        }

        await using var check = world.Db();
        var kinds = new HashSet<OperationKind>();
        foreach (var id in ids)
        {
            var operation = await check.Operations.AsNoTracking().Include(o => o.Steps).SingleAsync(o => o.Id == id, Ct);
            kinds.Add(operation.Kind);
            var verb = OperationAudit.Verb(operation.Kind);
            var entries = await check.AuditEntries.AsNoTracking().Where(e => e.CorrelationId == id.ToString("D")).OrderBy(e => e.Id).ToListAsync(Ct);
            var what = $"{operation.Kind}: {string.Join(", ", entries.Select(e => e.Action))}";

            // Request: who asked (a person, or discovery for reprovisioning), why, where.
            var request = entries.First();
            Assert.Equal($"camera.{verb}.request", request.Action);
            Assert.Equal(operation.Reason, request.Reason);
            Assert.Equal(operation.Kind == OperationKind.Reprovision ? "Discovery" : op.UserName, request.ActorName);
            // One entry per step, with its timing; approval and finish.
            var steps = entries.Where(e => e.Action == $"camera.{verb}.step").ToList();
            Assert.True(operation.Steps.Count == steps.Count, what);
            Assert.All(steps, e => Assert.Contains("\"StartedAt\"", e.Parameters));
            Assert.All(steps, e => Assert.Contains("\"seconds\"", e.Parameters));
            if (operation.Kind == OperationKind.Reprovision) Assert.Contains(entries, e => e.Action == "camera.reprovision.approve" && e.ActorName == op.UserName);
            var finish = entries.Last();
            Assert.Equal($"camera.{verb}.finish", finish.Action);
            Assert.Equal(AuditResult.Succeeded, finish.Result);
            Assert.All(entries, e =>
            {
                Assert.Equal(site.TenantId, e.TenantId);
                Assert.Equal(site.Id, e.SiteId);
                Assert.Equal(operation.CameraId, e.CameraId);
            });
        }

        Assert.Equal(Enum.GetValues<OperationKind>().Order(), kinds.Order());
        var written = await world.EverythingWrittenAsync();
        Assert.DoesNotContain(OperationWorld.Password, written);
        Assert.DoesNotContain(agent.Community, written);
        var chain = await world.Services.GetRequiredService<AuditVerifier>().VerifyAsync(Ct);
        Assert.True(chain.IsIntact, chain.Detail);
        store.Delete(recursive: true);
    }
}
