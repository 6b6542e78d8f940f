using HikFleet.Core.Data.Entities;
using HikFleet.Core.Devices;
using HikFleet.Core.Health;
using HikFleet.Core.Profiles;
using HikFleet.Core.Security;
using HikFleet.Core.Tests.Profiles;
using HikFleet.Isapi;
using HikFleet.Isapi.Security;
using HikFleet.Simulator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static HikFleet.Core.Health.HealthFindings;

namespace HikFleet.Core.Tests.Health;

/// <summary>
/// Hardening checks (issue #10) against the in-process simulator on real PostgreSQL: each finding from the device and the site's
/// policy, the fix through a profile pushed by the real operation runner, and the slower cadence of the hardening reads.
/// </summary>
public sealed class HardeningTests(ProfileWorld world) : IClassFixture<ProfileWorld>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Ezviz = "/ISAPI/System/Network/EZVIZ", LoginLock = "/ISAPI/Security/illegalLoginLock", Accesses = "/ISAPI/Security/adminAccesses";

    private static HealthOptions Immediate => new() { ConfirmChecks = 1, ConfirmHealthyChecks = 1, BatchSize = 8, LatencyWarning = TimeSpan.FromSeconds(5) };

    private HealthCheckService Health(HealthOptions options, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        var factory = new IsapiClientFactory(Options.Create(HealthTestFleet.IsapiOptions), new IsapiLockoutGuard(time));
        var access = new DeviceAccess(factory, Options.Create(new DeviceAccessOptions()), time);
        return new HealthCheckService(world.Database.ContextFactory, world.Vault, access, new DeviceClientCache(access, time), new FleetChangeFeed(),
            Options.Create(options), time, NullLogger<HealthCheckService>.Instance);
    }

    private async Task<Site> SiteAsync(string name, ProfileSettings? profile)
    {
        var site = await world.SiteAsync(name);
        if (profile is not null)
        {
            var created = await world.Profiles.CreateAsync(FleetScope.System,
                new ProfileInput { TenantId = site.TenantId, SiteId = site.Id, Name = name, Settings = profile }, Ct);
            Assert.True(created.Succeeded, created.Message);
        }

        return site;
    }

    private async Task<(HealthState State, string[] Codes, List<CameraFinding> Rows, Camera Camera)> StateAsync(Guid cameraId)
    {
        await using var db = world.Db();
        var camera = await db.Cameras.AsNoTracking().SingleAsync(c => c.Id == cameraId, Ct);
        var rows = await db.CameraFindings.AsNoTracking().Where(f => f.CameraId == cameraId).OrderBy(f => f.Code).ToListAsync(Ct);
        Assert.Equal(rows.Select(r => r.Code), camera.FindingCodes);
        return (camera.Health, rows.Select(r => r.Code).ToArray(), rows, camera);
    }

    private static void Expect((HealthState State, string[] Codes, List<CameraFinding> Rows, Camera Camera) actual, HealthState state, params string[] codes)
    {
        Assert.Equal(state, actual.State);
        Assert.Equal(codes, actual.Codes);
    }

    private static int HardeningRequests(VirtualDevice d) => d.RequestCount(Ezviz) + d.RequestCount(LoginLock) + d.RequestCount(Accesses);

    [Fact]
    public async Task Each_condition_gives_its_finding_and_cloud_only_against_policy()
    {
        var policed = await SiteAsync("Policed", new ProfileSettings { CloudAccessAllowed = false });
        var cloud = await world.CameraAsync(policed, "Cloud", d => d.Config.Cloud.Enabled = true);
        var noLock = await world.CameraAsync(policed, "No lock", d => d.Config.LoginLock.Enabled = false);
        var httpOnly = await world.CameraAsync(policed, "HTTP only", d => d.Config.HttpsEnabled = false);
        var clean = await world.CameraAsync(policed, "Clean");
        var free = await SiteAsync("Free", null);
        var cloudAllowed = await world.CameraAsync(free, "Cloud, no policy", d => d.Config.Cloud.Enabled = true);
        var lockOffOnPurpose = await SiteAsync("Lock off on purpose", new ProfileSettings { LoginLock = new LoginLockPolicy(false) });
        var deliberate = await world.CameraAsync(lockOffOnPurpose, "VMS", d => d.Config.LoginLock.Enabled = false);

        var health = Health(Immediate);
        foreach (var site in new[] { policed, free, lockOffOnPurpose }) await health.RunSiteAsync(site.Id, Ct);

        var cloudState = await StateAsync(cloud.Camera.Id);
        Expect(cloudState, HealthState.Warning, CloudEnabled);
        Assert.Contains("CloudAccessAllowed = false", cloudState.Rows.Single().Fix);
        Assert.Contains("enabled=true", cloudState.Rows.Single().Evidence);
        var lockState = await StateAsync(noLock.Camera.Id);
        Expect(lockState, HealthState.Warning, LoginLockDisabled);
        Assert.Contains("LoginLock", lockState.Rows.Single().Fix);
        var httpState = await StateAsync(httpOnly.Camera.Id);
        Expect(httpState, HealthState.Warning, HttpOnly);
        Assert.Contains("HttpsEnabled", httpState.Rows.Single().Fix);
        Assert.Contains("HTTPS is disabled", httpState.Rows.Single().Evidence);
        Assert.All(new[] { cloudState, lockState, httpState }, s => Assert.Equal(FindingSeverity.Warning, s.Rows.Single().Severity));
        // No finding where the device is hardened, where no policy forbids the cloud, or where the site turned the lock off on purpose.
        Expect(await StateAsync(clean.Camera.Id), HealthState.Healthy);
        Expect(await StateAsync(cloudAllowed.Camera.Id), HealthState.Healthy);
        Expect(await StateAsync(deliberate.Camera.Id), HealthState.Healthy);
        // Every camera was read once: one request to each hardening resource after the Digest challenge of the check.
        Assert.All(new[] { cloud, noLock, httpOnly, clean, cloudAllowed, deliberate }, c =>
        {
            Assert.Equal(1, c.Device.RequestCount(Ezviz));
            Assert.Equal(1, c.Device.RequestCount(LoginLock));
            Assert.Equal(1, c.Device.RequestCount(Accesses));
        });
    }

    [Fact]
    public async Task Applying_the_profile_fixes_the_device_and_the_next_hardening_read_closes_the_findings()
    {
        var profile = new ProfileSettings
        {
            CloudAccessAllowed = false, LoginLock = new LoginLockPolicy(true, 7, 15), HttpsEnabled = true, NtpServers = ["ntp.site.lan"],
        };
        var site = await SiteAsync("Hardened", profile);
        var (device, camera) = await world.CameraAsync(site, "Lobby", d =>
        {
            d.Config.Cloud.Enabled = true;
            d.Config.LoginLock.Enabled = false;
            d.Config.HttpsEnabled = false;
            d.Config.Time.TimeMode = "manual";
        });
        // The default 6 h cadence: the read after the operation is due because the operation finished, not because time passed.
        var health = Health(Immediate);

        await health.RunSiteAsync(site.Id, Ct);
        var before = await StateAsync(camera.Id);
        Expect(before, HealthState.Warning, CloudEnabled, HttpOnly, LoginLockDisabled, NtpDisabled);
        Assert.Contains("NtpServers", before.Rows.Single(r => r.Code == NtpDisabled).Fix);

        // The dry run shows the fix, field by field; a read only.
        var dry = await world.Profiles.DryRunAsync(FleetScope.System, camera.Id, Ct);
        Assert.True(dry.Result.Succeeded, dry.Result.Message);
        var diff = dry.Differences.ToDictionary(d => d.Field, d => (d.Before, d.After));
        Assert.Equal(("false", "true"), diff["access.https"]);
        Assert.Equal(("true", "false"), diff["cloud.enabled"]);
        Assert.Equal(("false", "true"), diff["loginLock.enabled"]);
        Assert.Equal(("5", "7"), diff["loginLock.maxAttempts"]);
        Assert.Equal("900", diff["loginLock.lockSeconds"].After);
        Assert.Equal(("manual", "NTP"), diff["time.mode"]);
        Assert.False(device.Config.HttpsEnabled);

        var queued = await world.Profiles.ApplyAsync(FleetScope.System, [camera.Id], "Harden the lobby camera", Ct);
        var op = await world.RunToEndAsync(queued.Items.Single().OperationId!.Value, Ct);
        Assert.True(op.State == OperationState.Succeeded, $"{op.State}: {op.Summary}");
        Assert.Equal("[]", op.Drift);
        Assert.Contains("HTTPS admin access", op.Steps.Single(s => s.Name == "apply").Detail);
        Assert.False(device.Config.Cloud.Enabled);
        Assert.Equal((true, 7, 900), (device.Config.LoginLock.Enabled, device.Config.LoginLock.MaxIllegalLoginTimes, device.Config.LoginLock.MaxIllegalLoginLockTime));
        Assert.True(device.Config.HttpsEnabled);
        Assert.Equal("NTP", device.TimeSettings.TimeMode);

        var reads = device.RequestCount(Accesses);
        await health.RunSiteAsync(site.Id, Ct);
        var after = await StateAsync(camera.Id);
        Expect(after, HealthState.Healthy);
        Assert.Equal(reads + 1, device.RequestCount(Accesses));
        await using var db = world.Db();
        var resolved = await db.CameraEvents.AsNoTracking().Where(e => e.CameraId == camera.Id && e.Kind == CameraEventKinds.FindingResolved)
            .Select(e => e.Detail!).ToListAsync(Ct);
        Assert.Equal([CloudEnabled, HttpOnly, LoginLockDisabled, NtpDisabled], resolved.Select(d => d.Split(':')[0]).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Within_the_interval_a_sweep_sends_no_hardening_requests_and_keeps_the_findings()
    {
        var site = await SiteAsync("Cadence", new ProfileSettings { CloudAccessAllowed = false });
        var (device, camera) = await world.CameraAsync(site, "Mast", d =>
        {
            d.Config.Cloud.Enabled = true;
            d.Config.HttpsEnabled = false;
        });
        // The application's clock starts after the profile was saved (a profile change since the last read makes a read due).
        var clock = new ManualClock(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1)); // whole seconds: PostgreSQL keeps µs
        // The default flap suppression: hardening codes open and close on the read itself, the rest needs agreeing checks.
        // The devices keep real time while this clock jumps: clock drift is not what this test is about.
        var health = Health(new HealthOptions
        {
            HardeningInterval = TimeSpan.FromHours(6), BatchSize = 8, LatencyWarning = TimeSpan.FromSeconds(5), ClockDriftWarning = TimeSpan.FromDays(2),
            // Each jump of this clock moves the device's apparent boot time (now − uptime) by the jump: not a restart here.
            RestartTolerance = TimeSpan.FromDays(1),
        }, clock);

        await health.RunSiteAsync(site.Id, Ct);
        var first = await StateAsync(camera.Id);
        Expect(first, HealthState.Warning, CloudEnabled, HttpOnly);
        var readAt = first.Camera.HardeningCheckedAt;
        Assert.Equal(clock.GetUtcNow(), readAt);
        var requests = HardeningRequests(device);
        Assert.Equal(3, requests);

        // Someone switches EZVIZ off on the camera's web page: nothing reads it before the interval is over.
        device.Config.Cloud.Enabled = false;
        for (var i = 0; i < 3; i++)
        {
            clock.Advance(TimeSpan.FromMinutes(1));
            await health.RunSiteAsync(site.Id, Ct);
            var kept = await StateAsync(camera.Id);
            Expect(kept, HealthState.Warning, CloudEnabled, HttpOnly);
            Assert.Equal(readAt, kept.Camera.HardeningCheckedAt);
            Assert.Equal(first.Rows.Select(r => r.FirstSeenAt), kept.Rows.Select(r => r.FirstSeenAt));
        }

        Assert.Equal(requests, HardeningRequests(device));
        await using (var db = world.Db())
        {
            // Every sample of the kept checks carries the kept codes (the dashboard's history agrees with the findings).
            var samples = await db.HealthSamples.AsNoTracking().Where(s => s.CameraId == camera.Id).OrderBy(s => s.At).ToListAsync(Ct);
            Assert.Equal(4, samples.Count);
            Assert.All(samples, s => Assert.Equal([CloudEnabled, HttpOnly], s.FindingCodes));
        }

        // At the camera's slot (CheckCadence: once per interval, spread by camera) the settings are read again, and the finding
        // closes on that one read.
        clock.Advance(CheckCadence.NextDue(camera.Id, readAt!.Value, TimeSpan.FromHours(6)) - clock.GetUtcNow());
        await health.RunSiteAsync(site.Id, Ct);
        var reread = await StateAsync(camera.Id);
        Assert.Equal([HttpOnly], reread.Codes);
        Assert.Equal(requests + 3, HardeningRequests(device));
        Assert.Equal(clock.GetUtcNow(), reread.Camera.HardeningCheckedAt);

        // "Check now" always reads them.
        Assert.Equal(HealthState.Warning, await health.CheckCameraAsync(camera.Id, Ct));
        Assert.Equal(requests + 6, HardeningRequests(device));
    }

    [Fact]
    public async Task A_profile_saved_after_the_last_read_makes_the_next_sweep_read_the_settings()
    {
        var site = await SiteAsync("Re-read", new ProfileSettings { CloudAccessAllowed = false });
        var (device, camera) = await world.CameraAsync(site, "Yard", d => d.Config.Cloud.Enabled = true);
        var clock = new ManualClock(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1)); // after the site's profile
        var health = Health(new HealthOptions
        {
            HardeningInterval = TimeSpan.FromHours(6), LatencyWarning = TimeSpan.FromSeconds(5), ClockDriftWarning = TimeSpan.FromDays(2),
            RestartTolerance = TimeSpan.FromDays(1),
        }, clock);

        await health.RunSiteAsync(site.Id, Ct);
        var requests = HardeningRequests(device);
        Assert.Equal(3, requests);
        var readAt = (await StateAsync(camera.Id)).Camera.HardeningCheckedAt!.Value;
        clock.Advance(TimeSpan.FromMinutes(1));
        await health.RunSiteAsync(site.Id, Ct);
        Assert.Equal(requests, HardeningRequests(device)); // within the interval, nothing changed: no read

        // The tenant's profile is saved after that read (profiles are stamped by the real clock): the next check reads the settings
        // again, although the camera's slot is hours away (at least half the interval, CheckCadence).
        while (DateTimeOffset.UtcNow <= readAt) await Task.Delay(50, Ct);
        var created = await world.Profiles.CreateAsync(FleetScope.System,
            new ProfileInput { TenantId = site.TenantId, Name = "Tenant default", Settings = new ProfileSettings { CloudAccessAllowed = false } }, Ct);
        Assert.True(created.Succeeded, created.Message);
        clock.Advance(TimeSpan.FromMinutes(1));
        await health.RunSiteAsync(site.Id, Ct);
        Assert.Equal(requests + 3, HardeningRequests(device));
        Assert.Equal(clock.GetUtcNow(), (await StateAsync(camera.Id)).Camera.HardeningCheckedAt);
    }

    [Fact]
    public async Task A_resource_the_device_lacks_gives_no_finding_and_a_broken_read_keeps_the_last_one()
    {
        var camera = Testing.TestFleet.NewCamera(Guid.NewGuid(), address: "10.0.0.5");
        var policy = new HardeningPolicy(CloudForbidden: true, LoginLockDeliberatelyOff: false);
        var previous = new List<HealthFinding>
        {
            new(CloudEnabled, FindingSeverity.Warning, "cloud", "earlier read", "fix"),
            new(HttpOnly, FindingSeverity.Warning, "http", "earlier read", "fix"),
        };
        var obs = new HealthObservation { CameraId = camera.Id, Hardening = new HardeningObservation() };
        obs.Hardening.Unsupported.Add(HardeningObservation.Cloud);
        obs.Hardening.Failed.Add(HardeningObservation.Access);
        obs.Hardening.IllegalLoginLock = new Isapi.Models.IllegalLoginLock(true, 5, 1800);

        var found = HealthEvaluator.SettingsFindings(camera, obs, policy, previous);

        // notSupported: nothing to judge, the old finding closes; failed: unknown, the old finding stands.
        Assert.Equal([HttpOnly], found.Select(f => f.Code));
        Assert.Equal("earlier read", found.Single().Evidence);
        // A policy that stopped forbidding the cloud drops a carried cloud finding even without a read.
        var carried = HealthEvaluator.SettingsFindings(camera, new HealthObservation { CameraId = camera.Id }, policy with { CloudForbidden = false }, previous);
        Assert.Equal([HttpOnly], carried.Select(f => f.Code));
        // Carried warnings make an otherwise healthy camera a warning, never worse; offline stays offline.
        var offline = new HealthObservation { CameraId = camera.Id, ReachFailure = new IsapiException(IsapiErrorKind.Unreachable, "refused") };
        var verdict = HealthEvaluator.Evaluate(camera, offline, null, 0,
            new HealthContext([], new HashSet<System.Net.IPAddress>(), [], new HealthOptions(), policy), previous);
        Assert.Equal(HealthState.Offline, verdict.State);
        Assert.Equal([Unreachable, CloudEnabled, HttpOnly], verdict.Findings.Select(f => f.Code));
    }
}
