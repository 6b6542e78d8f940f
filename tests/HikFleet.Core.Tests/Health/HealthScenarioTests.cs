using HikFleet.Core.Data.Entities;
using HikFleet.Core.Health;
using HikFleet.Simulator;
using HikFleet.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using static HikFleet.Core.Health.HealthFindings;

namespace HikFleet.Core.Tests.Health;

/// <summary>Health checks on real PostgreSQL against the in-process simulator: every fault, lockout safety, reboot loops, flaps.</summary>
public sealed class HealthScenarioTests(HealthTestFleet fixture) : IClassFixture<HealthTestFleet>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static HealthOptions Immediate => new()
    {
        // The scenario checks what each check sees (every check decodes its picture); flap suppression and the cadences of the
        // picture decode and the settings reads have their own tests.
        SnapshotInterval = TimeSpan.Zero,
        ConfirmChecks = 1,
        ConfirmHealthyChecks = 1,
        LatencyWarning = TimeSpan.FromMilliseconds(250),
        BatchSize = 8,
    };

    private async Task<Site> NewSiteAsync()
    {
        await using var db = fixture.Database.CreateContext();
        return await TestFleet.CreateSiteAsync(db);
    }

    private VirtualDevice Add(DeviceSpec? spec = null)
    {
        spec ??= new DeviceSpec();
        spec.Password ??= HealthTestFleet.Password;
        return fixture.Fleet.AddDevice(spec);
    }

    [Fact]
    public async Task EveryFault_GivesExactlyTheExpectedStateAndFindings_AndNoPasswordIsLogged()
    {
        var site = await NewSiteAsync();
        const string wrong = "Wrong#Pass-9182";
        var expected = new List<(string Name, VirtualDevice Device, Camera Row, HealthState State, string[] Codes)>();
        async Task Expect(string name, VirtualDevice device, HealthState state, string[] codes, string? password = HealthTestFleet.Password,
            string? serial = null, string? mac = null) =>
            expected.Add((name, device, await fixture.AdoptAsync(site, device, password, serial, mac), state, codes));

        await Expect("healthy", Add(), HealthState.Healthy, []);
        await Expect("offline", Add(new() { Faults = new() { Offline = true } }), HealthState.Offline, [Unreachable]);
        await Expect("timeout", Add(new() { Faults = new() { Timeout = true } }), HealthState.Offline, [NotAnswering]);
        await Expect("slow", Add(new() { Faults = new() { SlowMs = 400 } }), HealthState.Warning, [HighLatency]);
        var looping = Add(new() { Faults = new() { RebootLoop = true, RebootLoopUpSeconds = 5000 } });
        await Expect("reboot loop", looping, HealthState.Critical, [RebootLoop]);
        await Expect("clock drift", Add(new() { Faults = new() { ClockDriftSeconds = 600 } }), HealthState.Warning, [ClockDrift]);
        await Expect("sd card", Add(new() { Faults = new() { SdCardError = true } }), HealthState.Critical, [StorageError]);
        await Expect("black", Add(new() { Faults = new() { BlackImage = true } }), HealthState.Critical, [BlackImage]);
        await Expect("frozen", Add(new() { Faults = new() { FrozenImage = true } }), HealthState.Critical, [FrozenImage]);
        await Expect("4K on 10 Mbps", Add(new() { Faults = new() { LinkSpeedMbps = 10 } }), HealthState.Warning, [LinkTooSlow]);
        // The conflicting camera moves onto the address of a device HikFleet does not manage: its own address goes dead.
        var bystander = Add();
        var conflicting = Add();
        await Expect("ip conflict", conflicting, HealthState.Offline, [Unreachable]);
        await Expect("locked out", Add(new() { Faults = new() { LockedOut = true } }), HealthState.Locked, [LockedOut]);
        await Expect("malformed xml", Add(new() { Faults = new() { MalformedXml = true } }), HealthState.Unknown, [UnreadableAnswers]);
        await Expect("oversized", Add(new() { Faults = new() { OversizedBody = true, OversizedBytes = 2 * 1024 * 1024 } }), HealthState.Unknown, [UnreadableAnswers]);
        await Expect("never-ending", Add(new() { Faults = new() { NeverEndingBody = true } }), HealthState.Unknown, [UnreadableAnswers]);
        await Expect("slow drip", Add(new() { Faults = new() { SlowDrip = true } }), HealthState.Offline, [NotAnswering]);
        var localized = Add(new() { Faults = new() { LocalizedUptime = true } });
        await Expect("localized uptime", localized, HealthState.Healthy, []);
        await Expect("device error", Add(new() { Faults = new() { DeviceError = true } }), HealthState.Critical, [DeviceError]);
        await Expect("default password", Add(new() { Password = "12345" }), HealthState.Warning, [DefaultPassword], password: "12345");
        await Expect("risky password", Add(new() { Password = "abcd1234" }), HealthState.Warning, [RiskyPassword], password: "abcd1234");
        await Expect("inactive", Add(new() { Activated = false }), HealthState.Inactive, [NotActivated]);
        await Expect("vulnerable firmware", Add(new() { Model = "DS-2CD2085FWD-I" }), HealthState.Critical, [VulnerableFirmware]);
        await Expect("outdated firmware", Add(new() { Model = "DS-2CD2143G2-I" }), HealthState.Warning, [OutdatedFirmware]);
        await Expect("wrong password", Add(), HealthState.Unauthorized, [CredentialRejected], password: wrong);
        await Expect("no password", Add(), HealthState.Unauthorized, [NoCredential], password: null);
        await Expect("replaced", Add(), HealthState.Critical, [ReplacedDevice], serial: "DS-2CD2386G2-IU20190101AAWRX00000001", mac: "44:19:b6:00:00:01");
        await using (var db = fixture.Database.CreateContext())
        {
            db.FirmwareReleases.Add(new FirmwareRelease { Model = "DS-2CD2143G2-I", Version = "V5.7.15", Build = "build 240101" });
            await db.SaveChangesAsync(Ct);
        }

        conflicting.Faults.IpConflictAddress = bystander.Address.ToString();
        conflicting.Faults.IpConflict = true;

        var logs = new CapturingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        var service = fixture.NewService(Immediate, logs: loggerFactory);
        // Warm up (EF model, image decoder, first connections) on another site, so the timed sweeps below start promptly.
        var warmup = await NewSiteAsync();
        await fixture.AdoptAsync(warmup, Add(), HealthTestFleet.Password);
        await service.RunSiteAsync(warmup.Id, Ct);

        var boots = looping.RebootCount;
        var waited = new List<string>();
        // The first sweep sets the uptimes; three more each catch a new boot of the looping camera at a lower uptime than the
        // check before (simulated time runs 1000x faster than the application's clock, so a lower uptime is the signal the test
        // can pin down), and three identical pictures of the frozen one. A boot lasts 5 real seconds: each sweep has 1.5 s or more
        // to reach the camera before it boots again (with 2 s boots a loaded machine's sweep missed one and saw two restarts).
        foreach (var uptime in new[] { 3500, 2375, 1250, 125 })
        {
            await WaitForBootAtUptimeAsync(looping, boots, uptime);
            waited.Add(looping.Uptime.TotalSeconds.ToString("F0"));
            boots = looping.RebootCount;
            var result = await service.RunSiteAsync(site.Id, Ct);
            Assert.Equal(expected.Count, result.Checked);
        }

        await using var check = fixture.Database.CreateContext();
        var rows = await check.Cameras.AsNoTracking().Where(c => c.SiteId == site.Id).ToDictionaryAsync(c => c.Id, Ct);
        var findings = (await check.CameraFindings.AsNoTracking().Where(f => rows.Keys.Contains(f.CameraId)).ToListAsync(Ct)).ToLookup(f => f.CameraId);
        var failures = new List<string>();
        foreach (var (name, _, row, state, codes) in expected)
        {
            var actual = rows[row.Id];
            var actualCodes = findings[row.Id].Select(f => f.Code).Order().ToArray();
            if (actual.Health != state || !actualCodes.SequenceEqual(codes.Order()) || !actual.FindingCodes.SequenceEqual(actualCodes))
                failures.Add($"{name}: expected {state} [{string.Join(",", codes)}], got {actual.Health} [{string.Join(",", actualCodes)}] ({actual.HealthSummary}) " +
                    string.Join(" | ", findings[row.Id].Select(f => f.Evidence)));
        }

        if (failures.Count > 0)
        {
            var loop = expected.Single(e => e.Name == "reboot loop").Row.Id;
            var samples = await check.HealthSamples.AsNoTracking().Where(s => s.CameraId == loop).OrderBy(s => s.Id)
                .Select(s => $"{s.State} up={s.UptimeSeconds} [{string.Join(",", s.FindingCodes)}]").ToListAsync(Ct);
            failures.Add("reboot-loop samples: " + string.Join(" ; ", samples) + " | uptimes waited for: " + string.Join(",", waited));
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));

        // Every finding carries evidence and a fix; the reboot loop's fix is the field one.
        Assert.All(findings.SelectMany(g => g), f => Assert.False(string.IsNullOrWhiteSpace(f.Evidence) || string.IsNullOrWhiteSpace(f.Fix)));
        var loopRow = expected.Single(e => e.Name == "reboot loop").Row;
        Assert.Contains("PoE budget and cable", findings[loopRow.Id].Single().Fix);
        Assert.True(await check.CameraEvents.CountAsync(e => e.CameraId == loopRow.Id && e.Kind == CameraEventKinds.Restarted, Ct) >= 3);

        // The localised uptime (87天0时55分59秒 style) was understood.
        Assert.NotNull(rows[expected.Single(e => e.Name == "localized uptime").Row.Id].UptimeSeconds);

        // A replaced device keeps the recorded identity and gets a timeline entry.
        var replaced = rows[expected.Single(e => e.Name == "replaced").Row.Id];
        Assert.Equal("DS-2CD2386G2-IU20190101AAWRX00000001", replaced.SerialNumber);
        Assert.Equal("44:19:b6:00:00:01", replaced.MacAddress);
        Assert.Equal(1, await check.CameraEvents.CountAsync(e => e.CameraId == replaced.Id && e.Kind == CameraEventKinds.Replaced, Ct));

        // One sample per camera per sweep, and a thumbnail kept for the cameras that sent a picture.
        Assert.Equal(4 * expected.Count, await check.HealthSamples.CountAsync(s => rows.Keys.Contains(s.CameraId), Ct));
        var healthyRow = expected.Single(e => e.Name == "healthy").Row;
        var thumb = await check.CameraSnapshots.AsNoTracking().SingleAsync(s => s.CameraId == healthyRow.Id, Ct);
        Assert.NotNull(thumb.Jpeg);
        Assert.InRange(thumb.MeanLuma!.Value, 40, 220);
        // The thumbnail is HikFleet's own JPEG of the decoded picture (the simulator's 640×360 at a quarter), never the device's
        // bytes: those are only hashed, and the picture's size kept.
        Assert.NotEqual(thumb.Sha256, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(thumb.Jpeg)));
        Assert.Equal((160, 90), SnapshotAnalysisTests.Size(thumb.Jpeg));
        Assert.True(thumb.Jpeg.Length < thumb.DecodedBytes, $"thumbnail {thumb.Jpeg.Length} bytes, picture {thumb.DecodedBytes}");

        // No device was locked by the checks (the locked one was locked by its fault), and the wrong password cost one failed login.
        Assert.All(expected.Where(e => e.Name != "locked out"), e => Assert.False(e.Device.IsLocked, e.Name));
        Assert.Equal(1, expected.Single(e => e.Name == "wrong password").Device.FailedLogins);

        // Log output of sweeps that included wrong and weak passwords never contains any of them.
        var text = string.Join("\n", logs.Lines);
        Assert.Contains("Health sweep of site", text);
        foreach (var secret in new[] { HealthTestFleet.Password, wrong, "abcd1234", "12345" })
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
    }

    /// <summary>Waits (bounded) until the looping camera booted again and its uptime is in [seconds, seconds + 20] (simulated).</summary>
    private static async Task WaitForBootAtUptimeAsync(VirtualDevice device, int bootsSeen, int seconds)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!(device.Online && device.RebootCount > bootsSeen && device.Uptime.TotalSeconds is var up && up >= seconds && up <= seconds + 20))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the reboot-looping device did not boot again");
            await Task.Delay(1, Ct);
        }
    }
}
