using System.Net;
using System.Net.Http.Json;
using Hangfire;
using Hangfire.Storage;
using HikFleet.Core.Security;
using HikFleet.Web.Api;
using Microsoft.Extensions.DependencyInjection;

namespace HikFleet.Web.Tests;

/// <summary>Each site's discovery and health jobs follow its settings: declared when it is created, changed with it, gone with it.</summary>
public sealed class SiteSchedulesTests(FleetWebFactory factory) : IClassFixture<FleetWebFactory>
{
    private Dictionary<string, string> RecurringJobs()
    {
        using var connection = factory.Services.GetRequiredService<JobStorage>().GetConnection();
        return connection.GetRecurringJobs().ToDictionary(j => j.Id, j => j.Cron);
    }

    private async Task WaitForAsync(Func<Dictionary<string, string>, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition(RecurringJobs()))
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for: {what}; jobs: {string.Join(", ", RecurringJobs().Select(j => $"{j.Key}={j.Value}"))}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task ASitesJobs_FollowItsSchedules_AndLeaveWithIt()
    {
        var ct = TestContext.Current.CancellationToken;
        using var admin = await factory.ApiClientAsync(FleetRoles.Administrator);
        var tenant = (await admin.GetFromJsonAsync<List<TenantDto>>("/api/v1/tenants", ct))![0];
        using var created = await admin.PostAsJsonAsync("/api/v1/sites", new
        {
            tenantId = tenant.Id, name = $"Sched {Guid.NewGuid():N}"[..20], timeZone = "UTC", subnets = new[] { "127.66.0.0/24" },
            discoveryCron = "*/30 * * * *", healthCron = "*/2 * * * *",
        }, ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var site = (await created.Content.ReadFromJsonAsync<SiteDto>(ct))!;
        var discovery = $"discovery-{site.Id:N}";
        var health = $"health-{site.Id:N}";
        await WaitForAsync(j => j.GetValueOrDefault(discovery) == "*/30 * * * *" && j.GetValueOrDefault(health) == "*/2 * * * *", "both jobs declared");

        // Switching discovery off removes its job; health follows its new cron.
        using var changed = await admin.PutAsJsonAsync($"/api/v1/sites/{site.Id}", new
        {
            name = site.Name, timeZone = "UTC", subnets = new[] { "127.66.0.0/24" }, discoveryCron = "", healthCron = "*/5 * * * *",
            version = site.Version,
        }, ct);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        await WaitForAsync(j => !j.ContainsKey(discovery) && j.GetValueOrDefault(health) == "*/5 * * * *", "discovery removed, health changed");

        using var deleted = await admin.DeleteAsync($"/api/v1/sites/{site.Id}", ct);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await WaitForAsync(j => !j.ContainsKey(health), "health removed with the site");
        Assert.Contains("site-schedules", RecurringJobs().Keys);
    }
}
