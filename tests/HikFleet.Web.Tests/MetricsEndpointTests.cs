using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using HikFleet.Core.Data.Entities;
using Hangfire;
using HikFleet.Core.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.EntityFrameworkCore;

namespace HikFleet.Web.Tests;

/// <summary>
/// <c>/metrics</c> of the real host, scraped like Prometheus does: the fleet gauges equal the database's counts per (state, tenant,
/// site), and only an administrator or the configured scrape token may read them.
/// </summary>
/// <remarks>
/// Run alone (<see cref="MetricsCollection"/>): production has one host per process, but the test process runs many hosts at once,
/// each with meters of the same names, and OpenTelemetry subscribes to meters by name. In CI a scrape here lost every series of the
/// fleet gauges for good after the first collection (and, in earlier runs, now and then one collection) while other classes' hosts
/// started and stopped; alone it never did.
/// </remarks>
[Collection(MetricsCollection.Name)]
public sealed class MetricsEndpointTests : IAsyncLifetime
{
    private static readonly string ScrapeToken = "scrape-" + Convert.ToHexString(Guid.NewGuid().ToByteArray()) + "-x";
    private readonly FleetWebFactory _factory = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _factory.Settings["Fleet:Observability:Metrics:ScrapeToken"] = ScrapeToken;
        // Every scrape sees the database as it is now (the cache is tested in Core); the exporter's own 1 s cache still applies.
        _factory.Settings["Fleet:Observability:Metrics:FleetRefreshInterval"] = "00:00:00";
        await _factory.InitializeAsync();
    }

    public async ValueTask DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task Fleet_gauges_match_the_database_per_state_tenant_and_site()
    {
        _factory.EnsureStarted();
        var tenants = await SeedAsync();

        using var scraper = Scraper(ScrapeToken);
        var samples = await ScrapeMatchingDatabaseAsync(scraper, tenants);
        Assert.Contains(samples, s => s.Name == "hikfleet_fleet_cameras" && s.Labels["tenant_id"] == tenants[0].ToString() && s.Labels["state"] == "offline");

        // A camera changes state, another leaves its site's last "critical": the next scrape follows the database.
        await using (var db = _factory.Database.CreateContext())
        {
            var critical = await db.Cameras.Where(c => c.Site!.TenantId == tenants[1] && c.Health == HealthState.Critical).ToListAsync(Ct);
            foreach (var camera in critical) camera.Health = HealthState.Healthy;
            var healthy = await db.Cameras.FirstAsync(c => c.Site!.TenantId == tenants[0] && c.Health == HealthState.Healthy && c.Lifecycle == CameraLifecycle.Managed, Ct);
            healthy.Health = HealthState.Offline;
            await db.SaveChangesAsync(Ct);
        }

        await Task.Delay(1100, Ct); // the exporter's response cache
        samples = await ScrapeMatchingDatabaseAsync(scraper, tenants);
        Assert.Contains(samples, s => s.Name == "hikfleet_fleet_cameras" && s.Labels["tenant_id"] == tenants[1].ToString() && s.Labels["state"] == "critical" && s.Value == 0);

        // The other instruments are on the same endpoint (ASP.NET Core's own request duration included). A request's duration is
        // recorded when the server has finished it, after the client has its answer: on a loaded machine the previous scrape's may
        // not be in yet.
        await ScrapeUntilAsync(scraper, s =>
        {
            Assert.Contains(s, x => x.Name.StartsWith("http_server_request_duration_seconds", StringComparison.Ordinal));
            return Task.CompletedTask;
        });
    }

    [Fact]
    public async Task A_job_run_by_the_hosts_hangfire_server_shows_as_a_duration_histogram()
    {
        _factory.EnsureStarted();
        Guid siteId;
        await using (var db = _factory.Database.CreateContext())
        {
            var site = new Site { Tenant = new Tenant { Name = $"Jobs {Guid.NewGuid():N}" }, Name = "Empty", TimeZone = "UTC" };
            db.Sites.Add(site);
            await db.SaveChangesAsync(Ct);
            siteId = site.Id;
        }

        using var scraper = Scraper(ScrapeToken);
        double Count(List<Sample> samples) => samples
            .Where(x => x.Name == "hikfleet_job_duration_seconds_count" && x.Labels.GetValueOrDefault("job") == "HealthCheckJob"
                && x.Labels.GetValueOrDefault("outcome") == "succeeded")
            .Sum(x => x.Value);
        var before = Count(await ScrapeAsync(scraper));

        // A sweep of a site without cameras: quick, and it touches no device.
        _factory.Services.GetRequiredService<IBackgroundJobClient>().Enqueue<Core.Health.HealthCheckJob>(j => j.ExecuteAsync(siteId, CancellationToken.None));
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (Count(await ScrapeAsync(scraper)) <= before)
        {
            Assert.True(DateTime.UtcNow < until, "the job's duration never reached /metrics");
            await Task.Delay(500, Ct);
        }

        var samples = await ScrapeAsync(scraper);
        Assert.Contains(samples, x => x.Name == "hikfleet_job_duration_seconds_bucket" && x.Labels.GetValueOrDefault("job") == "HealthCheckJob");
        Assert.Contains(samples, x => x.Name == "hikfleet_job_duration_seconds_sum" && x.Labels.GetValueOrDefault("job") == "HealthCheckJob" && x.Value > 0);
    }

    [Fact]
    public async Task Only_administrators_and_the_scrape_token_may_read_the_metrics()
    {
        _factory.EnsureStarted();
        await SeedAsync();
        using (var anonymous = _factory.CreateClient(new() { AllowAutoRedirect = false }))
        using (var response = await anonymous.GetAsync("/metrics", Ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        using (var wrong = Scraper(ScrapeToken + "y"))
        using (var response = await wrong.GetAsync("/metrics", Ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        using (var viewer = await _factory.ApiClientAsync(FleetRoles.Viewer))
        using (var response = await viewer.GetAsync("/metrics", Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        using (var tenantAdmin = await _factory.SignedInClientAsync(FleetRoles.TenantAdmin))
        using (var response = await tenantAdmin.GetAsync("/metrics", Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        using (var admin = await _factory.ApiClientAsync(FleetRoles.Administrator))
        using (var response = await admin.GetAsync("/metrics", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("hikfleet_fleet_cameras", await response.Content.ReadAsStringAsync(Ct));
        }

        // The scrape token opens /metrics and nothing else.
        using var scraper = Scraper(ScrapeToken);
        using (var response = await scraper.GetAsync("/api/v1/sites", Ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        using (var response = await scraper.GetAsync("/metrics", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task A_scrape_of_many_sites_is_complete_and_timed()
    {
        _factory.EnsureStarted();
        var sites = int.TryParse(Environment.GetEnvironmentVariable("HIKFLEET_METRICS_SITES"), out var s) ? s : 100;
        var perSite = int.TryParse(Environment.GetEnvironmentVariable("HIKFLEET_METRICS_CAMERAS_PER_SITE"), out var c) ? c : 10;
        Guid tenantId;
        await using (var db = _factory.Database.CreateContext())
        {
            var tenant = new Tenant { Name = $"Scale-{Guid.NewGuid():N}" };
            db.Tenants.Add(tenant);
            var states = Enum.GetValues<HealthState>();
            for (var i = 0; i < sites; i++)
            {
                var site = new Site { Tenant = tenant, Name = $"Scale site {i}", TimeZone = "UTC" };
                db.Sites.Add(site);
                for (var j = 0; j < perSite; j++)
                {
                    db.Cameras.Add(new Camera
                    {
                        Site = site, SerialNumber = $"SC{Guid.NewGuid():N}"[..20], MacAddress = Mac(), Model = "DS-2CD2143G2-I",
                        Lifecycle = CameraLifecycle.Managed, Health = states[(i + j) % states.Length],
                    });
                }
            }

            await db.SaveChangesAsync(Ct);
            tenantId = tenant.Id;
        }

        using var scraper = Scraper(ScrapeToken);
        var watch = Stopwatch.StartNew();
        var samples = await ScrapeAsync(scraper);
        var first = watch.Elapsed;
        // Every series of the tenant, complete. Checked with ScrapeUntilAsync like the other gauge checks: in CI one collection
        // once had none of the tenant's series (the first scrape had all 1,000 cameras, the next 0). Suspected: several hosts share
        // this test process, each with a meter of the same name, and another test class's host stopping meanwhile voids one
        // collection of the same-named instruments here (one host per process in production) — not proven.
        void Complete(List<Sample> scraped)
        {
            var ours = scraped.Where(x => x.Name == "hikfleet_fleet_cameras" && x.Labels["tenant_id"] == tenantId.ToString()).ToList();
            Assert.Equal(sites * perSite, ours.Sum(x => x.Value));
            Assert.Equal(sites, ours.Select(x => x.Labels["site_id"]).Distinct().Count());
        }

        var fleetSeries = 0;
        try
        {
            Complete(samples);
        }
        catch (Xunit.Sdk.XunitException)
        {
            samples = await ScrapeUntilAsync(scraper, x => { Complete(x); return Task.CompletedTask; });
        }

        fleetSeries = samples.Count(x => x.Name == "hikfleet_fleet_cameras" && x.Labels["tenant_id"] == tenantId.ToString());
        // A second scrape past the exporter's cache: the query runs again (this class refreshes on every scrape), the code is warm.
        await Task.Delay(1100, Ct);
        watch.Restart();
        samples = await ScrapeAsync(scraper);
        var second = watch.Elapsed;
        try
        {
            Complete(samples);
        }
        catch (Xunit.Sdk.XunitException)
        {
            await ScrapeUntilAsync(scraper, x => { Complete(x); return Task.CompletedTask; });
        }
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"scrape with {sites * perSite} cameras in {sites} sites ({fleetSeries} fleet series): first {first.TotalMilliseconds:F0} ms, warm {second.TotalMilliseconds:F0} ms");
    }

    private async Task<Guid[]> SeedAsync()
    {
        await using var db = _factory.Database.CreateContext();
        var a = new Tenant { Name = $"Metrics A {Guid.NewGuid():N}" };
        var b = new Tenant { Name = $"Metrics \"B\" {Guid.NewGuid():N}" }; // a quote in a label value must survive the text format
        var sites = new[]
        {
            new Site { Tenant = a, Name = "HQ", TimeZone = "UTC" },
            new Site { Tenant = a, Name = "Warehouse", TimeZone = "UTC" },
            new Site { Tenant = b, Name = "Shop", TimeZone = "UTC" },
        };
        db.AddRange(a, b);
        db.Sites.AddRange(sites);
        var plan = new (int Site, CameraLifecycle Lifecycle, HealthState Health, int Count)[]
        {
            (0, CameraLifecycle.Managed, HealthState.Healthy, 3), (0, CameraLifecycle.Managed, HealthState.Offline, 2),
            (0, CameraLifecycle.Managed, HealthState.Warning, 1), (0, CameraLifecycle.Discovered, HealthState.Unknown, 2),
            (1, CameraLifecycle.Managed, HealthState.Healthy, 1), (1, CameraLifecycle.Managed, HealthState.Unauthorized, 1),
            (1, CameraLifecycle.Ignored, HealthState.Offline, 1),
            (2, CameraLifecycle.Managed, HealthState.Critical, 2), (2, CameraLifecycle.Managed, HealthState.Locked, 1),
            (2, CameraLifecycle.Retired, HealthState.Healthy, 1),
        };
        foreach (var (site, lifecycle, health, count) in plan)
        {
            for (var i = 0; i < count; i++)
            {
                db.Cameras.Add(new Camera
                {
                    Site = sites[site], SerialNumber = $"MT{Guid.NewGuid():N}"[..20], MacAddress = Mac(), Model = "DS-2CD2143G2-I",
                    Lifecycle = lifecycle, Health = health,
                });
            }
        }

        await db.SaveChangesAsync(Ct);
        return [a.Id, b.Id];
    }

    /// <summary>Scrapes until the fleet gauges equal the database (<see cref="AssertMatchesDatabaseAsync"/>).</summary>
    private Task<List<Sample>> ScrapeMatchingDatabaseAsync(HttpClient scraper, Guid[] tenants) =>
        ScrapeUntilAsync(scraper, samples => AssertMatchesDatabaseAsync(samples, tenants));

    /// <summary>
    /// Scrapes until <paramref name="check"/> passes, at most 8 times, 1.1 s apart (past the exporter's 1 s response cache). A
    /// collection racing a change, or one slowed past the cache window on a loaded machine, may show the metrics of a moment
    /// before; they must converge, and the last attempt's failure is the test's.
    /// </summary>
    private static async Task<List<Sample>> ScrapeUntilAsync(HttpClient scraper, Func<List<Sample>, Task> check)
    {
        for (var attempt = 1; ; attempt++)
        {
            var samples = await ScrapeAsync(scraper);
            try
            {
                await check(samples);
                return samples;
            }
            catch (Xunit.Sdk.XunitException) when (attempt < 8)
            {
                TestContext.Current.TestOutputHelper?.WriteLine($"scrape {attempt} did not pass its check yet; scraping again");
                await Task.Delay(1100, Ct);
            }
        }
    }

    /// <summary>Every (state, site) and (lifecycle, site) count of these tenants equals the gauge; every gauge of them equals the database.</summary>
    private async Task AssertMatchesDatabaseAsync(List<Sample> samples, Guid[] tenants)
    {
        await using var db = _factory.Database.CreateContext();
        var rows = await db.Cameras.AsNoTracking().Where(c => tenants.Contains(c.Site!.TenantId))
            .Select(c => new { c.SiteId, c.Site!.TenantId, SiteName = c.Site.Name, TenantName = c.Site.Tenant!.Name, c.Lifecycle, c.Health })
            .ToListAsync(Ct);

        var expectedHealth = rows.Where(r => r.Lifecycle == CameraLifecycle.Managed)
            .GroupBy(r => (State: Snake(r.Health.ToString()), Tenant: r.TenantId.ToString(), Site: r.SiteId.ToString()))
            .ToDictionary(g => g.Key, g => (double)g.Count());
        var actualHealth = samples.Where(s => s.Name == "hikfleet_fleet_cameras" && tenants.Any(t => t.ToString() == s.Labels["tenant_id"]))
            .ToDictionary(s => (State: s.Labels["state"], Tenant: s.Labels["tenant_id"], Site: s.Labels["site_id"]), s => s.Value);
        Assert.NotEmpty(expectedHealth);
        foreach (var (key, count) in expectedHealth)
        {
            Assert.True(actualHealth.TryGetValue(key, out var value), $"no gauge for {key}");
            Assert.Equal(count, value);
        }

        Assert.All(actualHealth.Where(p => !expectedHealth.ContainsKey(p.Key)), p => Assert.Equal(0, p.Value));

        var expectedLifecycle = rows.GroupBy(r => (Lifecycle: Snake(r.Lifecycle.ToString()), Site: r.SiteId.ToString()))
            .ToDictionary(g => g.Key, g => (double)g.Count());
        var actualLifecycle = samples.Where(s => s.Name == "hikfleet_fleet_cameras_lifecycle" && tenants.Any(t => t.ToString() == s.Labels["tenant_id"]))
            .ToDictionary(s => (Lifecycle: s.Labels["lifecycle"], Site: s.Labels["site_id"]), s => s.Value);
        Assert.Equal(expectedLifecycle.OrderBy(p => p.Key).ToList(), actualLifecycle.Where(p => p.Value > 0).OrderBy(p => p.Key).ToList());

        // Names ride along for dashboards, exactly as stored (quotes and all).
        foreach (var row in rows)
        {
            Assert.Contains(samples, s => s.Name == "hikfleet_fleet_cameras_lifecycle" && s.Labels["site_id"] == row.SiteId.ToString()
                && s.Labels["site"] == row.SiteName && s.Labels["tenant"] == row.TenantName);
        }
    }

    private HttpClient Scraper(string token)
    {
        var client = _factory.CreateClient(new() { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static async Task<List<Sample>> ScrapeAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/metrics", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType ?? "");
        return Parse(await response.Content.ReadAsStringAsync(Ct));
    }

    private sealed record Sample(string Name, Dictionary<string, string> Labels, double Value);

    /// <summary>The Prometheus text exposition format: <c>name{label="value",…} value [timestamp]</c>, values escaped with \\, \" and \n.</summary>
    private static List<Sample> Parse(string text)
    {
        var samples = new List<Sample>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#') continue;
            var i = 0;
            while (i < line.Length && line[i] != '{' && line[i] != ' ') i++;
            var name = line[..i];
            var labels = new Dictionary<string, string>();
            if (i < line.Length && line[i] == '{')
            {
                i++;
                while (line[i] != '}')
                {
                    var eq = line.IndexOf('=', i);
                    var key = line[i..eq];
                    i = eq + 2; // past ="
                    var value = new StringBuilder();
                    while (line[i] != '"')
                    {
                        if (line[i] == '\\')
                        {
                            i++;
                            value.Append(line[i] == 'n' ? '\n' : line[i]);
                        }
                        else
                        {
                            value.Append(line[i]);
                        }

                        i++;
                    }

                    labels[key] = value.ToString();
                    i++; // closing quote
                    if (line[i] == ',') i++;
                }

                i++; // }
            }

            var parts = line[i..].Trim().Split(' ');
            samples.Add(new Sample(name, labels, double.Parse(parts[0], CultureInfo.InvariantCulture)));
        }

        return samples;
    }

    private static string Snake(string name) => Core.Observability.FleetTelemetry.Label(name);

    private static string Mac() => string.Join(":", Guid.NewGuid().ToByteArray().Take(6).Select(x => x.ToString("x2")));
}

/// <summary>The metrics tests run after every parallel test class, with no other host in the process.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCollection
{
    public const string Name = "Metrics (alone)";
}
