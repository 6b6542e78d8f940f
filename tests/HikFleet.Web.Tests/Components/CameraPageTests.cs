using Bunit;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Security;
using HikFleet.Core.Vault;
using HikFleet.Testing;
using HikFleet.Web.Components.Pages.Cameras;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace HikFleet.Web.Tests.Components;

/// <summary>The camera page over real data: findings with their fixes, hostile device strings as text, and the audited reveal for administrators only.</summary>
public sealed class CameraPageTests(MigratedDatabase database) : InventoryPageContext(database), IClassFixture<MigratedDatabase>
{
    private const string Password = "Cam-Secret-4471";

    private async Task<Camera> SeedCameraAsync()
    {
        var (site, cameras) = await SeedSiteAsync("Gate", HealthState.Critical);
        var camera = cameras[0];
        await using var db = Database.CreateContext();
        await db.Cameras.Where(c => c.Id == camera.Id).ExecuteUpdateAsync(s => s
            .SetProperty(c => c.DeviceName, "<img src=x onerror=alert(1)>")
            .SetProperty(c => c.FirmwareVersion, "V5.7.3"), Ct);
        db.CameraFindings.AddRange(
            new CameraFinding
            {
                CameraId = camera.Id, Code = "reboot-loop", Severity = FindingSeverity.Critical, Summary = "Restarted 4 times in an hour",
                Evidence = "uptime 120 s, 300 s, 90 s, 40 s", Fix = "Check the PoE budget of the switch port and the cable.",
                FirstSeenAt = DateTimeOffset.UtcNow.AddHours(-2), LastSeenAt = DateTimeOffset.UtcNow,
            },
            new CameraFinding
            {
                CameraId = camera.Id, Code = "clock-drift", Severity = FindingSeverity.Warning, Summary = "Clock 95 s off",
                Fix = "Enable NTP on the camera.", FirstSeenAt = DateTimeOffset.UtcNow.AddHours(-5), LastSeenAt = DateTimeOffset.UtcNow,
            });
        for (var i = 0; i < 20; i++)
        {
            db.HealthSamples.Add(new HealthSample { CameraId = camera.Id, At = DateTimeOffset.UtcNow.AddMinutes(-30 * i), State = HealthState.Critical, LatencyMs = 20 + i, CpuPercent = 40 });
        }

        db.CameraEvents.Add(new CameraEvent { CameraId = camera.Id, At = DateTimeOffset.UtcNow.AddMinutes(-7), Kind = CameraEventKinds.Restarted, Detail = "uptime went from 300 s to 40 s" });
        await Services.GetRequiredService<CredentialVault>().StoreForCameraAsync(db, camera.Id, "admin", Password, "test", Ct);
        await db.SaveChangesAsync(Ct);
        camera.Site = site;
        return camera;
    }

    private IRenderedComponent<CameraPage> RenderPage(Guid id)
    {
        RenderProviders();
        var page = Render<CameraPage>(p => p.Add(x => x.Id, id));
        page.WaitForElement("[data-testid=camera-page][data-loaded=true]");
        return page;
    }

    [Fact]
    public async Task An_operator_sees_findings_with_their_fixes_history_and_timeline_but_no_reveal_button()
    {
        var camera = await SeedCameraAsync();
        await SignInAsync(FleetRoles.Operator, new TenantMembership { TenantId = camera.Site!.TenantId });
        var page = RenderPage(camera.Id);

        var findings = page.FindAll("[data-testid=finding]");
        Assert.Equal(["reboot-loop", "clock-drift"], findings.Select(f => f.GetAttribute("data-code")));
        Assert.Equal("Fix: Check the PoE budget of the switch port and the cable.", findings[0].QuerySelector("[data-testid=finding-fix]")!.TextContent.Trim());
        Assert.Contains("uptime 120 s", findings[0].TextContent);
        Assert.Equal("20", page.Find("[data-testid=health-chart]").GetAttribute("data-points"));
        Assert.Contains("uptime went from 300 s to 40 s", page.Find("[data-testid=timeline-row]").TextContent);
        Assert.Contains(camera.SerialNumber, page.Find("[data-testid=identity]").TextContent);
        Assert.NotNull(page.Find("[data-testid=no-snapshot]"));

        // The device's own name is data, shown as text, never markup.
        Assert.Equal("<img src=x onerror=alert(1)>", page.Find("[data-testid=device-name]").TextContent);
        Assert.Empty(page.FindAll("[data-testid=identity] img"));

        Assert.Empty(page.FindAll("[data-testid=reveal-password]"));
    }

