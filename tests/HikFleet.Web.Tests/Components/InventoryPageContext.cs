using HikFleet.Core.Health;
using HikFleet.Isapi;
using System.Net;
using System.Security.Claims;
using Bunit;
using Bunit.TestDoubles;
using HikFleet.Core.Audit;
using HikFleet.Core.Cameras;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Devices;
using HikFleet.Core.Inventory;
using HikFleet.Core.Operations;
using HikFleet.Core.Security;
using HikFleet.Core.Sites;
using HikFleet.Core.Vault;
using HikFleet.Testing;
using HikFleet.Web.Auth;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;

namespace HikFleet.Web.Tests.Components;

/// <summary>
/// bUnit over a real, migrated PostgreSQL database with the real Core services the inventory pages use; a real user of a
/// given role and membership is signed in to the rendered page.
/// </summary>
public abstract class InventoryPageContext : BunitContext
{
    private readonly BunitAuthorizationContext _auth;

    protected InventoryPageContext(MigratedDatabase database)
    {
        Database = database;
        // The first render in a cold process builds the EF model and JITs MudBlazor; on 2 busy cores that takes seconds.
        DefaultWaitTimeout = TimeSpan.FromSeconds(30);
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        Services.AddSingleton(database.ContextFactory);
        Services.AddSingleton(TimeProvider.System);
        Services.AddFleetAudit();
        Services.AddSingleton(VaultKeyRing.CreateNew(out _));
        Services.AddSingleton<CredentialVault>();
        Services.AddSingleton<SiteService>();
        Services.AddSingleton<CameraService>();
        Services.AddSingleton<InventoryQueries>();
        Services.AddSingleton<FleetChangeFeed>();
        Services.AddSingleton<FleetScopeProvider>();
        // "Check now" on the camera page runs the real health check (against loopback only).
        Services.AddLogging();
        Services.AddSingleton<Microsoft.Extensions.Configuration.IConfiguration>(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build());
        Services.AddIsapi();
        Services.AddOptions<DeviceAccessOptions>();
        Services.AddSingleton<DeviceAccess>();
        Services.AddFleetHealth();
        // Operations: the real service and queries on the real database. bUnit hosts no job server, so nothing here may start one
        // for real (tests that run operations end to end are OperationsApiTests, on the real host).
        Services.AddOptions<OperationOptions>();
        Services.AddSingleton<IOperationScheduler, NoJobServer>();
        Services.AddSingleton<OperationCreator>();
        Services.AddSingleton<OperationService>();
        Services.AddSingleton<OperationQueries>();
        Services.AddSingleton<HikFleet.Core.Profiles.ProfileService>();
        // The firmware library (camera page "Upgrade firmware…"): a scratch store that stays empty in these tests.
        Services.AddOptions<HikFleet.Core.Firmware.FirmwareOptions>().Configure(o => o.Directory = Path.Combine(Path.GetTempPath(), "hikfleet-bunit-firmware"));
        Services.AddSingleton<HikFleet.Core.Firmware.FirmwareStore>();
        Services.AddSingleton<HikFleet.Core.Firmware.FirmwareLibrary>();
        // PoE switches (camera page "Power (PoE)", the PoE page): the real services; a switch in these tests answers no SNMP.
        HikFleet.Core.Poe.PoeServiceCollectionExtensions.AddFleetPoe(Services);
        _auth = AddAuthorization();
        Services.AddCascadingAuthenticationState();
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    protected MigratedDatabase Database { get; }

    protected static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    protected FleetChangeFeed Feed => Services.GetRequiredService<FleetChangeFeed>();

    protected async Task<FleetUser> SignInAsync(string role, params TenantMembership[] memberships)
    {
        var user = await TestUsers.CreateAsync(Database, $"{role}-{Guid.NewGuid():N}"[..20], role, memberships);
        _auth.SetAuthorized(user.UserName!);
        // SetRoles replaces earlier claims: the user id goes last.
        _auth.SetRoles(role);
        _auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()));
        return user;
    }

    protected void RenderProviders()
    {
        Render<MudPopoverProvider>();
        Render<MudSnackbarProvider>();
    }

    /// <summary>Find and click in one dispatcher turn, so a re-render in between cannot swap the handler.</summary>
    protected static Task ClickAsync<T>(IRenderedComponent<T> component, string selector) where T : IComponent =>
        component.InvokeAsync(() => component.Find(selector).ClickAsync(new()));

    /// <summary>A tenant with a site (subnet 10.77.0.0/16) and cameras in the given states.</summary>
    protected async Task<(Site Site, List<Camera> Cameras)> SeedSiteAsync(string siteName, params HealthState[] states)
    {
        await using var db = Database.CreateContext();
        var site = await TestFleet.CreateSiteAsync(db, siteName, "10.77.0.0/16");
        var cameras = states.Select((state, i) =>
        {
            var camera = TestFleet.NewCamera(site.Id, address: $"10.77.{Random.Shared.Next(0, 255)}.{i % 250 + 1}");
            camera.Name = $"{siteName} cam {i:D3}";
            camera.Health = state;
            camera.HealthChangedAt = DateTimeOffset.UtcNow.AddMinutes(-i - 1);
            camera.HealthSummary = $"{state} summary {i}";
            return camera;
        }).ToList();
        db.Cameras.AddRange(cameras);
        await db.SaveChangesAsync(Ct);
        return (site, cameras);
    }
}

/// <summary>bUnit renders pages without a job server: queuing an operation here is a test mistake, said loudly.</summary>
internal sealed class NoJobServer : IOperationScheduler
{
    public void Enqueue(Guid operationId) => throw new InvalidOperationException("No job server in bUnit tests; start operations in OperationsApiTests.");

    public void Schedule(Guid operationId, TimeSpan after) => Enqueue(operationId);
}
