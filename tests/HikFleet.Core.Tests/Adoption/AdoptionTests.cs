using HikFleet.Core.Adoption;
using HikFleet.Core.Common;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Tests.Discovery;
using HikFleet.Isapi;
using HikFleet.Simulator;
using HikFleet.Testing;
using Microsoft.EntityFrameworkCore;

namespace HikFleet.Core.Tests.Adoption;

/// <summary>
/// Adoption against the real simulator and PostgreSQL: one careful attempt per credential, activation with a vault password that
/// was committed first, add by address, CSV, and no password in any audit entry, event or log line.
/// </summary>
public sealed class AdoptionTests : IAsyncLifetime
{
    private readonly MigratedDatabase _database = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => _database.InitializeAsync();

    public ValueTask DisposeAsync() => _database.DisposeAsync();

    /// <summary>A site and one discovery run, so the devices are Discovered cameras (the real path to adoption).</summary>
    private static async Task<(Site Site, Dictionary<string, Camera> BySerial)> DiscoverAsync(InventoryWorld world, Action<Site>? configure = null)
    {
        var site = await world.SiteAsync(configure);
        var run = await world.Discovery.RunSiteAsync(site.Id, "test", Ct);
        Assert.Equal(DiscoveryRunStatus.Succeeded, run.Status);
        await using var db = world.Db();
        var cameras = await db.Cameras.AsNoTracking().Where(c => c.SiteId == site.Id).ToListAsync(Ct);
        return (site, cameras.ToDictionary(c => c.SerialNumber));
    }

    private static async Task<Camera> ReloadAsync(InventoryWorld world, Guid id)
    {
        await using var db = world.Db();
        return await db.Cameras.AsNoTracking().SingleAsync(c => c.Id == id, Ct);
    }

    [Fact]
    public async Task The_right_password_adopts_and_the_wrong_one_costs_exactly_one_failed_login_once()
    {
        await using var world = await InventoryWorld.StartAsync(_database, Ct);
        var good = world.Fleet.AddDevice(new DeviceSpec { Password = "Right-Pass-42" });
        var bad = world.Fleet.AddDevice(new DeviceSpec { Password = "Other-Pass-77" });
        var (site, cameras) = await DiscoverAsync(world);
        var op = InventoryWorld.Operator(site);

        var results = await world.Adoption.AdoptAsync(op, new AdoptRequest([cameras[good.Serial].Id], Password: "Right-Pass-42"), Ct);
        Assert.True(Assert.Single(results).Adopted, results[0].Message);
        var adopted = await ReloadAsync(world, cameras[good.Serial].Id);
        Assert.Equal(CameraLifecycle.Managed, adopted.Lifecycle);
        Assert.Equal(good.Model, adopted.Model);
        Assert.Equal(good.FirmwareVersion, adopted.FirmwareVersion);
        Assert.Equal(good.Name, adopted.DeviceName);
        await using (var db = world.Db())
        {
            Assert.Equal("Right-Pass-42", (await world.Vault.GetForCameraAsync(db, adopted.Id, Ct))!.Password);
            Assert.Contains(await db.CameraEvents.Where(e => e.CameraId == adopted.Id).ToListAsync(Ct), e => e.Kind == CameraEventKinds.Adopted);
        }

        var wrong = await world.Adoption.AdoptAsync(op, new AdoptRequest([cameras[bad.Serial].Id], Password: "Wrong-Pass-13"), Ct);
        Assert.False(wrong[0].Adopted);
        Assert.Equal(1, bad.FailedLogins);
        Assert.Contains("4 more failed logins", wrong[0].Message);
        var rejected = await ReloadAsync(world, cameras[bad.Serial].Id);
        Assert.Equal(CameraLifecycle.Discovered, rejected.Lifecycle);
        Assert.Equal(4, rejected.AuthAttemptsLeft);
        Assert.NotNull(rejected.AuthRejectedCredentialId);

        // The same wrong password again: refused before anything reaches the device (persisted guard, a fresh service).
        var again = await world.Adoption.AdoptAsync(op, new AdoptRequest([cameras[bad.Serial].Id], Password: "Wrong-Pass-13"), Ct);
        Assert.False(again[0].Adopted);
        Assert.Contains("nothing sent", again[0].Message);
        Assert.Equal(1, bad.FailedLogins);
        await using (var db = world.Db())
        {
            Assert.Null(await world.Vault.GetForCameraAsync(db, rejected.Id, Ct));
        }

        var written = await world.EverythingWrittenAsync();
        Assert.DoesNotContain("Right-Pass-42", written);
        Assert.DoesNotContain("Wrong-Pass-13", written);
        Assert.Contains("camera.adopt", written);
    }

