using System.Text.Json;
using Bunit;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Operations;
using HikFleet.Core.Security;
using HikFleet.Testing;
using HikFleet.Web.Components.Pages.Cameras;
using HikFleet.Web.Components.Pages.Operations;
using Microsoft.EntityFrameworkCore;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace HikFleet.Web.Tests.Components;

/// <summary>
/// The operations page, an operation's detail, and the operation buttons and dialog of the camera page, over real data: a failed
/// operation with its reason and Retry, the drift rows of a reset, no operation buttons for a viewer, and a reset dialog that refuses
/// without the typed serial number.
/// </summary>
public sealed class OperationPagesTests(MigratedDatabase database) : InventoryPageContext(database), IClassFixture<MigratedDatabase>
{
    private async Task<Operation> SeedOperationAsync(Camera camera, Site site, OperationKind kind, OperationState state, string reason,
        string? summary = null, string? drift = null)
    {
        var op = new Operation
        {
            TenantId = site.TenantId, SiteId = site.Id, CameraId = camera.Id, Kind = kind, State = state, Reason = reason,
            RequestedById = "test", RequestedByName = "tech-anna", Summary = summary, Drift = drift, CurrentStep = 2,
            CreatedAt = DateTimeOffset.UtcNow.AddMinutes(-10), StartedAt = DateTimeOffset.UtcNow.AddMinutes(-10),
            FinishedAt = state is OperationState.Succeeded or OperationState.Failed ? DateTimeOffset.UtcNow.AddMinutes(-5) : null,
            Steps =
            [
                new OperationStep { Index = 0, Name = "preflight", Title = "Check the camera", State = OperationStepState.Succeeded, Attempts = 1, Detail = "answers" },
                new OperationStep { Index = 1, Name = "reboot", Title = "Send the reboot", State = OperationStepState.Succeeded, Attempts = 1, Detail = "Reboot accepted." },
                new OperationStep
                {
                    Index = 2, Name = "wait-up", Title = "Wait for it to come back", Attempts = 7,
                    State = state == OperationState.Failed ? OperationStepState.Failed : OperationStepState.Succeeded,
                    Detail = state == OperationState.Failed ? "It did not answer within 10 minutes." : "Back with its uptime reset.",
                },
            ],
        };
        await using var db = Database.CreateContext();
        db.Operations.Add(op);
        await db.SaveChangesAsync(Ct);
        return op;
    }

    [Fact]
    public async Task The_operations_page_shows_a_failed_operation_with_its_reason_and_retry()
    {
        var (site, cameras) = await SeedSiteAsync("Harbour", HealthState.Offline, HealthState.Healthy);
        var failed = await SeedOperationAsync(cameras[0], site, OperationKind.Reboot, OperationState.Failed, "Picture frozen since midnight",
            "Failed at step 3 (Wait for it to come back): it did not answer within 10 minutes.");
        await SeedOperationAsync(cameras[1], site, OperationKind.Reboot, OperationState.Succeeded, "Routine", "Done.");
        var (other, otherCameras) = await SeedSiteAsync("Someone else's", HealthState.Healthy);
        await SeedOperationAsync(otherCameras[0], other, OperationKind.Reboot, OperationState.Failed, "Not yours to see");
        await SignInAsync(FleetRoles.Operator, new TenantMembership { TenantId = site.TenantId });

        RenderProviders();
        var page = Render<Operations>();
        page.WaitForElement("[data-testid=operations-table][data-loaded=true]");
        Assert.Contains("Failed (1)", page.Find("[data-testid=group-Failed]").TextContent);
        Assert.Contains("Finished (1)", page.Find("[data-testid=group-Finished]").TextContent);

        await ClickAsync(page, "[data-testid=group-Failed]");
        page.WaitForAssertion(() => Assert.Equal("Failed", page.Find("[data-testid=operations-table]").GetAttribute("data-group")));
        var row = Assert.Single(page.FindAll("[data-testid=operation-row]"));
        Assert.Equal(failed.Id.ToString(), row.GetAttribute("data-operation"));
        Assert.Equal("Picture frozen since midnight", page.Find("[data-testid=operation-reason]").TextContent.Trim());
        Assert.Contains("did not answer within 10 minutes", page.Find("[data-testid=operation-summary]").TextContent);
        Assert.Contains("tech-anna", page.Markup);
        Assert.DoesNotContain("Not yours to see", page.Markup);
        Assert.Single(page.FindAll("[data-testid=retry-operation]"));
        Assert.Empty(page.FindAll("[data-testid=cancel-operation]"));
    }

