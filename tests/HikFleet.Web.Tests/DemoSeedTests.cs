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

    private async Task<(int Exit, string Err)> SeedAsync(string devices, string keys)
    {
        var start = FleetWebFactory.AppProcess(database.ConnectionString, "demo", "seed", "--devices", devices);
        start.Environment["Fleet__Vault__Keys"] = keys;
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        _ = process.StandardOutput.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        return (process.ExitCode, await stderr);
    }

    [Fact]
    public async Task The_simulated_fleet_is_wired_into_three_tenants_with_two_sites_each_once()
    {
        var b = Random.Shared.Next(32, 250);
        var controlPort = TestNetwork.FreeTcpPort();
        await using var fleet = await VirtualFleet.StartAsync(new SimulatorOptions
        {
            Cameras = 12, Sites = 6, HttpPort = 0, HttpsPort = 0, Sadp = false, Control = new IPEndPoint(IPAddress.Loopback, controlPort),
            BaseAddress = IPAddress.Parse($"127.{b}.{Random.Shared.Next(1, 250)}.10"), FactoryAddress = IPAddress.Parse($"127.{b}.251.64"),
        }, Ct);
        var keys = VaultKeyRing.NewKeyLine();
        var url = $"http://127.0.0.1:{controlPort}/devices";

        Assert.Equal(2, (await SeedAsync("http://192.0.2.1:18999/devices", keys)).Exit); // never anything but loopback
        var (exit, err) = await SeedAsync(url, keys);
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

        (exit, err) = await SeedAsync(url, keys);
        Assert.Equal(0, exit);
        Assert.Contains("nothing changed", err);
        await using var check = database.CreateContext();
        Assert.Equal(6, await check.Sites.CountAsync(s => s.Tenant!.Name == "Northwind Security" || s.Tenant.Name == "Contoso Retail" || s.Tenant.Name == "Fabrikam Logistics", Ct));
    }
}
