using System.Text.Json;
using HikFleet.Core.Audit;
using HikFleet.Core.Common;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Operations;
using HikFleet.Core.Profiles;
using HikFleet.Core.Security;
using HikFleet.Simulator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace HikFleet.Core.Tests.Profiles;

/// <summary>Dry run and apply against the in-process simulator, through the real operation runner, on real PostgreSQL.</summary>
public sealed class ProfileDeviceTests(ProfileWorld world) : IClassFixture<ProfileWorld>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Berlin = "CST-1:00:00DST01:00:00,M3.5.0/02:00:00,M10.5.0/03:00:00";

    /// <summary>
    /// Differs from the simulator's factory settings of a 4K turret (CST-8, time.windows.com, "Camera 01", main H.265 3840x2160
    /// 25 fps VBR 8192, motion off) in exactly: zone, NTP server, OSD name, main stream codec/resolution/fps/control/bit rate,
    /// motion on. Its sub stream, motion sensitivity and cloud policy equal the device's, so they are no difference.
    /// </summary>
    private static ProfileSettings Standard => new()
    {
        TimeZone = "Europe/Berlin",
        NtpServers = ["ntp.site.lan"],
        OsdNamePattern = "{site} {camera}",
        MainStream = new StreamProfile("H.264", 1920, 1080, 20, 4096, "CBR"),
        SubStream = new StreamProfile("H.264", 640, 360, 25, 512, "VBR"),
        MotionEnabled = true,
        MotionSensitivity = 60,
        CloudAccessAllowed = false,
    };

    private async Task<Site> SiteWithProfileAsync(ProfileSettings settings, string name)
    {
        var site = await world.SiteAsync(name);
        var created = await world.Profiles.CreateAsync(FleetScope.System, new ProfileInput { TenantId = site.TenantId, Name = "Standard", Settings = settings }, Ct);
        Assert.True(created.Succeeded, created.Message);
        return site;
    }

    [Fact]
    public async Task A_dry_run_lists_exactly_the_fields_that_differ_and_writes_nothing()
    {
        var site = await SiteWithProfileAsync(Standard, "Depot");
        var (device, camera) = await world.CameraAsync(site, "Gate");
        var before = JsonSerializer.Serialize(device.Config);

        var dry = await world.Profiles.DryRunAsync(ProfileWorld.Operator(site), camera.Id, Ct);

        Assert.True(dry.Result.Succeeded, dry.Result.Message);
        Assert.Equal(
        [
            ("motion.enabled", "false", "true"),
            ("ntp.1.server", "time.windows.com", "ntp.site.lan"),
            ("osd.name", "Camera 01", "Depot Gate"),
            ("stream.101.codec", "H.265", "H.264"),
            ("stream.101.constantBitRate", "8192", "4096"),
            ("stream.101.maxFrameRate", "25", "20"),
            ("stream.101.qualityControl", "VBR", "CBR"),
            ("stream.101.resolution", "3840x2160", "1920x1080"),
            ("time.zone", "CST-8:00:00", Berlin),
        ], dry.Differences.Select(d => (d.Field, d.Before, d.After)));
        // A read only: the device is exactly as it was, and its login was not held against it.
        Assert.Equal(before, JsonSerializer.Serialize(device.Config));
        Assert.Equal(0, device.FailedLogins);

        // A viewer may not make HikFleet log in to a camera.
        Assert.Equal(ResultKind.Forbidden, (await world.Profiles.DryRunAsync(ProfileWorld.Viewer(site), camera.Id, Ct)).Result.Kind);
    }

    [Fact]
    public async Task A_dry_run_without_a_profile_or_with_a_wrong_password_says_why()
    {
        var bare = await world.SiteAsync();
        var (_, lonely) = await world.CameraAsync(bare);
        var none = await world.Profiles.DryRunAsync(FleetScope.System, lonely.Id, Ct);
        Assert.Equal(ResultKind.Conflict, none.Result.Kind);
        Assert.Contains("No configuration profile", none.Result.Message);

        var site = await SiteWithProfileAsync(Standard, "Yard");
        var (device, camera) = await world.CameraAsync(site);
        await using (var db = world.Db())
        {
            await world.Vault.StoreForCameraAsync(db, camera.Id, "admin", "Wrong#Pass-2026", "test", Ct);
            await db.SaveChangesAsync(Ct);
        }

        var refused = await world.Profiles.DryRunAsync(FleetScope.System, camera.Id, Ct);
        Assert.Equal(ResultKind.Conflict, refused.Result.Kind);
        Assert.Contains("rejected the vault's password", refused.Result.Message);
        // The lockout guard recorded it: a second dry run sends nothing (one failed login per lockout window).
        var again = await world.Profiles.DryRunAsync(FleetScope.System, camera.Id, Ct);
        Assert.Contains("rejected the stored password", again.Result.Message);
        Assert.Equal(1, device.FailedLogins);
    }

    [Fact]
    public async Task Applying_a_profile_through_the_runner_changes_the_device_and_verifies_it()
    {
        var site = await SiteWithProfileAsync(Standard, "Plant");
        var (device, camera) = await world.CameraAsync(site, "Dock 4");
        var deviceName = device.Name;

        var queued = await world.Profiles.ApplyAsync(ProfileWorld.Operator(site), [camera.Id], "Roll out the standard profile", Ct);
        var item = Assert.Single(queued.Items);
        Assert.Equal(ResultKind.Ok, item.Kind);
        Assert.Contains(item.OperationId!.Value, world.Scheduler.Enqueued);

        var op = await world.RunToEndAsync(item.OperationId.Value, Ct);

        Assert.True(op.State == OperationState.Succeeded, $"{op.State}: {op.Summary}");
        Assert.Equal(["preflight", "backup", "apply", "reboot-if-required", "verify"], op.Steps.Select(s => s.Name));
        Assert.Equal([OperationStepState.Succeeded, OperationStepState.Succeeded, OperationStepState.Succeeded, OperationStepState.Skipped,
            OperationStepState.Succeeded], op.Steps.Select(s => s.State));
        Assert.Equal("[]", op.Drift);
        Assert.StartsWith("Profile applied and verified", op.Summary);

        // The device has the profile's settings now; what the profile does not govern is untouched.
        Assert.Equal(Berlin, device.TimeSettings.TimeZone);
        Assert.Equal("NTP", device.TimeSettings.TimeMode);
        Assert.Equal("ntp.site.lan", device.NtpServers.Single().HostName);
        Assert.Equal("Plant Dock 4", device.OsdName);
        var main = device.Streams.Single(s => s.Id == 101);
        Assert.Equal(("H.264", 1920, 1080, 2000, "CBR", 4096), (main.VideoCodecType, main.Width, main.Height, main.MaxFrameRate, main.QualityControlType, main.ConstantBitRate));
        Assert.Equal(50, main.GovLength);
        Assert.True(device.Config.Motion.Enabled);
        Assert.Equal(60, device.Config.Motion.SensitivityLevel);
        Assert.Equal(deviceName, device.Name);

        await using var db = world.Db();
        var backup = await db.ConfigurationBackups.AsNoTracking().SingleAsync(b => b.CameraId == camera.Id, Ct);
        Assert.Equal("before profile", backup.Trigger);
        Assert.Equal(op.Id, backup.OperationId);
        Assert.Contains("CST-8:00:00", backup.Snapshot);
        var audit = await db.AuditEntries.AsNoTracking().Where(e => e.CameraId == camera.Id).OrderBy(e => e.Id).Select(e => e.Action).ToListAsync(Ct);
        Assert.Equal("camera.apply_profile.request", audit.First());
        Assert.Equal("camera.apply_profile.finish", audit.Last());
        Assert.Equal(5, audit.Count(a => a == "camera.apply_profile.step"));

        // Applying again finds nothing to write; a dry run shows no difference.
        Assert.Empty((await world.Profiles.DryRunAsync(FleetScope.System, camera.Id, Ct)).Differences);
        var again = await world.Profiles.ApplyAsync(FleetScope.System, [camera.Id], "Again", Ct);
        var second = await world.RunToEndAsync(again.Items.Single().OperationId!.Value, Ct);
        Assert.Equal(OperationState.Succeeded, second.State);
        Assert.Contains("nothing written", second.Steps.Single(s => s.Name == "apply").Detail);
    }

    [Fact]
    public async Task What_the_device_refuses_is_reported_as_drift()
    {
        // 1280x1024 is a valid profile value, but not a resolution this camera offers: it refuses the whole stream write.
        var site = await SiteWithProfileAsync(Standard with { MainStream = new StreamProfile("H.264", 1280, 1024, 20, 4096, "CBR") }, "Harbour");
        var (device, camera) = await world.CameraAsync(site, "Pier");

        var queued = await world.Profiles.ApplyAsync(FleetScope.System, [camera.Id], "Profile", Ct);
        var op = await world.RunToEndAsync(queued.Items.Single().OperationId!.Value, Ct);

        Assert.Equal(OperationState.Succeeded, op.State);
        var drift = JsonSerializer.Deserialize<List<SettingsDifference>>(op.Drift!, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        Assert.Equal(["stream.101.codec", "stream.101.constantBitRate", "stream.101.maxFrameRate", "stream.101.qualityControl", "stream.101.resolution"],
            drift.Select(d => d.Field));
        Assert.Contains(drift, d => d is { Field: "stream.101.resolution", Before: "3840x2160", After: "1280x1024" });
        Assert.StartsWith("Profile applied with drift: 5 field(s) differ", op.Summary);
        Assert.Contains("stream 101: the device refused it", op.Summary);
        // The rest of the profile did land.
        Assert.Equal("Harbour Pier", device.OsdName);
        Assert.Equal(Berlin, device.TimeSettings.TimeZone);
    }

    [Fact]
    public async Task Apply_refuses_without_reason_or_rights_and_one_active_operation_per_camera_holds()
    {
        var site = await SiteWithProfileAsync(Standard, "Mall");
        var (_, camera) = await world.CameraAsync(site);
        Assert.Contains("Say why", (await world.Profiles.ApplyAsync(FleetScope.System, [camera.Id], " ", Ct)).Error);
        Assert.Equal(ResultKind.Forbidden, (await world.Profiles.ApplyAsync(ProfileWorld.Viewer(site), [camera.Id], "x", Ct)).Items.Single().Kind);

        var first = await world.Profiles.ApplyAsync(FleetScope.System, [camera.Id], "first", Ct);
        var second = await world.Profiles.ApplyAsync(FleetScope.System, [camera.Id], "double click", Ct);
        Assert.Equal(ResultKind.Ok, first.Items.Single().Kind);
        Assert.Equal(ResultKind.Conflict, second.Items.Single().Kind);
        Assert.Contains("already has an active ApplyProfile", second.Items.Single().Message);
        await world.RunToEndAsync(first.Items.Single().OperationId!.Value, Ct);

        // Every request is in the audit trail, the refused ones with their reason.
        await using var db = world.Db();
        var requests = await db.AuditEntries.AsNoTracking().Where(e => e.CameraId == camera.Id && e.Action == "camera.apply_profile.request")
            .OrderBy(e => e.Id).Select(e => new { e.Result, e.ResultDetail }).ToListAsync(Ct);
        Assert.Equal([AuditResult.Refused, AuditResult.Succeeded, AuditResult.Refused], requests.Select(r => r.Result));
        Assert.Contains("already has an active ApplyProfile", requests[2].ResultDetail);
    }

    [Fact]
    public async Task A_scheduled_backup_backs_up_every_idle_managed_camera_as_one_batch_and_applies_retention()
    {
        var site = await world.SiteAsync("Campus");
        await using (var db = world.Db())
        {
            var row = await db.Sites.SingleAsync(s => s.Id == site.Id, Ct);
            row.BackupRetention = 2;
            row.BulkConcurrency = 2;
            await db.SaveChangesAsync(Ct);
        }

        var a = await world.CameraAsync(site, "A");
        var b = await world.CameraAsync(site, "B");
        var offline = await world.CameraAsync(site, "Offline");
        var retired = await world.CameraAsync(site, "Retired");
        await using (var db = world.Db())
        {
            await db.Cameras.Where(c => c.Id == offline.Camera.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.Health, HealthState.Offline), Ct);
            await db.Cameras.Where(c => c.Id == retired.Camera.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.Lifecycle, CameraLifecycle.Retired), Ct);
        }

        var job = world.Services.GetRequiredService<ScheduledBackupJob>();
        for (var run = 1; run <= 4; run++)
        {
            var result = await job.ExecuteAsync(site.Id, Ct);
            Assert.Equal(2, result.Queued);
            Assert.Equal(1, result.Skipped);
            await using var db = world.Db();
            var ops = await db.Operations.AsNoTracking().Where(o => o.BatchId == result.BatchId).ToListAsync(Ct);
            Assert.Equal([a.Camera.Id, b.Camera.Id], ops.Select(o => o.CameraId).Order());
            Assert.All(ops, o => Assert.Equal((OperationKind.Backup, "job:backup"), (o.Kind, o.RequestedById)));
            // Both run at once (the site allows 2); each is its own operation with its own backup.
            await Task.WhenAll(ops.Select(o => world.RunToEndAsync(o.Id, Ct)));
            Assert.All(await db.Operations.AsNoTracking().Where(o => o.BatchId == result.BatchId).Select(o => o.State).ToListAsync(Ct),
                s => Assert.Equal(OperationState.Succeeded, s));
            // Retention is applied at the start of each run: at most retention + the one just taken.
            Assert.Equal(Math.Min(run, 3), await db.ConfigurationBackups.CountAsync(x => x.CameraId == a.Camera.Id, Ct));
        }

        await using (var db = world.Db())
        {
            var numbers = await db.ConfigurationBackups.AsNoTracking().Where(x => x.CameraId == a.Camera.Id).OrderBy(x => x.Number)
                .Select(x => new { x.Number, x.Trigger }).ToListAsync(Ct);
            Assert.Equal([2, 3, 4], numbers.Select(n => n.Number));
            Assert.All(numbers, n => Assert.Equal("scheduled", n.Trigger));
            Assert.False(await db.ConfigurationBackups.AnyAsync(x => x.CameraId == offline.Camera.Id || x.CameraId == retired.Camera.Id, Ct));
        }
    }

    [Fact]
    public async Task Scheduled_backups_of_a_site_are_staggered_by_its_bulk_concurrency()
    {
        var site = await world.SiteAsync("Stagger");
        await using (var db = world.Db())
        {
            await db.Sites.Where(s => s.Id == site.Id).ExecuteUpdateAsync(s => s.SetProperty(x => x.BulkConcurrency, 1), Ct);
        }

        // The first camera answers slowly, so its backup is still running when the second one asks to start.
        var slow = await world.CameraAsync(site, "A slow", d => d.Faults.SlowMs = 100);
        var quick = await world.CameraAsync(site, "B quick");
        var result = await world.Services.GetRequiredService<ScheduledBackupJob>().ExecuteAsync(site.Id, Ct);
        Assert.Equal(2, result.Queued);
        Guid first, second;
        await using (var db = world.Db())
        {
            first = await db.Operations.Where(o => o.BatchId == result.BatchId && o.CameraId == slow.Camera.Id).Select(o => o.Id).SingleAsync(Ct);
            second = await db.Operations.Where(o => o.BatchId == result.BatchId && o.CameraId == quick.Camera.Id).Select(o => o.Id).SingleAsync(Ct);
        }

        var running = world.Runner.RunAsync(first, Ct);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            await using var db = world.Db();
            if (await db.Operations.AnyAsync(o => o.Id == first && o.StartedAt != null, Ct)) break;
            Assert.True(DateTime.UtcNow < deadline, "the first backup never started");
            await Task.Delay(10, Ct);
        }

        await world.Runner.RunAsync(second, Ct);
        await using (var db = world.Db())
        {
            var held = await db.Operations.AsNoTracking().SingleAsync(o => o.Id == second, Ct);
            Assert.Equal(OperationState.Queued, held.State);
            Assert.Null(held.StartedAt);
            Assert.Contains("at most 1 at once", held.Summary);
        }

        await running;
        Assert.Equal(OperationState.Succeeded, (await world.RunToEndAsync(first, Ct)).State);
        Assert.Equal(OperationState.Succeeded, (await world.RunToEndAsync(second, Ct)).State);
    }
}