    [Fact]
    public async Task An_administrator_reveals_the_password_once_after_giving_a_reason_and_it_is_audited()
    {
        var camera = await SeedCameraAsync();
        await using (var db = Database.CreateContext())
        {
            db.CameraSnapshots.Add(new CameraSnapshot { CameraId = camera.Id, TakenAt = DateTimeOffset.UtcNow, Sha256 = new string('c', 64), Jpeg = [0xFF, 0xD8, 0xFF, 0xD9] });
            await db.SaveChangesAsync(Ct);
        }

        var admin = await SignInAsync(FleetRoles.Administrator);
        var dialogs = Render<MudDialogProvider>();
        var page = RenderPage(camera.Id);
        Assert.Equal($"api/v1/cameras/{camera.Id}/snapshot.jpg", page.Find("[data-testid=snapshot]").GetAttribute("src")!.Split('?')[0]);

        await ClickAsync(page, "[data-testid=reveal-password]");
        dialogs.WaitForElement("#reveal-reason");
        Assert.DoesNotContain(Password, dialogs.Markup);

        // No reason, no password.
        await ClickAsync(dialogs, "[data-testid=confirm-reveal]");
        dialogs.WaitForAssertion(() => Assert.Contains("Say why", dialogs.Markup));
        dialogs.Find("#reveal-reason").Input("Technician on site needs the web UI");
        await ClickAsync(dialogs, "[data-testid=confirm-reveal]");

        // Masked until clicked.
        dialogs.WaitForElement("[data-testid=show-password]");
        Assert.DoesNotContain(Password, dialogs.Markup);
        await ClickAsync(dialogs, "[data-testid=show-password]");
        dialogs.WaitForAssertion(() => Assert.Equal(Password, dialogs.Find("[data-testid=revealed-password]").TextContent));

        await ClickAsync(dialogs, "[data-testid=close-reveal]");
        dialogs.WaitForAssertion(() => Assert.DoesNotContain(Password, dialogs.Markup));

        await using var check = Database.CreateContext();
        var entry = await check.AuditEntries.SingleAsync(e => e.Action == "credential.reveal" && e.CameraId == camera.Id && e.ActorId == admin.Id.ToString(), Ct);
        Assert.Contains("Technician on site", entry.Parameters);
        Assert.DoesNotContain(Password, entry.Parameters);
    }

    [Fact]
    public async Task An_operator_checks_a_camera_now()
    {
        var camera = await SeedCameraAsync();
        await using (var db = Database.CreateContext())
        {
            // Nothing listens on 127.0.0.1:9 here: the check finds the camera offline at once.
            await db.Cameras.Where(c => c.Id == camera.Id).ExecuteUpdateAsync(s => s
                .SetProperty(c => c.Lifecycle, CameraLifecycle.Managed)
                .SetProperty(c => c.Address, System.Net.IPAddress.Loopback)
                .SetProperty(c => c.HttpPort, 9)
                .SetProperty(c => c.HealthCheckedAt, (DateTimeOffset?)null), Ct);
        }

        await SignInAsync(FleetRoles.Operator, new TenantMembership { TenantId = camera.Site!.TenantId });
        var page = RenderPage(camera.Id);
        var before = DateTimeOffset.UtcNow;
        await ClickAsync(page, "[data-testid=check-now]");
        await using var check = Database.CreateContext();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await check.Cameras.AsNoTracking().SingleAsync(c => c.Id == camera.Id, Ct)).HealthCheckedAt is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "the check did not record a result");
            await Task.Delay(100, Ct);
        }

        Assert.Equal(1, await check.HealthSamples.CountAsync(h => h.CameraId == camera.Id && h.At >= before, Ct));
    }

    [Fact]
    public async Task A_viewer_has_no_check_now()
    {
        var camera = await SeedCameraAsync();
        await using (var db = Database.CreateContext())
        {
            await db.Cameras.Where(c => c.Id == camera.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.Lifecycle, CameraLifecycle.Managed), Ct);
        }

        await SignInAsync(FleetRoles.Viewer, new TenantMembership { TenantId = camera.Site!.TenantId });
        Assert.Empty(RenderPage(camera.Id).FindAll("[data-testid=check-now]"));
    }

    [Fact]
    public async Task A_camera_of_another_tenant_is_not_shown()
    {
        var camera = await SeedCameraAsync();
        var (other, _) = await SeedSiteAsync("Other tenant");
        await SignInAsync(FleetRoles.TenantAdmin, new TenantMembership { TenantId = other.TenantId });
        RenderProviders();
        var page = Render<CameraPage>(p => p.Add(x => x.Id, camera.Id));
        await Task.Delay(500, Ct);
        Assert.Empty(page.FindAll("[data-testid=camera-page]"));
        Assert.DoesNotContain(camera.SerialNumber, page.Markup);
    }
}