    [Fact]
    public async Task A_cameras_history_lists_all_its_operations_in_every_state_and_nothing_else()
    {
        var (site, cameras) = await SeedSiteAsync("Depot", HealthState.Healthy, HealthState.Healthy);
        var reset = await SeedOperationAsync(cameras[0], site, OperationKind.FactoryReset, OperationState.Succeeded, "Forgot its settings", "Restored.", "[]");
        var failed = await SeedOperationAsync(cameras[0], site, OperationKind.Reboot, OperationState.Failed, "Frozen", "Failed at step 3.");
        await SeedOperationAsync(cameras[1], site, OperationKind.Reboot, OperationState.Succeeded, "Another camera", "Done.");
        await SignInAsync(FleetRoles.Auditor, new TenantMembership { TenantId = site.TenantId });

        RenderProviders();
        Services.GetRequiredService<NavigationManager>().NavigateTo($"operations?camera={cameras[0].Id}");
        var page = Render<Operations>();
        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=operation-row]").Count));
        Assert.Equal(new[] { failed.Id.ToString(), reset.Id.ToString() }.Order(),
            page.FindAll("[data-testid=operation-row]").Select(r => r.GetAttribute("data-operation")!).Order());
        Assert.DoesNotContain("Another camera", page.Markup);
        Assert.Contains("History of one camera", page.Find("[data-testid=operations-filter]").TextContent);
        Assert.Empty(page.FindAll("[data-testid=retry-operation]"));
    }

    [Fact]
    public async Task A_viewer_sees_operations_but_no_retry()
    {
        var (site, cameras) = await SeedSiteAsync("Yard", HealthState.Offline);
        await SeedOperationAsync(cameras[0], site, OperationKind.Reboot, OperationState.Failed, "Frozen", "Failed at step 3.");
        await SignInAsync(FleetRoles.Viewer, new TenantMembership { TenantId = site.TenantId });

        RenderProviders();
        Services.GetRequiredService<NavigationManager>().NavigateTo("operations?state=failed");
        var page = Render<Operations>();
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=operation-row]")));
        Assert.Empty(page.FindAll("[data-testid=retry-operation]"));
    }

    [Fact]
    public async Task The_detail_page_shows_the_steps_and_the_drift_of_a_reset()
    {
        var (site, cameras) = await SeedSiteAsync("Gate", HealthState.Healthy, HealthState.Healthy);
        var drift = JsonSerializer.Serialize(new List<SettingsDifference>
        {
            new("osd.name", "Gate North", "IPCamera 01"),
            new("ntp.1.server", "ntp.example.lan", null),
        }, JsonSerializerOptions.Web);
        var reset = await SeedOperationAsync(cameras[0], site, OperationKind.FactoryReset, OperationState.Succeeded, "Forgot its settings",
            "Restored; 2 settings differ.", drift);
        var clean = await SeedOperationAsync(cameras[1], site, OperationKind.FactoryReset, OperationState.Succeeded, "Clean one", "Restored.", "[]");
        await SignInAsync(FleetRoles.Viewer, new TenantMembership { TenantId = site.TenantId });

        RenderProviders();
        var page = Render<OperationPage>(p => p.Add(x => x.Id, reset.Id));
        page.WaitForElement("[data-testid=operation-page][data-loaded=true]");
        var rows = page.FindAll("[data-testid=drift-row]");
        Assert.Equal(["osd.name", "ntp.1.server"], rows.Select(r => r.GetAttribute("data-field")));
        Assert.Contains("Gate North", rows[0].TextContent);
        Assert.Contains("IPCamera 01", rows[0].TextContent);
        Assert.Contains("(none)", rows[1].TextContent);
        Assert.Equal(["preflight", "reboot", "wait-up"], page.FindAll("[data-testid=step-row]").Select(r => r.GetAttribute("data-step")));
        Assert.Equal("7", page.FindAll("[data-testid=step-row]")[2].Children[3].TextContent.Trim());

        var cleanPage = Render<OperationPage>(p => p.Add(x => x.Id, clean.Id));
        cleanPage.WaitForElement("[data-testid=drift-clean]");
        Assert.Contains("Every setting matches", cleanPage.Find("[data-testid=drift-clean]").TextContent);
        Assert.Empty(cleanPage.FindAll("[data-testid=drift-row]"));
    }

    [Fact]
    public async Task A_viewer_has_no_reboot_or_reset_buttons_and_an_operator_has()
    {
        var (site, cameras) = await SeedSiteAsync("Lobby", HealthState.Healthy);
        await SignInAsync(FleetRoles.Viewer, new TenantMembership { TenantId = site.TenantId });
        RenderProviders();
        var page = Render<CameraPage>(p => p.Add(x => x.Id, cameras[0].Id));
        page.WaitForElement("[data-testid=camera-page][data-loaded=true]");
        Assert.Empty(page.FindAll("[data-testid=reboot]"));
        Assert.Empty(page.FindAll("[data-testid=factory-reset]"));
        Assert.Empty(page.FindAll("[data-testid=backup-now]"));
        Assert.NotNull(page.Find("[data-testid=no-active-operation]"));

        await SignInAsync(FleetRoles.Operator, new TenantMembership { TenantId = site.TenantId });
        var operatorPage = Render<CameraPage>(p => p.Add(x => x.Id, cameras[0].Id));
        operatorPage.WaitForElement("[data-testid=camera-page][data-loaded=true]");
        Assert.False(operatorPage.Find("[data-testid=reboot]").HasAttribute("disabled"));
        Assert.NotNull(operatorPage.Find("[data-testid=factory-reset]"));
        Assert.NotNull(operatorPage.Find("[data-testid=rotate-password]"));
        Assert.Empty(page.FindAll("[data-testid=rotate-password]"));
        Assert.Empty(page.FindAll("[data-testid=profile-dry-run-button]"));

        // The profile dry run is the operator's too; with no profile for the site it says so and writes nothing.
        await ClickAsync(operatorPage, "[data-testid=profile-dry-run-button]");
        operatorPage.WaitForAssertion(() => Assert.Contains("No configuration profile", operatorPage.Find("[data-testid=profile-dry-run-message]").TextContent));
        Assert.Empty(operatorPage.FindAll("[data-testid=profile-apply]"));
    }

    [Fact]
    public async Task The_reset_dialog_refuses_without_the_typed_serial_number()
    {
        var (site, cameras) = await SeedSiteAsync("Car park", HealthState.Healthy);
        var camera = cameras[0];
        await SignInAsync(FleetRoles.Operator, new TenantMembership { TenantId = site.TenantId });
        var dialogs = Render<MudDialogProvider>();
        RenderProviders();
        var page = Render<CameraPage>(p => p.Add(x => x.Id, camera.Id));
        page.WaitForElement("[data-testid=camera-page][data-loaded=true]");

        await ClickAsync(page, "[data-testid=factory-reset]");
        dialogs.WaitForElement("#operation-reason");
        // Operators never get the "without a backup" override; the serial number is shown to be typed, not pre-filled.
        Assert.Empty(dialogs.FindAll("[data-testid=backup-override]"));
        Assert.Equal("", dialogs.Find("#reset-confirmation").GetAttribute("value") ?? "");
        dialogs.Find("#operation-reason").Input("Settings corrupted after a power cut");

        await ClickAsync(dialogs, "[data-testid=start-operation]");
        dialogs.WaitForAssertion(() => Assert.Contains("Type the camera's serial number", dialogs.Markup));

        dialogs.Find("#reset-confirmation").Input(camera.SerialNumber + "X");
        await ClickAsync(dialogs, "[data-testid=start-operation]");
        dialogs.WaitForAssertion(() => Assert.Contains("Type the camera's serial number", dialogs.Markup));
        Assert.NotEmpty(dialogs.FindAll("[data-testid=operation-dialog]"));

        await using var db = Database.CreateContext();
        Assert.False(await db.Operations.AnyAsync(o => o.CameraId == camera.Id, Ct));
    }

    [Fact]
    public async Task An_administrator_may_choose_to_reset_without_a_backup()
    {
        var (site, cameras) = await SeedSiteAsync("Office", HealthState.Healthy);
        await SignInAsync(FleetRoles.Administrator);
        var dialogs = Render<MudDialogProvider>();
        RenderProviders();
        var page = Render<CameraPage>(p => p.Add(x => x.Id, cameras[0].Id));
        page.WaitForElement("[data-testid=camera-page][data-loaded=true]");
        await ClickAsync(page, "[data-testid=factory-reset]");
        dialogs.WaitForElement("[data-testid=backup-override]");
        Assert.Contains("Basic", dialogs.Find("[data-testid=reset-mode]").TextContent);
    }
}
