using System.Security.Claims;
using Bunit;
using Bunit.TestDoubles;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Devices;
using HikFleet.Core.Operations;
using HikFleet.Core.Profiles;
using HikFleet.Core.Security;
using HikFleet.Isapi;
using HikFleet.Testing;
using HikFleet.Web.Auth;
using HikFleet.Web.Components.Pages.Profiles;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;
using TestContext = Xunit.TestContext;

namespace HikFleet.Web.Tests;

/// <summary>The Profiles page rendered by bUnit over a real, migrated PostgreSQL database.</summary>
public sealed class ProfilesPageTests : BunitContext, IClassFixture<MigratedDatabase>
{
    private readonly MigratedDatabase _database;
    private readonly BunitAuthorizationContext _auth;

    public ProfilesPageTests(MigratedDatabase database)
    {
        _database = database;
        DefaultWaitTimeout = TimeSpan.FromSeconds(30);
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        Services.AddSingleton(database.ContextFactory);
        Services.AddSingleton(TimeProvider.System);
        Services.AddSingleton<HikFleet.Core.Audit.AuditLog>();
        Services.AddSingleton(HikFleet.Core.Vault.VaultKeyRing.CreateNew(out _));
        Services.AddSingleton<HikFleet.Core.Vault.CredentialVault>();
        Services.AddSingleton<IIsapiClientFactory>(new IsapiClientFactory());
        Services.AddOptions<DeviceAccessOptions>();
        Services.AddOptions<OperationOptions>();
        Services.AddSingleton<DeviceAccess>();
        Services.AddSingleton<FleetChangeFeed>();
        // The page never starts operations; the creator's scheduler is never called here.
        Services.AddSingleton<IOperationScheduler, UnusedScheduler>();
        Services.AddSingleton<OperationCreator>();
        Services.AddSingleton<ProfileService>();
        Services.AddSingleton<FleetScopeProvider>();
        _auth = AddAuthorization();
        Services.AddCascadingAuthenticationState();
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    private async Task SignInAsync(string role, params TenantMembership[] memberships)
    {
        var user = await TestUsers.CreateAsync(_database, $"{role}-{Guid.NewGuid():N}"[..20], role, memberships);
        _auth.SetAuthorized(user.UserName!);
        _auth.SetRoles(role);
        _auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()));
    }

    private async Task<Tenant> NewTenantAsync()
    {
        await using var db = _database.CreateContext();
        var tenant = new Tenant { Name = $"Tenant {Guid.NewGuid():N}"[..16] };
        db.Tenants.Add(tenant);
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        return tenant;
    }

    private IRenderedComponent<Profiles> RenderPage()
    {
        Render<MudPopoverProvider>();
        Render<MudSnackbarProvider>();
        var page = Render<Profiles>();
        page.WaitForElement("[data-testid=profiles-table][data-loaded=true]");
        return page;
    }

    private static Task ClickAsync(IRenderedComponent<Profiles> page, string selector) =>
        page.InvokeAsync(() => page.Find(selector).ClickAsync(new()));

    [Fact]
    public async Task Field_errors_show_next_to_the_fields_then_a_fixed_profile_is_saved_and_listed()
    {
        var tenant = await NewTenantAsync();
        await SignInAsync(FleetRoles.TenantAdmin, new TenantMembership { TenantId = tenant.Id });
        var page = RenderPage();

        await ClickAsync(page, "[data-testid=new-profile]");
        page.Find("#profile-name").Input("Fleet standard");
        // The device's string is shown while typing.
        page.Find("#profile-timezone").Input("Europe/Berlin");
        page.WaitForAssertion(() => Assert.Contains("Cameras get CST-1:00:00DST01:00:00,M3.5.0/02:00:00,M10.5.0/03:00:00", page.Markup));
        page.Find("#profile-timezone").Input("Berlin");
        page.Find("#profile-osd").Input("<{camera}>");
        page.Find("#profile-motion-sensitivity").Change("150");
        await ClickAsync(page, "[data-testid=save-profile]");

        page.WaitForAssertion(() =>
        {
            Assert.Contains("'Berlin' is not an IANA time zone", page.Markup);
            Assert.Contains("'&lt;' is not accepted in a camera's OSD name", page.Markup);
            Assert.Contains("Motion sensitivity is between 0 and 100.", page.Markup);
        });
        await using (var db = _database.CreateContext())
        {
            Assert.False(await db.ConfigurationProfiles.AnyAsync(p => p.TenantId == tenant.Id, TestContext.Current.CancellationToken));
        }

        page.Find("#profile-timezone").Input("Europe/Berlin");
        page.Find("#profile-osd").Input("{site} {camera}");
        page.Find("#profile-motion-sensitivity").Change("70");
        await ClickAsync(page, "[data-testid=save-profile]");

        page.WaitForAssertion(() => Assert.Contains("Fleet standard", page.FindAll("[data-testid=profile-name-cell]").Select(c => c.TextContent)));
        await using var check = _database.CreateContext();
        var saved = await check.ConfigurationProfiles.AsNoTracking().SingleAsync(p => p.TenantId == tenant.Id, TestContext.Current.CancellationToken);
        Assert.Null(saved.SiteId);
        var settings = ProfileSettings.FromJson(saved.Settings);
        Assert.Equal(("Europe/Berlin", "{site} {camera}", 70), (settings.TimeZone, settings.OsdNamePattern, settings.MotionSensitivity));
    }

    [Fact]
    public async Task A_viewer_sees_the_profiles_read_only()
    {
        var tenant = await NewTenantAsync();
        await using (var db = _database.CreateContext())
        {
            db.ConfigurationProfiles.Add(new ConfigurationProfile
            {
                TenantId = tenant.Id, Name = "Read me", Settings = new ProfileSettings { TimeZone = "Asia/Tokyo", CloudAccessAllowed = false }.ToJson(),
            });
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        await SignInAsync(FleetRoles.Viewer, new TenantMembership { TenantId = tenant.Id });
        var page = RenderPage();

        Assert.Equal(["Read me"], page.FindAll("[data-testid=profile-name-cell]").Select(c => c.TextContent));
        Assert.Contains("Asia/Tokyo · no cloud", page.Markup);
        Assert.Contains("read-only", page.Markup);
        Assert.Empty(page.FindAll("[data-testid=new-profile]"));
        Assert.Empty(page.FindAll("[data-testid=edit-profile]"));
    }

    [Fact]
    public async Task The_hardening_fields_are_edited_with_their_range_checked()
    {
        var tenant = await NewTenantAsync();
        await using (var db = _database.CreateContext())
        {
            db.ConfigurationProfiles.Add(new ConfigurationProfile
            {
                TenantId = tenant.Id, Name = "Hardened",
                Settings = new ProfileSettings { LoginLock = new LoginLockPolicy(true, 5, 30), HttpsEnabled = true, CloudAccessAllowed = false }.ToJson(),
            });
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        await SignInAsync(FleetRoles.TenantAdmin, new TenantMembership { TenantId = tenant.Id });
        var page = RenderPage();
        Assert.Contains("no cloud · login lock on after 5 for 30 min · HTTPS on", page.Markup);

        await ClickAsync(page, "[data-testid=edit-profile]");
        Assert.Equal("5", page.Find("#profile-login-attempts").GetAttribute("value"));
        Assert.Equal("30", page.Find("#profile-lock-minutes").GetAttribute("value"));
        page.Find("#profile-login-attempts").Change("2");
        await ClickAsync(page, "[data-testid=save-profile]");
        page.WaitForAssertion(() => Assert.Contains("Failed logins before the lock are between 3 and 20 (the cameras' range); 2 is not.", page.Markup));

        page.Find("#profile-login-attempts").Change("8");
        page.Find("#profile-lock-minutes").Change("45");
        await ClickAsync(page, "[data-testid=save-profile]");
        page.WaitForAssertion(() => Assert.Contains("login lock on after 8 for 45 min · HTTPS on", page.Markup));
        await using var check = _database.CreateContext();
        var saved = ProfileSettings.FromJson((await check.ConfigurationProfiles.AsNoTracking().SingleAsync(p => p.TenantId == tenant.Id, TestContext.Current.CancellationToken)).Settings);
        Assert.Equal(new LoginLockPolicy(true, 8, 45), saved.LoginLock);
        Assert.True(saved.HttpsEnabled);
    }

    private sealed class UnusedScheduler : IOperationScheduler
    {
        public void Enqueue(Guid operationId) => throw new InvalidOperationException("The profiles page does not start operations.");

        public void Schedule(Guid operationId, TimeSpan after) => throw new InvalidOperationException("The profiles page does not start operations.");
    }
}
