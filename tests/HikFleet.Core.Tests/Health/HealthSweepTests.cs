using HikFleet.Core.Data.Entities;
using HikFleet.Core.Devices;
using HikFleet.Core.Health;
using HikFleet.Core.Vault;
using HikFleet.Simulator;
using HikFleet.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace HikFleet.Core.Tests.Health;

/// <summary>Sweep mechanics: batches, client reuse, retention.</summary>
public sealed class HealthSweepTests(HealthTestFleet fixture) : IClassFixture<HealthTestFleet>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sweep_WritesInBatches_AndTheNextSweepReusesEachCamerasClient()
    {
        Site site;
        await using (var db = fixture.Database.CreateContext()) site = await TestFleet.CreateSiteAsync(db);
        var cameras = new List<Camera>();
        for (var i = 0; i < 20; i++)
            cameras.Add(await fixture.AdoptAsync(site, fixture.Fleet.AddDevice(new DeviceSpec { Password = HealthTestFleet.Password }), HealthTestFleet.Password));
        // A camera of another site and a retired one are not part of the sweep.
        await using (var db = fixture.Database.CreateContext())
        {
            var retired = TestFleet.NewCamera(site.Id, address: "127.0.0.1");
            retired.Lifecycle = CameraLifecycle.Retired;
            db.Cameras.Add(retired);
            await db.SaveChangesAsync(Ct);
        }

        var feed = new FleetChangeFeed();
        var changes = new List<FleetChange>();
        feed.Changed += c => { lock (changes) changes.Add(c); };
        var service = fixture.NewService(new HealthOptions { BatchSize = 8, MaxConcurrency = 4, BatchFlushInterval = TimeSpan.FromMinutes(1) },
            out var clients, feed: feed);

        var first = await service.RunSiteAsync(site.Id, Ct);
        Assert.Equal(20, first.Checked);
        Assert.Equal(20, first.States[HealthState.Healthy]);
        Assert.Equal(3, changes.Count); // 8 + 8 + 4, each batch published after its commit
        Assert.All(changes, c => Assert.Equal(("health", site.TenantId, site.Id), (c.Kind, c.TenantId, c.SiteId)));
        Assert.Equal(20, clients.Count);

        await using var db2 = fixture.Database.CreateContext();
        var vault = new CredentialVault(fixture.Keys, fixture.Database.ContextFactory, new HikFleet.Core.Audit.AuditLog(fixture.Database.ContextFactory, TimeProvider.System), TimeProvider.System);
        var secrets = await vault.GetForCamerasAsync(db2, cameras.Select(c => c.Id).ToList(), Ct);
        var rows = await db2.Cameras.AsNoTracking().Where(c => c.SiteId == site.Id && c.Lifecycle == CameraLifecycle.Managed).ToListAsync(Ct);
        var before = rows.ToDictionary(c => c.Id, c => clients.Get(c, secrets[c.Id]));
        var sent = before.Values.Sum(c => c.RequestsSent);

        await service.RunSiteAsync(site.Id, Ct);
        Assert.All(rows, c => Assert.Same(before[c.Id], clients.Get(c, secrets[c.Id])));
        // The same clients did the second sweep's work (connection pool and Digest state kept; at 1000x simulated time the
        // device's nonce lifetime has passed, so one stale re-challenge per client is expected and not asserted on).
        Assert.True(before.Values.Sum(c => c.RequestsSent) > sent);
        Assert.Equal(40, await db2.HealthSamples.CountAsync(s => rows.Select(r => r.Id).Contains(s.CameraId), Ct));

        // A new password in the vault gives the camera a new client (the old one is disposed).
        var changed = rows[0];
        await vault.StoreForCameraAsync(db2, changed.Id, "admin", HealthTestFleet.Password, "test", Ct);
        await db2.SaveChangesAsync(Ct);
        var fresh = await vault.GetForCameraAsync(db2, changed.Id, Ct);
        Assert.NotSame(before[changed.Id], clients.Get(changed, fresh));
    }

    [Fact]
    public async Task A_partial_batch_is_written_while_a_slow_camera_is_still_being_checked()
    {
        Site site;
        await using (var db = fixture.Database.CreateContext()) site = await TestFleet.CreateSiteAsync(db);
        var fast = new List<Camera>();
        for (var i = 0; i < 5; i++)
            fast.Add(await fixture.AdoptAsync(site, fixture.Fleet.AddDevice(new DeviceSpec { Password = HealthTestFleet.Password }), HealthTestFleet.Password));
        var slowDevice = fixture.Fleet.AddDevice(new DeviceSpec { Password = HealthTestFleet.Password });
        var slow = await fixture.AdoptAsync(site, slowDevice, HealthTestFleet.Password);
        slowDevice.Faults.SlowMs = 1000; // every request of its check waits a second: the check takes several

        var ids = fast.Select(c => c.Id).Append(slow.Id).ToList();
        var feed = new FleetChangeFeed();
        var written = new List<(TimeSpan At, int Samples)>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        feed.Changed += _ =>
        {
            using var db = fixture.Database.CreateContext();
            var samples = db.HealthSamples.Count(s => ids.Contains(s.CameraId));
            lock (written) written.Add((clock.Elapsed, samples));
        };
        var service = fixture.NewService(new HealthOptions { BatchSize = 50, MaxConcurrency = 8, BatchFlushInterval = TimeSpan.FromMilliseconds(300) },
            out _, feed: feed);
        var result = await service.RunSiteAsync(site.Id, Ct);
        var done = clock.Elapsed;

        Assert.Equal(6, result.Checked);
        // The five fast results were written as a partial batch once no result had come for the flush interval, long before the
        // slow camera's check ended; the slow camera's own result was written last, alone.
        Assert.Equal(2, written.Count);
        Assert.Equal(5, written[0].Samples);
        Assert.True(done - written[0].At > TimeSpan.FromSeconds(1), $"first batch at {written[0].At}, sweep done at {done}");
        Assert.Equal(6, written[1].Samples);
        await using var check = fixture.Database.CreateContext();
        Assert.Equal(1, await check.HealthSamples.CountAsync(s => s.CameraId == slow.Id, Ct));
    }

    [Fact]
    public async Task A_camera_retired_while_it_is_checked_gets_no_health_written()
    {
        Site site;
        await using (var db = fixture.Database.CreateContext()) site = await TestFleet.CreateSiteAsync(db);
        var device = fixture.Fleet.AddDevice(new DeviceSpec { Password = HealthTestFleet.Password });
        var camera = await fixture.AdoptAsync(site, device, HealthTestFleet.Password);
        var other = await fixture.AdoptAsync(site, fixture.Fleet.AddDevice(new DeviceSpec { Password = HealthTestFleet.Password }), HealthTestFleet.Password);
        device.Faults.SlowMs = 600; // its check takes a few seconds: room to change its row meanwhile

        var logs = new CapturingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs));
        var service = fixture.NewService(new HealthOptions { BatchSize = 50, BatchFlushInterval = TimeSpan.FromMinutes(1) }, logs: loggerFactory);
        var requestsBefore = device.TotalRequests;
        var sweep = service.RunSiteAsync(site.Id, Ct);
        // The sweep has read the site's cameras once the device is asked anything; then an operator retires the camera.
        while (device.TotalRequests == requestsBefore) await Task.Delay(20, Ct);
        await using (var db = fixture.Database.CreateContext())
        {
            var row = await db.Cameras.SingleAsync(c => c.Id == camera.Id, Ct);
            row.Lifecycle = CameraLifecycle.Retired;
            row.Name = "Retired meanwhile";
            await db.SaveChangesAsync(Ct);
        }

        var result = await sweep;
        Assert.Equal(2, result.Checked);
        Assert.Equal(0, result.FailedBatches);
        // The batch writes over the rows the sweep read, checking their row version: the retirement changed it, so the batch
        // read the rows again and left the retired camera alone — no health, no sample, the operator's change intact — while
        // the other camera's check is written.
        Assert.Contains(logs.Lines, l => l.Contains("met a concurrent change", StringComparison.Ordinal));
        await using var check = fixture.Database.CreateContext();
        var retired = await check.Cameras.AsNoTracking().SingleAsync(c => c.Id == camera.Id, Ct);
        Assert.Equal((CameraLifecycle.Retired, "Retired meanwhile"), (retired.Lifecycle, retired.Name));
        Assert.Null(retired.HealthCheckedAt);
        Assert.Equal(0, await check.HealthSamples.CountAsync(s => s.CameraId == camera.Id, Ct));
        Assert.NotNull((await check.Cameras.AsNoTracking().SingleAsync(c => c.Id == other.Id, Ct)).HealthCheckedAt);
        Assert.Equal(1, await check.HealthSamples.CountAsync(s => s.CameraId == other.Id, Ct));
    }

    [Fact]
    public async Task The_thumbnail_is_kept_at_the_configured_width_and_zero_keeps_none()
    {
        Site site;
        await using (var db = fixture.Database.CreateContext()) site = await TestFleet.CreateSiteAsync(db);
        var camera = await fixture.AdoptAsync(site, fixture.Fleet.AddDevice(new DeviceSpec { Password = HealthTestFleet.Password }), HealthTestFleet.Password);

        async Task<CameraSnapshot> SweepAsync(HealthOptions options)
        {
            await fixture.NewService(options).RunSiteAsync(site.Id, Ct);
            await using var db = fixture.Database.CreateContext();
            return await db.CameraSnapshots.AsNoTracking().SingleAsync(s => s.CameraId == camera.Id, Ct);
        }

        // The simulator's 640×360 picture: at the default width (160) a quarter-scale decode, at 320 a half.
        Assert.Equal((160, 90), SnapshotAnalysisTests.Size((await SweepAsync(new HealthOptions())).Jpeg));
        // The batch writer reads snapshot rows without their thumbnail: the next decode must still replace it, and clear it when
        // none is kept (SnapshotInterval zero: these checks decode, it is not the cadence under test).
        Assert.Equal((320, 180), SnapshotAnalysisTests.Size((await SweepAsync(new HealthOptions { ThumbnailWidth = 320, SnapshotInterval = TimeSpan.Zero })).Jpeg));
        var none = await SweepAsync(new HealthOptions { ThumbnailWidth = 0, SnapshotInterval = TimeSpan.Zero });
        Assert.Null(none.Jpeg);
        Assert.InRange(none.MeanLuma!.Value, 40, 220);
    }

    [Fact]
    public async Task Retention_DeletesOnlyOldSamplesAndEvents_InChunks()
    {
        Site site;
        Camera camera;
        await using (var db = fixture.Database.CreateContext())
        {
            site = await TestFleet.CreateSiteAsync(db);
            camera = TestFleet.NewCamera(site.Id);
            db.Cameras.Add(camera);
            var now = DateTimeOffset.UtcNow;
            for (var i = 0; i < 7; i++)
            {
                db.HealthSamples.Add(new HealthSample { CameraId = camera.Id, At = now.AddDays(-31 - i), State = HealthState.Healthy });
                db.CameraEvents.Add(new CameraEvent { CameraId = camera.Id, At = now.AddDays(-181 - i), Kind = CameraEventKinds.Restarted });
            }

            db.HealthSamples.Add(new HealthSample { CameraId = camera.Id, At = now.AddDays(-29), State = HealthState.Warning });
            db.CameraEvents.Add(new CameraEvent { CameraId = camera.Id, At = now.AddDays(-179), Kind = CameraEventKinds.Moved });
            await db.SaveChangesAsync(Ct);
        }

        var job = new HealthRetentionJob(fixture.Database.ContextFactory, Options.Create(new HealthOptions { RetentionChunk = 3 }), TimeProvider.System,
            NullLogger<HealthRetentionJob>.Instance);
        Assert.Equal((7, 7), await job.ExecuteAsync(Ct));
        await using var check = fixture.Database.CreateContext();
        Assert.Equal([HealthState.Warning], await check.HealthSamples.Where(s => s.CameraId == camera.Id).Select(s => s.State).ToListAsync(Ct));
        Assert.Equal([CameraEventKinds.Moved], await check.CameraEvents.Where(e => e.CameraId == camera.Id).Select(e => e.Kind).ToListAsync(Ct));
        Assert.Equal((0, 0), await job.ExecuteAsync(Ct));
    }
}
