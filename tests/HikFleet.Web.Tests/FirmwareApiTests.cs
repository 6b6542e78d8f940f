extern alias simulator;

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HikFleet.Core.Security;
using Package = simulator::HikFleet.Simulator.FirmwareImage;

namespace HikFleet.Web.Tests;

/// <summary>The firmware library and a staged rollout through the API, on the real host against the simulator (issue #10).</summary>
public sealed partial class OperationsApiTests
{
    [Fact]
    public async Task A_tenant_admin_uploads_an_image_and_an_operator_rolls_it_out_canary_first()
    {
        var (site, cameras) = await SeedAsync(2);
        var membership = new TenantMembership { TenantId = site.TenantId };
        using var admin = await _factory.ApiClientAsync(FleetRoles.TenantAdmin, membership);
        using var op = await _factory.ApiClientAsync(FleetRoles.Operator, membership);
        var image = Package.Create("IPC_G5", "V5.7.20", "build 250101", 200_000);

        using (var refused = await op.PostAsync($"/api/v1/firmware?tenantId={site.TenantId}&models=DS-2CD2*G2*", new ByteArrayContent(image), Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        using (var empty = await admin.PostAsync($"/api/v1/firmware?tenantId={site.TenantId}&models=DS-2CD2*G2*", new ByteArrayContent([]), Ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
            Assert.Contains("empty", await empty.Content.ReadAsStringAsync(Ct));
        }

        using var uploaded = await admin.PostAsync($"/api/v1/firmware?tenantId={site.TenantId}&models=DS-2CD2*G2*&fileName=digicap.dav",
            new ByteArrayContent(image), Ct);
        Assert.Equal(HttpStatusCode.Created, uploaded.StatusCode);
        var entry = await uploaded.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("V5.7.20", entry.GetProperty("version").GetString());
        Assert.Equal(200_000, entry.GetProperty("size").GetInt64());
        var imageId = entry.GetProperty("id").GetGuid();

        using (var badPlan = await op.PostAsJsonAsync("/api/v1/operations/bulk", new
               {
                   cameraIds = cameras.Select(c => c.Id), kind = "firmwareUpgrade", reason = "CVE fix", imageId,
                   rollout = new { canarySize = 0, waveSize = 1, soakMinutes = 0 },
               }, Ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, badPlan.StatusCode);
            Assert.Contains("canary", await badPlan.Content.ReadAsStringAsync(Ct));
        }

        using var started = await op.PostAsJsonAsync("/api/v1/operations/bulk", new
        {
            cameraIds = cameras.Select(c => c.Id), kind = "firmwareUpgrade", reason = "CVE fix", imageId,
            rollout = new { canarySize = 1, waveSize = 1, soakMinutes = 0 },
        }, Ct);
        Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        var bulk = await started.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var items = bulk.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["Queued (canary).", "Queued (wave 1)."], items.Select(i => i.GetProperty("message").GetString()));
        foreach (var item in items)
        {
            var done = await WaitForStateAsync(op, item.GetProperty("operationId").GetGuid(), "Succeeded", "Failed", "Cancelled");
            Assert.True(done.GetProperty("operation").GetProperty("state").GetString() == "Succeeded", done.ToString());
        }

        var fleet = await op.GetFromJsonAsync<JsonElement>($"/api/v1/firmware/fleet?tenantId={site.TenantId}", Ct);
        var row = Assert.Single(fleet.EnumerateArray());
        Assert.Equal("V5.7.20 build 250101", row.GetProperty("firmware").GetString());
        Assert.Equal(2, row.GetProperty("cameras").GetInt32());
        Assert.False(row.GetProperty("outdated").GetBoolean());
    }
}