    [Fact]
    public async Task The_site_default_credential_is_tried_once_when_no_password_is_given()
    {
        await using var world = await InventoryWorld.StartAsync(_database, Ct);
        var a = world.Fleet.AddDevice(new DeviceSpec { Password = "Site-Default-9" });
        var b = world.Fleet.AddDevice(new DeviceSpec { Password = "Not-Default-8" });
        var (site, cameras) = await DiscoverAsync(world);
        await using (var db = world.Db())
        {
            await world.Vault.StoreForSiteAsync(db, site.Id, "admin", "Site-Default-9", "test", Ct);
            await db.SaveChangesAsync(Ct);
        }

        var results = await world.Adoption.AdoptAsync(InventoryWorld.Operator(site), new AdoptRequest([cameras[a.Serial].Id, cameras[b.Serial].Id]), Ct);

        Assert.True(results.Single(r => r.CameraId == cameras[a.Serial].Id).Adopted);
        Assert.False(results.Single(r => r.CameraId == cameras[b.Serial].Id).Adopted);
        Assert.Equal(0, a.FailedLogins);
        Assert.Equal(1, b.FailedLogins);
        await world.Adoption.AdoptAsync(InventoryWorld.Operator(site), new AdoptRequest([cameras[b.Serial].Id]), Ct);
        Assert.Equal(1, b.FailedLogins);
    }

    [Fact]
    public async Task An_inactive_device_is_activated_with_a_vault_password_that_works_afterwards()
    {
        await using var world = await InventoryWorld.StartAsync(_database, Ct);
        var fresh = world.Fleet.AddDevice(new DeviceSpec { Activated = false });
        var (site, cameras) = await DiscoverAsync(world);
        var camera = cameras[fresh.Serial];
        Assert.False(camera.Activated);

        var result = Assert.Single(await world.Adoption.AdoptAsync(InventoryWorld.Operator(site), new AdoptRequest([camera.Id]), Ct));

        Assert.True(result.Adopted, result.Message);
        Assert.True(fresh.Activated);
        await using var db = world.Db();
        var secret = await world.Vault.GetForCameraAsync(db, camera.Id, Ct);
        Assert.NotNull(secret);
        Assert.Equal("admin", secret.UserName);
        Assert.Equal(fresh.AdminPassword, secret.Password);
        Assert.True(secret.Password.Length >= 12);
        var row = await ReloadAsync(world, camera.Id);
        Assert.Equal(CameraLifecycle.Managed, row.Lifecycle);
        Assert.True(row.Activated);

        // The vault's password logs in.
        using var client = new IsapiClientFactory().Create(new IsapiEndpoint(fresh.Address.ToString(), fresh.HttpPort), new IsapiCredentials("admin", secret.Password));
        var info = await client.GetDeviceInfoAsync(Ct);
        Assert.Equal(fresh.Serial, info.SerialNumber);
        Assert.DoesNotContain(secret.Password, await world.EverythingWrittenAsync());
    }

    [Fact]
    public async Task Adding_by_address_creates_a_managed_camera_and_a_duplicate_is_a_conflict_naming_it()
    {
        await using var world = await InventoryWorld.StartAsync(_database, Ct);
        var device = world.Fleet.AddDevice(new DeviceSpec { Password = "Added-Pass-5" });
        var site = await world.SiteAsync();
        var op = InventoryWorld.Operator(site);
        var input = new AddCameraInput
        {
            SiteId = site.Id, Address = device.Address.ToString(), Port = device.HttpPort, UserName = "admin", Password = "Added-Pass-5", Name = "Gate",
        };

        var created = await world.Adoption.AddByAddressAsync(op, input, Ct);
        Assert.True(created.Succeeded, created.Message);
        var camera = await ReloadAsync(world, created.Id!.Value);
        Assert.Equal(CameraLifecycle.Managed, camera.Lifecycle);
        Assert.Equal(device.Serial, camera.SerialNumber);
        Assert.Equal("Gate", camera.Name);
        Assert.Equal(device.HttpPort, camera.HttpPort);

        var duplicate = await world.Adoption.AddByAddressAsync(op, input, Ct);
        Assert.Equal(ResultKind.Conflict, duplicate.Kind);
        Assert.Contains("Gate", duplicate.Message);

        var wrong = await world.Adoption.AddByAddressAsync(op, new AddCameraInput
        {
            SiteId = site.Id, Address = device.Address.ToString(), Port = device.HttpPort, Password = "Bad-Guess-1",
        }, Ct);
        Assert.Equal(ResultKind.Invalid, wrong.Kind);
        Assert.Equal(1, device.FailedLogins);
        Assert.Equal(ResultKind.Forbidden, (await world.Adoption.AddByAddressAsync(InventoryWorld.Viewer(site), input, Ct)).Kind);
        Assert.DoesNotContain("Added-Pass-5", await world.EverythingWrittenAsync());
    }

