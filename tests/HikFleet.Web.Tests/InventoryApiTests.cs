using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Security;
using HikFleet.Core.Vault;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace HikFleet.Web.Tests;

/// <summary>
/// The inventory API on the real host: scan now runs as a Hangfire job and its run shows up, adoption and CSV answer per camera and
/// per line, reveal is for administrators with a reason and is never cached, and another tenant's sites and cameras look exactly
/// like ones that do not exist.
/// </summary>
public sealed class InventoryApiTests : IAsyncLifetime
{
    private FleetWebFactory _factory = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _factory = new FleetWebFactory();
        // SADP of this host goes to a port nobody answers on (loopback, TTL 0): the run finds nothing, quickly.
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _factory.Settings["Sadp:Port"] = ((IPEndPoint)socket.LocalEndPoint!).Port.ToString();
        _factory.Settings["Sadp:QuietWindow"] = "00:00:00.300";
        _factory.Settings["Sadp:ProbeRounds"] = "1";
        await _factory.InitializeAsync();
    }

    public async ValueTask DisposeAsync() => await _factory.DisposeAsync();

    private sealed record World(Tenant A, Site SiteA, Camera CameraA, Tenant B, Site SiteB, Camera CameraB);

    private async Task<World> SeedAsync()
    {
        _factory.EnsureStarted();
        await using var db = _factory.Database.CreateContext();
        var a = new Tenant { Name = $"Alpha-{Guid.NewGuid():N}" };
        var b = new Tenant { Name = $"Bravo-{Guid.NewGuid():N}" };
        var siteA = new Site { Tenant = a, Name = "Alpha HQ", TimeZone = "UTC", Subnets = [IPNetwork.Parse("10.1.0.0/24")] };
        var siteB = new Site { Tenant = b, Name = "Bravo Secret Site", TimeZone = "UTC", Subnets = [IPNetwork.Parse("10.2.0.0/24")] };
        var cameraA = NewCamera(siteA, "ALPHA", CameraLifecycle.Discovered);
        var cameraB = NewCamera(siteB, "BRAVO", CameraLifecycle.Discovered);
        db.AddRange(a, b, siteA, siteB, cameraA, cameraB);
        await db.SaveChangesAsync(Ct);
        return new World(a, siteA, cameraA, b, siteB, cameraB);
    }

    private static Camera NewCamera(Site site, string prefix, CameraLifecycle lifecycle) => new()
    {
        Site = site, SerialNumber = $"{prefix}{Guid.NewGuid():N}"[..20], Model = "DS-2CD2386G2-IU", Lifecycle = lifecycle,
        MacAddress = string.Join(":", Guid.NewGuid().ToByteArray().Take(6).Select(x => x.ToString("x2"))),
    };

    [Fact]
    public async Task Scan_now_runs_as_a_job_and_its_run_and_sightings_are_listed()
    {
        var world = await SeedAsync();
        using var op = await _factory.ApiClientAsync(FleetRoles.Operator, new TenantMembership { TenantId = world.A.Id });

        using var before = await op.GetAsync($"/api/v1/sites/{world.SiteA.Id}/discovery", Ct);
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal(JsonValueKind.Null, (await before.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("latestRun").ValueKind);

        using var scan = await op.PostAsync($"/api/v1/sites/{world.SiteA.Id}/discovery", null, Ct);
        Assert.Equal(HttpStatusCode.Accepted, scan.StatusCode);

        JsonElement latest = default;
        var until = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < until)
        {
            latest = (await op.GetFromJsonAsync<JsonElement>($"/api/v1/sites/{world.SiteA.Id}/discovery", Ct)).GetProperty("latestRun");
            if (latest.ValueKind == JsonValueKind.Object) break;
            await Task.Delay(200, Ct);
        }

        Assert.Equal(JsonValueKind.Object, latest.ValueKind);
        Assert.Equal("Succeeded", latest.GetProperty("status").GetString());
        Assert.StartsWith("operator-", latest.GetProperty("triggeredBy").GetString());

        // A run's sightings come back with their outcomes (seeded here: the simulator end-to-end is in Core.Tests).
        await using (var db = _factory.Database.CreateContext())
        {
            var runId = latest.GetProperty("id").GetGuid();
            db.DiscoverySightings.Add(new DiscoverySighting
            {
                RunId = runId, SiteId = world.SiteA.Id, MacAddress = world.CameraA.MacAddress, SerialNumber = world.CameraA.SerialNumber,
                Address = IPAddress.Parse("10.1.0.20"), Outcome = SightingOutcome.New, Source = SightingSource.Sadp, CameraId = world.CameraA.Id,
                SeenAt = DateTimeOffset.UtcNow,
            });
            await db.SaveChangesAsync(Ct);
        }

        var view = await op.GetFromJsonAsync<JsonElement>($"/api/v1/sites/{world.SiteA.Id}/discovery", Ct);
        var sighting = Assert.Single(view.GetProperty("sightings").EnumerateArray());
        Assert.Equal("New", sighting.GetProperty("outcome").GetString());
        Assert.Equal("10.1.0.20", sighting.GetProperty("address").GetString());

        using var viewer = await _factory.ApiClientAsync(FleetRoles.Viewer, new TenantMembership { TenantId = world.A.Id });
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsync($"/api/v1/sites/{world.SiteA.Id}/discovery", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync($"/api/v1/sites/{world.SiteA.Id}/discovery", Ct)).StatusCode);
    }

    [Fact]
    public async Task Another_tenants_sites_and_cameras_look_exactly_like_ones_that_do_not_exist()
    {
        var world = await SeedAsync();
        using var client = await _factory.ApiClientAsync(FleetRoles.TenantAdmin, new TenantMembership { TenantId = world.A.Id });

        async Task<(HttpStatusCode, string)> Probe(HttpMethod method, string url, HttpContent? body = null)
        {
            using var request = new HttpRequestMessage(method, url) { Content = body };
            using var response = await client.SendAsync(request, Ct);
            var text = await response.Content.ReadAsStringAsync(Ct);
            return (response.StatusCode, System.Text.RegularExpressions.Regex.Replace(text, "\"traceId\":\"[^\"]*\"", ""));
        }

        var missing = Guid.NewGuid();
        foreach (var (method, template) in new[]
                 {
                     (HttpMethod.Get, "/api/v1/sites/{0}/discovery"), (HttpMethod.Post, "/api/v1/sites/{0}/discovery"),
                     (HttpMethod.Post, "/api/v1/cameras/import?siteId={0}"),
                 })
        {
            var theirs = await Probe(method, string.Format(template, world.SiteB.Id), new StringContent("Address,Password\n", Encoding.UTF8, "text/csv"));
            var nowhere = await Probe(method, string.Format(template, missing), new StringContent("Address,Password\n", Encoding.UTF8, "text/csv"));
            Assert.Equal(HttpStatusCode.NotFound, theirs.Item1);
            Assert.Equal(nowhere, theirs);
        }

        Assert.Equal(await Probe(HttpMethod.Post, $"/api/v1/cameras/{missing}/ignore"), await Probe(HttpMethod.Post, $"/api/v1/cameras/{world.CameraB.Id}/ignore"));
        var addToTheirs = await Probe(HttpMethod.Post, "/api/v1/cameras", JsonContent.Create(new { siteId = world.SiteB.Id, address = "10.2.0.9", password = "x" }));
        var addToNowhere = await Probe(HttpMethod.Post, "/api/v1/cameras", JsonContent.Create(new { siteId = missing, address = "10.2.0.9", password = "x" }));
        Assert.Equal(HttpStatusCode.BadRequest, addToTheirs.Item1);
        Assert.Equal(addToNowhere, addToTheirs);

        var adopt = await client.PostAsJsonAsync("/api/v1/cameras/adopt", new { cameraIds = new[] { world.CameraB.Id }, password = "Guess-123a" }, Ct);
        var result = Assert.Single((await adopt.Content.ReadFromJsonAsync<JsonElement>(Ct)).EnumerateArray());
        Assert.False(result.GetProperty("adopted").GetBoolean());
        Assert.Equal("NotFound", result.GetProperty("result").GetString());

        var csv = await client.GetStringAsync("/api/v1/cameras/export.csv", Ct);
        Assert.Contains(world.CameraA.SerialNumber, csv);
        Assert.DoesNotContain(world.CameraB.SerialNumber, csv);

        await using var db = _factory.Database.CreateContext();
        var cameraB = await db.Cameras.AsNoTracking().SingleAsync(c => c.Id == world.CameraB.Id, Ct);
        Assert.Equal(CameraLifecycle.Discovered, cameraB.Lifecycle);
        Assert.False(await db.DiscoveryRuns.AnyAsync(r => r.SiteId == world.SiteB.Id, Ct));
    }

    [Fact]
    public async Task Reveal_is_for_administrators_with_a_reason_is_never_cached_and_is_audited_without_the_password()
    {
        var world = await SeedAsync();
        var vault = _factory.Services.GetRequiredService<CredentialVault>();
        await using (var db = _factory.Database.CreateContext())
        {
            await vault.StoreForCameraAsync(db, world.CameraA.Id, "admin", "Reveal-Me-77", "test", Ct);
            await db.SaveChangesAsync(Ct);
        }

        using var tenantAdmin = await _factory.ApiClientAsync(FleetRoles.TenantAdmin, new TenantMembership { TenantId = world.A.Id });
        Assert.Equal(HttpStatusCode.Forbidden,
            (await tenantAdmin.PostAsJsonAsync($"/api/v1/cameras/{world.CameraA.Id}/credential/reveal", new { reason = "please" }, Ct)).StatusCode);

        using var admin = await _factory.ApiClientAsync(FleetRoles.Administrator);
        Assert.Equal(HttpStatusCode.BadRequest,
            (await admin.PostAsJsonAsync($"/api/v1/cameras/{world.CameraA.Id}/credential/reveal", new { reason = " " }, Ct)).StatusCode);
        using var revealed = await admin.PostAsJsonAsync($"/api/v1/cameras/{world.CameraA.Id}/credential/reveal", new { reason = "site visit" }, Ct);
        Assert.Equal(HttpStatusCode.OK, revealed.StatusCode);
        Assert.Contains("no-store", revealed.Headers.CacheControl!.ToString());
        var body = await revealed.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("Reveal-Me-77", body.GetProperty("password").GetString());
        Assert.Equal("admin", body.GetProperty("userName").GetString());

        await using var check = _factory.Database.CreateContext();
        var entries = await check.AuditEntries.AsNoTracking().Where(e => e.Action == "credential.reveal" && e.CameraId == world.CameraA.Id)
            .Select(e => new { e.Parameters, e.Result }).ToListAsync(Ct);
        Assert.NotEmpty(entries); // (the tenant admin was refused by the endpoint's policy before reaching the vault)
        Assert.All(entries, e => Assert.DoesNotContain("Reveal-Me-77", e.Parameters ?? ""));
        Assert.Contains(entries, e => e.Parameters!.Contains("site visit"));
    }

    [Fact]
    public async Task Import_answers_per_line_and_add_by_address_validates_before_touching_the_network()
    {
        var world = await SeedAsync();
        using var op = await _factory.ApiClientAsync(FleetRoles.Operator, new TenantMembership { TenantId = world.A.Id });

        var csv = "Nickname,Adding Mode,Address,Port,Device Information,User Name,Password\nGate,3,hik-online,80,,admin,x\nYard,0,not-an-ip,80,,admin,Secret-Row-1\n";
        using var response = await op.PostAsync($"/api/v1/cameras/import?siteId={world.SiteA.Id}", new StringContent(csv, Encoding.UTF8, "text/csv"), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(0, result.GetProperty("added").GetInt32());
        Assert.Equal([2, 3], result.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("line").GetInt32()));
        Assert.Contains("Adding Mode 3", result.GetProperty("rows")[0].GetProperty("message").GetString());

        using var missingSite = await op.PostAsync("/api/v1/cameras/import", new StringContent(csv, Encoding.UTF8, "text/csv"), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, missingSite.StatusCode);
        using var huge = await op.PostAsync($"/api/v1/cameras/import?siteId={world.SiteA.Id}",
            new StringContent(new string('a', 1024 * 1024 + 10), Encoding.UTF8, "text/csv"), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, huge.StatusCode);

        using var add = await op.PostAsJsonAsync("/api/v1/cameras", new { siteId = world.SiteA.Id, address = "not-an-ip", password = "Secret-Row-1" }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, add.StatusCode);
        Assert.Contains("address", await add.Content.ReadAsStringAsync(Ct));

        await using var db = _factory.Database.CreateContext();
        var parameters = await db.AuditEntries.AsNoTracking().Select(e => e.Parameters).ToListAsync(Ct);
        Assert.DoesNotContain(parameters, p => p != null && p.Contains("Secret-Row-1"));
    }

    [Fact]
    public async Task The_discovery_page_shows_the_sites_run_groups_and_devices_waiting_for_adoption_and_nothing_of_other_tenants()
    {
        var world = await SeedAsync();
        await using (var db = _factory.Database.CreateContext())
        {
            var run = new DiscoveryRun
            {
                SiteId = world.SiteA.Id, StartedAt = DateTimeOffset.UtcNow, FinishedAt = DateTimeOffset.UtcNow, TriggeredBy = "schedule",
                Status = DiscoveryRunStatus.Succeeded, Seen = 2, Moved = 1, New = 1,
            };
            db.DiscoveryRuns.Add(run);
            db.DiscoverySightings.Add(new DiscoverySighting
            {
                RunId = run.Id, SiteId = world.SiteA.Id, MacAddress = "44:00:00:00:00:01", SerialNumber = "MOVEDSERIAL0001", Address = IPAddress.Parse("10.1.0.77"),
                Outcome = SightingOutcome.Moved, Detail = "10.1.0.5 → 10.1.0.77", SeenAt = DateTimeOffset.UtcNow,
            });
            db.DiscoverySightings.Add(new DiscoverySighting
            {
                RunId = run.Id, SiteId = world.SiteA.Id, Address = IPAddress.Parse("10.1.0.78"), Outcome = SightingOutcome.New,
                Source = SightingSource.IsapiProbe, Detail = "Needs credentials <script>", SeenAt = DateTimeOffset.UtcNow,
            });
            await db.SaveChangesAsync(Ct);
        }

        using var browser = await _factory.SignedInClientAsync(FleetRoles.Operator, new TenantMembership { TenantId = world.A.Id });
        var page = await browser.GetStringAsync($"/discovery?site={world.SiteA.Id}", Ct);

        Assert.Contains("Changed: moved to a new address", page);
        Assert.Contains("MOVEDSERIAL0001", page);
        Assert.Contains(world.CameraA.SerialNumber, page); // waiting for adoption
        Assert.Contains("Needs credentials &lt;script&gt;", page);
        Assert.Contains("Scan now", page);
        Assert.DoesNotContain("Bravo", page);

        // Another tenant's site id in the query shows this user's own site, never the other one.
        var guessed = await browser.GetStringAsync($"/discovery?site={world.SiteB.Id}", Ct);
        Assert.DoesNotContain("Bravo", guessed);
        Assert.DoesNotContain(world.CameraB.SerialNumber, guessed);
    }
}
