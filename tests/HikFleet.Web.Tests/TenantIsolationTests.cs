using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Security;

namespace HikFleet.Web.Tests;

/// <summary>A user of tenant A can neither read, change nor infer anything of tenant B, however it guesses.</summary>
public sealed class TenantIsolationTests : IClassFixture<FleetWebFactory>
{
    private readonly FleetWebFactory _factory;

    public TenantIsolationTests(FleetWebFactory factory) => _factory = factory;

    private async Task<(Tenant A, Tenant B, Site SiteB, Camera CameraB)> SeedAsync()
    {
        _factory.EnsureStarted();
        await using var db = _factory.Database.CreateContext();
        var a = new Tenant { Name = $"Alpha-{Guid.NewGuid():N}" };
        var b = new Tenant { Name = $"Bravo-{Guid.NewGuid():N}" };
        var siteA = new Site { Tenant = a, Name = "Alpha HQ", TimeZone = "UTC" };
        var siteB = new Site { Tenant = b, Name = "Bravo Secret Site", TimeZone = "UTC" };
        var cameraB = new Camera
        {
            Site = siteB, SerialNumber = $"BRAVO{Guid.NewGuid():N}"[..20], Model = "DS-2CD2386G2-IU", Name = "Bravo vault cam",
            MacAddress = string.Join(":", Guid.NewGuid().ToByteArray().Take(6).Select(x => x.ToString("x2"))),
        };
        db.AddRange(a, b, siteA, siteB, cameraB);
        await db.SaveChangesAsync();
        return (a, b, siteB, cameraB);
    }

    [Fact]
    public async Task Lists_and_searches_never_show_the_other_tenant()
    {
        var ct = TestContext.Current.CancellationToken;
        var (a, _, siteB, cameraB) = await SeedAsync();
        using var client = await _factory.ApiClientAsync(FleetRoles.TenantAdmin, new TenantMembership { TenantId = a.Id });

        var tenants = await client.GetStringAsync("/api/v1/tenants", ct);
        var sites = await client.GetStringAsync("/api/v1/sites", ct);
        var byTenant = await client.GetStringAsync($"/api/v1/sites?tenantId={siteB.TenantId}", ct);
        var cameras = await client.GetStringAsync($"/api/v1/cameras?q=BRAVO&siteId={siteB.Id}", ct);

        Assert.Contains(a.Name, tenants);
        Assert.DoesNotContain("Bravo", tenants);
        Assert.DoesNotContain("Bravo", sites);
        Assert.Equal("[]", byTenant);
        using var page = JsonDocument.Parse(cameras);
        Assert.Equal(0, page.RootElement.GetProperty("total").GetInt32());
        Assert.DoesNotContain(cameraB.SerialNumber, cameras);
    }

    [Fact]
    public async Task Guessed_ids_of_the_other_tenant_look_exactly_like_ids_that_do_not_exist()
    {
        var ct = TestContext.Current.CancellationToken;
        var (a, b, siteB, cameraB) = await SeedAsync();
        using var client = await _factory.ApiClientAsync(FleetRoles.TenantAdmin, new TenantMembership { TenantId = a.Id });

        async Task<(HttpStatusCode, string)> Probe(HttpMethod method, string url, object? body = null)
        {
            using var request = new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) };
            using var response = await client.SendAsync(request, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            // The trace id differs per request; everything else must be identical.
            return (response.StatusCode, System.Text.RegularExpressions.Regex.Replace(text, "\"traceId\":\"[^\"]*\"", ""));
        }

        var missing = Guid.NewGuid();
        var edit = new { name = "Owned", timeZone = "UTC" };
        Assert.Equal(await Probe(HttpMethod.Get, $"/api/v1/sites/{missing}"), await Probe(HttpMethod.Get, $"/api/v1/sites/{siteB.Id}"));
        Assert.Equal(await Probe(HttpMethod.Get, $"/api/v1/cameras/{missing}"), await Probe(HttpMethod.Get, $"/api/v1/cameras/{cameraB.Id}"));
        Assert.Equal(await Probe(HttpMethod.Put, $"/api/v1/sites/{missing}", edit), await Probe(HttpMethod.Put, $"/api/v1/sites/{siteB.Id}", edit));
        Assert.Equal(await Probe(HttpMethod.Delete, $"/api/v1/sites/{missing}"), await Probe(HttpMethod.Delete, $"/api/v1/sites/{siteB.Id}"));
        Assert.Equal(await Probe(HttpMethod.Put, $"/api/v1/cameras/{missing}", new { name = "Mine" }),
            await Probe(HttpMethod.Put, $"/api/v1/cameras/{cameraB.Id}", new { name = "Mine" }));
        Assert.Equal(await Probe(HttpMethod.Delete, $"/api/v1/cameras/{missing}"), await Probe(HttpMethod.Delete, $"/api/v1/cameras/{cameraB.Id}"));
        Assert.Equal(HttpStatusCode.NotFound, (await Probe(HttpMethod.Get, $"/api/v1/sites/{siteB.Id}")).Item1);

        // Creating a site inside tenant B is refused the same way as inside a tenant that does not exist.
        var intoB = await Probe(HttpMethod.Post, "/api/v1/sites", new { tenantId = b.Id, name = "Planted", timeZone = "UTC" });
        var intoNowhere = await Probe(HttpMethod.Post, "/api/v1/sites", new { tenantId = missing, name = "Planted", timeZone = "UTC" });
        Assert.Equal(intoNowhere, intoB);
        Assert.Equal(HttpStatusCode.BadRequest, intoB.Item1);

