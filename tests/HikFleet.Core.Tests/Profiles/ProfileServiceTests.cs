using HikFleet.Core.Audit;
using HikFleet.Core.Common;
using HikFleet.Core.Profiles;
using HikFleet.Core.Security;
using Microsoft.EntityFrameworkCore;

namespace HikFleet.Core.Tests.Profiles;

/// <summary>Editing profiles on real PostgreSQL: rights, audit, validation, one per tenant/site, site over tenant.</summary>
public sealed class ProfileServiceTests(ProfileWorld world) : IClassFixture<ProfileWorld>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_profile_round_trips_through_create_update_delete_with_an_audit_entry_each()
    {
        var site = await world.SiteAsync();
        var admin = ProfileWorld.TenantAdmin(site);
        var created = await world.Profiles.CreateAsync(admin, new ProfileInput
        {
            TenantId = site.TenantId, Name = " Standard ", Settings = new ProfileSettings { TimeZone = "Europe/Berlin", NtpServers = [" ntp.lan ", ""] },
        }, Ct);
        Assert.True(created.Succeeded, created.Message);

        var list = await world.Profiles.ListAsync(admin, Ct);
        var view = Assert.Single(list);
        Assert.Equal("Standard", view.Name);
        Assert.Null(view.SiteId);
        Assert.Equal(["ntp.lan"], view.Settings.NtpServers);
        Assert.True(view.CanEdit);

        var updated = await world.Profiles.UpdateAsync(admin, view.Id, new ProfileInput
        {
            Name = "Standard v2", Settings = view.Settings with { MotionEnabled = true }, Version = view.Version,
        }, Ct);
        Assert.True(updated.Succeeded, updated.Message);
        // A second editor holding the old version is refused, not merged.
        var stale = await world.Profiles.UpdateAsync(admin, view.Id, new ProfileInput { Name = "Stale", Settings = new(), Version = view.Version }, Ct);
        Assert.Equal(ResultKind.Conflict, stale.Kind);

        var deleted = await world.Profiles.DeleteAsync(admin, view.Id, Ct);
        Assert.True(deleted.Succeeded);
        Assert.Empty(await world.Profiles.ListAsync(admin, Ct));

        await using var db = world.Db();
        var actions = await db.AuditEntries.AsNoTracking().Where(e => e.TenantId == site.TenantId && e.Action.StartsWith("profile."))
            .OrderBy(e => e.Id).Select(e => new { e.Action, e.Result }).ToListAsync(Ct);
        Assert.Equal(["profile.create", "profile.update", "profile.update", "profile.delete"], actions.Select(a => a.Action));
        Assert.Equal([AuditResult.Succeeded, AuditResult.Succeeded, AuditResult.Failed, AuditResult.Succeeded], actions.Select(a => a.Result));
    }

    [Fact]
    public async Task Invalid_input_comes_back_per_field_and_nothing_is_stored()
    {
        var site = await world.SiteAsync();
        var result = await world.Profiles.CreateAsync(FleetScope.System, new ProfileInput
        {
            TenantId = site.TenantId, Name = "Bad", Settings = new ProfileSettings { TimeZone = "Berlin", MotionSensitivity = 300 },
        }, Ct);
        Assert.Equal(ResultKind.Invalid, result.Kind);
        Assert.Equal(["MotionSensitivity", "TimeZone"], result.Errors.Keys.Order(StringComparer.Ordinal));
        await using var db = world.Db();
        Assert.False(await db.ConfigurationProfiles.AnyAsync(p => p.TenantId == site.TenantId, Ct));
    }

    [Fact]
    public async Task Only_ManageSites_may_edit_and_others_see_read_only()
    {
        var site = await world.SiteAsync();
        var created = await world.Profiles.CreateAsync(FleetScope.System, new ProfileInput { TenantId = site.TenantId, Name = "T" }, Ct);
        Assert.True(created.Succeeded);
        foreach (var scope in new[] { ProfileWorld.Operator(site), ProfileWorld.Viewer(site) })
        {
            var refused = await world.Profiles.CreateAsync(scope, new ProfileInput { TenantId = site.TenantId, SiteId = site.Id, Name = "S" }, Ct);
            Assert.Equal(ResultKind.Forbidden, refused.Kind);
            var view = Assert.Single(await world.Profiles.ListAsync(scope, Ct));
            Assert.False(view.CanEdit);
            Assert.Equal(ResultKind.Forbidden, (await world.Profiles.DeleteAsync(scope, view.Id, Ct)).Kind);
        }

        // Another tenant's people do not even see it.
        var other = await world.SiteAsync();
        Assert.Empty(await world.Profiles.ListAsync(ProfileWorld.TenantAdmin(other), Ct));
        Assert.Equal(ResultKind.NotFound, (await world.Profiles.DeleteAsync(ProfileWorld.TenantAdmin(other), created.Id!.Value, Ct)).Kind);
    }

    [Fact]
    public async Task One_profile_per_tenant_and_one_per_site()
    {
        var site = await world.SiteAsync();
        Assert.True((await world.Profiles.CreateAsync(FleetScope.System, new ProfileInput { TenantId = site.TenantId, Name = "A" }, Ct)).Succeeded);
        var second = await world.Profiles.CreateAsync(FleetScope.System, new ProfileInput { TenantId = site.TenantId, Name = "B" }, Ct);
        Assert.Equal(ResultKind.Conflict, second.Kind);
        Assert.Contains("already has a profile", second.Message);
        Assert.True((await world.Profiles.CreateAsync(FleetScope.System, new ProfileInput { TenantId = site.TenantId, SiteId = site.Id, Name = "S" }, Ct)).Succeeded);
        Assert.Equal(ResultKind.Conflict,
            (await world.Profiles.CreateAsync(FleetScope.System, new ProfileInput { TenantId = site.TenantId, SiteId = site.Id, Name = "S2" }, Ct)).Kind);
    }

    [Fact]
    public async Task The_effective_profile_is_the_site_profile_over_the_tenant_profile_field_by_field()
    {
        var site = await world.SiteAsync();
        var sibling = await world.SiteAsync();
        var main = new StreamProfile("H.264", 1920, 1080, 20, 4096, "CBR");
        var tenant = await world.Profiles.CreateAsync(FleetScope.System, new ProfileInput
        {
            TenantId = site.TenantId, Name = "Tenant",
            Settings = new ProfileSettings { TimeZone = "Europe/Berlin", NtpServers = ["ntp.tenant.lan"], MainStream = main, MotionEnabled = true, MotionSensitivity = 40 },
        }, Ct);
        var own = await world.Profiles.CreateAsync(FleetScope.System, new ProfileInput
        {
            TenantId = site.TenantId, SiteId = site.Id, Name = "Site",
            Settings = new ProfileSettings { NtpServers = ["ntp.site.lan"], MotionSensitivity = 90, OsdNamePattern = "{camera}" },
        }, Ct);
        Assert.True(tenant.Succeeded && own.Succeeded);

        var effective = await world.Profiles.EffectiveAsync(site.Id, Ct);
        Assert.Equal(own.Id, effective.ProfileId);
        Assert.Equal(tenant.Id, effective.TenantProfileId);
        Assert.Equal("Europe/Berlin", effective.Settings.TimeZone);
        Assert.Equal(["ntp.site.lan"], effective.Settings.NtpServers);
        Assert.Equal(main, effective.Settings.MainStream);
        Assert.True(effective.Settings.MotionEnabled);
        Assert.Equal(90, effective.Settings.MotionSensitivity);
        Assert.Equal("{camera}", effective.Settings.OsdNamePattern);

        // A site of another tenant, or one without its own profile, gets only what applies to it.
        var other = await world.Profiles.EffectiveAsync(sibling.Id, Ct);
        Assert.Null(other.ProfileId);
        Assert.True(other.Settings.IsEmptyForDevices);
    }
}
