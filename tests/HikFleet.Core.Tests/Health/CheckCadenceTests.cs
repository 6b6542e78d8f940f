using HikFleet.Core.Data.Entities;
using HikFleet.Core.Health;
using HikFleet.Simulator;
using HikFleet.Testing;
using Microsoft.EntityFrameworkCore;
using static HikFleet.Core.Health.HealthFindings;

namespace HikFleet.Core.Tests.Health;

/// <summary>
/// Issue #13: a steady-state check is four requests (deviceInfo, status, storage, picture) and decodes no JPEG; the camera's
/// settings (userCheck, time mode, streams, hardening) are read every <see cref="HealthOptions.HardeningInterval"/> and the picture
/// decoded every <see cref="HealthOptions.SnapshotInterval"/>, their findings carried in between. Against the simulator, with the
/// application's clock moved by hand.
/// </summary>
public sealed class CheckCadenceTests(HealthTestFleet fixture) : IClassFixture<HealthTestFleet>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string[] PerCheck = ["/ISAPI/System/deviceInfo", "/ISAPI/System/status", "/ISAPI/ContentMgmt/Storage", "/ISAPI/Streaming/channels/101/picture"];
    private static readonly string[] Settings =
    [
        "/ISAPI/Security/userCheck", "/ISAPI/System/time", "/ISAPI/Streaming/channels", "/ISAPI/System/Network/EZVIZ",
        "/ISAPI/Security/illegalLoginLock", "/ISAPI/Security/adminAccesses",
    ];

    /// <summary>The default cadences and flap suppression; the devices keep their own time while this clock jumps.</summary>
    private static HealthOptions Defaults => new()
    {
        BatchSize = 8, LatencyWarning = TimeSpan.FromSeconds(5), ClockDriftWarning = TimeSpan.FromDays(2), RestartTolerance = TimeSpan.FromDays(1),
    };

    private static ManualClock NewClock() => new(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1));

    private async Task<(Site Site, VirtualDevice Device, Camera Camera)> CameraAsync(string password, Action<VirtualDevice>? setup = null)
    {
        Site site;
        await using (var db = fixture.Database.CreateContext()) site = await TestFleet.CreateSiteAsync(db);
        var device = fixture.Fleet.AddDevice(new DeviceSpec { Password = password });
        setup?.Invoke(device);
        return (site, device, await fixture.AdoptAsync(site, device, password));
    }

    private async Task<(Camera Row, List<CameraFinding> Findings, CameraSnapshot Snapshot)> ReadAsync(Guid cameraId)
    {
        await using var db = fixture.Database.CreateContext();
        var row = await db.Cameras.AsNoTracking().SingleAsync(c => c.Id == cameraId, Ct);
        var findings = await db.CameraFindings.AsNoTracking().Where(f => f.CameraId == cameraId).OrderBy(f => f.Code).ToListAsync(Ct);
        var snapshot = await db.CameraSnapshots.AsNoTracking().SingleAsync(s => s.CameraId == cameraId, Ct);
        return (row, findings, snapshot);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++) await Task.Delay(20, Ct);
        Assert.True(condition(), "the connection stayed open after the check");
    }

    private static Dictionary<string, int> Counts(VirtualDevice d) => PerCheck.Concat(Settings).ToDictionary(p => p, p => d.RequestCount(p));

    [Fact]
    public async Task A_steady_check_is_four_requests_and_the_settings_findings_are_carried_until_the_next_settings_read()
    {
        // Factory default password, NTP off, a 10 Mbps link under 4K streams: three findings the settings read makes.
        var (site, device, camera) = await CameraAsync("12345", d =>
        {
            d.Config.Time.TimeMode = "manual";
            d.Faults.LinkSpeedMbps = 10;
        });
        var clock = NewClock();
        var health = fixture.NewService(Defaults, clock);

        await health.RunSiteAsync(site.Id, Ct);
        var first = await ReadAsync(camera.Id);
        Assert.Equal([DefaultPassword, LinkTooSlow, NtpDisabled], first.Findings.Select(f => f.Code));
        Assert.Equal(HealthState.Warning, first.Row.Health);
        Assert.All(Settings, p => Assert.True(device.RequestCount(p) >= 1, p));

        // Three steady checks: exactly the four per-check GETs each (Digest warm: no challenge round trip), nothing else.
        for (var i = 1; i <= 3; i++)
        {
            var before = Counts(device);
            var total = device.TotalRequests;
            clock.Advance(TimeSpan.FromMinutes(1));
            await health.RunSiteAsync(site.Id, Ct);
            var after = Counts(device);
            Assert.All(PerCheck, p => Assert.Equal(before[p] + 1, after[p]));
            Assert.All(Settings, p => Assert.Equal(before[p], after[p]));
            Assert.Equal(total + 4, device.TotalRequests);
            // The picture came last and closed the connection: nothing is left open to idle for a minute.
            await WaitUntilAsync(() => device.OpenConnections == 0);

            var steady = await ReadAsync(camera.Id);
            Assert.Equal([DefaultPassword, LinkTooSlow, NtpDisabled], steady.Findings.Select(f => f.Code));
            Assert.Equal(first.Findings.Select(f => f.FirstSeenAt), steady.Findings.Select(f => f.FirstSeenAt));
            Assert.Equal(HealthState.Warning, steady.Row.Health);
            Assert.Equal(first.Row.HardeningCheckedAt, steady.Row.HardeningCheckedAt);
        }

        // The link comes back at 1 Gbps: seen by the per-check status (the streams' bitrate is the one the settings read kept), and
        // closed after the default two agreeing checks. NTP switched on at the camera is not read before the settings are due.
        device.Faults.LinkSpeedMbps = 0;
        device.Config.Time.TimeMode = "NTP";
        for (var i = 0; i < 2; i++)
        {
            clock.Advance(TimeSpan.FromMinutes(1));
            await health.RunSiteAsync(site.Id, Ct);
        }

        var linkFixed = await ReadAsync(camera.Id);
        Assert.Equal([DefaultPassword, NtpDisabled], linkFixed.Findings.Select(f => f.Code));

        // Not a minute before the camera's settings slot (CheckCadence.NextDue: 3–9 h after the first read, by its id)…
        var due = CheckCadence.NextDue(camera.Id, first.Row.HardeningCheckedAt!.Value, TimeSpan.FromHours(6));
        Assert.InRange(due - first.Row.HardeningCheckedAt.Value, TimeSpan.FromHours(3), TimeSpan.FromHours(9));
        var beforeRead = Counts(device);
        clock.Advance(due - clock.GetUtcNow() - TimeSpan.FromMinutes(1));
        await health.RunSiteAsync(site.Id, Ct);
        Assert.All(Settings, p => Assert.Equal(beforeRead[p], device.RequestCount(p)));
        Assert.Equal([DefaultPassword, NtpDisabled], (await ReadAsync(camera.Id)).Findings.Select(f => f.Code));

        // …and at its slot one read of the settings, and NTP's finding closes on that read alone (configuration).
        beforeRead = Counts(device);
        clock.Advance(TimeSpan.FromMinutes(1));
        await health.RunSiteAsync(site.Id, Ct);
        var reread = await ReadAsync(camera.Id);
        Assert.Equal([DefaultPassword], reread.Findings.Select(f => f.Code));
        Assert.Equal(clock.GetUtcNow(), reread.Row.HardeningCheckedAt);
        var afterRead = Counts(device);
        Assert.All(Settings, p => Assert.Equal(beforeRead[p] + 1, afterRead[p]));
        Assert.Equal(0, device.FailedLogins);
    }

    [Fact]
    public async Task The_picture_is_hashed_every_check_but_decoded_on_its_own_cadence_and_every_check_while_black()
    {
        var (site, device, camera) = await CameraAsync(HealthTestFleet.Password);
        var clock = NewClock();
        var health = fixture.NewService(Defaults, clock);   // SnapshotInterval 15 min, SnapshotShrinkRatio 0.5, ConfirmChecks 2

        async Task<(Camera Row, List<CameraFinding> Findings, CameraSnapshot Snapshot)> SweepAsync(TimeSpan after)
        {
            clock.Advance(after);
            await health.RunSiteAsync(site.Id, Ct);
            return await ReadAsync(camera.Id);
        }

        var first = await SweepAsync(TimeSpan.Zero);
        var decodedAt = clock.GetUtcNow();
        Assert.Equal(decodedAt, first.Snapshot.TakenAt);
        Assert.InRange(first.Snapshot.MeanLuma!.Value, 40, 220);
        Assert.NotNull(first.Snapshot.Jpeg);
        // The size kept is the device's picture's; the thumbnail is HikFleet's smaller re-encoding of it.
        Assert.True(first.Snapshot.DecodedBytes > first.Snapshot.Jpeg!.Length, $"picture {first.Snapshot.DecodedBytes}, thumbnail {first.Snapshot.Jpeg.Length}");

        // A minute later the picture is fetched and hashed (a new hash: the scene moves) but not decoded: the thumbnail, its time
        // and its brightness stay those of the last decode.
        var hashed = await SweepAsync(TimeSpan.FromMinutes(1));
        Assert.NotEqual(first.Snapshot.Sha256, hashed.Snapshot.Sha256);
        Assert.Equal(decodedAt, hashed.Snapshot.TakenAt);
        Assert.Equal(first.Snapshot.MeanLuma, hashed.Snapshot.MeanLuma);
        Assert.Equal(first.Snapshot.Jpeg, hashed.Snapshot.Jpeg);
        Assert.Empty(hashed.Findings);

        // At its slot (7.5–22.5 min after the first decode, by its id) it is decoded again, though nothing changed.
        var slot = CheckCadence.NextDue(camera.Id, decodedAt, TimeSpan.FromMinutes(15));
        Assert.True(slot - clock.GetUtcNow() > TimeSpan.FromMinutes(5), "the decode is never due within half an interval");
        var periodic = await SweepAsync(slot - clock.GetUtcNow());
        Assert.Equal(clock.GetUtcNow(), periodic.Snapshot.TakenAt);
        Assert.InRange(periodic.Snapshot.MeanLuma!.Value, 40, 220);
        // The thumbnail is kept through the periodic decode. (That a decode replaces it although the batch writer reads rows
        // without it is proven by a size change in HealthSweepTests: two simulated frames can give the same 160×90 thumbnail.)
        Assert.NotNull(periodic.Snapshot.Jpeg);

        // The lens is covered: the picture shrinks to a fraction of the last decoded one, so this very check decodes it, long
        // before the next slot: black (pending confirmation), so the next check decodes too and confirms it.
        device.Faults.BlackImage = true;
        var seen = await SweepAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(clock.GetUtcNow(), seen.Snapshot.TakenAt);
        Assert.True(seen.Snapshot.MeanLuma < 12, $"luma {seen.Snapshot.MeanLuma}");
        Assert.True(seen.Snapshot.DecodedBytes < periodic.Snapshot.DecodedBytes / 2, $"{seen.Snapshot.DecodedBytes} vs {periodic.Snapshot.DecodedBytes} bytes");
        Assert.Empty(seen.Findings);
        var confirmed = await SweepAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(clock.GetUtcNow(), confirmed.Snapshot.TakenAt);
        Assert.Equal([BlackImage], confirmed.Findings.Select(f => f.Code));
        Assert.Equal(HealthState.Critical, confirmed.Row.Health);

        // Uncovered: the black picture is decoded again at once, and the finding resolves after two agreeing checks even though
        // the second one only hashes.
        device.Faults.BlackImage = false;
        var light = await SweepAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(clock.GetUtcNow(), light.Snapshot.TakenAt);
        Assert.InRange(light.Snapshot.MeanLuma!.Value, 40, 220);
        var lightAt = light.Snapshot.TakenAt;
        var resolved = await SweepAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(lightAt, resolved.Snapshot.TakenAt);
        Assert.Empty(resolved.Findings);

        // A frozen encoder is caught from the hash alone, within the decode interval: the same picture three checks in a row
        // makes the finding, and two such checks confirm it.
        device.Faults.FrozenImage = true;
        for (var i = 0; i < 4; i++) await SweepAsync(TimeSpan.FromSeconds(20));
        var frozen = await ReadAsync(camera.Id);
        Assert.True(clock.GetUtcNow() - lightAt < TimeSpan.FromMinutes(2.5));
        Assert.Equal(lightAt, frozen.Snapshot.TakenAt);
        Assert.Equal([FrozenImage], frozen.Findings.Select(f => f.Code));
        Assert.Equal(3, frozen.Snapshot.UnchangedCount);

        // "Check now" always decodes (a person asking sees a fresh thumbnail).
        device.Faults.FrozenImage = false;
        clock.Advance(TimeSpan.FromSeconds(10));
        await health.CheckCameraAsync(camera.Id, Ct);
        Assert.Equal(clock.GetUtcNow(), (await ReadAsync(camera.Id)).Snapshot.TakenAt);
    }

    [Fact]
    public void Slots_spread_a_fleet_read_at_once_evenly_over_the_interval_and_read_each_camera_once_per_interval()
    {
        // 10,000 cameras all read in one sweep (a restart), then a sweep every minute for an hour, 5-minute interval.
        var interval = TimeSpan.FromMinutes(5);
        var start = new DateTimeOffset(2026, 11, 27, 3, 0, 17, TimeSpan.Zero);
        var last = Enumerable.Range(0, 10_000).ToDictionary(_ => Guid.CreateVersion7(), _ => start);   // as camera ids are made
        var readsPerCamera = last.Keys.ToDictionary(id => id, _ => 0);
        var perSweep = new List<int>();
        for (var minute = 1; minute <= 60; minute++)
        {
            var now = start + TimeSpan.FromMinutes(minute);
            var due = last.Keys.Where(id => CheckCadence.Due(id, last[id], now, interval)).ToList();
            foreach (var id in due)
            {
                last[id] = now;
                readsPerCamera[id]++;
            }

            perSweep.Add(due.Count);
        }

        // Never all at once again: no read in the first two minutes (half an interval), then about a fifth of the fleet per minute
        // (2,000 expected; a slot is a hash, so allow ±25 %), never the whole fleet in one sweep.
        Assert.Equal([0, 0], perSweep.Take(2));
        Assert.All(perSweep.Skip(7), n => Assert.InRange(n, 1_500, 2_500));
        Assert.True(perSweep.Max() < 3_000, $"largest sweep {perSweep.Max()}");
        // Steady state: every camera read once per interval (11 or 12 times in the hour after the restart read, never more).
        Assert.All(readsPerCamera.Values, n => Assert.InRange(n, 11, 12));
        // Zero interval: every check.
        Assert.True(CheckCadence.Due(Guid.NewGuid(), start, start, TimeSpan.Zero));
    }
}
