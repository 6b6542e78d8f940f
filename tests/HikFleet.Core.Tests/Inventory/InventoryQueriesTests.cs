using System.Net;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Devices;
using HikFleet.Core.Inventory;
using HikFleet.Core.Security;
using HikFleet.Testing;

namespace HikFleet.Core.Tests.Inventory;

/// <summary>One seeded world per test class: two tenants, three sites, cameras in every interesting state (read-only for the tests).</summary>
public sealed class InventoryWorld : TestDatabase
{
    public Tenant TenantA = null!, TenantB = null!;
    public Site A1 = null!, A2 = null!, B1 = null!;
    public Dictionary<string, Camera> Cameras { get; } = [];
    public static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        await MigrateAsync();
        await using var db = CreateContext();
        TenantA = new Tenant { Name = "Alpha" };
        TenantB = new Tenant { Name = "Beta" };
        A1 = new Site { Tenant = TenantA, Name = "A-North", TimeZone = "UTC", Subnets = [IPNetwork.Parse("10.1.0.0/24")] };
        A2 = new Site { Tenant = TenantA, Name = "A-South", TimeZone = "UTC" };
        B1 = new Site { Tenant = TenantB, Name = "B-Only", TimeZone = "UTC" };
        db.AddRange(TenantA, TenantB, A1, A2, B1);

        Camera Add(string key, Site site, HealthState health, string mac, string? address = null, CameraLifecycle lifecycle = CameraLifecycle.Managed,
            int changedMinutesAgo = 10, params string[] codes)
        {
            var camera = TestFleet.NewCamera(site.Id, serial: $"SER-{key}-{Guid.NewGuid():N}"[..24], mac: mac, address: address);
            camera.Site = site;
            camera.Name = $"Cam {key}";
            camera.Health = health;
            camera.Lifecycle = lifecycle;
            camera.HealthChangedAt = Now.AddMinutes(-changedMinutesAgo);
            camera.HealthSummary = $"summary {key}";
            camera.FindingCodes = [.. codes];
            Cameras[key] = camera;
            db.Cameras.Add(camera);
            return camera;
        }