        await using var db = _factory.Database.CreateContext();
        var site = db.Sites.Single(s => s.Id == siteB.Id);
        Assert.Equal("Bravo Secret Site", site.Name);
        var camera = db.Cameras.Single(c => c.Id == cameraB.Id);
        Assert.Equal("Bravo vault cam", camera.Name);
        Assert.Equal(CameraLifecycle.Discovered, camera.Lifecycle);
        Assert.DoesNotContain(db.Sites, s => s.Name == "Planted");
    }

    [Fact]
    public async Task The_other_tenants_site_is_absent_from_the_pages_too()
    {
        var ct = TestContext.Current.CancellationToken;
        var (a, _, _, _) = await SeedAsync();
        using var browser = await _factory.SignedInClientAsync(FleetRoles.Viewer, new TenantMembership { TenantId = a.Id });

        var sites = await browser.GetStringAsync("/sites", ct);
        var dashboard = await browser.GetStringAsync("/", ct);

        Assert.Contains("Alpha HQ", sites);
        Assert.DoesNotContain("Bravo", sites);
        Assert.DoesNotContain("Bravo", dashboard);
    }

    [Fact]
    public async Task A_site_limited_user_sees_only_its_sites_of_its_tenant()
    {
        var ct = TestContext.Current.CancellationToken;
        var (a, _, _, _) = await SeedAsync();
        await using var db = _factory.Database.CreateContext();
        var other = new Site { TenantId = a.Id, Name = "Alpha Annex", TimeZone = "UTC" };
        db.Sites.Add(other);
        await db.SaveChangesAsync(ct);
        using var client = await _factory.ApiClientAsync(FleetRoles.Operator, new TenantMembership { TenantId = a.Id, SiteIds = [other.Id] });

        var sites = await client.GetStringAsync("/api/v1/sites", ct);

        Assert.Contains("Alpha Annex", sites);
        Assert.DoesNotContain("Alpha HQ", sites);
    }

    [Fact]
    public async Task A_tenant_admin_creates_users_only_inside_its_tenants_and_never_administrators()
    {
        var ct = TestContext.Current.CancellationToken;
        var (a, b, _, _) = await SeedAsync();
        using var admin = await _factory.ApiClientAsync(FleetRoles.TenantAdmin, new TenantMembership { TenantId = a.Id });
        object NewUser(string role, Guid tenant) => new
        {
            userName = $"u-{Guid.NewGuid():N}"[..12], role, password = FleetWebFactory.Password,
            memberships = new[] { new { tenantId = tenant, siteIds = Array.Empty<Guid>() } },
        };

        Assert.Equal(HttpStatusCode.Forbidden, (await admin.PostAsJsonAsync("/api/v1/users", NewUser(FleetRoles.Administrator, a.Id), ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync("/api/v1/users", NewUser(FleetRoles.Viewer, b.Id), ct)).StatusCode);
        var weak = await admin.PostAsJsonAsync("/api/v1/users", new
        {
            userName = "weakling", role = FleetRoles.Viewer, password = "password",
            memberships = new[] { new { tenantId = a.Id, siteIds = Array.Empty<Guid>() } },
        }, ct);
        Assert.Equal(HttpStatusCode.BadRequest, weak.StatusCode);
        Assert.Contains("password", await weak.Content.ReadAsStringAsync(ct), StringComparison.OrdinalIgnoreCase);

        var created = await admin.PostAsJsonAsync("/api/v1/users", NewUser(FleetRoles.Operator, a.Id), ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var users = await admin.GetStringAsync("/api/v1/users", ct);
        Assert.DoesNotContain(FleetRoles.Administrator, users);

        // Locking a user cuts its API access at once.
        using var victim = await _factory.ApiClientAsync(FleetRoles.Viewer, new TenantMembership { TenantId = a.Id });
        var me = await victim.GetFromJsonAsync<JsonElement>("/api/v1/me", ct);
        await using var db = _factory.Database.CreateContext();
        var victimId = db.Users.Single(u => u.UserName == me.GetProperty("userName").GetString()).Id;
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/v1/users/{victimId}/lock", null, ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await victim.GetAsync("/api/v1/sites", ct)).StatusCode);
    }

    [Fact]
    public async Task Retiring_a_camera_keeps_its_record_and_renaming_needs_only_operate()
    {
        var ct = TestContext.Current.CancellationToken;
        var (a, _, _, _) = await SeedAsync();
        await using var db = _factory.Database.CreateContext();
        var site = db.Sites.Single(s => s.TenantId == a.Id);
        var camera = new Camera
        {
            SiteId = site.Id, SerialNumber = $"RET{Guid.NewGuid():N}"[..20], Model = "DS-2CD2143G2-I",
            MacAddress = string.Join(":", Guid.NewGuid().ToByteArray().Take(6).Select(x => x.ToString("x2"))),
        };
        db.Cameras.Add(camera);
        await db.SaveChangesAsync(ct);
        using var op = await _factory.ApiClientAsync(FleetRoles.Operator, new TenantMembership { TenantId = a.Id });
        using var admin = await _factory.ApiClientAsync(FleetRoles.TenantAdmin, new TenantMembership { TenantId = a.Id });

        var renamed = await op.PutAsJsonAsync($"/api/v1/cameras/{camera.Id}", new { name = "  Gate 3  " }, ct);
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        Assert.Equal("Gate 3", (await renamed.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await op.DeleteAsync($"/api/v1/cameras/{camera.Id}", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/cameras/{camera.Id}", ct)).StatusCode);

        var after = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/cameras/{camera.Id}", ct);
        Assert.Equal("Retired", after.GetProperty("lifecycle").GetString());
    }
}
