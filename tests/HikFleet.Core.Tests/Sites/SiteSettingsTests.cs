using System.Net;
using HikFleet.Core.Audit;
using HikFleet.Core.Common;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Security;
using HikFleet.Core.Sites;
using HikFleet.Core.Vault;
using HikFleet.Testing;
using Microsoft.EntityFrameworkCore;

namespace HikFleet.Core.Tests.Sites;

/// <summary>The discovery and health settings of a site, and its default device credential, on real PostgreSQL.</summary>
public sealed class SiteSettingsTests : IClassFixture<MigratedDatabase>
{
    private readonly MigratedDatabase _database;
    private readonly SiteService _sites;
    private readonly CredentialVault _vault;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public SiteSettingsTests(MigratedDatabase database)
    {
        _database = database;
        var audit = new AuditLog(database.ContextFactory, TimeProvider.System);
        _vault = new CredentialVault(VaultKeyRing.CreateNew(out _), database.ContextFactory, audit, TimeProvider.System);
        _sites = new SiteService(database.ContextFactory, audit, _vault);
    }

    private async Task<Guid> NewTenantAsync()
    {
        await using var db = _database.CreateContext();
        var tenant = new Tenant { Name = $"Tenant {Guid.NewGuid():N}" };
        db.Tenants.Add(tenant);
        await db.SaveChangesAsync(Ct);
        return tenant.Id;
    }

    private static SiteInput Input(Guid tenant) => new()
    {
        TenantId = tenant, Name = $"Site {Guid.NewGuid():N}"[..20], TimeZone = "UTC", Subnets = ["10.30.0.0/24", "10.30.1.0/24"],
    };

    private async Task<FleetScope> ScopeAsync(string role, Guid tenant)
    {
        var user = await TestUsers.CreateAsync(_database, $"{role}-{Guid.NewGuid():N}"[..20], role, [new TenantMembership { TenantId = tenant }]);
        await using var db = _database.CreateContext();
        return await FleetScope.LoadAsync(db, user.Id, Ct);
    }

    [Fact]
    public async Task Discovery_settings_are_validated_normalised_and_stored()
    {
        var input = Input(await NewTenantAsync());
        input.DiscoveryCron = " 0 */2 * * * ";
        input.HealthCron = "";
        input.SadpInterfaces = ["127.0.0.1", " 127.0.0.2", "127.0.0.1"];
        input.ProbeRanges = ["10.30.0.0/28", "10.30.0.250-10.30.1.5", "10.30.0.0/28"];
        input.ProbePort = 8080;
        input.MissingAfterRuns = 5;
        input.DefaultUserName = " operator ";
        input.ReprovisionPolicy = ReprovisionPolicy.Automatic;

        var result = await _sites.CreateAsync(FleetScope.System, input, Ct);
        Assert.True(result.Succeeded, result.Message);

        await using var db = _database.CreateContext();
        var site = await db.Sites.AsNoTracking().SingleAsync(s => s.Id == result.Id, Ct);
        Assert.Equal("0 */2 * * *", site.DiscoveryCron);
        Assert.Null(site.HealthCron); // empty = no scheduled checks
        Assert.Equal([IPAddress.Parse("127.0.0.1"), IPAddress.Parse("127.0.0.2")], site.SadpInterfaces);
        Assert.Equal(["10.30.0.0/28", "10.30.0.250-10.30.1.5"], site.ProbeRanges); // the range spans both subnets: allowed
        Assert.Equal(8080, site.ProbePort);
        Assert.Equal(5, site.MissingAfterRuns);
        Assert.Equal("operator", site.DefaultUserName);
        Assert.Equal(ReprovisionPolicy.Automatic, site.ReprovisionPolicy);
    }

    [Theory]
    [InlineData(nameof(SiteInput.DiscoveryCron), "every 5 minutes", "not a cron schedule")]
    [InlineData(nameof(SiteInput.DiscoveryCron), "0 */5 * * * *", "not a cron schedule")] // six fields (seconds) are not offered
    [InlineData(nameof(SiteInput.HealthCron), "61 * * * *", "not a cron schedule")]
    [InlineData(nameof(SiteInput.SadpInterfaces), "::1", "not an IPv4 address")]
    [InlineData(nameof(SiteInput.SadpInterfaces), "127.1", "not an IPv4 address")]
    [InlineData(nameof(SiteInput.ProbeRanges), "10.40.0.0/28", "outside the site's subnets")]
    [InlineData(nameof(SiteInput.ProbeRanges), "10.30.1.250-10.30.2.3", "reaches 10.30.2.0, outside the site's subnets")]
    [InlineData(nameof(SiteInput.ProbeRanges), "10.30.0.9-10.30.0.1", "ends before it starts")]
    [InlineData(nameof(SiteInput.ProbeRanges), "10.0.0.0/8", "more than 4096 addresses")]
    [InlineData(nameof(SiteInput.ProbeRanges), "10.30.0.5/28", "host bits set")]
    [InlineData(nameof(SiteInput.ProbeRanges), "printer", "neither CIDR")]
    [InlineData(nameof(SiteInput.ProbePort), "0", "between 1 and 65535")]
    [InlineData(nameof(SiteInput.MissingAfterRuns), "0", "between 1 and 100")]
    [InlineData(nameof(SiteInput.DefaultUserName), "ad min", "no spaces")]
    [InlineData(nameof(SiteInput.DefaultUserName), "", "user name is needed")]
    public async Task Bad_settings_are_refused_with_a_field_error(string field, string value, string message)
    {
        var input = Input(await NewTenantAsync());
        switch (field)
        {
            case nameof(SiteInput.DiscoveryCron): input.DiscoveryCron = value; break;
            case nameof(SiteInput.HealthCron): input.HealthCron = value; break;
            case nameof(SiteInput.SadpInterfaces): input.SadpInterfaces = [value]; break;
            case nameof(SiteInput.ProbeRanges): input.ProbeRanges = [value]; break;
            case nameof(SiteInput.ProbePort): input.ProbePort = int.Parse(value); break;
            case nameof(SiteInput.MissingAfterRuns): input.MissingAfterRuns = int.Parse(value); break;
            case nameof(SiteInput.DefaultUserName): input.DefaultUserName = value; break;
        }

        var result = await _sites.CreateAsync(FleetScope.System, input, Ct);
        Assert.Equal(ResultKind.Invalid, result.Kind);
        Assert.Contains(message, string.Join(" ", result.Errors[field]));
        Assert.Single(result.Errors);
    }