        Add("healthy1", A1, HealthState.Healthy, "44:19:b6:00:00:01", "10.1.0.11");
        Add("offlineOld", A1, HealthState.Offline, "44:19:b6:00:00:02", "10.1.0.12", changedMinutesAgo: 120);
        Add("offlineNew", A1, HealthState.Offline, "44:19:b6:00:00:03", "10.1.0.13", changedMinutesAgo: 5);
        Add("critical", A2, HealthState.Critical, "44:19:b6:00:00:04", "10.2.0.14", codes: ["reboot-loop"]);
        Add("warnWithCritical", A2, HealthState.Warning, "44:19:b6:00:00:05", "10.2.0.15", codes: ["vulnerable-firmware", "clock-drift"]);
        Add("discovered", A2, HealthState.Unknown, "44:19:b6:00:00:06", "10.2.0.16", CameraLifecycle.Discovered);
        Add("retired", A2, HealthState.Offline, "44:19:b6:00:00:07", "10.2.0.17", CameraLifecycle.Retired);
        Add("bLocked", B1, HealthState.Locked, "44:19:b6:00:00:08", "10.9.0.18", codes: ["locked"]);
        Add("bHealthy", B1, HealthState.Healthy, "44:19:b6:00:00:09", "10.9.0.19", codes: ["clock-drift"]);
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);

        db.CameraFindings.AddRange(
            Finding(Cameras["critical"], "reboot-loop", FindingSeverity.Critical, "Restarted 4 times in an hour", "Check the PoE budget and the cable."),
            Finding(Cameras["warnWithCritical"], "vulnerable-firmware", FindingSeverity.Critical, "Firmware affected by CVE-2021-36260", "Update the firmware."),
            Finding(Cameras["warnWithCritical"], "clock-drift", FindingSeverity.Warning, "Clock 95 s off", "Enable NTP."),
            Finding(Cameras["bLocked"], "locked", FindingSeverity.Critical, "Device locked", "Wait out the lockout."),
            Finding(Cameras["bHealthy"], "clock-drift", FindingSeverity.Warning, "Clock 40 s off", "Enable NTP."));
        db.CameraEvents.AddRange(
            new CameraEvent { CameraId = Cameras["offlineOld"].Id, At = Now.AddMinutes(-120), Kind = CameraEventKinds.HealthChanged, Detail = "Healthy -> Offline" },
            new CameraEvent { CameraId = Cameras["critical"].Id, At = Now.AddMinutes(-3), Kind = CameraEventKinds.Restarted, Detail = "<b>boot</b>" },
            new CameraEvent { CameraId = Cameras["bLocked"].Id, At = Now.AddMinutes(-1), Kind = CameraEventKinds.HealthChanged, Detail = "B secret event" });
        db.DiscoveryRuns.AddRange(
            new DiscoveryRun { SiteId = A1.Id, StartedAt = Now.AddMinutes(-30), FinishedAt = Now.AddMinutes(-29), TriggeredBy = "schedule", Status = DiscoveryRunStatus.Succeeded, Seen = 3 },
            new DiscoveryRun { SiteId = B1.Id, StartedAt = Now.AddMinutes(-20), FinishedAt = Now.AddMinutes(-19), TriggeredBy = "schedule", Status = DiscoveryRunStatus.Succeeded, Seen = 2 });
        for (var i = 0; i < 30; i++)
        {
            db.HealthSamples.Add(new HealthSample { CameraId = Cameras["healthy1"].Id, At = Now.AddMinutes(-i * 10), State = HealthState.Healthy, LatencyMs = 10 + i, CpuPercent = 20 });
            db.HealthSamples.Add(new HealthSample { CameraId = Cameras["bHealthy"].Id, At = Now.AddMinutes(-i * 10), State = HealthState.Healthy, LatencyMs = 5 });
        }

        db.HealthSamples.Add(new HealthSample { CameraId = Cameras["healthy1"].Id, At = Now.AddDays(-3), State = HealthState.Healthy, LatencyMs = 999 });
        db.CameraSnapshots.AddRange(
            new CameraSnapshot { CameraId = Cameras["healthy1"].Id, TakenAt = Now, Sha256 = new string('a', 64), Jpeg = [0xFF, 0xD8, 0xFF, 0xD9] },
            new CameraSnapshot { CameraId = Cameras["bHealthy"].Id, TakenAt = Now, Sha256 = new string('b', 64), Jpeg = [0xFF, 0xD8, 0xFF, 0xD9] });
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
    }

    private static CameraFinding Finding(Camera camera, string code, FindingSeverity severity, string summary, string fix) => new()
    {
        CameraId = camera.Id, Code = code, Severity = severity, Summary = summary, Fix = fix, Evidence = "measured",
        FirstSeenAt = Now.AddMinutes(-60), LastSeenAt = Now,
    };

}

/// <summary>
/// The inventory read side on real PostgreSQL: two tenants with known cameras, findings, events and runs; every query is asked
/// as an administrator, as a member of tenant A, as a member of one site of A, and as nobody.
/// </summary>
public sealed class InventoryQueriesTests(InventoryWorld world) : IClassFixture<InventoryWorld>
{
    private readonly InventoryWorld _database = world;
    private readonly InventoryQueries _queries = new(world.ContextFactory, TimeProvider.System);
    private readonly Tenant _tenantA = world.TenantA, _tenantB = world.TenantB;
    private readonly Site _a1 = world.A1, _a2 = world.A2, _b1 = world.B1;
    private readonly Dictionary<string, Camera> _cam = world.Cameras;
    private static readonly DateTimeOffset Now = InventoryWorld.Now;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<FleetScope> ScopeAsync(string role, params TenantMembership[] memberships)
    {
        var user = await TestUsers.CreateAsync(_database, $"{role}-{Guid.NewGuid():N}"[..20], role, memberships);
        await using var db = _database.CreateContext();
        return await FleetScope.LoadAsync(db, user.Id, Ct);
    }

    private Task<FleetScope> MemberOfAAsync() => ScopeAsync(FleetRoles.Viewer, new TenantMembership { TenantId = _tenantA.Id });

