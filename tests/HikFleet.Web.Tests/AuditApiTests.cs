using System.Net;
using System.Net.Http.Json;
using HikFleet.Core.Security;
using HikFleet.Web.Api;

namespace HikFleet.Web.Tests;

/// <summary>The auditor's API end to end: search, CSV export verified by the offline CLI verb (and failing on one changed byte), PDF, chain.</summary>
public sealed class AuditApiTests(FleetWebFactory factory) : IClassFixture<FleetWebFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnExport_IsVerifiedByTheOfflineCommand_AndOneChangedByteFailsIt()
    {
        using var admin = await factory.ApiClientAsync(FleetRoles.Administrator);
        var tenants = await admin.GetFromJsonAsync<List<TenantDto>>("/api/v1/tenants", Ct);
        var tenant = tenants![0];
        for (var i = 0; i < 3; i++)
        {
            using var created = await admin.PostAsJsonAsync("/api/v1/sites", new { tenantId = tenant.Id, name = $"Audit site {i} {Guid.NewGuid():N}"[..30], timeZone = "UTC" }, Ct);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        using var auditor = await factory.ApiClientAsync(FleetRoles.Auditor, new TenantMembership { TenantId = tenant.Id });
        var page = await auditor.GetFromJsonAsync<AuditPageDto>("/api/v1/audit?action=site.&take=50", Ct);
        Assert.True(page!.Total >= 3);
        Assert.All(page.Items, e => Assert.Equal(tenant.Id, e.TenantId));

        using var csv = await auditor.GetAsync("/api/v1/audit/export.csv?action=site.", Ct);
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
        Assert.Contains("attachment", csv.Content.Headers.ContentDisposition!.ToString() + csv.Headers.ToString(), StringComparison.Ordinal);
        var bytes = await csv.Content.ReadAsByteArrayAsync(Ct);

        var path = Path.Combine(Path.GetTempPath(), $"hikfleet-audit-{Guid.NewGuid():N}.csv");
        try
        {
            await File.WriteAllBytesAsync(path, bytes, Ct);
            var (exit, stdout, stderr) = await factory.RunCliAsync("audit", "verify-export", path);
            Assert.True(exit == 0, stdout + stderr);
            Assert.StartsWith("INTACT", stdout, StringComparison.Ordinal);

            bytes[bytes.Length / 2] ^= 0x01;
            await File.WriteAllBytesAsync(path, bytes, Ct);
            (exit, stdout, stderr) = await factory.RunCliAsync("audit", "verify-export", path);
            Assert.True(exit == 1, stdout + stderr);
            Assert.StartsWith("NOT INTACT", stdout, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }

        using var pdf = await auditor.GetAsync("/api/v1/audit/export.pdf?action=site.", Ct);
        Assert.Equal("application/pdf", pdf.Content.Headers.ContentType!.MediaType);
        Assert.StartsWith("%PDF-", System.Text.Encoding.ASCII.GetString(await pdf.Content.ReadAsByteArrayAsync(Ct), 0, 5), StringComparison.Ordinal);

        using var verify = await auditor.PostAsync("/api/v1/audit/chain/verify", null, Ct);
        var chain = await verify.Content.ReadFromJsonAsync<AuditChainDto>(Ct);
        Assert.True(chain!.Intact);
        Assert.StartsWith("on demand by", chain.Trigger, StringComparison.Ordinal);

        using var viewer = await factory.ApiClientAsync(FleetRoles.Viewer, new TenantMembership { TenantId = tenant.Id });
        using var refused = await viewer.GetAsync("/api/v1/audit/export.csv", Ct);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        using var bad = await auditor.GetAsync("/api/v1/audit?result=maybe", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }
}
