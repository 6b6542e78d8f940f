using System.Net;
using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Tests.Inventory;
using HikFleet.Testing;
using Microsoft.EntityFrameworkCore;

namespace HikFleet.Core.Tests.Data;

/// <summary>
/// BulkChanges (issue #13) writes what SaveChanges would, set-based: the modified columns of each row with the model's column names
/// and converters, nothing else; a row changed since it was read (xmin) fails the unit and nothing of it is written; collections
/// stay with SaveChanges; appended rows go through COPY. Real PostgreSQL.
/// </summary>
public sealed class BulkChangesTests(MigratedDatabase database) : IClassFixture<MigratedDatabase>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly Type[] Updated = [typeof(Camera), typeof(CameraSnapshot)];
    private static readonly Type[] Appended = [typeof(HealthSample)];

    private async Task<List<Guid>> SeedAsync(int count)
    {
        await using var db = database.CreateContext();
        var tenant = new Tenant { Name = $"T {Guid.NewGuid():N}" };
        var site = new Site { TenantId = tenant.Id, Name = "Bulk", TimeZone = "UTC" };
        db.AddRange(tenant, site);
        var cameras = Enumerable.Range(0, count).Select(i => new Camera
        {
            SiteId = site.Id, SerialNumber = $"BULK{Guid.NewGuid():N}"[..20], MacAddress = "02:" + string.Join(':', Random.Shared.GetItems<byte>([.. Enumerable.Range(0, 256).Select(b => (byte)b)], 5).Select(b => $"{b:x2}")),
            Model = "DS-2CD2043G2-I", Address = IPAddress.Parse($"127.77.0.{i + 1}"), Lifecycle = CameraLifecycle.Managed, Name = $"cam {i}", FindingCodes = ["old"],
        }).ToList();
        db.Cameras.AddRange(cameras);
        await db.SaveChangesAsync(Ct);
        return [.. cameras.Select(c => c.Id)];
    }

    [Fact]
    public async Task Modified_columns_are_written_per_row_with_converters_and_nothing_else()
    {
        var ids = await SeedAsync(3);
        var at = new DateTimeOffset(2026, 11, 27, 8, 30, 0, TimeSpan.FromHours(2));
        uint before;
        var commands = new CommandCapture();
        await using (var db = database.CreateContext(commands))
        {
            var cameras = await db.Cameras.Where(c => ids.Contains(c.Id)).OrderBy(c => c.Name).ToListAsync(Ct);
            before = cameras[0].Version;
            // Two shapes: two cameras change the same columns (one statement), the third others.
            for (var i = 0; i < 2; i++)
            {
                cameras[i].Health = HealthState.Critical;
                cameras[i].HealthCheckedAt = at.AddMinutes(i);
                cameras[i].LatencyMs = 10 + i;
            }

            cameras[2].UptimeSeconds = 42;
            cameras[2].HealthSummary = "ok \"quoted\" ' text";
            cameras[2].LatencyMs = null;
            db.HealthSamples.Add(new HealthSample { CameraId = ids[0], At = at, State = HealthState.Critical, FindingCodes = ["a", "b"] });

            var bulk = BulkChanges.Take(db, Updated, Appended);
            Assert.Equal(3, bulk.UpdatedRows);
            Assert.Equal(1, bulk.AppendedRows);
            Assert.DoesNotContain(db.ChangeTracker.Entries(), e => e.State != EntityState.Unchanged);
            commands.Clear();
            await bulk.ExecuteAsync(db, Ct);
            // Both UPDATE statements in one command: one round trip (the COPY goes around EF).
            var sent = Assert.Single(commands.Commands);
            Assert.Equal(2, System.Text.RegularExpressions.Regex.Count(sent.Sql, @"^UPDATE ", System.Text.RegularExpressions.RegexOptions.Multiline));
        }

        await using (var db = database.CreateContext())
        {
            var cameras = await db.Cameras.AsNoTracking().Where(c => ids.Contains(c.Id)).OrderBy(c => c.Name).ToListAsync(Ct);
            Assert.Equal([HealthState.Critical, HealthState.Critical, HealthState.Unknown], cameras.Select(c => c.Health));
            Assert.Equal(at, cameras[0].HealthCheckedAt);
            Assert.Equal(at.AddMinutes(1), cameras[1].HealthCheckedAt);
            Assert.Equal([10, 11, null], cameras.Select(c => c.LatencyMs));
            Assert.Equal(42, cameras[2].UptimeSeconds);
            Assert.Equal("ok \"quoted\" ' text", cameras[2].HealthSummary);
            Assert.Null(cameras[2].HealthCheckedAt);
            // Untouched columns kept, and the row version moved (a later optimistic write sees the change).
            Assert.All(cameras, c => Assert.Equal(["old"], c.FindingCodes));
            Assert.Equal(IPAddress.Parse("127.77.0.1"), cameras[0].Address);
            Assert.NotEqual(before, cameras[0].Version);
            var sample = await db.HealthSamples.AsNoTracking().SingleAsync(s => s.CameraId == ids[0], Ct);
            Assert.Equal((HealthState.Critical, at), (sample.State, sample.At));
            Assert.Equal(["a", "b"], sample.FindingCodes);
        }
    }

    [Fact]
    public async Task A_row_changed_since_it_was_read_fails_the_unit_and_nothing_of_it_is_written()
    {
        var ids = await SeedAsync(2);
        await using var db = database.CreateContext();
        var cameras = await db.Cameras.Where(c => ids.Contains(c.Id)).ToListAsync(Ct);
        foreach (var c in cameras) c.HealthSummary = "bulk";
        db.HealthSamples.Add(new HealthSample { CameraId = ids[0], At = DateTimeOffset.UtcNow, State = HealthState.Healthy });
        var bulk = BulkChanges.Take(db, Updated, Appended);

        // Someone else (discovery, an operator) writes one of them meanwhile.
        await using (var other = database.CreateContext())
        {
            var changed = await other.Cameras.SingleAsync(c => c.Id == ids[1], Ct);
            changed.Name = "renamed meanwhile";
            await other.SaveChangesAsync(Ct);
        }

        await using (var transaction = await db.Database.BeginTransactionAsync(Ct))
        {
            var ex = await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => bulk.ExecuteAsync(db, Ct));
            Assert.Contains("1 of 2 Camera rows", ex.Message);
        }

        await using var check = database.CreateContext();
        Assert.Equal(0, await check.Cameras.CountAsync(c => ids.Contains(c.Id) && c.HealthSummary == "bulk", Ct));
        Assert.Equal("renamed meanwhile", (await check.Cameras.SingleAsync(c => c.Id == ids[1], Ct)).Name);
        Assert.Equal(0, await check.HealthSamples.CountAsync(s => s.CameraId == ids[0], Ct));
    }

    [Fact]
    public async Task A_changed_collection_column_stays_with_SaveChanges()
    {
        var ids = await SeedAsync(2);
        await using (var db = database.CreateContext())
        {
            var cameras = await db.Cameras.Where(c => ids.Contains(c.Id)).OrderBy(c => c.Name).ToListAsync(Ct);
            cameras[0].FindingCodes = ["new", "old"];
            cameras[0].HealthSummary = "with codes";
            cameras[1].FindingCodes = ["old"]; // a new list with the same codes is no change
            cameras[1].HealthSummary = "without";

            var bulk = BulkChanges.Take(db, Updated, Appended);
            Assert.Equal(1, bulk.UpdatedRows);
            Assert.Equal(EntityState.Modified, db.Entry(cameras[0]).State);
            Assert.Equal(EntityState.Unchanged, db.Entry(cameras[1]).State);
            // As HealthCheckService writes a batch: one transaction, a retriable unit.
            await db.Database.CreateExecutionStrategy().ExecuteAsync(async token =>
            {
                await using var transaction = await db.Database.BeginTransactionAsync(token);
                await bulk.ExecuteAsync(db, token);
                await db.SaveChangesAsync(acceptAllChangesOnSuccess: false, token);
                await transaction.CommitAsync(token);
            }, Ct);
        }

        await using var check = database.CreateContext();
        var rows = await check.Cameras.AsNoTracking().Where(c => ids.Contains(c.Id)).OrderBy(c => c.Name).ToListAsync(Ct);
        Assert.Equal(["new", "old"], rows[0].FindingCodes);
        Assert.Equal("with codes", rows[0].HealthSummary);
        Assert.Equal(["old"], rows[1].FindingCodes);
        Assert.Equal("without", rows[1].HealthSummary);
    }
}