    private async Task<HashSet<string>> ListKeysAsync(FleetScope scope, CameraListQuery query)
    {
        var page = await _queries.ListCamerasAsync(scope, query with { PageSize = 500 }, Ct);
        Assert.Equal(page.Total, page.Items.Count);
        return page.Items.Select(i => _cam.Single(c => c.Value.Id == i.Id).Key).ToHashSet();
    }

    private static void Same(string[] expected, HashSet<string> actual) => Assert.Equal(expected.Order(), actual.Order());

    [Fact]
    public async Task The_list_shows_only_the_callers_tenants_and_sites_whatever_the_filter()
    {
        var admin = FleetScope.System;
        var memberA = await MemberOfAAsync();
        var siteA1 = await ScopeAsync(FleetRoles.Operator, new TenantMembership { TenantId = _tenantA.Id, SiteIds = [_a1.Id] });

        Assert.Equal(8, (await ListKeysAsync(admin, new CameraListQuery())).Count); // all but the retired one
        Same(["healthy1", "offlineOld", "offlineNew", "critical", "warnWithCritical", "discovered"], await ListKeysAsync(memberA, new()));
        Same(["healthy1", "offlineNew", "offlineOld"], await ListKeysAsync(siteA1, new()));

        // Asking for the other tenant's rows by filter returns nothing rather than leaking them.
        Assert.Empty(await ListKeysAsync(memberA, new CameraListQuery { TenantId = _tenantB.Id }));
        Assert.Empty(await ListKeysAsync(memberA, new CameraListQuery { SiteId = _b1.Id }));
        Assert.Empty(await ListKeysAsync(memberA, new CameraListQuery { Search = "bLocked" }));
        Assert.Empty(await ListKeysAsync(siteA1, new CameraListQuery { SiteId = _a2.Id }));
        Assert.Empty(await ListKeysAsync(FleetScope.Nobody, new CameraListQuery()));
        var locked = await _queries.ListCamerasAsync(admin, new CameraListQuery { States = [HealthState.Locked] }, Ct);
        Assert.Equal(["locked"], Assert.Single(locked.Items).FindingCodes);

        Assert.DoesNotContain(await _queries.ListCameraIdsAsync(memberA, new CameraListQuery(), cancellationToken: Ct), id => id == _cam["bLocked"].Id);
        Assert.DoesNotContain("locked", await _queries.FindingCodesAsync(memberA, Ct));
        Assert.Contains("locked", await _queries.FindingCodesAsync(admin, Ct));
    }

    [Fact]
    public async Task Filters_and_search_match_what_people_type()
    {
        var memberA = await MemberOfAAsync();
        Same(["offlineNew", "offlineOld"], await ListKeysAsync(memberA, new CameraListQuery { States = [HealthState.Offline] }));
        Same(["critical", "offlineNew", "offlineOld"], await ListKeysAsync(memberA, new CameraListQuery { States = [HealthState.Offline, HealthState.Critical] }));
        Same(["warnWithCritical"], await ListKeysAsync(memberA, new CameraListQuery { FindingCode = "clock-drift" }));
        Same(["bHealthy", "warnWithCritical"], await ListKeysAsync(FleetScope.System, new CameraListQuery { FindingCode = "clock-drift" }));
        Same(["discovered"], await ListKeysAsync(memberA, new CameraListQuery { Lifecycle = CameraLifecycle.Discovered }));
        Same(["retired"], await ListKeysAsync(memberA, new CameraListQuery { Lifecycle = CameraLifecycle.Retired }));
        Same(["critical", "discovered", "warnWithCritical"], await ListKeysAsync(memberA, new CameraListQuery { SiteId = _a2.Id }));

        // MAC in any common notation, address fragments, serial, model, name; case-insensitive.
        Same(["offlineNew"], await ListKeysAsync(memberA, new CameraListQuery { Search = "44-19-B6-00-00-03" }));
        Same(["offlineNew"], await ListKeysAsync(memberA, new CameraListQuery { Search = "00:03" }));
        Same(["critical"], await ListKeysAsync(memberA, new CameraListQuery { Search = "10.2.0.14" }));
        Same(["healthy1", "offlineNew", "offlineOld"], await ListKeysAsync(memberA, new CameraListQuery { Search = "10.1.0." }));
        Same(["critical"], await ListKeysAsync(memberA, new CameraListQuery { Search = "ser-CRITICAL" }));
        Assert.Equal(6, (await ListKeysAsync(memberA, new CameraListQuery { Search = "ds-2cd2143" })).Count);
        Same(["warnWithCritical"], await ListKeysAsync(memberA, new CameraListQuery { Search = "cam warnwith" }));
        // LIKE wildcards typed by a person are literal characters, not patterns.
        Assert.Empty(await ListKeysAsync(memberA, new CameraListQuery { Search = "%" }));
        Assert.Empty(await ListKeysAsync(memberA, new CameraListQuery { Search = "_" }));
    }

