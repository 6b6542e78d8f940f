// The simulator's own Program would clash with the web app's (WebApplicationFactory<Program>): it comes in under an alias.
extern alias simulator;

using System.Diagnostics;
using System.Net;
using HikFleet.Core.Vault;
using HikFleet.Testing;
using Microsoft.EntityFrameworkCore;
using simulator::HikFleet.Simulator;

namespace HikFleet.Web.Tests;

/// <summary>The run command's <c>demo seed</c> verb against a real simulator's control API (issue #12): 3 tenants × 2 sites, idempotent, loopback only.</summary>
public sealed class DemoSeedTests(MigratedDatabase database) : IClassFixture<MigratedDatabase>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<(int Exit, string Err, string Out)> SeedAsync(string devices, string keys) =>
        DemoSeedRun.SeedAsync(database.ConnectionString, keys, Ct, "--devices", devices);

    [Fact]
    public async Task The_simulated_fleet_is_wired_into_three_tenants_with_two_sites_each_once()
    {
        await using var demo = await DemoSeedRun.StartFleetAsync(Ct);
        var (fleet, control) = (demo.Fleet, demo.Control);
        var keys = VaultKeyRing.NewKeyLine();
        var url = $"{control}/devices";

        Assert.Equal(2, (await SeedAsync("http://192.0.2.1:18999/devices", keys)).Exit); // never anything but loopback
        var (exit, err, _) = await SeedAsync(url, keys);
        Assert.True(exit == 0, err);
        Assert.Contains("3 tenants, 6 sites, 12 managed cameras", err);

        await using (var db = database.CreateContext())
        {
            var sites = await db.Sites.AsNoTracking().Include(s => s.Tenant).Where(s => s.Tenant!.Name == "Northwind Security" || s.Tenant.Name == "Contoso Retail"
                || s.Tenant.Name == "Fabrikam Logistics").ToListAsync(Ct);
            Assert.Equal(6, sites.Count);
            var cameras = await db.Cameras.AsNoTracking().Where(c => sites.Select(s => s.Id).Contains(c.SiteId)).ToListAsync(Ct);
            Assert.Equal(12, cameras.Count);
            foreach (var site in sites)
            {
                var own = cameras.Where(c => c.SiteId == site.Id).ToList();
                Assert.Equal(2, own.Count);
                Assert.All(own, c => Assert.Contains(site.Subnets, n => n.Contains(c.Address!)));
            }

            // The passwords are in the vault, sealed with the key the app runs with, and open to the simulator's passwords.
            var vault = new CredentialVault(VaultKeyRing.Parse(keys), database.ContextFactory, new Core.Audit.AuditLog(database.ContextFactory, TimeProvider.System),
                TimeProvider.System);
            foreach (var camera in cameras)
            {
                var secret = await vault.GetForCameraAsync(db, camera.Id, Ct);
                Assert.Equal(fleet.Devices.Single(d => d.Serial == camera.SerialNumber).AdminPassword, secret!.Password);
            }
        }

        (exit, err, _) = await SeedAsync(url, keys);
        Assert.Equal(0, exit);
        Assert.Contains("nothing changed", err);
        await using var check = database.CreateContext();
        Assert.Equal(6, await check.Sites.CountAsync(s => s.Tenant!.Name == "Northwind Security" || s.Tenant.Name == "Contoso Retail" || s.Tenant.Name == "Fabrikam Logistics", Ct));
    }
}
