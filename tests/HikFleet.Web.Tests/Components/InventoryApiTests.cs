using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Security;
using HikFleet.Testing;
using Microsoft.EntityFrameworkCore;

namespace HikFleet.Web.Tests.Components;

/// <summary>The API behind the inventory pages, against the real host: list query parameters, the snapshot, the site credential.</summary>
public sealed class InventoryApiTests(FleetWebFactory factory) : IClassFixture<FleetWebFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(Site Site, List<Camera> Cameras)> SeedAsync()
    {
        factory.EnsureStarted();
        await using var db = factory.Database.CreateContext();
        var site = await TestFleet.CreateSiteAsync(db, "Api site", "10.88.0.0/16");
        var cameras = Enumerable.Range(0, 12).Select(i =>
        {
            var c = TestFleet.NewCamera(site.Id, address: $"10.88.0.{i + 1}");
            c.Name = $"Api cam {i:D2}";
            c.Health = i < 3 ? HealthState.Offline : HealthState.Healthy;
            c.FindingCodes = i == 5 ? ["clock-drift"] : [];
            return c;
        }).ToList();
        db.Cameras.AddRange(cameras);
        await db.SaveChangesAsync(Ct);
        return (site, cameras);
    }

    [Fact]
    public async Task The_camera_list_pages_filters_and_sorts_through_query_parameters()
    {
        var (site, cameras) = await SeedAsync();
        using var client = await factory.ApiClientAsync(FleetRoles.Viewer, new TenantMembership { TenantId = site.TenantId });

        var page = await client.GetFromJsonAsync<JsonElement>("/api/v1/cameras?pageSize=5&page=2&sort=name&desc=true", Ct);
        Assert.Equal(12, page.GetProperty("total").GetInt32());
        Assert.Equal(2, page.GetProperty("page").GetInt32());
        Assert.Equal(["Api cam 06", "Api cam 05", "Api cam 04", "Api cam 03", "Api cam 02"],
            page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString()));

        var offline = await client.GetFromJsonAsync<JsonElement>("/api/v1/cameras?state=offline,critical", Ct);
        Assert.Equal(3, offline.GetProperty("total").GetInt32());
        var drift = await client.GetFromJsonAsync<JsonElement>("/api/v1/cameras?finding=clock-drift", Ct);
        Assert.Equal(cameras[5].Id, drift.GetProperty("items")[0].GetProperty("id").GetGuid());
        Assert.Equal("clock-drift", drift.GetProperty("items")[0].GetProperty("findings")[0].GetProperty("code").GetString());
        var search = await client.GetFromJsonAsync<JsonElement>("/api/v1/cameras?q=10.88.0.12", Ct);
        Assert.Equal(1, search.GetProperty("total").GetInt32());

        using var bad = await client.GetAsync("/api/v1/cameras?state=Sleepy&sort=colour", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var problem = await bad.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.True(problem.GetProperty("errors").TryGetProperty("state", out _));
        Assert.True(problem.GetProperty("errors").TryGetProperty("sort", out _));
    }

    [Fact]
    public async Task The_snapshot_is_served_privately_as_a_jpeg_and_only_a_jpeg()
    {
        var (site, cameras) = await SeedAsync();
        byte[] jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 0xFF, 0xD9];
        await using (var db = factory.Database.CreateContext())
        {
            db.CameraSnapshots.Add(new CameraSnapshot { CameraId = cameras[0].Id, TakenAt = DateTimeOffset.UtcNow, Sha256 = new string('d', 64), Jpeg = jpeg });
            // A device that sent HTML instead of a picture: never served.
            db.CameraSnapshots.Add(new CameraSnapshot { CameraId = cameras[1].Id, TakenAt = DateTimeOffset.UtcNow, Sha256 = new string('e', 64), Jpeg = "<html><script>alert(1)</script>"u8.ToArray() });
            await db.SaveChangesAsync(Ct);
        }

        using var client = await factory.ApiClientAsync(FleetRoles.Viewer, new TenantMembership { TenantId = site.TenantId });
        using var response = await client.GetAsync($"/api/v1/cameras/{cameras[0].Id}/snapshot.jpg", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/jpeg", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("nosniff", string.Join(",", response.Headers.GetValues("X-Content-Type-Options")));
        Assert.True(response.Headers.CacheControl!.Private);
        Assert.Equal(jpeg, await response.Content.ReadAsByteArrayAsync(Ct));

        using var html = await client.GetAsync($"/api/v1/cameras/{cameras[1].Id}/snapshot.jpg", Ct);
        Assert.Equal(HttpStatusCode.NotFound, html.StatusCode);
        using var none = await client.GetAsync($"/api/v1/cameras/{cameras[2].Id}/snapshot.jpg", Ct);
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);

        using var stranger = await factory.ApiClientAsync(FleetRoles.Viewer);
        using var hidden = await stranger.GetAsync($"/api/v1/cameras/{cameras[0].Id}/snapshot.jpg", Ct);
        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
    }

    [Fact]
    public async Task The_site_credential_is_write_only()
    {
        var (site, _) = await SeedAsync();
        using var admin = await factory.ApiClientAsync(FleetRoles.TenantAdmin, new TenantMembership { TenantId = site.TenantId });
        using var response = await admin.PutAsJsonAsync($"/api/v1/sites/{site.Id}/credential", new { userName = "installer", password = "Api-Secret-5510" }, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.Contains("installer", body);
        Assert.DoesNotContain("Api-Secret-5510", body);

        using var invalid = await admin.PutAsJsonAsync($"/api/v1/sites/{site.Id}/credential", new { userName = "installer", password = "" }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);

        var siteDto = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/sites/{site.Id}", Ct);
        Assert.Equal("installer", siteDto.GetProperty("defaultUserName").GetString());
        Assert.DoesNotContain("Api-Secret-5510", siteDto.GetRawText());

        await using var db = factory.Database.CreateContext();
        Assert.Equal(1, await db.DeviceCredentials.CountAsync(c => c.SiteId == site.Id && c.SupersededAt == null, Ct));
    }
}
