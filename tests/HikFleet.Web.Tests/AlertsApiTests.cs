using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HikFleet.Core.Security;
using HikFleet.Testing;

namespace HikFleet.Web.Tests;

/// <summary>Alert rules and channels through the API: names for enums both ways, the signing secret shown once, webhook URLs masked.</summary>
public sealed class AlertsApiTests(FleetWebFactory factory) : IClassFixture<FleetWebFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_tenant_admin_adds_a_signed_webhook_and_a_rule_and_an_operator_only_reads_them()
    {
        factory.EnsureStarted();
        await using var db = factory.Database.CreateContext();
        var site = await TestFleet.CreateSiteAsync(db);
        var membership = new TenantMembership { TenantId = site.TenantId };
        using var admin = await factory.ApiClientAsync(FleetRoles.TenantAdmin, membership);
        using var op = await factory.ApiClientAsync(FleetRoles.Operator, membership);

        using var badUrl = await admin.PostAsJsonAsync("/api/v1/alert-channels",
            new { tenantId = site.TenantId, name = "Bad", kind = "Webhook", target = "ftp://example.test/x" }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, badUrl.StatusCode);

        using var created = await admin.PostAsJsonAsync("/api/v1/alert-channels",
            new { tenantId = site.TenantId, name = "Ticketing", kind = "Webhook", target = "http://127.0.0.1:9/hooks/T0KEN-in-path" }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var channel = await created.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var secret = channel.GetProperty("secret").GetString();
        Assert.True(secret is { Length: >= 32 }, secret);

        var listed = await admin.GetFromJsonAsync<JsonElement>("/api/v1/alert-channels", Ct);
        var row = Assert.Single(listed.EnumerateArray());
        Assert.Equal("Webhook", row.GetProperty("kind").GetString());
        Assert.Equal("http://127.0.0.1:9/…", row.GetProperty("target").GetString());
        Assert.True(row.GetProperty("signed").GetBoolean());
        Assert.DoesNotContain(secret!, listed.ToString());

        using var rule = await admin.PostAsJsonAsync("/api/v1/alert-rules", new
        {
            tenantId = site.TenantId, name = "Offline 5 min", states = new[] { "Offline", "Locked" }, findings = new[] { "storage-error" }, delayMinutes = 5,
            channelIds = new[] { channel.GetProperty("id").GetGuid() }, quietHours = "22:00-06:00",
        }, Ct);
        Assert.Equal(HttpStatusCode.Created, rule.StatusCode);
        using var badRule = await admin.PostAsJsonAsync("/api/v1/alert-rules", new { tenantId = site.TenantId, name = "Nothing", states = new[] { "Sleepy" } }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, badRule.StatusCode);

        var rules = await op.GetFromJsonAsync<JsonElement>("/api/v1/alert-rules", Ct);
        var saved = Assert.Single(rules.EnumerateArray());
        Assert.Equal(["Offline", "Locked"], saved.GetProperty("states").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(300, saved.GetProperty("delaySeconds").GetInt32());
        Assert.Equal("22:00-06:00", saved.GetProperty("quietHours").GetString());

        using var opChannels = await op.GetAsync("/api/v1/alert-channels", Ct);
        Assert.Equal(HttpStatusCode.Forbidden, opChannels.StatusCode);
        var alerts = await op.GetFromJsonAsync<JsonElement>("/api/v1/alerts", Ct);
        Assert.Equal(0, alerts.GetArrayLength());
    }
}
