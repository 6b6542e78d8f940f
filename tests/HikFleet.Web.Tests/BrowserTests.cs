// The simulator's own Program would clash with the web app's (WebApplicationFactory<Program>): it comes in under an alias.
extern alias simulator;

using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using HikFleet.Core;
using HikFleet.Core.Data.Entities;
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
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Fleet:Vault:Keys"] = keys }).Build());
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        services.AddFleetCore(database.ConnectionString, runJobServer: false);
        await using var provider = services.BuildServiceProvider();
        Camera lobby;
        await using (var db = database.CreateContext())
        {
            var site = await TestFleet.CreateSiteAsync(db, "Headquarters");
            lobby = Managed(site, healthy, "Lobby");
            db.Cameras.AddRange(lobby, Managed(site, broken, "Loading dock"));
            await db.SaveChangesAsync(Ct);
            foreach (var c in db.Cameras.Local) await provider.GetRequiredService<CredentialVault>().StoreForCameraAsync(db, c.Id, "admin", DevicePassword, "test", Ct);
            await db.SaveChangesAsync(Ct);
        }

        var port = Discovery.FreeTcpPort();
        var url = $"http://127.0.0.1:{port}";
        var start = FleetWebFactory.AppProcess(database.ConnectionString);
        start.Environment["Urls"] = url;
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development"; // static web assets (MudBlazor's CSS/JS) served from the build output
        start.Environment["Fleet__Vault__Keys"] = keys;
        start.Environment["Fleet__Bootstrap__AdminUser"] = "admin";
        start.Environment["Fleet__Bootstrap__AdminPassword"] = AdminPassword;
        start.Environment["Fleet__Operations__PollInterval"] = "00:00:00.300";
        start.Environment["Fleet__Operations__RestartDetectionSlack"] = "00:00:01";
        start.Environment["Fleet__Health__ConfirmChecks"] = "1";
        start.Environment["Serilog__MinimumLevel__Default"] = "Warning";
        using var app = Process.Start(start)!;
        var output = new System.Text.StringBuilder();
        app.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        app.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        app.BeginOutputReadLine();
        app.BeginErrorReadLine();
        try
        {
            await WaitHealthyAsync(url, app, output);
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = "/usr/bin/chromium", Headless = true,
                // Nothing but loopback: no background networking, component updates or sync (the machine has no internet).
                Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
            });
            var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = url, ViewportSize = new ViewportSize { Width = 1440, Height = 900 } });
            var page = await context.NewPageAsync();
            page.SetDefaultTimeout(30_000);

            // Sign in.
            await page.GotoAsync("/account/login");
            await page.FillAsync("#username", "admin");
            await page.FillAsync("#password", AdminPassword);
            await page.ClickAsync("[data-testid=sign-in]");
            await page.WaitForURLAsync(u => !u.Contains("/account/login", StringComparison.Ordinal));
            await Shot(page, "dashboard");

            // Health finds the broken SD card (Check now on its page), and the camera list shows both cameras.
            await page.GotoAsync("/cameras");
            await page.GetByText("Loading dock").First.WaitForAsync();
            await Shot(page, "cameras");

            // Reboot the lobby camera and follow the operation live until it succeeds.
            await page.GotoAsync($"/cameras/{lobby.Id}");
            await page.ClickAsync("[data-testid=reboot]");
            await page.FillAsync("#operation-reason", "Picture frozen since this morning");
            await Shot(page, "reboot-dialog");
            await page.ClickAsync("[data-testid=start-operation]");
            await page.ClickAsync("[data-testid=active-operation]");
            await page.Locator("[data-testid=operation-page][data-state=Succeeded]").WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
            Assert.Contains("Picture frozen since this morning", await page.InnerTextAsync("[data-testid=operation-reason]"));
            await Shot(page, "operation");
            Assert.Equal(1, healthy.RebootCount);

            foreach (var (path, name) in new[] { ("/operations", "operations"), ("/sites", "sites"), ("/firmware", "firmware"), ("/alerts", "alerts"),
                         ("/profiles", "profiles"), ("/discovery", "discovery"), ("/audit", "audit") })
            {
                var response = await page.GotoAsync(path);
                Assert.True(response is { Ok: true }, $"{path}: {response?.Status}");
                await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
                await Shot(page, name);
            }

            // The audit trail shows the reboot with the reason, by the administrator.
            await page.GotoAsync("/audit");
            await page.GetByText("camera.reboot.request").First.WaitForAsync();
        }
        catch (Exception e) when (e is PlaywrightException or TimeoutException)
        {
            string log;
            lock (output) log = output.ToString();
            Assert.Fail($"{e.Message}\napp output:\n{log[^Math.Min(4000, log.Length)..]}");
        }
        finally
        {
            if (!app.HasExited) app.Kill(entireProcessTree: true);
            await app.WaitForExitAsync(CancellationToken.None);
        }
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

    private static async Task WaitHealthyAsync(string url, Process app, System.Text.StringBuilder output)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var until = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < until)
        {
            Assert.False(app.HasExited, $"the app stopped:\n{output}");
            try
            {
                if ((await http.GetAsync($"{url}/healthz", Ct)).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!Ct.IsCancellationRequested)
            {
            }

            await Task.Delay(250, Ct);
        }

        Assert.Fail($"the app did not answer /healthz within 90 s:\n{output}");
    }

    private static class Discovery
    {
        public static int FreeTcpPort()
        {
            using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream,
                System.Net.Sockets.ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            return ((IPEndPoint)socket.LocalEndPoint!).Port;
        }
    }
}