    [Fact]
    public async Task Sorting_and_paging_walk_every_camera_exactly_once()
    {
        var worstFirst = await _queries.ListCamerasAsync(FleetScope.System, new CameraListQuery { Sort = CameraSort.Health }, Ct);
        Assert.Equal(["offlineOld", "offlineNew", "critical", "bLocked"],
            worstFirst.Items.Take(4).Select(i => _cam.Single(c => c.Value.Id == i.Id).Key));

        foreach (var sort in Enum.GetValues<CameraSort>())
        {
            foreach (var descending in new[] { false, true })
            {
                var seen = new List<Guid>();
                for (var page = 0; page < 5; page++)
                {
                    var result = await _queries.ListCamerasAsync(FleetScope.System,
                        new CameraListQuery { Sort = sort, Descending = descending, Page = page, PageSize = 3 }, Ct);
                    Assert.Equal(8, result.Total);
                    seen.AddRange(result.Items.Select(i => i.Id));
                }

                Assert.Equal(8, seen.Count);
                Assert.Equal(8, seen.Distinct().Count());
            }
        }

        var byName = await _queries.ListCamerasAsync(FleetScope.System, new CameraListQuery { Sort = CameraSort.Name, Descending = true }, Ct);
        Assert.Equal(byName.Items.Select(i => i.DisplayName).OrderDescending(StringComparer.Ordinal), byName.Items.Select(i => i.DisplayName));
    }

    [Fact]
    public async Task The_dashboard_counts_and_problems_match_the_database_and_the_scope()
    {
        var memberA = await MemberOfAAsync();
        var a = await _queries.DashboardAsync(memberA, cancellationToken: Ct);

        Assert.Equal(5, a.Fleet.Total); // managed cameras of A (discovered and retired are not watched)
        Assert.Equal(2, a.Fleet[HealthState.Offline]);
        Assert.Equal(1, a.Fleet[HealthState.Critical]);
        Assert.Equal(1, a.Fleet[HealthState.Warning]);
        Assert.Equal(1, a.Fleet[HealthState.Healthy]);
        Assert.Equal(0, a.Fleet[HealthState.Locked]);
        Assert.Equal(1, a.AwaitingAdoption);
        Assert.Equal(["Alpha"], a.Tenants.Select(t => t.TenantName));
        Assert.Equal(["A-North", "A-South"], a.Sites.Select(s => s.SiteName));
        Assert.Equal(3, a.Sites[0].Counts.Total);
        Assert.Equal(2, a.Sites[1].Counts.Total);
        Assert.Equal(1, a.Sites[1].AwaitingAdoption);

        // Worst first (offline, then critical), oldest first within a state; a critical finding on a camera whose state lags is there too.
        Assert.Equal(["offlineOld", "offlineNew", "warnWithCritical", "critical"],
            a.Problems.Select(p => _cam.Single(c => c.Value.Id == p.CameraId).Key));
        Assert.Equal(4, a.ProblemTotal);
        var critical = a.Problems.Single(p => p.CameraId == _cam["critical"].Id);
        Assert.Equal("reboot-loop", critical.FindingCode);
        Assert.Equal("Check the PoE budget and the cable.", critical.Fix);
        Assert.Equal("vulnerable-firmware", a.Problems.Single(p => p.CameraId == _cam["warnWithCritical"].Id).FindingCode);

        Assert.Equal([CameraEventKinds.Restarted, CameraEventKinds.HealthChanged], a.RecentEvents.Select(e => e.Kind));
        Assert.DoesNotContain(a.RecentEvents, e => e.Detail == "B secret event");
        Assert.Equal(["A-North"], a.RecentRuns.Select(r => r.SiteName));

        var limited = await _queries.DashboardAsync(memberA, problemLimit: 2, cancellationToken: Ct);
        Assert.Equal(2, limited.Problems.Count);
        Assert.Equal(4, limited.ProblemTotal);

        var admin = await _queries.DashboardAsync(FleetScope.System, cancellationToken: Ct);
        Assert.Equal(7, admin.Fleet.Total);
        Assert.Equal(["Alpha", "Beta"], admin.Tenants.Select(t => t.TenantName));
        Assert.Equal(5, admin.Problems.Count);
        Assert.Equal(2, admin.RecentRuns.Count);

        var nobody = await _queries.DashboardAsync(FleetScope.Nobody, cancellationToken: Ct);
        Assert.Equal(0, nobody.Fleet.Total);
        Assert.Empty(nobody.Problems);
        Assert.Empty(nobody.RecentEvents);
        Assert.Empty(nobody.Sites);
    }

