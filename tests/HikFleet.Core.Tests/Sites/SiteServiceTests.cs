using System.Net;
using HikFleet.Core.Audit;
using HikFleet.Core.Common;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Security;
using HikFleet.Core.Sites;
using HikFleet.Testing;
using Microsoft.EntityFrameworkCore;

namespace HikFleet.Core.Tests.Sites;

public sealed class SiteServiceTests : IClassFixture<MigratedDatabase>
{
    private readonly MigratedDatabase _database;
    private readonly SiteService _sites;
    private readonly AuditVerifier _audit;

    public SiteServiceTests(MigratedDatabase database)
    {
        _database = database;
        var audit = new AuditLog(database.ContextFactory, TimeProvider.System);
        _sites = new SiteService(database.ContextFactory, audit,
            new HikFleet.Core.Vault.CredentialVault(HikFleet.Core.Vault.VaultKeyRing.CreateNew(out _), database.ContextFactory, audit, TimeProvider.System));
        _audit = new AuditVerifier(database.ContextFactory);
    }

    private async Task<Guid> NewTenantAsync()
    {
        await using var db = _database.CreateContext();
        var tenant = new Tenant { Name = $"Tenant {Guid.NewGuid():N}" };
        db.Tenants.Add(tenant);
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        return tenant.Id;
    }

    [Fact]
    public async Task A_site_round_trips_through_create_edit_and_delete()
    {
        var ct = TestContext.Current.CancellationToken;
        var tenant = await NewTenantAsync();

        var created = await _sites.CreateAsync(FleetScope.System, new SiteInput
        {
            TenantId = tenant,
            Name = "  Warehouse North ",
            TimeZone = "Europe/Berlin",
            Subnets = ["10.20.0.0/24", "10.20.1.0/24", "10.20.0.0/24"],
            NtpServer = "ntp.example.lan",
        }, ct);
        Assert.True(created.Succeeded, string.Join("; ", created.Errors.SelectMany(e => e.Value)));

        await using (var db = _database.CreateContext())
        {
            var site = await db.Sites.AsNoTracking().SingleAsync(s => s.Id == created.Id, ct);
            Assert.Equal("Warehouse North", site.Name);
            Assert.Equal("Europe/Berlin", site.TimeZone);
            Assert.Equal([IPNetwork.Parse("10.20.0.0/24"), IPNetwork.Parse("10.20.1.0/24")], site.Subnets);
            Assert.Equal("ntp.example.lan", site.NtpServer);

            var updated = await _sites.UpdateAsync(FleetScope.System, site.Id, new SiteInput
            {
                TenantId = tenant,
                Name = "Warehouse N",
                TimeZone = "America/New_York",
                Subnets = ["192.168.7.0/24"],
                NtpServer = "",
                Version = site.Version,
            }, ct);
            Assert.True(updated.Succeeded);

            // A second editor still holding the old version is refused instead of overwriting.
            var stale = await _sites.UpdateAsync(FleetScope.System, site.Id, new SiteInput
            {
                TenantId = tenant, Name = "Stale", TimeZone = "UTC", Version = site.Version,
            }, ct);
            Assert.False(stale.Succeeded);
            Assert.Equal(ResultKind.Conflict, stale.Kind);
            Assert.Contains("changed this site", stale.Errors[""][0]);
        }

        await using (var db = _database.CreateContext())
        {
            var site = await db.Sites.AsNoTracking().SingleAsync(s => s.Id == created.Id, ct);
            Assert.Equal("Warehouse N", site.Name);
            Assert.Equal("America/New_York", site.TimeZone);
            Assert.Equal([IPNetwork.Parse("192.168.7.0/24")], site.Subnets);
            Assert.Null(site.NtpServer);
        }

        Assert.True((await _sites.DeleteAsync(FleetScope.System, created.Id!.Value, ct)).Succeeded);
        await using (var db = _database.CreateContext())
        {
            Assert.False(await db.Sites.AnyAsync(s => s.Id == created.Id, ct));
        }
    }

    [Fact]
    public async Task Operation_settings_are_validated_and_saved_with_the_site()
    {
        var ct = TestContext.Current.CancellationToken;
        var tenant = await NewTenantAsync();
        var bad = await _sites.CreateAsync(FleetScope.System, new SiteInput
        {
            TenantId = tenant, Name = "Depot", TimeZone = "Europe/Berlin", MaintenanceWindow = "22-05", BulkConcurrency = 0, BackupRetention = 500,
            PasswordRotationCron = "every sunday",
        }, ct);
        Assert.Equal(ResultKind.Invalid, bad.Kind);
        Assert.Contains("22:00-05:00", bad.Errors[nameof(SiteInput.MaintenanceWindow)][0]);
        Assert.Contains(nameof(SiteInput.BulkConcurrency), bad.Errors.Keys);
        Assert.Contains(nameof(SiteInput.BackupRetention), bad.Errors.Keys);
        Assert.Contains("cron", bad.Errors[nameof(SiteInput.PasswordRotationCron)][0]);

        var created = await _sites.CreateAsync(FleetScope.System, new SiteInput
        {
            TenantId = tenant, Name = "Depot", TimeZone = "Europe/Berlin", MaintenanceWindow = " 22:00 - 5:30 ", BulkConcurrency = 4, BackupRetention = 5,
            BackupCron = "", PasswordRotationCron = "0 3 1 * *",
        }, ct);
        Assert.True(created.Succeeded, created.Message);
        await using var db = _database.CreateContext();
        var site = await db.Sites.AsNoTracking().SingleAsync(s => s.Id == created.Id, ct);
        Assert.Equal((new TimeOnly(22, 0), new TimeOnly(5, 30)), (site.MaintenanceStart, site.MaintenanceEnd));
        Assert.Equal((4, 5, null, "0 3 1 * *"), (site.BulkConcurrency, site.BackupRetention, site.BackupCron, site.PasswordRotationCron));
        Assert.Equal("22:00-05:30", SiteValidator.FormatWindow(site.MaintenanceStart, site.MaintenanceEnd));
    }

