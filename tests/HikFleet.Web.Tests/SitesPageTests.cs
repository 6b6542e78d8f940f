using AngleSharp.Dom;
using Bunit;
using Bunit.TestDoubles;
using HikFleet.Core.Data;
using System.Security.Claims;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Security;
using HikFleet.Web.Auth;
using HikFleet.Core.Sites;
using HikFleet.Testing;
using HikFleet.Web.Components.Pages.Sites;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;
using TestContext = Xunit.TestContext;

namespace HikFleet.Web.Tests;

/// <summary>The Sites page rendered by bUnit over a real, migrated PostgreSQL database.</summary>
public sealed class SitesPageTests : BunitContext, IClassFixture<MigratedDatabase>
{
    private readonly MigratedDatabase _database;
    private readonly BunitAuthorizationContext _auth;

    public SitesPageTests(MigratedDatabase database)
    {
        _database = database;
        // The first render in a cold process builds the EF model and JITs MudBlazor; on 2 busy cores that takes seconds.
        DefaultWaitTimeout = TimeSpan.FromSeconds(30);
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        Services.AddSingleton(database.ContextFactory);
        Services.AddSingleton(TimeProvider.System);
        Services.AddSingleton<HikFleet.Core.Audit.AuditLog>();
        Services.AddSingleton(HikFleet.Core.Vault.VaultKeyRing.CreateNew(out _));
        Services.AddSingleton<HikFleet.Core.Vault.CredentialVault>();
        Services.AddSingleton<SiteService>();
        Services.AddSingleton<FleetScopeProvider>();
        _auth = AddAuthorization();
        Services.AddCascadingAuthenticationState();
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    /// <summary>Signs a real database user of this role in to the rendered page.</summary>
    private async Task SignInAsync(string role, params TenantMembership[] memberships)
    {
        var user = await TestUsers.CreateAsync(_database, $"{role}-{Guid.NewGuid():N}"[..20], role, memberships);
        _auth.SetAuthorized(user.UserName!);
        // SetRoles replaces earlier claims: the user id goes last.
        _auth.SetRoles(role);
        _auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()));
    }

    private async Task<Tenant> TenantAsync()
    {
        await using var db = _database.CreateContext();
        var tenant = await db.Tenants.FirstOrDefaultAsync(TestContext.Current.CancellationToken);
        if (tenant is null)
        {
            tenant = new Tenant { Name = "Bunit tenant" };
            db.Tenants.Add(tenant);
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        return tenant;
    }

    private IRenderedComponent<Sites> RenderPage()
    {
        Render<MudPopoverProvider>();
        Render<MudSnackbarProvider>();
        var page = Render<Sites>();
        page.WaitForElement("[data-testid=sites-table][data-loaded=true]");
        return page;
    }

    /// <summary>Find and click in one dispatcher turn, so a re-render in between cannot swap the handler.</summary>
    private static Task ClickAsync(IRenderedComponent<Sites> page, string selector) =>
        page.InvokeAsync(() => page.Find(selector).ClickAsync(new()));

    private static void Type(IRenderedComponent<Sites> page, string inputId, string value) =>
        page.Find($"#{inputId}").Input(value);

    [Fact]
    public async Task Creating_a_site_persists_it_and_lists_it()
    {
        await TenantAsync();
        await SignInAsync(FleetRoles.Administrator);
        var page = RenderPage();
        await ClickAsync(page, "[data-testid=new-site]");
        Type(page, "site-name", "Harbour Gate");
        Type(page, "site-timezone", "Europe/Amsterdam");
        Type(page, "site-subnets", "10.9.0.0/24, 10.9.1.0/24");
        Type(page, "site-ntp", "10.9.0.1");
        await ClickAsync(page, "[data-testid=save-site]");

        page.WaitForAssertion(() => Assert.Contains("Harbour Gate", page.FindAll("[data-testid=site-name-cell]").Select(c => c.TextContent)));
        Assert.Empty(page.FindAll("[data-testid=site-editor]"));

        await using var db = _database.CreateContext();
        var site = await db.Sites.SingleAsync(s => s.Name == "Harbour Gate", TestContext.Current.CancellationToken);
        Assert.Equal("Europe/Amsterdam", site.TimeZone);
        Assert.Equal(2, site.Subnets.Count);
        Assert.Equal("10.9.0.1", site.NtpServer);
    }

    [Fact]
    public async Task Invalid_input_shows_field_errors_and_keeps_what_was_typed()
    {
        var tenant = await TenantAsync();
        await SignInAsync(FleetRoles.TenantAdmin, new TenantMembership { TenantId = tenant.Id });
        var page = RenderPage();

        await ClickAsync(page, "[data-testid=new-site]");
        Type(page, "site-name", "Bad Site");
        Type(page, "site-timezone", "Nowhere/Special");
        Type(page, "site-subnets", "10.0.0.7/24");
        await ClickAsync(page, "[data-testid=save-site]");

        page.WaitForAssertion(() =>
        {
            Assert.Contains("is not an IANA time zone", page.Markup);
            Assert.Contains("did you mean 10.0.0.0/24", page.Markup);
        });
        Assert.Equal("Bad Site", page.Find("#site-name").GetAttribute("value"));
        await using var db = _database.CreateContext();
        Assert.False(await db.Sites.AnyAsync(s => s.Name == "Bad Site", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Editing_and_deleting_a_site_from_the_list()
    {
        var tenant = await TenantAsync();
        await SignInAsync(FleetRoles.Administrator);
        var service = Services.GetRequiredService<SiteService>();
        var created = await service.CreateAsync(FleetScope.System,
            new SiteInput { TenantId = tenant.Id, Name = "Old Name", TimeZone = "UTC" }, TestContext.Current.CancellationToken);
        var page = RenderPage();

        await page.InvokeAsync(() => page.FindAll("tr").Single(r => r.TextContent.Contains("Old Name"))
            .QuerySelector("[data-testid=edit-site]")!.ClickAsync(new()));
        page.WaitForState(() => page.FindAll("#site-name").Count == 1);
        Type(page, "site-name", "New Name");
        await ClickAsync(page, "[data-testid=save-site]");
        page.WaitForAssertion(() => Assert.Contains("New Name", page.FindAll("[data-testid=site-name-cell]").Select(c => c.TextContent)));

        await page.InvokeAsync(() => page.FindAll("tr").Single(r => r.TextContent.Contains("New Name"))
            .QuerySelector("[data-testid=delete-site]")!.ClickAsync(new()));
        await ClickAsync(page, "[data-testid=confirm-delete]");
        page.WaitForAssertion(() => Assert.DoesNotContain("New Name", page.FindAll("[data-testid=site-name-cell]").Select(c => c.TextContent)));

        await using var db = _database.CreateContext();
        Assert.False(await db.Sites.AnyAsync(s => s.Id == created.Id, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_viewer_sees_the_sites_but_no_way_to_change_them()
    {
        var tenant = await TenantAsync();
        await Services.GetRequiredService<SiteService>().CreateAsync(FleetScope.System,
            new SiteInput { TenantId = tenant.Id, Name = $"Viewed {Guid.NewGuid():N}"[..16], TimeZone = "UTC" }, TestContext.Current.CancellationToken);
        await SignInAsync(FleetRoles.Viewer, new TenantMembership { TenantId = tenant.Id });

        var page = RenderPage();

        Assert.Contains("Viewed", page.Markup);
        Assert.Empty(page.FindAll("[data-testid=new-site]"));
        Assert.Empty(page.FindAll("[data-testid=edit-site]"));
        Assert.Empty(page.FindAll("[data-testid=delete-site]"));
    }
}
