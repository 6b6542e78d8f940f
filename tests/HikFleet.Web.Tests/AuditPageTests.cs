using System.Security.Claims;
using Bunit;
using Bunit.TestDoubles;
using HikFleet.Core.Audit;
using HikFleet.Core.Audit.Export;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Security;
using HikFleet.Testing;
using HikFleet.Web.Auth;
using HikFleet.Web.Components.Pages.Audit;
using HikFleet.Web.Tests.Components;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;

namespace HikFleet.Web.Tests;

/// <summary>The audit trail page over a real database: scope-limited rows, the chain indicator and an on-demand check.</summary>
public sealed class AuditPageTests(MigratedDatabase database) : InventoryPageContext(database), IClassFixture<MigratedDatabase>
{
    [Fact]
    public async Task AnAuditorSeesTheirTenantsEntries_AndCanVerifyTheChain()
    {
        var ct = Ct;
        Site mine, other;
        await using (var db = Database.CreateContext())
        {
            mine = await TestFleet.CreateSiteAsync(db, "Mine");
            other = await TestFleet.CreateSiteAsync(db, "Other");
        }

        var log = Services.GetRequiredService<AuditLog>();
        foreach (var (site, reason) in new[] { (mine, "lens fogged"), (other, "secret other tenant reason"), (mine, "frozen stream") })
        {
            await log.AppendAsync(new AuditRecord
            {
                Actor = AuditActor.User(Guid.CreateVersion7(), "tech"), Action = "camera.reboot", TenantId = site.TenantId, SiteId = site.Id,
                Reason = reason, Result = AuditResult.Succeeded,
            }, ct);
        }

        await SignInAsync(FleetRoles.Auditor, new TenantMembership { TenantId = mine.TenantId });

        Render<MudPopoverProvider>();
        Render<MudSnackbarProvider>();
        var page = Render<AuditTrail>();
        page.WaitForAssertion(() => Assert.Contains("frozen stream", page.Markup, StringComparison.Ordinal));
        Assert.Contains("lens fogged", page.Markup, StringComparison.Ordinal);
        Assert.DoesNotContain("secret other tenant reason", page.Markup, StringComparison.Ordinal);
        Assert.Contains("not verified since start", page.Find("[data-testid=chain-state]").TextContent, StringComparison.Ordinal);

        await page.InvokeAsync(() => page.Find("[data-testid=verify-chain]").Click());
        page.WaitForAssertion(() => Assert.Contains("Chain intact · 3 entries", page.Find("[data-testid=chain-state]").TextContent, StringComparison.Ordinal));
        Assert.Contains("api/v1/audit/export.csv", page.Find("[data-testid=export-csv]").GetAttribute("href"), StringComparison.Ordinal);
    }
}
