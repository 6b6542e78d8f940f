using HikFleet.Core.Data.Entities;
using HikFleet.Core.Health;
using HikFleet.Simulator;
using HikFleet.Testing;
using Microsoft.EntityFrameworkCore;
using static HikFleet.Core.Health.HealthFindings;

namespace HikFleet.Core.Tests.Health;

/// <summary>Lockout safety over a time-scaled hour, and flap suppression.</summary>
public sealed class HealthSafetyTests(HealthTestFleet fixture) : IClassFixture<HealthTestFleet>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<Site> NewSiteAsync()
    {
        await using var db = fixture.Database.CreateContext();
        return await TestFleet.CreateSiteAsync(db);
    }

    [Fact]
    public async Task WrongStoredPassword_CheckedEveryTenSecondsForAnHour_CostsAtMostOneFailedLoginPerLockoutWindow_AndNeverLocks()
    {
        var site = await NewSiteAsync();
        var device = fixture.Fleet.AddDevice(new DeviceSpec { Password = HealthTestFleet.Password });
        var camera = await fixture.AdoptAsync(site, device, "Not#The-Password1");
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        // The application's clock is moved by hand, the cameras' clocks are real: drift is not what this test is about.
        var options = new HealthOptions { ConfirmChecks = 1, ClockDriftWarning = TimeSpan.FromDays(1) };
        var service = fixture.NewService(options, clock);
        var window = TimeSpan.FromMinutes(30); // DeviceAccessOptions.RejectedCredentialRetryAfter = the device's 1800 s lock
        var start = clock.GetUtcNow();
        var failuresPerWindow = new Dictionary<int, int>();
        var lastFailures = 0;
        for (var elapsed = TimeSpan.Zero; elapsed < TimeSpan.FromHours(1); elapsed += TimeSpan.FromSeconds(10))
        {
            // Half way a new process takes over (fresh client factory and in-memory guard): only the persisted guard remains.
            if (elapsed == TimeSpan.FromMinutes(20)) service = fixture.NewService(options, clock);
            Assert.Equal(HealthState.Unauthorized, await service.CheckCameraAsync(camera.Id, Ct));
            var failures = device.FailedLogins;
            var slot = (int)((clock.GetUtcNow() - start) / window);
            failuresPerWindow[slot] = failuresPerWindow.GetValueOrDefault(slot) + (failures - lastFailures);
            lastFailures = failures;
            Assert.False(device.IsLocked);
            clock.Advance(TimeSpan.FromSeconds(10));
        }

        Assert.All(failuresPerWindow.Values, n => Assert.InRange(n, 0, 1));
        // The retry after the hold really went out (someone might have fixed the password on the device): one per window.
        Assert.Equal(2, device.FailedLogins);
        Assert.False(device.IsLocked);
        await using var db = fixture.Database.CreateContext();
        var row = await db.Cameras.AsNoTracking().SingleAsync(c => c.Id == camera.Id, Ct);
        Assert.Equal([CredentialRejected], row.FindingCodes);
        Assert.NotNull(row.AuthRejectedCredentialId);

        // Once the right password is in the vault, the next check uses it at once and the guard is cleared.
        var vault = new HikFleet.Core.Vault.CredentialVault(fixture.Keys, fixture.Database.ContextFactory, new HikFleet.Core.Audit.AuditLog(fixture.Database.ContextFactory, clock), clock);
        await vault.StoreForCameraAsync(db, camera.Id, "admin", HealthTestFleet.Password, "test", Ct);
        await db.SaveChangesAsync(Ct);
        await service.CheckCameraAsync(camera.Id, Ct);
        await using var after = fixture.Database.CreateContext();
        var fixedRow = await after.Cameras.AsNoTracking().SingleAsync(c => c.Id == camera.Id, Ct);
        Assert.Null(fixedRow.AuthRejectedCredentialId);
        Assert.Empty(fixedRow.FindingCodes);
    }

    [Fact]
    public async Task LockedCamera_GetsNoCredentialUntilTheLockEnds()
    {
        var site = await NewSiteAsync();
        var device = fixture.Fleet.AddDevice(new DeviceSpec { Password = HealthTestFleet.Password, Faults = new() { LockedOut = true } });
        var camera = await fixture.AdoptAsync(site, device, HealthTestFleet.Password);
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var options = new HealthOptions { ConfirmChecks = 1, ConfirmHealthyChecks = 1, ClockDriftWarning = TimeSpan.FromDays(1) };
        var service = fixture.NewService(options, clock);
        Assert.Equal(HealthState.Locked, await service.CheckCameraAsync(camera.Id, Ct));
        await using (var db = fixture.Database.CreateContext())
            Assert.NotNull((await db.Cameras.AsNoTracking().SingleAsync(c => c.Id == camera.Id, Ct)).LockedUntil);

        // The lock is lifted on the device, but HikFleet waits out the time the device announced: nothing authenticated is sent.
        device.Faults.LockedOut = false;
        clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(HealthState.Locked, await service.CheckCameraAsync(camera.Id, Ct));
        clock.Advance(TimeSpan.FromMinutes(25));
        var fresh = fixture.NewService(options, clock);
        var state = await fresh.CheckCameraAsync(camera.Id, Ct);
        await using (var db = fixture.Database.CreateContext())
        {
            var row = await db.Cameras.AsNoTracking().SingleAsync(c => c.Id == camera.Id, Ct);
            Assert.True(state == HealthState.Healthy, $"{state}: {row.HealthSummary} [{string.Join(",", row.FindingCodes)}] pending {row.PendingHealth}");
        }

        Assert.Equal(0, device.FailedLogins);
    }

    [Fact]
    public async Task FlapSuppression_ChangesStateAndFindingsOnlyAfterConsecutiveChecksAgree()
    {
        var site = await NewSiteAsync();
        var device = fixture.Fleet.AddDevice(new DeviceSpec { Password = HealthTestFleet.Password });
        var camera = await fixture.AdoptAsync(site, device, HealthTestFleet.Password);
        // Every check decodes its picture here (the decode cadence has its own test): the subject is flap suppression.
        var service = fixture.NewService(new HealthOptions { ConfirmChecks = 2, ConfirmHealthyChecks = 3, SnapshotInterval = TimeSpan.Zero });

        async Task<(HealthState Health, List<string> Codes)> Check(bool black)
        {
            device.Faults.BlackImage = black;
            await service.RunSiteAsync(site.Id, Ct);
            await using var db = fixture.Database.CreateContext();
            var row = await db.Cameras.AsNoTracking().SingleAsync(c => c.Id == camera.Id, Ct);
            return (row.Health, row.FindingCodes);
        }

        var first = await Check(false);                                // first check: taken as it is
        Assert.Equal(HealthState.Healthy, first.Health);
        Assert.Empty(first.Codes);
        var blip = await Check(true);                                  // one bad picture: not shown
        Assert.Equal(HealthState.Healthy, blip.Health);
        Assert.Empty(blip.Codes);
        Assert.Equal(HealthState.Healthy, (await Check(false)).Health);
        Assert.Equal(HealthState.Healthy, (await Check(true)).Health);
        var confirmed = await Check(true);                             // two in a row: confirmed
        Assert.Equal(HealthState.Critical, confirmed.Health);
        Assert.Equal([BlackImage], confirmed.Codes);
        Assert.Equal(HealthState.Critical, (await Check(false)).Health);
        var resolved = await Check(false);                             // the finding resolves after two clean checks...
        Assert.Equal(HealthState.Critical, resolved.Health);           // ...but healthy needs three
        Assert.Empty(resolved.Codes);
        Assert.Equal(HealthState.Healthy, (await Check(false)).Health);

        await using var check = fixture.Database.CreateContext();
        var events = await check.CameraEvents.AsNoTracking().Where(e => e.CameraId == camera.Id).OrderBy(e => e.Id).Select(e => e.Kind).ToListAsync(Ct);
        Assert.Equal([CameraEventKinds.HealthChanged, CameraEventKinds.HealthChanged, CameraEventKinds.FindingOpened,
            CameraEventKinds.FindingResolved, CameraEventKinds.HealthChanged], events);
        Assert.Equal(8, await check.HealthSamples.CountAsync(s => s.CameraId == camera.Id, Ct));
    }
}