    [Fact]
    public async Task Camera_details_history_and_snapshot_stay_inside_the_scope()
    {
        var memberA = await MemberOfAAsync();
        var details = await _queries.CameraAsync(memberA, _cam["warnWithCritical"].Id, Ct);
        Assert.NotNull(details);
        Assert.Equal("A-South", details.SiteName);
        Assert.Equal("Alpha", details.TenantName);
        Assert.Equal(["vulnerable-firmware", "clock-drift"], details.Findings.Select(f => f.Code)); // critical first
        Assert.Equal("Update the firmware.", details.Findings[0].Fix);
        Assert.False(details.HasSnapshot);

        var healthy = await _queries.CameraAsync(memberA, _cam["healthy1"].Id, Ct);
        Assert.True(healthy!.HasSnapshot);
        var history = await _queries.HealthHistoryAsync(memberA, _cam["healthy1"].Id, cancellationToken: Ct);
        Assert.Equal(30, history.Count); // the 3-day-old sample is outside the default 24 h window
        Assert.True(history.Zip(history.Skip(1)).All(p => p.First.At <= p.Second.At));
        Assert.Equal(31, (await _queries.HealthHistoryAsync(memberA, _cam["healthy1"].Id, Now.AddDays(-4), Now.AddMinutes(1), Ct)).Count);
        Assert.NotNull(await _queries.SnapshotAsync(memberA, _cam["healthy1"].Id, Ct));

        var b = _cam["bHealthy"].Id;
        Assert.Null(await _queries.CameraAsync(memberA, b, Ct));
        Assert.Empty(await _queries.HealthHistoryAsync(memberA, b, cancellationToken: Ct));
        Assert.Null(await _queries.SnapshotAsync(memberA, b, Ct));
        Assert.NotNull(await _queries.SnapshotAsync(FleetScope.System, b, Ct));
        Assert.Null(await _queries.CameraAsync(FleetScope.Nobody, _cam["healthy1"].Id, Ct));
    }

    [Fact]
    public async Task Live_changes_reach_only_pages_that_may_see_them()
    {
        var memberA = await MemberOfAAsync();
        var siteA1 = await ScopeAsync(FleetRoles.Viewer, new TenantMembership { TenantId = _tenantA.Id, SiteIds = [_a1.Id] });
        Assert.True(InventoryQueries.Concerns(memberA, new FleetChange("health", _tenantA.Id, _a2.Id, _cam["critical"].Id)));
        Assert.False(InventoryQueries.Concerns(memberA, new FleetChange("health", _tenantB.Id, _b1.Id, _cam["bLocked"].Id)));
        Assert.False(InventoryQueries.Concerns(memberA, new FleetChange("health", null, null)));
        Assert.True(InventoryQueries.Concerns(siteA1, new FleetChange("health", _tenantA.Id, _a1.Id)));
        Assert.False(InventoryQueries.Concerns(siteA1, new FleetChange("health", _tenantA.Id, _a2.Id)));
        Assert.True(InventoryQueries.Concerns(FleetScope.System, new FleetChange("health", null, null)));
        Assert.False(InventoryQueries.Concerns(FleetScope.Nobody, new FleetChange("health", _tenantA.Id, _a1.Id)));
    }
}
