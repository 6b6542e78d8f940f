using Bunit;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Devices;
using HikFleet.Core.Security;
using HikFleet.Testing;
using HikFleet.Web.Components.Pages.Dashboard;
using Microsoft.EntityFrameworkCore;

namespace HikFleet.Web.Tests.Components;

/// <summary>The dashboard rendered from real seeded data: its numbers are the database's numbers, for the signed-in user's scope.</summary>
public sealed class DashboardTests(MigratedDatabase database) : InventoryPageContext(database), IClassFixture<MigratedDatabase>
{
    private IRenderedComponent<Dashboard> RenderPage()
    {
        RenderProviders();
        var page = Render<Dashboard>();
        page.WaitForElement("[data-testid=dashboard][data-loaded=true]");
        return page;
    }

    [Fact]
    public async Task Counts_and_problems_match_the_database_for_the_users_tenant_and_update_live()
    {
        var (mine, cameras) = await SeedSiteAsync("Harbour",
            HealthState.Healthy, HealthState.Healthy, HealthState.Offline, HealthState.Critical, HealthState.Warning, HealthState.Locked);
        var (theirs, _) = await SeedSiteAsync("Elsewhere", HealthState.Offline, HealthState.Offline, HealthState.Critical);
        await using (var db = Database.CreateContext())
        {
            db.CameraFindings.Add(new CameraFinding
            {
                CameraId = cameras[3].Id, Code = "reboot-loop", Severity = FindingSeverity.Critical, Summary = "Restarted 4 times in an hour",
                Fix = "Check the PoE budget and the cable.", FirstSeenAt = DateTimeOffset.UtcNow.AddHours(-1), LastSeenAt = DateTimeOffset.UtcNow,
            });
            db.CameraEvents.Add(new CameraEvent { CameraId = cameras[2].Id, At = DateTimeOffset.UtcNow, Kind = CameraEventKinds.HealthChanged, Detail = "<script>x</script>" });
            await db.SaveChangesAsync(Ct);
        }

        await SignInAsync(FleetRoles.Viewer, new TenantMembership { TenantId = mine.TenantId });
        var page = RenderPage();

        // Every count is what the database holds for this tenant, nothing of the other tenant.
        await using (var db = Database.CreateContext())
        {
            var expected = await db.Cameras.Where(c => c.Site!.TenantId == mine.TenantId && c.Lifecycle == CameraLifecycle.Managed)
                .GroupBy(c => c.Health).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(Ct);
            foreach (var state in Enum.GetValues<HealthState>())
            {
                Assert.Equal((expected.SingleOrDefault(e => e.Key == state)?.Count ?? 0).ToString(), page.Find($"[data-testid=count-{state}]").TextContent.Trim());
            }

            Assert.Equal(expected.Sum(e => e.Count).ToString(), page.Find("[data-testid=count-total]").TextContent.Trim());
        }

        // The problems: offline, critical (with its fix) and locked cameras of this tenant, linked to their pages; never the other tenant's.
        var problems = page.FindAll("[data-testid=problem-row]");
        Assert.Equal([cameras[2].Id, cameras[3].Id, cameras[5].Id], problems.Select(r => Guid.Parse(r.GetAttribute("data-camera")!)));
        Assert.Contains("Check the PoE budget and the cable.", problems[1].TextContent);
        Assert.NotNull(problems[0].QuerySelector($"a[href='cameras/{cameras[2].Id}']"));
        Assert.DoesNotContain("Elsewhere", page.Markup);
        Assert.Single(page.FindAll("[data-testid=site-row]"));
        Assert.Equal("6", page.Find("[data-testid=site-total]").TextContent.Trim());

        // Device-supplied text is rendered as text.
        Assert.Contains("&lt;script&gt;x&lt;/script&gt;", page.Find("[data-testid=event-row]").InnerHtml);

        // A change in another tenant is ignored; a change here shows up without a reload.
        await using (var db = Database.CreateContext())
        {
            await db.Cameras.Where(c => c.Id == cameras[0].Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.Health, HealthState.Offline), Ct);
        }

        Feed.Publish(new FleetChange("health", theirs.TenantId, theirs.Id));
        await Task.Delay(1500, Ct);
        Assert.Equal("1", page.Find("[data-testid=count-Offline]").TextContent.Trim());
        Feed.Publish(new FleetChange("health", mine.TenantId, mine.Id, cameras[0].Id));
        page.WaitForAssertion(() => Assert.Equal("2", page.Find("[data-testid=count-Offline]").TextContent.Trim()));
        Assert.Equal(4, page.FindAll("[data-testid=problem-row]").Count);
    }

    [Fact]
    public async Task An_empty_scope_renders_an_empty_dashboard_not_an_error()
    {
        await SeedSiteAsync("Someone else's", HealthState.Offline);
        await SignInAsync(FleetRoles.Viewer);
        var page = RenderPage();
        Assert.Equal("0", page.Find("[data-testid=count-total]").TextContent.Trim());
        Assert.NotNull(page.Find("[data-testid=no-problems]"));
    }
}