    [Fact]
    public async Task Ignore_takes_a_discovered_camera_out_of_adoption_and_out_of_reconciliation()
    {
        await using var world = await InventoryWorld.StartAsync(_database, Ct);
        var device = world.Fleet.AddDevice(new DeviceSpec());
        var (site, cameras) = await DiscoverAsync(world);
        var camera = cameras[device.Serial];

        Assert.Equal(ResultKind.Forbidden, (await world.Adoption.IgnoreAsync(InventoryWorld.Viewer(site), camera.Id, Ct)).Kind);
        Assert.True((await world.Adoption.IgnoreAsync(InventoryWorld.Operator(site), camera.Id, Ct)).Succeeded);
        Assert.Equal(CameraLifecycle.Ignored, (await ReloadAsync(world, camera.Id)).Lifecycle);
        var adopt = await world.Adoption.AdoptAsync(InventoryWorld.Operator(site), new AdoptRequest([camera.Id], Password: "Whatever-1"), Ct);
        Assert.Equal(ResultKind.Conflict, adopt[0].Kind);
        Assert.Equal(0, device.FailedLogins);
    }

    [Fact]
    public async Task Csv_export_has_the_ivms_columns_and_no_password_and_import_reports_every_row_by_line()
    {
        await using var world = await InventoryWorld.StartAsync(_database, Ct);
        var one = world.Fleet.AddDevice(new DeviceSpec { Password = "Csv-Pass-1a" });
        var two = world.Fleet.AddDevice(new DeviceSpec { Password = "Csv-Pass-2b" });
        var site = await world.SiteAsync();
        var op = InventoryWorld.Operator(site);
        var csv = string.Join("\n",
            "Nickname,Adding Mode,Address,Port,Device Information,User Name,Password",
            $"Lobby,0,{one.Address},{one.HttpPort},,admin,Csv-Pass-1a",
            $"Yard,0,{two.Address},{two.HttpPort},,admin,Wrong-Csv-9",
            "",
            $"Hidden,3,www.hik-online.com,80,,admin,x",
            $"Dup,0,{one.Address},{one.HttpPort},,admin,Csv-Pass-1a",
            $"Typo,0,{one.Address},eighty,,admin,Csv-Pass-1a");

        var (result, rows) = await world.Csv.ImportAsync(op, site.Id, csv, Ct);

        Assert.True(result.Succeeded, result.Message);
        Assert.Equal([2, 3, 5, 6, 7], rows.Select(r => r.Line));
        Assert.Equal([ResultKind.Ok, ResultKind.Invalid, ResultKind.Invalid, ResultKind.Conflict, ResultKind.Invalid], rows.Select(r => r.Kind));
        Assert.Equal(1, two.FailedLogins);

        var output = new StringWriter();
        await world.Csv.ExportAsync(op, site.Id, output, Ct);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.StartsWith("Nickname,Adding Mode,Address,Port,Device Information,User Name,Password,Serial No.,MAC", lines[0]);
        var row = Assert.Single(lines.Skip(1));
        Assert.StartsWith($"Lobby,0,{one.Address},{one.HttpPort},,admin,,{one.Serial}", row);
        Assert.DoesNotContain("Csv-Pass-1a", output.ToString());
        Assert.DoesNotContain("Csv-Pass-1a", await world.EverythingWrittenAsync());
        Assert.DoesNotContain("Wrong-Csv-9", await world.EverythingWrittenAsync());

        var tooMany = "Address,Password\n" + string.Concat(Enumerable.Repeat("127.0.0.1,x\n", InventoryCsv.MaxImportRows + 1));
        Assert.Equal(ResultKind.Invalid, (await world.Csv.ImportAsync(op, site.Id, tooMany, Ct)).Result.Kind);
    }

    [Fact]
    public async Task An_inactive_device_not_reachable_at_its_inventory_address_is_activated_over_sadp_by_mac()
    {
        await using var world = await InventoryWorld.StartAsync(_database, Ct);
        var fresh = world.Fleet.AddDevice(new DeviceSpec { Activated = false });
        var (site, cameras) = await DiscoverAsync(world);
        var camera = cameras[fresh.Serial];
        await using (var db = world.Db())
        {
            // The inventory's address is stale: nothing listens there, so ISAPI cannot reach the device.
            var row = await db.Cameras.SingleAsync(c => c.Id == camera.Id, Ct);
            row.Address = world.Address(250);
            await db.SaveChangesAsync(Ct);
        }

        var result = Assert.Single(await world.Adoption.AdoptAsync(InventoryWorld.Operator(site), new AdoptRequest([camera.Id]), Ct));

        Assert.True(result.Adopted, result.Message);
        Assert.Contains("SADP", result.Message);
        Assert.True(fresh.Activated);
        var adopted = await ReloadAsync(world, camera.Id);
        Assert.Equal(fresh.Address, adopted.Address);
        await using var check = world.Db();
        Assert.Equal(fresh.AdminPassword, (await world.Vault.GetForCameraAsync(check, camera.Id, Ct))!.Password);
    }
}
