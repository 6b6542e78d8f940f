using Bunit;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Security;
using HikFleet.Testing;
using HikFleet.Web.Components.Pages.Cameras;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace HikFleet.Web.Tests.Components;

/// <summary>The camera list over real data: server-side paging, filters from the URL, debounced search, selection kept by id.</summary>
public sealed class CamerasPageTests(MigratedDatabase database) : InventoryPageContext(database), IClassFixture<MigratedDatabase>
{
    private IRenderedComponent<Cameras> RenderPage(string url = "cameras")
    {
        Services.GetRequiredService<NavigationManager>().NavigateTo(url);
        RenderProviders();
        var page = Render<Cameras>();
        page.WaitForElement("[data-testid=cameras-table][data-loaded=true]");
        return page;
    }

    private static List<string> Names(IRenderedComponent<Cameras> page) =>
        page.FindAll("[data-testid=camera-name]").Select(a => a.TextContent.Trim()).ToList();

    [Fact]
    public async Task Pages_filters_and_searches_on_the_server_within_the_users_scope()
    {
        var states = Enumerable.Range(0, 60).Select(i => i % 10 == 0 ? HealthState.Offline : HealthState.Healthy).ToArray();
        var (site, cameras) = await SeedSiteAsync("Depot", states);
        await SeedSiteAsync("Not mine", HealthState.Offline, HealthState.Healthy);
        await SignInAsync(FleetRoles.Viewer, new TenantMembership { TenantId = site.TenantId });

        var page = RenderPage();
        page.WaitForAssertion(() => Assert.Equal("60", page.Find("[data-testid=cameras-table]").GetAttribute("data-total")));
        Assert.Equal(50, Names(page).Count);
        Assert.Equal(Names(page).Order(StringComparer.Ordinal), Names(page)); // sorted by name
        Assert.DoesNotContain(Names(page), n => n.StartsWith("Not mine", StringComparison.Ordinal));

        // Page 2 holds the remaining ten; a selection made on page 1 is still counted there.
        await page.InvokeAsync(() => page.FindAll("tbody input[type=checkbox]")[0].Change(true));
        await page.InvokeAsync(() => page.FindAll("[data-testid=pager] button").First(b => b.TextContent.Trim() == "2").ClickAsync(new()));
        page.WaitForAssertion(() => Assert.Equal(10, Names(page).Count));
        Assert.Equal("Depot cam 050", Names(page)[0]);
        Assert.Equal("1 selected", page.Find("[data-testid=selected-count]").TextContent.Trim());

        // Sorting runs in the database too and starts again at page 1.
        await ClickAsync(page, "[data-testid=sort-Name]"); // already by name: the second direction
        page.WaitForAssertion(() => Assert.Equal("Depot cam 059", Names(page)[0]));
        Assert.Equal(50, Names(page).Count);

        // Search is debounced and runs in the database.
        page.Find("#camera-search").Input("cam 017");
        page.WaitForAssertion(() => Assert.Equal(["Depot cam 017"], Names(page)));
        page.Find("#camera-search").Input(cameras[42].SerialNumber.ToLowerInvariant());
        page.WaitForAssertion(() => Assert.Equal(["Depot cam 042"], Names(page)));
        page.Find("#camera-search").Input("not mine");
        page.WaitForAssertion(() => Assert.Equal("0", page.Find("[data-testid=cameras-table]").GetAttribute("data-total")));
    }

    [Fact]
    public async Task A_state_filter_from_the_dashboard_link_applies_and_selection_is_kept_by_id()
    {
        var states = Enumerable.Range(0, 30).Select(i => i < 4 ? HealthState.Offline : HealthState.Warning).ToArray();
        var (site, cameras) = await SeedSiteAsync("Yard", states);
        await SignInAsync(FleetRoles.Operator, new TenantMembership { TenantId = site.TenantId });

        var page = RenderPage($"cameras?state=Offline&site={site.Id}");
        page.WaitForAssertion(() => Assert.Equal("4", page.Find("[data-testid=cameras-table]").GetAttribute("data-total")));
        Assert.All(page.FindAll("[data-testid=camera-row]"), row => Assert.Contains(row.GetAttribute("data-camera"), cameras.Take(4).Select(c => c.Id.ToString())));
        Assert.All(page.FindAll(".hf-health-chip"), chip => Assert.Equal("Offline", chip.GetAttribute("data-state")));

        await page.InvokeAsync(() => page.FindAll("tbody input[type=checkbox]")[0].Change(true));
        page.WaitForAssertion(() => Assert.Equal("1 selected", page.Find("[data-testid=selected-count]").TextContent.Trim()));
        await ClickAsync(page, "[data-testid=select-all-matching]");
        page.WaitForAssertion(() => Assert.Equal("4 selected", page.Find("[data-testid=selected-count]").TextContent.Trim()));
        // An operator may not retire cameras: the action is absent, not disabled.
        Assert.Empty(page.FindAll("[data-testid=retire-selected]"));
    }
}
