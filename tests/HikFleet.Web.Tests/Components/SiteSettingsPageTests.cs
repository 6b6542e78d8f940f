using Bunit;
using HikFleet.Core.Security;
using HikFleet.Core.Sites;
using HikFleet.Core.Vault;
using HikFleet.Testing;
using HikFleet.Web.Components.Pages.Sites;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace HikFleet.Web.Tests.Components;

/// <summary>The site editor's discovery settings and default credential, over real PostgreSQL.</summary>
public sealed class SiteSettingsPageTests(MigratedDatabase database) : InventoryPageContext(database), IClassFixture<MigratedDatabase>
{
    private async Task<(IRenderedComponent<Sites> Page, Guid SiteId, Guid TenantId)> EditNewSiteAsync()
    {
        var (site, _) = await SeedSiteAsync($"Campus {Guid.NewGuid():N}"[..16]);
        await SignInAsync(FleetRoles.TenantAdmin, new TenantMembership { TenantId = site.TenantId });
        RenderProviders();
        var page = Render<Sites>();
        page.WaitForElement("[data-testid=sites-table][data-loaded=true]");
        await page.InvokeAsync(() => page.FindAll("tr").Single(r => r.TextContent.Contains(site.Name)).QuerySelector("[data-testid=edit-site]")!.ClickAsync(new()));
        page.WaitForElement("#site-discovery-cron");
        return (page, site.Id, site.TenantId);
    }

    [Fact]
    public async Task Bad_schedules_and_probe_ranges_outside_the_subnets_show_field_errors_and_nothing_is_saved()
    {
        var (page, siteId, _) = await EditNewSiteAsync();
        page.Find("#site-discovery-cron").Input("every five minutes");
        page.Find("#site-health-cron").Input("*/5 * * *");
        page.Find("#site-sadp-interfaces").Input("127.0.0.1, fe80::1");
        page.Find("#site-probe-ranges").Input("10.77.5.0/28, 192.168.1.10-192.168.1.20");
        await ClickAsync(page, "[data-testid=save-site]");

        page.WaitForAssertion(() =>
        {
            Assert.Contains("'every five minutes' is not a cron schedule", page.Markup);
            Assert.Contains("'*/5 * * *' is not a cron schedule", page.Markup);
            Assert.Contains("'fe80::1' is not an IPv4 address", page.Markup);
            Assert.Contains("reaches 192.168.1.10, outside the site", page.Markup);
        });
        Assert.Equal("every five minutes", page.Find("#site-discovery-cron").GetAttribute("value"));

        await using var db = Database.CreateContext();
        var site = await db.Sites.AsNoTracking().SingleAsync(s => s.Id == siteId, Ct);
        Assert.Equal("*/15 * * * *", site.DiscoveryCron);
        Assert.Empty(site.ProbeRanges);
    }

    [Fact]
    public async Task Good_settings_save_and_the_default_credential_is_stored_but_never_shown()
    {
        var (page, siteId, _) = await EditNewSiteAsync();
        Assert.Contains("Not set.", page.Find("[data-testid=credential-info]").TextContent);

        page.Find("#site-credential-user").Input("installer");
        page.Find("#site-credential-password").Input("Default-Pw-9921");
        await ClickAsync(page, "[data-testid=set-credential]");
        page.WaitForAssertion(() => Assert.Contains("User installer, set on", page.Find("[data-testid=credential-info]").TextContent));
        Assert.DoesNotContain("Default-Pw-9921", page.Markup);

        page.Find("#site-discovery-cron").Input("0 * * * *");
        page.Find("#site-probe-ranges").Input("10.77.5.0/28");
        page.Find("#site-probe-port").Input("8000");
        await ClickAsync(page, "[data-testid=save-site]");
        page.WaitForAssertion(() => Assert.Empty(page.FindAll("[data-testid=site-editor]")));

        await using var db = Database.CreateContext();
        var site = await db.Sites.AsNoTracking().SingleAsync(s => s.Id == siteId, Ct);
        Assert.Equal("0 * * * *", site.DiscoveryCron);
        Assert.Equal(["10.77.5.0/28"], site.ProbeRanges);
        Assert.Equal(8000, site.ProbePort);
        Assert.Equal("installer", site.DefaultUserName);
        var secret = await Services.GetRequiredService<CredentialVault>().GetForSiteAsync(db, siteId, Ct);
        Assert.Equal("Default-Pw-9921", secret!.Password);
    }

    [Fact]
    public async Task Ports_of_one_poe_switch_power_cycled_at_once_is_bounded_and_saved()
    {
        var (page, siteId, _) = await EditNewSiteAsync();
        Assert.Equal("1", page.Find("#site-poe-concurrent-ports").GetAttribute("value"));

        // The field keeps to 1–16 (the service refuses anything else too: PoeApiTests).
        page.Find("#site-poe-concurrent-ports").Change("20");
        page.WaitForAssertion(() => Assert.Equal("16", page.Find("#site-poe-concurrent-ports").GetAttribute("value")));

        page.Find("#site-poe-concurrent-ports").Change("3");
        await ClickAsync(page, "[data-testid=save-site]");
        page.WaitForAssertion(() => Assert.Empty(page.FindAll("[data-testid=site-editor]")));
        await using var db = Database.CreateContext();
        Assert.Equal(3, (await db.Sites.AsNoTracking().SingleAsync(s => s.Id == siteId, Ct)).PoeConcurrentPorts);
        Assert.Contains(await db.AuditEntries.AsNoTracking().Where(e => e.Action == "site.update" && e.SiteId == siteId).Select(e => e.Parameters).ToListAsync(Ct),
            p => System.Text.Json.JsonDocument.Parse(p!).RootElement.GetProperty("poeConcurrentPorts").GetInt32() == 3);
    }
}
