// The simulator's own Program would clash with the web app's (WebApplicationFactory<Program>): it comes in under an alias.
extern alias simulator;

using System.Diagnostics;
using System.Net;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Vault;
using HikFleet.Testing;
using Microsoft.EntityFrameworkCore;
using simulator::HikFleet.Simulator;

namespace HikFleet.Web.Tests;

/// <summary>
/// <c>demo seed</c> while the app runs (the README's run command seeds after the app started): the app's discovery may have
/// found a demo device first. The seed takes that row over instead of inserting a second camera with the same MAC (a CI run
/// met 23505 on <c>ix_cameras_mac_address</c> there).
/// </summary>
public sealed class DemoSeedDiscoveredRowTests(MigratedDatabase database) : IClassFixture<MigratedDatabase>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_device_discovery_found_first_is_taken_over_not_inserted_again()
    {
        await using var demo = await DemoSeedRun.StartFleetAsync(Ct);
        var (fleet, control) = (demo.Fleet, demo.Control);
        var bySerial = fleet.Devices[0];
        var byMac = fleet.Devices[1];

        // Two rows discovery made before the seed: one found with its serial, one whose serial it could not read (MAC only).
        Guid serialRow, macRow;
        await using (var db = database.CreateContext())
        {
            var lab = await TestFleet.CreateSiteAsync(db, "Discovery lab");
            var first = TestFleet.NewCamera(lab.Id, serial: bySerial.Serial, address: bySerial.Address.ToString());
            first.Lifecycle = CameraLifecycle.Discovered;
            var second = TestFleet.NewCamera(lab.Id, serial: "UNKNOWN-SERIAL", mac: byMac.Mac, address: byMac.Address.ToString());
            second.Lifecycle = CameraLifecycle.Discovered;
            db.Cameras.AddRange(first, second);
            await db.SaveChangesAsync(Ct);
            (serialRow, macRow) = (first.Id, second.Id);
        }

        var keys = VaultKeyRing.NewKeyLine();
        var (exit, err, _) = await DemoSeedRun.SeedAsync(database.ConnectionString, keys, Ct, "--devices", $"{control}/devices");
        Assert.True(exit == 0, err);
        Assert.Contains("12 managed cameras", err);

        await using var check = database.CreateContext();
        var demoSites = await check.Sites.AsNoTracking().Where(s => s.Tenant!.Name == "Northwind Security" || s.Tenant.Name == "Contoso Retail"
            || s.Tenant.Name == "Fabrikam Logistics").Select(s => s.Id).ToListAsync(Ct);
        var cameras = await check.Cameras.AsNoTracking().Where(c => demoSites.Contains(c.SiteId)).ToListAsync(Ct);
        Assert.Equal(12, cameras.Count);
        Assert.All(cameras, c => Assert.Equal(CameraLifecycle.Managed, c.Lifecycle));
        // The discovered rows became the demo cameras (same ids, moved into a demo site), and no second row exists for either.
        Assert.Contains(cameras, c => c.Id == serialRow && c.Address!.ToString() == bySerial.Address.ToString());
        Assert.Contains(cameras, c => c.Id == macRow && c.Address!.ToString() == byMac.Address.ToString());
        Assert.Equal(1, await check.Cameras.CountAsync(c => c.SerialNumber == bySerial.Serial, Ct));
        Assert.Equal(1, await check.Cameras.CountAsync(c => c.MacAddress == byMac.Mac, Ct));
        // And they are watched like the others: their passwords are sealed in the vault.
        var vault = new CredentialVault(VaultKeyRing.Parse(keys), database.ContextFactory,
            new Core.Audit.AuditLog(database.ContextFactory, TimeProvider.System), TimeProvider.System);
        Assert.Equal(bySerial.AdminPassword, (await vault.GetForCameraAsync(check, serialRow, Ct))!.Password);
        Assert.Equal(byMac.AdminPassword, (await vault.GetForCameraAsync(check, macRow, Ct))!.Password);
    }
}
