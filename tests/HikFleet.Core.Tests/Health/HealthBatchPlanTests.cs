using System.Collections.Concurrent;
using System.Data.Common;
using System.Net;
using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Health;
using HikFleet.Simulator;
using HikFleet.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace HikFleet.Core.Tests.Health;

/// <summary>
/// Issue #13: the queries a health sweep sends read what they need through indexes, not by scanning the tables that grow with the
/// fleet and with time (samples, events, findings, pictures, cameras). Every query of a real sweep is explained by PostgreSQL, with
/// its own parameters, against tables holding 10,000 other cameras and their history.
/// </summary>
public sealed class HealthBatchPlanTests(HealthTestFleet fixture) : IClassFixture<HealthTestFleet>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string[] GrowingTables = ["cameras", "camera_snapshots", "camera_findings", "camera_events", "health_samples", "operations"];

    [Fact]
    public async Task TheMigratedDatabase_PricesRandomReadsForMemoryAndSsd_AndStoresPicturesUncompressed()
    {
        await using var connection = new NpgsqlConnection(fixture.Database.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var cost = new NpgsqlCommand("SHOW random_page_cost", connection);
        Assert.Equal("1.1", (string?)await cost.ExecuteScalarAsync(Ct));
        await using var storage = new NpgsqlCommand(
            "SELECT attstorage::text FROM pg_attribute WHERE attrelid = 'camera_snapshots'::regclass AND attname = 'jpeg'", connection);
        Assert.Equal("e", (string?)await storage.ExecuteScalarAsync(Ct));
    }

    [Fact]
    public async Task ASweepsQueries_ReadTheGrowingTablesThroughIndexes()
    {
        Site site, other;
        await using (var db = fixture.Database.CreateContext())
        {
            site = await TestFleet.CreateSiteAsync(db);
            other = await TestFleet.CreateSiteAsync(db);
        }

        // A batch as large as production's (BatchSize 200): the planner weighs 200 keys against the table, not a handful.
        for (var i = 0; i < 200; i++)
            await fixture.AdoptAsync(site, fixture.Fleet.AddDevice(new DeviceSpec { Password = HealthTestFleet.Password }), HealthTestFleet.Password);
        await SeedOtherCamerasAsync(other, 10_000);

        var plans = new ConcurrentQueue<(string Sql, string Plan)>();
        var contexts = new ExplainingContextFactory(fixture.Database, plans);
        var service = fixture.NewService(new HealthOptions { MaxConcurrency = 32, BatchFlushInterval = TimeSpan.FromMinutes(1) }, out _, contexts: contexts);
        // Twice: the second sweep meets the first one's pictures, samples and findings, as every steady sweep does.
        Assert.Equal(200, (await service.RunSiteAsync(site.Id, Ct)).Checked);
        Assert.Equal(200, (await service.RunSiteAsync(site.Id, Ct)).Checked);

        var explained = plans.ToList();
        Assert.True(explained.Count >= 10, $"only {explained.Count} queries were explained");
        foreach (var table in GrowingTables)
            Assert.Contains(explained, e => Reads(e.Sql, table));
        var scans = explained
            .SelectMany(e => GrowingTables.Where(t => SeqScanned(e.Plan, t)).Select(t => $"{t}: {e.Sql}"))
            .ToList();
        Assert.True(scans.Count == 0, "sequential scans of growing tables:\n" + string.Join("\n\n", scans));
    }

    private static bool Reads(string sql, string table) =>
        sql.Contains($" {table} ", StringComparison.Ordinal) || sql.Contains($" {table}\n", StringComparison.Ordinal);

    /// <summary>Whether the JSON plan holds a sequential scan whose relation is <paramref name="table"/>.</summary>
    private static bool SeqScanned(string plan, string table)
    {
        using var json = System.Text.Json.JsonDocument.Parse(plan);
        return Nodes(json.RootElement[0].GetProperty("Plan")).Any(n =>
            n.GetProperty("Node Type").GetString() == "Seq Scan" && n.GetProperty("Relation Name").GetString() == table);

        static IEnumerable<System.Text.Json.JsonElement> Nodes(System.Text.Json.JsonElement node)
        {
            yield return node;
            if (!node.TryGetProperty("Plans", out var children)) yield break;
            foreach (var child in children.EnumerateArray())
            foreach (var n in Nodes(child))
                yield return n;
        }
    }

    /// <summary>10,000 cameras of another site with a picture, a finding, three events, five samples and two finished operations
    /// each; then ANALYZE.</summary>
    private async Task SeedOtherCamerasAsync(Site site, int count)
    {
        await using var db = fixture.Database.CreateContext();
        var now = DateTimeOffset.UtcNow;
        var cameras = Enumerable.Range(0, count).Select(i =>
        {
            var camera = TestFleet.NewCamera(site.Id, $"DS-PLAN{i:D9}", $"44:01:{i >> 16 & 0xff:x2}:{i >> 8 & 0xff:x2}:{i & 0xff:x2}:7a",
                new IPAddress([10, 9, (byte)(i >> 8), (byte)i]).ToString());
            camera.Health = HealthState.Healthy;
            camera.HealthCheckedAt = now;
            return camera;
        }).ToList();
        await BulkCopy.WriteAsync(db, cameras, Ct);
        await BulkCopy.WriteAsync(db, cameras.Select(c => new CameraSnapshot
        {
            CameraId = c.Id, TakenAt = now, Sha256 = Convert.ToHexStringLower(c.Id.ToByteArray()) + new string('0', 32), MeanLuma = 120,
        }).ToList(), Ct);
        await BulkCopy.WriteAsync(db, cameras.Select(c => new CameraFinding
        {
            CameraId = c.Id, Code = "ntp-disabled", Severity = FindingSeverity.Warning, Summary = "NTP is off", FirstSeenAt = now, LastSeenAt = now,
        }).ToList(), Ct);
        await BulkCopy.WriteAsync(db, cameras.SelectMany(c => Enumerable.Range(1, 3).Select(k => new CameraEvent
        {
            CameraId = c.Id, At = now.AddMinutes(-k * 20), Kind = k == 1 ? CameraEventKinds.Restarted : "health-changed",
        })).ToList(), Ct);
        await BulkCopy.WriteAsync(db, cameras.SelectMany(c => Enumerable.Range(1, 5).Select(k => new HealthSample
        {
            CameraId = c.Id, At = now.AddMinutes(-k), State = HealthState.Healthy, LatencyMs = 20,
        })).ToList(), Ct);
        // Two finished operations per camera, one of them within the sweep's settings window (the operations history only grows).
        await db.Database.ExecuteSqlAsync($$"""
            INSERT INTO operations (id, tenant_id, site_id, camera_id, kind, state, reason, requested_by_id, requested_by_name,
                                    parameters, context, current_step, created_at, started_at, finished_at, cancel_requested)
            SELECT gen_random_uuid(), {{site.TenantId}}, c.site_id, c.id, 'Reboot', 'Succeeded', 'Monthly maintenance reboot', 'test', 'test',
                   '{}', '{}', 4, {{now}} - k * interval '5 hours', {{now}} - k * interval '5 hours', {{now}} - k * interval '5 hours', false
            FROM cameras c CROSS JOIN generate_series(1, 2) AS k WHERE c.site_id = {{site.Id}}
            """, Ct);
        await db.Database.ExecuteSqlRawAsync("ANALYZE", Ct);
    }

    /// <summary>Contexts whose every SELECT is first explained (JSON, same parameters, same transaction) and then run as sent.</summary>
    private sealed class ExplainingContextFactory(TestDatabase database, ConcurrentQueue<(string Sql, string Plan)> plans)
        : IDbContextFactory<FleetDbContext>
    {
        private readonly Explainer _explainer = new(plans);

        public FleetDbContext CreateDbContext() => database.CreateContext(_explainer);
    }

    private sealed class Explainer(ConcurrentQueue<(string Sql, string Plan)> plans) : DbCommandInterceptor
    {
        public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
            InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            var sql = command.CommandText.TrimStart();
            if (sql.StartsWith("SELECT", StringComparison.OrdinalIgnoreCase) && !sql.Contains(';'))
            {
                await using var explain = new NpgsqlCommand("EXPLAIN (FORMAT JSON) " + sql, (NpgsqlConnection)command.Connection!,
                    (NpgsqlTransaction?)command.Transaction);
                foreach (NpgsqlParameter parameter in command.Parameters) explain.Parameters.Add(parameter.Clone());
                plans.Enqueue((sql, (string)(await explain.ExecuteScalarAsync(cancellationToken))!));
            }

            return result;
        }
    }
}
