using HikFleet.Core.Common;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Security;
using HikFleet.Core.Sites;
using HikFleet.Testing;
using Microsoft.EntityFrameworkCore;

namespace HikFleet.Core.Tests.Security;

/// <summary>The scope filter that every page, endpoint and job goes through, on real data.</summary>
public sealed class FleetScopeTests : IClassFixture<MigratedDatabase>
{
    private readonly MigratedDatabase _database;

    public FleetScopeTests(MigratedDatabase database) => _database = database;

    private async Task<(Tenant A, Tenant B, Site A1, Site A2, Site B1)> SeedAsync()
    {
        await using var db = _database.CreateContext();
        var a = new Tenant { Name = $"A {Guid.NewGuid():N}" };
        var b = new Tenant { Name = $"B {Guid.NewGuid():N}" };
        var a1 = new Site { Tenant = a, Name = "A1", TimeZone = "UTC" };
        var a2 = new Site { Tenant = a, Name = "A2", TimeZone = "UTC" };
        var b1 = new Site { Tenant = b, Name = "B1", TimeZone = "UTC" };
        db.AddRange(a, b, a1, a2, b1);
        db.Cameras.Add(new Camera { Site = a1, SerialNumber = $"SA1{Guid.NewGuid():N}"[..20], MacAddress = RandomMac(), Model = "DS-2CD2143G2-I" });
        db.Cameras.Add(new Camera { Site = b1, SerialNumber = $"SB1{Guid.NewGuid():N}"[..20], MacAddress = RandomMac(), Model = "DS-2CD2143G2-I" });
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        return (a, b, a1, a2, b1);
    }

    private static string RandomMac() => string.Join(":", Guid.NewGuid().ToByteArray().Take(6).Select(b => b.ToString("x2")));

    [Fact]
    public async Task A_tenant_member_sees_only_its_tenant_and_a_site_member_only_its_sites()
    {
        var ct = TestContext.Current.CancellationToken;
        var (a, b, a1, a2, b1) = await SeedAsync();
        var tenantWide = await TestUsers.CreateAsync(_database, $"viewer-{Guid.NewGuid():N}", FleetRoles.Viewer, [new TenantMembership { TenantId = a.Id }]);
        var siteOnly = await TestUsers.CreateAsync(_database, $"op-{Guid.NewGuid():N}", FleetRoles.Operator, [new TenantMembership { TenantId = a.Id, SiteIds = [a2.Id] }]);

        await using var db = _database.CreateContext();
        var wide = await FleetScope.LoadAsync(db, tenantWide.Id, ct);
        Assert.Equal([a.Id], await wide.Tenants(db).Select(t => t.Id).ToListAsync(ct));
        Assert.Equal(new[] { a1.Id, a2.Id }.Order(), (await wide.Sites(db).Select(s => s.Id).ToListAsync(ct)).Order());
        Assert.All(await wide.Cameras(db).ToListAsync(ct), c => Assert.Equal(a1.Id, c.SiteId));
        Assert.False(wide.Can(FleetPermissions.ManageSites, a.Id));

        var narrow = await FleetScope.LoadAsync(db, siteOnly.Id, ct);
        Assert.Equal([a2.Id], await narrow.Sites(db).Select(s => s.Id).ToListAsync(ct));
        Assert.Empty(await narrow.Cameras(db).ToListAsync(ct));
        Assert.True(narrow.Can(FleetPermissions.Operate, a.Id, a2.Id));
        Assert.False(narrow.Can(FleetPermissions.Operate, a.Id, a1.Id));
        Assert.False(narrow.CoversTenant(b.Id));
        Assert.DoesNotContain(b1.Id, await narrow.Sites(db).Select(s => s.Id).ToListAsync(ct));
    }

    [Fact]
    public async Task A_tenant_admin_manages_sites_of_its_own_tenant_only()
    {
        var ct = TestContext.Current.CancellationToken;
        var (a, b, _, _, b1) = await SeedAsync();
        var admin = await TestUsers.CreateAsync(_database, $"ta-{Guid.NewGuid():N}", FleetRoles.TenantAdmin, [new TenantMembership { TenantId = a.Id }]);
        await using var db = _database.CreateContext();
        var scope = await FleetScope.LoadAsync(db, admin.Id, ct);
        var audit = new HikFleet.Core.Audit.AuditLog(_database.ContextFactory, TimeProvider.System);
        var sites = new SiteService(_database.ContextFactory, audit,
            new HikFleet.Core.Vault.CredentialVault(HikFleet.Core.Vault.VaultKeyRing.CreateNew(out _), _database.ContextFactory, audit, TimeProvider.System));

        Assert.True((await sites.CreateAsync(scope, new SiteInput { TenantId = a.Id, Name = "New A", TimeZone = "UTC" }, ct)).Succeeded);

        var other = await sites.CreateAsync(scope, new SiteInput { TenantId = b.Id, Name = "Sneaky", TimeZone = "UTC" }, ct);
        Assert.Equal(ResultKind.Invalid, other.Kind);
        Assert.Equal(ResultKind.NotFound, (await sites.DeleteAsync(scope, b1.Id, ct)).Kind);
        Assert.Equal(ResultKind.NotFound, (await sites.UpdateAsync(scope, b1.Id, new SiteInput { Name = "X", TimeZone = "UTC" }, ct)).Kind);
        Assert.True(await db.Sites.AnyAsync(s => s.Id == b1.Id && s.Name == "B1", ct));
    }

    [Fact]
    public async Task A_locked_out_user_and_nobody_see_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var (a, _, _, _, _) = await SeedAsync();
        var user = await TestUsers.CreateAsync(_database, $"locked-{Guid.NewGuid():N}", FleetRoles.Administrator, [new TenantMembership { TenantId = a.Id }]);
        await using var db = _database.CreateContext();
        await db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(u => u.SetProperty(x => x.LockoutEnd, DateTimeOffset.UtcNow.AddHours(1)), ct);

        var scope = await FleetScope.LoadAsync(db, user.Id, ct);

        Assert.Null(scope.Role);
        Assert.Empty(await scope.Sites(db).ToListAsync(ct));
        Assert.Empty(await FleetScope.Nobody.Tenants(db).ToListAsync(ct));
        Assert.False(scope.Can(FleetPermissions.Read));
    }
}
