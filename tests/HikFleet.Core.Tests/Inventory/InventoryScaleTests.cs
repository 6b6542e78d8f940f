using System.Diagnostics;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Inventory;
using HikFleet.Core.Security;
using HikFleet.Testing;
using Microsoft.EntityFrameworkCore;

namespace HikFleet.Core.Tests.Inventory;

/// <summary>
/// A seconds-long smoke at fleet size: 10,000 cameras, the list and dashboard queries a page makes, answers checked against the
/// generator's arithmetic. Timings are printed, not asserted (CI machines are shared); see the report for measured figures.
/// </summary>
public sealed class InventoryScaleTests(MigratedDatabase database) : IClassFixture<MigratedDatabase>
{
    private const int Count = 10_000;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Ten_thousand_cameras_list_filter_search_and_summarise_correctly()
    {
        await using var db = database.CreateContext();
        var site = await TestFleet.CreateSiteAsync(db, "Scale site");
        var other = await TestFleet.CreateSiteAsync(db, "Other tenant");
        // Generated in one statement: states cycle through 8 slots, every 50th camera is waiting for adoption, every 97th has a reboot loop.
        await db.Database.ExecuteSqlRawAsync("""
            INSERT INTO cameras (id, site_id, serial_number, mac_address, model, http_port, https_port, use_https, lifecycle, health,
                                 finding_codes, pending_health_count, missed_discovery_runs, created_at, updated_at, name, address, health_changed_at)
            SELECT gen_random_uuid(), CASE WHEN i <= 10000 THEN {0} ELSE {1} END, 'SCALE' || lpad(i::text, 8, '0'),
                   format('02:00:%s:%s:%s:%s', lpad(to_hex((i >> 24) & 255), 2, '0'), lpad(to_hex((i >> 16) & 255), 2, '0'),
                          lpad(to_hex((i >> 8) & 255), 2, '0'), lpad(to_hex(i & 255), 2, '0')),
                   (ARRAY['DS-2CD2143G2-I','DS-2CD2387G2-LU','DS-7608NI-K2'])[1 + i % 3], 80, 443, false,
                   CASE WHEN i % 50 = 0 THEN 'Discovered' ELSE 'Managed' END,
                   (ARRAY['Healthy','Healthy','Healthy','Warning','Critical','Offline','Unknown','Healthy'])[1 + i % 8],
                   CASE WHEN i % 97 = 0 THEN ARRAY['reboot-loop'] WHEN i % 7 = 0 THEN ARRAY['clock-drift'] ELSE ARRAY[]::text[] END,
                   0, 0, now(), now(), 'Camera ' || i, ('10.' || (i / 65536) % 256 || '.' || (i / 256) % 256 || '.' || i % 256)::inet,
                   now() - make_interval(secs => i)
            FROM generate_series(1, 10500) AS i;
            ANALYZE cameras;
            """, [site.Id, other.Id], Ct);

        var user = await TestUsers.CreateAsync(database, $"scale-{Guid.NewGuid():N}"[..20], FleetRoles.Viewer,
            [new TenantMembership { TenantId = site.TenantId }]);
        var scope = await FleetScope.LoadAsync(db, user.Id, Ct);
        var queries = new InventoryQueries(database.ContextFactory, TimeProvider.System);
        var output = TestContext.Current.TestOutputHelper!;

        async Task<T> Timed<T>(string what, Func<Task<T>> run)
        {
            await run(); // warm: the first call builds the EF query
            var watch = Stopwatch.StartNew();
            var result = await run();
            output.WriteLine($"{what}: {watch.Elapsed.TotalMilliseconds:F1} ms");
            return result;
        }

        int Expected(Func<int, bool> predicate) => Enumerable.Range(1, Count).Count(predicate);
        static string StateOf(int i) => new[] { "Healthy", "Healthy", "Healthy", "Warning", "Critical", "Offline", "Unknown", "Healthy" }[i % 8];

        var first = await Timed("first page by name", () => queries.ListCamerasAsync(scope, new CameraListQuery(), Ct));
        Assert.Equal(Count, first.Total);
        Assert.Equal(50, first.Items.Count);
        Assert.All(first.Items, i => Assert.Equal("Scale site", i.SiteName));

        var deep = await Timed("page 150 by address desc", () =>
            queries.ListCamerasAsync(scope, new CameraListQuery { Sort = CameraSort.Address, Descending = true, Page = 150, PageSize = 50 }, Ct));
        Assert.Equal(50, deep.Items.Count);

        var offline = await Timed("offline, worst first", () =>
            queries.ListCamerasAsync(scope, new CameraListQuery { States = [HealthState.Offline], Sort = CameraSort.Health }, Ct));
        Assert.Equal(Expected(i => StateOf(i) == "Offline"), offline.Total);

        var loops = await Timed("finding reboot-loop", () =>
            queries.ListCamerasAsync(scope, new CameraListQuery { FindingCode = "reboot-loop", PageSize = 500 }, Ct));
        Assert.Equal(Expected(i => i % 97 == 0), loops.Total);

        var search = await Timed("search '02-00-00-00-00-27'", () =>
            queries.ListCamerasAsync(scope, new CameraListQuery { Search = "02-00-00-00-00-27" }, Ct));
        Assert.Equal(1, search.Total); // camera 0x27 = 39 only
        var byAddress = await Timed("search '10.0.39.'", () => queries.ListCamerasAsync(scope, new CameraListQuery { Search = "10.0.39." }, Ct));
        Assert.Equal(Expected(i => i / 256 % 256 == 39 && i / 65536 == 0), byAddress.Total);
        var byName = await Timed("search 'camera 999'", () => queries.ListCamerasAsync(scope, new CameraListQuery { Search = "camera 999" }, Ct));
        Assert.Equal(Expected(i => ("Camera " + i).StartsWith("Camera 999", StringComparison.Ordinal)), byName.Total);

        var dashboard = await Timed("dashboard", () => queries.DashboardAsync(scope, cancellationToken: Ct));
        Assert.Equal(Expected(i => i % 50 != 0), dashboard.Fleet.Total);
        Assert.Equal(Expected(i => i % 50 != 0 && StateOf(i) == "Critical"), dashboard.Fleet[HealthState.Critical]);
        Assert.Equal(Expected(i => i % 50 == 0), dashboard.AwaitingAdoption);
        Assert.Equal(InventoryQueries.DefaultProblemLimit, dashboard.Problems.Count);
        Assert.All(dashboard.Problems.Take(10), p => Assert.Equal(HealthState.Offline, p.Health));
        Assert.Equal(Expected(i => i % 50 != 0 && StateOf(i) is "Critical" or "Offline"), dashboard.ProblemTotal);

        // The finding filter is written so PostgreSQL can use the GIN index on finding_codes (array containment "codes <@ finding_codes", not "= ANY").
        var sql = InventoryQueries.Filter(scope.Cameras(db), new CameraListQuery { FindingCode = "reboot-loop" }).ToQueryString();
        Assert.Contains("<@ c.finding_codes", sql);
        var plan = await db.Database.SqlQueryRaw<string>(
            "EXPLAIN SELECT id FROM cameras WHERE finding_codes @> ARRAY['reboot-loop']::text[]").ToListAsync(Ct);
        output.WriteLine(string.Join("\n", plan));
    }
}