    [Fact]
    public async Task Invalid_input_is_refused_with_a_message_per_field_and_nothing_is_saved()
    {
        var ct = TestContext.Current.CancellationToken;
        var tenant = await NewTenantAsync();

        var result = await _sites.CreateAsync(FleetScope.System, new SiteInput
        {
            TenantId = tenant,
            Name = " ",
            TimeZone = "Mars/Olympus",
            Subnets = ["10.0.0.5/24", "10.0.0.0", "300.1.1.0/24"],
            NtpServer = "not a host!",
        }, ct);

        Assert.False(result.Succeeded);
        Assert.Contains(nameof(SiteInput.Name), result.Errors.Keys);
        Assert.Contains(nameof(SiteInput.TimeZone), result.Errors.Keys);
        Assert.Contains(nameof(SiteInput.NtpServer), result.Errors.Keys);
        var subnetErrors = result.Errors[nameof(SiteInput.Subnets)];
        Assert.Equal(3, subnetErrors.Length);
        Assert.Contains(subnetErrors, e => e.Contains("did you mean 10.0.0.0/24"));

        await using var db = _database.CreateContext();
        Assert.False(await db.Sites.AnyAsync(s => s.TenantId == tenant, ct));
    }

    [Fact]
    public async Task Two_sites_of_one_tenant_cannot_share_a_name()
    {
        var ct = TestContext.Current.CancellationToken;
        var tenant = await NewTenantAsync();
        var input = new SiteInput { TenantId = tenant, Name = "HQ", TimeZone = "UTC" };

        Assert.True((await _sites.CreateAsync(FleetScope.System, input, ct)).Succeeded);
        var second = await _sites.CreateAsync(FleetScope.System, input, ct);

        Assert.False(second.Succeeded);
        Assert.Contains(nameof(SiteInput.Name), second.Errors.Keys);
        var otherTenant = await NewTenantAsync();
        Assert.True((await _sites.CreateAsync(FleetScope.System, new SiteInput { TenantId = otherTenant, Name = "HQ", TimeZone = "UTC" }, ct)).Succeeded);
    }

    [Fact]
    public async Task A_site_with_cameras_is_not_deleted()
    {
        var ct = TestContext.Current.CancellationToken;
        var tenant = await NewTenantAsync();
        var created = await _sites.CreateAsync(FleetScope.System, new SiteInput { TenantId = tenant, Name = "Depot", TimeZone = "UTC" }, ct);
        await using (var db = _database.CreateContext())
        {
            db.Cameras.Add(new Camera
            {
                SiteId = created.Id!.Value,
                SerialNumber = $"DS-2CD2386G2-IU{Guid.NewGuid():N}"[..30],
                MacAddress = "58:50:ed:1f:e3:85",
                Model = "DS-2CD2386G2-IU",
            });
            await db.SaveChangesAsync(ct);
        }

        var deleted = await _sites.DeleteAsync(FleetScope.System, created.Id!.Value, ct);

        Assert.False(deleted.Succeeded);
        Assert.Contains("1 camera", deleted.Errors[""][0]);
    }

    [Fact]
    public async Task The_database_refuses_a_mac_address_in_another_spelling()
    {
        var ct = TestContext.Current.CancellationToken;
        var tenant = await NewTenantAsync();
        var created = await _sites.CreateAsync(FleetScope.System, new SiteInput { TenantId = tenant, Name = "Yard", TimeZone = "UTC" }, ct);
        await using var db = _database.CreateContext();
        db.Cameras.Add(new Camera { SiteId = created.Id!.Value, SerialNumber = "X1", MacAddress = "58-50-ED-1F-E3-85", Model = "M" });

        await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync(ct));
    }

    [Fact]
    public async Task Every_site_change_and_refusal_lands_in_the_audit_trail_and_the_chain_stays_intact()
    {
        var ct = TestContext.Current.CancellationToken;
        var tenant = await NewTenantAsync();
        var viewer = await TestUsers.CreateAsync(_database, $"aud-{Guid.NewGuid():N}"[..20], FleetRoles.Viewer, [new TenantMembership { TenantId = tenant }]);
        await using var db = _database.CreateContext();
        var viewerScope = await FleetScope.LoadAsync(db, viewer.Id, ct);

        var created = await _sites.CreateAsync(FleetScope.System, new SiteInput { TenantId = tenant, Name = "Audited", TimeZone = "UTC" }, ct);
        var refused = await _sites.DeleteAsync(viewerScope, created.Id!.Value, ct);
        Assert.Equal(ResultKind.Forbidden, refused.Kind);
        Assert.True((await _sites.DeleteAsync(FleetScope.System, created.Id!.Value, ct)).Succeeded);

        var entries = await db.AuditEntries.Where(e => e.SiteId == created.Id).OrderBy(e => e.Id).ToListAsync(ct);
        Assert.Equal(["site.create", "site.delete", "site.delete"], entries.Select(e => e.Action));
        Assert.Equal([AuditResult.Succeeded, AuditResult.Refused, AuditResult.Succeeded], entries.Select(e => e.Result));
        Assert.Equal(viewer.UserName, entries[1].ActorName);
        Assert.All(entries, e => Assert.Equal(tenant, e.TenantId));
        Assert.Contains("Audited", entries[0].Parameters?.ToString() ?? "");

        var verification = await _audit.VerifyAsync(ct);
        Assert.True(verification.IsIntact, verification.Detail);
    }
}
