// The simulator's own Program would clash with the web app's (WebApplicationFactory<Program>): it comes in under an alias.
extern alias simulator;

using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using HikFleet.Core;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Security;
using HikFleet.Core.Vault;
using HikFleet.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using simulator::HikFleet.Simulator;

namespace HikFleet.Web.Tests;

/// <summary>
/// End to end in a real browser (issue #12): Playwright drives Debian's Chromium (<c>/usr/bin/chromium</c>, installed by
/// <c>deploy/install.sh --browser</c>; no browser is ever downloaded) against the real app process on 127.0.0.1 with PostgreSQL and
/// the simulator: sign in, the dashboard, a reboot followed live to its end, and a screenshot of each main page kept in
/// <c>$HIKFLEET_ARTIFACTS/screenshots</c> (default: the test output directory).
/// </summary>
public sealed class BrowserTests(MigratedDatabase database) : IClassFixture<MigratedDatabase>
{
    private const string DevicePassword = "Browser#Cam-2026", AdminPassword = "Browser#Admin-2026x";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Shots => Directory.CreateDirectory(Path.Combine(
        Environment.GetEnvironmentVariable("HIKFLEET_ARTIFACTS") is { Length: > 0 } a ? a : AppContext.BaseDirectory, "screenshots")).FullName;