    [Fact]
    public async Task Probe_ranges_need_the_sites_subnets_and_stay_bounded_in_total()
    {
        var input = Input(await NewTenantAsync());
        input.Subnets = [];
        input.ProbeRanges = ["10.30.0.0/30"];
        var result = await _sites.CreateAsync(FleetScope.System, input, Ct);
        Assert.Contains("declare the site's subnets first", result.Errors[nameof(SiteInput.ProbeRanges)][0]);

        // Each range is small, together they exceed the bound.
        input = Input(await NewTenantAsync());
        input.Subnets = ["10.50.0.0/16"];
        input.ProbeRanges = Enumerable.Range(0, 17).Select(i => $"10.50.{i}.0/24").ToList();
        result = await _sites.CreateAsync(FleetScope.System, input, Ct);
        Assert.Contains("more than 4096 addresses", result.Errors[nameof(SiteInput.ProbeRanges)][0]);
        input.ProbeRanges = Enumerable.Range(0, 16).Select(i => $"10.50.{i}.0/24").ToList();
        Assert.True((await _sites.CreateAsync(FleetScope.System, input, Ct)).Succeeded);
    }

    [Fact]
    public async Task The_default_credential_is_vaulted_audited_without_the_password_and_only_for_site_managers()
    {
        var tenant = await NewTenantAsync();
        var created = await _sites.CreateAsync(FleetScope.System, Input(tenant), Ct);
        var siteId = created.Id!.Value;
        const string password = "Site-Default-Pw-7731";

        var viewer = await ScopeAsync(FleetRoles.Operator, tenant);
        Assert.Equal(ResultKind.Forbidden, (await _sites.SetDefaultCredentialAsync(viewer, siteId, "admin", password, Ct)).Kind);
        var stranger = await ScopeAsync(FleetRoles.TenantAdmin, await NewTenantAsync());
        Assert.Equal(ResultKind.NotFound, (await _sites.SetDefaultCredentialAsync(stranger, siteId, "admin", password, Ct)).Kind);

        var manager = await ScopeAsync(FleetRoles.TenantAdmin, tenant);
        Assert.Equal(ResultKind.Invalid, (await _sites.SetDefaultCredentialAsync(manager, siteId, "admin", "", Ct)).Kind);
        Assert.Equal(ResultKind.Invalid, (await _sites.SetDefaultCredentialAsync(manager, siteId, "ad min", password, Ct)).Kind);
        Assert.Equal(ResultKind.Invalid, (await _sites.SetDefaultCredentialAsync(manager, siteId, "admin", new string('x', 65), Ct)).Kind);
        Assert.Null(await _sites.DefaultCredentialAsync(manager, siteId, Ct));

        var set = await _sites.SetDefaultCredentialAsync(manager, siteId, "installer", password, Ct);
        Assert.True(set.Succeeded, set.Message);

        await using var db = _database.CreateContext();
        var secret = await _vault.GetForSiteAsync(db, siteId, Ct);
        Assert.Equal("installer", secret!.UserName);
        Assert.Equal(password, secret.Password);
        Assert.Equal("installer", (await db.Sites.SingleAsync(s => s.Id == siteId, Ct)).DefaultUserName);

        var info = await _sites.DefaultCredentialAsync(manager, siteId, Ct);
        Assert.Equal("installer", info!.UserName);
        Assert.Equal(manager.UserName, info.SetBy);
        Assert.Null(await _sites.DefaultCredentialAsync(stranger, siteId, Ct));

        var entries = await db.AuditEntries.Where(e => e.Action == "site.credential.set" && e.SiteId == siteId).ToListAsync(Ct);
        Assert.Equal(5, entries.Count); // the refusal and the invalid attempts are recorded too (out of scope looks like nothing at all)
        Assert.Contains(entries, e => e.Result == AuditResult.Succeeded && e.Parameters!.Contains("installer"));
        var everything = await db.AuditEntries.AsNoTracking().ToListAsync(Ct);
        Assert.DoesNotContain(everything, e => (e.Parameters ?? "").Contains(password) || (e.ResultDetail ?? "").Contains(password)
            || (e.Reason ?? "").Contains(password));
    }
}