    [Fact]
    public async Task An_administrator_signs_in_sees_the_dashboard_and_follows_a_reboot_live_to_its_end()
    {
        Assert.True(File.Exists("/usr/bin/chromium"), "Debian's Chromium is missing: run deploy/install.sh --browser (deploy/test.sh does).");
        var b = RandomNumberGenerator.GetInt32(32, 250);
        await using var fleet = await VirtualFleet.StartAsync(new SimulatorOptions
        {
            Cameras = 0, HttpPort = 0, HttpsPort = 0, Sadp = false, TimeScale = 1, RebootSeconds = 1.6, RebootDropSeconds = 0.3, Control = null,
            BaseAddress = IPAddress.Parse($"127.{b}.{RandomNumberGenerator.GetInt32(1, 250)}.10"), FactoryAddress = IPAddress.Parse($"127.{b}.251.64"),
        }, Ct);
        var healthy = fleet.AddDevice(new DeviceSpec { Password = DevicePassword, Name = "Lobby" });
        var broken = fleet.AddDevice(new DeviceSpec { Password = DevicePassword, Name = "Loading dock", Faults = new DeviceFaults { SdCardError = true } });

        var keys = VaultKeyRing.NewKeyLine();
        await using var provider = CoreServices(keys);
        // The PoE page's screenshot shows a switch as its last poll left it; the switch itself is a loopback socket that never answers.
        using var silentSwitch = new SilentUdpEndpoint();
        Camera lobby;
        await using (var db = database.CreateContext())
        {
            var site = await TestFleet.CreateSiteAsync(db, "Headquarters");
            lobby = Managed(site, healthy, "Lobby");
            var dock = Managed(site, broken, "Loading dock");
            db.Cameras.AddRange(lobby, dock);
            await db.SaveChangesAsync(Ct);
            foreach (var c in db.Cameras.Local) await provider.GetRequiredService<CredentialVault>().StoreForCameraAsync(db, c.Id, "admin", DevicePassword, "test", Ct);
            var sw = PolledSwitch(provider, site, silentSwitch.Port, lobby, dock);
            db.PoeSwitches.Add(sw);
            db.PoePortMappings.AddRange(
                new PoePortMapping { CameraId = lobby.Id, SwitchId = sw.Id, Port = 1, Source = PoePortMappingSource.Discovered, FoundAt = DateTimeOffset.UtcNow, ConfirmedAt = DateTimeOffset.UtcNow, ConfirmedBy = "admin" },
                new PoePortMapping { CameraId = dock.Id, SwitchId = sw.Id, Port = 2, Source = PoePortMappingSource.Discovered, FoundAt = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync(Ct);
        }

        var (app, url, output) = StartApp(keys);
        try
        {
            await WaitHealthyAsync(url, app, output);
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await LaunchAsync(playwright);
            var page = await NewPageAsync(browser, url);

            await SignInAsync(page, "admin", AdminPassword);
            await Shot(page, "dashboard");

            // Health finds the broken SD card (Check now on its page), and the camera list shows both cameras.
            await page.GotoAsync("/cameras");
            await page.GetByText("Loading dock").First.WaitForAsync();
            await Shot(page, "cameras");

            // Reboot the lobby camera and follow the operation live until it succeeds.
            await page.GotoAsync($"/cameras/{lobby.Id}");
            // It answers: Reboot is the primary action; its PoE port (confirmed) is shown in its own section.
            await page.Locator("[data-testid=camera-poe][data-confirmed=True]").WaitForAsync();
            Assert.Equal("True", await page.GetAttributeAsync("[data-testid=reboot]", "data-primary"));
            await Shot(page, "camera-poe");
            await page.ClickAsync("[data-testid=reboot]");
            await page.FillAsync("#operation-reason", "Picture frozen since this morning");
            await Shot(page, "reboot-dialog");
            await page.ClickAsync("[data-testid=start-operation]");
            await page.ClickAsync("[data-testid=active-operation]");
            await page.Locator("[data-testid=operation-page][data-state=Succeeded]").WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
            Assert.Contains("Picture frozen since this morning", await page.InnerTextAsync("[data-testid=operation-reason]"));
            await Shot(page, "operation");
            Assert.Equal(1, healthy.RebootCount);

            foreach (var (path, name) in new[] { ("/operations", "operations"), ("/sites", "sites"), ("/poe", "poe"), ("/firmware", "firmware"), ("/alerts", "alerts"),
                         ("/profiles", "profiles"), ("/discovery", "discovery"), ("/audit", "audit") })
            {
                var response = await page.GotoAsync(path);
                Assert.True(response is { Ok: true }, $"{path}: {response?.Status}");
                await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
                await Shot(page, name);
            }

            // The switch's ports render once the page's data has loaded: wait for the interactive render (the prerendered rows are
            // replaced by a loading bar while the circuit loads them again: counted then, they were 0 once in CI) — its "Poll now"
            // is enabled only then — and for the fourth row, then count them all.
            Assert.True(await page.GotoAsync("/poe") is { Ok: true });
            await page.Locator("[data-testid=poll-switch]:enabled").First.WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
            await page.Locator("[data-testid=port-row]").Nth(3).WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
            Assert.Equal(4, await page.Locator("[data-testid=port-row]").CountAsync());

            // The audit trail shows the reboot with the reason, by the administrator.
            await page.GotoAsync("/audit");
            await page.GetByText("camera.reboot.request").First.WaitForAsync();
        }
        catch (Exception e) when (e is PlaywrightException or TimeoutException)
        {
            await FailWithOutputAsync(e, output);
        }
        finally
        {
            await StopAsync(app);
        }
    }

    [Fact]
    public async Task A_full_factory_reset_runs_to_a_verified_restore_an_auditor_sees_it_but_cannot_act_and_another_tenant_sees_nothing()
    {
        var subnet = new IPAddress([127, (byte)RandomNumberGenerator.GetInt32(32, 250), (byte)RandomNumberGenerator.GetInt32(1, 249), 0]);
        var o = subnet.GetAddressBytes();
        await using var fleet = await VirtualFleet.StartAsync(new SimulatorOptions
        {
            Cameras = 0, BaseAddress = new IPAddress([o[0], o[1], o[2], 10]), HttpPort = 0, HttpsPort = 0, SadpPort = 0, Sadp = true, TimeScale = 1,
            RebootSeconds = 1.6, RebootDropSeconds = 0.3, FactoryAddress = new IPAddress([o[0], o[1], (byte)(o[2] + 1), 64]), Control = null,
            Seed = RandomNumberGenerator.GetInt32(1, int.MaxValue),
        }, Ct);
        var device = fleet.AddDevice(new DeviceSpec { Password = DevicePassword, Name = "Gate" });

        var keys = VaultKeyRing.NewKeyLine();
        await using var provider = CoreServices(keys);
        Camera gate;
        Site site, other;
        await using (var db = database.CreateContext())
        {
            site = await TestFleet.CreateSiteAsync(db, "Depot", $"{subnet}/24");
            other = await TestFleet.CreateSiteAsync(db, "Elsewhere");
            gate = Managed(site, device, "Gate");
            db.Cameras.Add(gate);
            await db.SaveChangesAsync(Ct);
            await provider.GetRequiredService<CredentialVault>().StoreForCameraAsync(db, gate.Id, "admin", DevicePassword, "test", Ct);
            await db.SaveChangesAsync(Ct);
        }

        var (app, url, output) = StartApp(keys, new Dictionary<string, string>
        {
            ["Sadp__Port"] = fleet.SadpPort!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Sadp__QuietWindow"] = "00:00:00.800", ["Sadp__ProbeRounds"] = "2", ["Sadp__ProbeInterval"] = "00:00:00.200",
            ["Sadp__MaxDuration"] = "00:00:04", ["Sadp__CommandTimeout"] = "00:00:02",
            ["Fleet__Operations__BootTimeout"] = "00:01:00", ["Fleet__Operations__StepTimeout"] = "00:01:00",
        });
        try
        {
            await WaitHealthyAsync(url, app, output);
            // People other than the bootstrap administrator exist only once the app started (the bootstrap runs on an empty user table).
            const string UserPassword = "Browser#User-2026x";
            await TestUsers.CreateAsync(database, "auditor-depot", FleetRoles.Auditor, [new TenantMembership { TenantId = site.TenantId }], UserPassword);
            await TestUsers.CreateAsync(database, "operator-elsewhere", FleetRoles.Operator, [new TenantMembership { TenantId = other.TenantId }], UserPassword);
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await LaunchAsync(playwright);
            var page = await NewPageAsync(browser, url);
            await SignInAsync(page, "admin", AdminPassword);

            // Full reset from the camera page: mode, reason, the serial typed; then followed to a verified restore.
            await page.GotoAsync($"/cameras/{gate.Id}");
            await page.ClickAsync("[data-testid=factory-reset]");
            await page.ClickAsync("[data-testid=mode-full]");
            await page.FillAsync("#operation-reason", "Installer left it in a mess");
            await page.FillAsync("#reset-confirmation", device.Serial);
            await Shot(page, "factory-reset-dialog");
            await page.ClickAsync("[data-testid=start-operation]");
            await page.ClickAsync("[data-testid=active-operation]");
            await page.Locator("[data-testid=operation-page][data-state=Succeeded]").WaitForAsync(new LocatorWaitForOptions { Timeout = 120_000 });
            Assert.Contains("Restored and verified", await page.InnerTextAsync("[data-testid=operation-summary]"));
            await Shot(page, "factory-reset-verified");
            Assert.Equal(1, device.FactoryResetCount);
            Assert.True(device.Activated);
            Assert.Equal(DevicePassword, device.AdminPassword);

            // The auditor of that tenant sees the reset in the camera's history, and no button to act.
            var auditor = await NewPageAsync(browser, url);
            await SignInAsync(auditor, "auditor-depot", UserPassword);
            await auditor.GotoAsync($"/operations?camera={gate.Id}");
            await auditor.GetByText("Installer left it in a mess").First.WaitForAsync();
            await auditor.GotoAsync($"/cameras/{gate.Id}");
            await auditor.Locator("[data-testid=camera-page]").WaitForAsync();
            Assert.Equal(0, await auditor.Locator("[data-testid=reboot], [data-testid=factory-reset], [data-testid=upgrade-firmware]").CountAsync());
            await Shot(auditor, "auditor-camera");

            // An operator of another tenant: the camera does not exist for them.
            var stranger = await NewPageAsync(browser, url);
            await SignInAsync(stranger, "operator-elsewhere", UserPassword);
            await stranger.GotoAsync($"/cameras/{gate.Id}");
            await stranger.GetByText("There is nothing at this address").WaitForAsync();
            await stranger.GotoAsync("/cameras");
            await stranger.WaitForLoadStateAsync(LoadState.NetworkIdle);
            Assert.Equal(0, await stranger.GetByText("Gate").CountAsync());
        }
        catch (Exception e) when (e is PlaywrightException or TimeoutException)
        {
            await FailWithOutputAsync(e, output);
        }
        finally
        {
            await StopAsync(app);
        }
    }

    private (Process App, string Url, System.Text.StringBuilder Output) StartApp(string vaultKeys, Dictionary<string, string>? more = null,
        TestDatabase? on = null)
    {
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development", // static web assets (MudBlazor's CSS/JS) served from the build output
            ["Fleet__Vault__Keys"] = vaultKeys,
            ["Fleet__Bootstrap__AdminUser"] = "admin",
            ["Fleet__Bootstrap__AdminPassword"] = AdminPassword,
            ["Fleet__Operations__PollInterval"] = "00:00:00.300",
            ["Fleet__Operations__RestartDetectionSlack"] = "00:00:01",
            ["Fleet__Health__ConfirmChecks"] = "1",
            ["Serilog__MinimumLevel__Default"] = "Warning",
        };
        foreach (var (key, value) in more ?? []) environment[key] = value;
        return RunningApp.Start((on ?? database).ConnectionString, environment);
    }

    [Fact]
    public async Task The_run_commands_demo_fleet_shows_its_problems_on_the_dashboard_and_a_factory_fresh_camera_is_adopted()
    {
        var o = new[] { 127, RandomNumberGenerator.GetInt32(32, 250), RandomNumberGenerator.GetInt32(1, 248) };
        var scenario = Path.Combine(Path.GetTempPath(), $"hikfleet-demo-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(scenario, """
            { "devices": [ { "index": 1, "faults": { "offline": true } }, { "index": 3, "faults": { "sdCardError": true } }, { "index": 5, "activated": false } ] }
            """, Ct);
        var controlPort = TestNetwork.FreeTcpPort();
        await using var fleet = await VirtualFleet.StartAsync(new SimulatorOptions
        {
            Cameras = 12, Sites = 6, HttpPort = 0, HttpsPort = 0, SadpPort = 0, Sadp = true, TimeScale = 1, ScenarioFile = scenario,
            BaseAddress = IPAddress.Parse($"{o[0]}.{o[1]}.{o[2]}.10"), FactoryAddress = IPAddress.Parse($"{o[0]}.{o[1]}.{o[2] + 1}.64"),
            Control = new IPEndPoint(IPAddress.Loopback, controlPort), Seed = 7,
        }, Ct);
        File.Delete(scenario);
        var fresh = fleet.Devices[5];
        Assert.False(fresh.Activated);

        var keys = VaultKeyRing.NewKeyLine();
        // A database of its own, as `run` on a fresh machine has: the shared one holds the other browser tests' cameras (sealed
        // with their vault keys) and PoE switches, which this app would sweep and poll every minute alongside the demo fleet.
        await using var demo = new MigratedDatabase();
        await demo.InitializeAsync();
        var (app, url, output) = StartApp(keys, new Dictionary<string, string>
        {
            ["Sadp__Port"] = fleet.SadpPort!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Sadp__QuietWindow"] = "00:00:00.800", ["Sadp__ProbeRounds"] = "2", ["Sadp__ProbeInterval"] = "00:00:00.200",
            ["Sadp__MaxDuration"] = "00:00:04", ["Sadp__CommandTimeout"] = "00:00:02",
        }, demo);
        try
        {
            await WaitHealthyAsync(url, app, output);
            var (seeded, seedErr, _) = await DemoSeedRun.SeedAsync(demo.ConnectionString, keys, Ct, "--devices", $"http://127.0.0.1:{controlPort}/devices");
            Assert.True(seeded == 0, seedErr);

            using var playwright = await Playwright.CreateAsync();
            await using var browser = await LaunchAsync(playwright);
            var page = await NewPageAsync(browser, url);
            await SignInAsync(page, "admin", AdminPassword);

            // Within a minute the seed's first health checks put the fleet's problems on the dashboard, worst first.
            var offline = fleet.Devices[1];
            var storage = fleet.Devices[3];
            await page.GotoAsync("/");
            await page.GetByText(offline.Name!).First.WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
            await page.GetByText(storage.Name!).First.WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
            await page.GetByText("Northwind Security").First.WaitForAsync();
            await Shot(page, "demo-dashboard");

            // The factory-fresh camera of the third simulated site: Scan now on its site, select it, adopt (activated with a
            // generated strong password kept in the vault).
            await using (var db = demo.CreateContext())
            {
                var store12 = await db.Sites.AsNoTracking().SingleAsync(s => s.Name == "Store 12", Ct);
                await page.GotoAsync($"/discovery?site={store12.Id}");
            }

            await page.ClickAsync("[data-testid=scan-now]");
            var row = page.Locator("[data-testid=pending-table] tr", new PageLocatorOptions { HasText = fresh.Serial });
            await row.WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
            await row.Locator("input[type=checkbox]").CheckAsync();
            await Shot(page, "discovery-adopt");
            await page.ClickAsync("[data-testid=adopt]");
            var until = DateTime.UtcNow.AddSeconds(60);
            Camera? adopted = null;
            while (DateTime.UtcNow < until)
            {
                await using var check = demo.CreateContext();
                adopted = await check.Cameras.AsNoTracking().SingleOrDefaultAsync(c => c.SerialNumber == fresh.Serial, Ct);
                if (fresh.Activated && adopted?.Lifecycle == CameraLifecycle.Managed) break;
                await Task.Delay(200, Ct);
            }

            Assert.True(fresh.Activated, "the factory-fresh camera was not activated");
            Assert.Equal(CameraLifecycle.Managed, adopted?.Lifecycle);
            // It left the waiting list; its password (generated, strong) is what the device now has.
            await page.Locator("[data-testid=pending-table] tr", new PageLocatorOptions { HasText = fresh.Serial }).WaitForAsync(
                new LocatorWaitForOptions { State = WaitForSelectorState.Detached, Timeout = 30_000 });
            await Shot(page, "discovery-adopted");
        }
        catch (Exception e) when (e is PlaywrightException or TimeoutException)
        {
            await FailWithOutputAsync(e, output);
        }
        finally
        {
            await StopAsync(app);
        }
    }

    /// <summary>Core's services on the test database with the vault key the app process will get (to seed cameras and their passwords).</summary>
    private ServiceProvider CoreServices(string vaultKeys)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Fleet:Vault:Keys"] = vaultKeys }).Build());
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        services.AddFleetCore(database.ConnectionString, runJobServer: false);
        return services.BuildServiceProvider();
    }

    private static Task<IBrowser> LaunchAsync(IPlaywright playwright) => playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = "/usr/bin/chromium", Headless = true,
        // Nothing but loopback: no background networking, component updates or sync (the machine has no internet).
        Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });

    /// <summary>The pages this test opened (xunit makes one instance per test): a failure reports where each one was.</summary>
    private readonly List<IPage> _pages = [];

    private async Task<IPage> NewPageAsync(IBrowser browser, string url)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = url, ViewportSize = new ViewportSize { Width = 1440, Height = 900 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        _pages.Add(page);
        return page;
    }

    private static async Task SignInAsync(IPage page, string user, string password)
    {
        await page.GotoAsync("/account/login");
        await page.FillAsync("#username", user);
        await page.FillAsync("#password", password);
        await page.ClickAsync("[data-testid=sign-in]");
        // Signed in = the layout names the user. Waiting for that element, not for the landing page's "load" event: in two CI runs
        // under full load the URL had moved on but the wait for "load" ran out its 30 s with the page already there.
        await page.Locator("[data-testid=signed-in-user]", new PageLocatorOptions { HasText = user })
            .WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
    }

    private static Task StopAsync(Process app) => RunningApp.KillAsync(app);

    /// <summary>Fails with Playwright's message, the address each page of the test was at (the browser is already closed here: the
    /// pages are disposed with the try block) and the app's output.</summary>
    private Task FailWithOutputAsync(Exception e, System.Text.StringBuilder output)
    {
        string log;
        lock (output) log = output.ToString();
        var pages = _pages.Select((p, i) => $"page {i}: {p.Url}");
        // The test's own frames of the exception: which step waited (the failure's stack ends in this method).
        var steps = (e.StackTrace ?? "").Split('\n').Where(l => l.Contains(nameof(BrowserTests), StringComparison.Ordinal)).Select(l => l.Trim());
        Assert.Fail($"{e.Message}\nat: {string.Join(" <- ", steps)}\n{string.Join("\n", pages)}\napp output:\n{log[^Math.Min(4000, log.Length)..]}");
        return Task.CompletedTask;
    }

    private static PoeSwitch PolledSwitch(ServiceProvider provider, Site site, int port, Camera confirmed, Camera found)
    {
        var now = DateTimeOffset.UtcNow;
        var sw = new PoeSwitch
        {
            TenantId = site.TenantId, SiteId = site.Id, Name = "Access 1", Address = IPAddress.Loopback, SnmpPort = port, SecretSealed = [], SecretKeyId = "",
            SystemName = "acc-1", SystemDescription = "24-port PoE+ access switch", PowerBudgetWatts = 370, PowerConsumptionWatts = 212, PolledAt = now,
            Ports =
            [
                new() { Port = 1, AdminEnabled = true, Detection = "DeliveringPower", PowerClass = 3, Macs = [confirmed.MacAddress.ToLowerInvariant()], UpdatedAt = now },
                new() { Port = 2, AdminEnabled = true, Detection = "DeliveringPower", PowerClass = 4, Macs = [found.MacAddress.ToLowerInvariant()], UpdatedAt = now, Drops = [now.AddHours(-2)] },
                new() { Port = 3, AdminEnabled = false, Detection = "Disabled", UpdatedAt = now },
                new() { Port = 24, AdminEnabled = true, Detection = "Searching", Macs = ["02:00:5e:10:00:01", "02:00:5e:10:00:02", "02:00:5e:10:00:03", "02:00:5e:10:00:04"], UpdatedAt = now },
            ],
        };
        provider.GetRequiredService<HikFleet.Core.Poe.PoeSwitchAccess>().Seal(sw, new HikFleet.Core.Poe.PoeSwitchAccess.Credentials(SnmpVersion.V2c, "browser-community", null, null, null));
        return sw;
    }

    private static Camera Managed(Site site, VirtualDevice device, string name)
    {
        var camera = TestFleet.NewCamera(site.Id, device.Serial, device.Mac, device.Address.ToString(), device.HttpPort);
        camera.Activated = true;
        camera.Name = name;
        camera.Model = device.Model;
        return camera;
    }

    private static async Task Shot(IPage page, string name) =>
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Shots, $"{name}.png"), FullPage = true });

    private static Task WaitHealthyAsync(string url, Process app, System.Text.StringBuilder output) =>
        RunningApp.WaitHealthyAsync(url, app, output, Ct);
}
