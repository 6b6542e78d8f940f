using HikFleet.Isapi.Tests.Support;
using HikFleet.Simulator;

namespace HikFleet.Isapi.Tests;

/// <summary>Digest, nonce expiry, lockout safety, HTTPS pinning and Basic against the simulator (§1.2, §1.5, §1.1).</summary>
public sealed class AuthenticationTests(SimulatorFixture sim)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WarmDigest_NeedsOneRoundTripPerRequest()
    {
        var device = sim.AddCamera();
        using var client = sim.Client(device);

        await client.GetDeviceInfoAsync(Ct);
        Assert.Equal("Digest MD5", client.AuthenticationScheme);
        Assert.Equal(1, client.ChallengeRoundTrips);
        var sentAfterFirst = client.RequestsSent;
        Assert.Equal(2, sentAfterFirst); // unauthenticated probe + authorised request

        for (var i = 0; i < 25; i++) await client.GetStatusAsync(Ct);

        Assert.Equal(1, client.ChallengeRoundTrips);
        Assert.Equal(sentAfterFirst + 25, client.RequestsSent);
        Assert.Equal(0, device.FailedLogins);
    }

    [Fact]
    public async Task ConcurrentRequests_OnOneClient_AllSucceed_WithoutCountingAsFailures()
    {
        var device = sim.AddCamera();
        using var client = sim.Client(device);
        await client.CheckUserAsync(Ct);

        await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => client.GetStatusAsync(Ct)));

        Assert.Equal(0, device.FailedLogins);
        Assert.False(client.Lockout.CredentialRejected);
    }

    [Fact]
    public async Task ExpiredNonce_IsRenewedWithOneRetry_AndIsNoFailedLogin()
    {
        var device = sim.AddCamera();
        using var client = sim.Client(device);
        await client.GetDeviceInfoAsync(Ct);
        var before = client.RequestsSent;

        // The simulator's nonces live 300 simulated s, never less than 1 real s.
        await Task.Delay(TimeSpan.FromSeconds(2.3), Ct);
        var info = await client.GetDeviceInfoAsync(Ct);

        Assert.Equal(device.Serial, info.SerialNumber);
        Assert.Equal(2, client.ChallengeRoundTrips);          // the stale answer, then the retry
        Assert.Equal(before + 2, client.RequestsSent);
        Assert.Equal(0, device.FailedLogins);
        Assert.False(client.Lockout.CredentialRejected);
    }

    [Fact]
    public async Task WrongPassword_IsSentOnce_ThenHeldBackWithoutNetwork()
    {
        var device = sim.AddCamera();
        using var client = sim.Client(device, password: "Wrong#Pass123");

        var first = await Assert.ThrowsAsync<IsapiException>(() => client.GetDeviceInfoAsync(Ct));
        Assert.Equal(IsapiErrorKind.Unauthorized, first.Kind);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, first.HttpStatus);
        Assert.False(first.FailedFast);
        Assert.Equal(4, first.AttemptsLeft); // 5 allowed, 1 used (retryLoginTime)
        Assert.Equal(1, device.FailedLogins);
        var sent = client.RequestsSent;

        for (var i = 0; i < 3; i++)
        {
            var again = await Assert.ThrowsAsync<IsapiException>(() => client.GetStatusAsync(Ct));
            Assert.Equal(IsapiErrorKind.Unauthorized, again.Kind);
            Assert.True(again.FailedFast);
        }

        // Proof: nothing went on the wire and the device counted one failure only.
        Assert.Equal(sent, client.RequestsSent);
        Assert.Equal(1, device.FailedLogins);
        Assert.True(client.Lockout.CredentialRejected);
        Assert.Equal(4, client.Lockout.AttemptsLeft);

        client.UseCredentials(new IsapiCredentials("admin", SimulatorFixture.Password));
        var check = await client.CheckUserAsync(Ct);
        Assert.Equal(200, check.StatusValue);
        Assert.False(client.Lockout.CredentialRejected);
        Assert.Equal(0, device.FailedLogins);
    }

    [Fact]
    public async Task RejectedCredential_IsHeldBackAcrossClientsOfOneFactory()
    {
        var device = sim.AddCamera();
        var factory = new IsapiClientFactory(SimulatorFixture.Options);
        using (var first = sim.Client(device, "Wrong#Pass123", factory))
            await Assert.ThrowsAsync<IsapiException>(() => first.CheckUserAsync(Ct));

        using var second = sim.Client(device, "Wrong#Pass123", factory);
        var ex = await Assert.ThrowsAsync<IsapiException>(() => second.CheckUserAsync(Ct));

        Assert.True(ex.FailedFast);
        Assert.Equal(0, second.RequestsSent);
        Assert.Equal(1, device.FailedLogins);
        Assert.True(factory.Lockout.GetState(SimulatorFixture.EndpointOf(device), "admin").CredentialRejected);
    }

    [Fact]
    public async Task LockedDevice_AnswersLockedOut_EvenToTheRightPassword_AndTheGuardHoldsUntilUnlock()
    {
        var device = sim.AddCamera();
        var clock = new ManualClock();
        var factory = new IsapiClientFactory(Microsoft.Extensions.Options.Options.Create(SimulatorFixture.Options), new Security.IsapiLockoutGuard(clock));
        using var client = sim.Client(device, factory: factory);
        await client.CheckUserAsync(Ct);

        // Someone else (another tool, an attacker) exhausted the attempts: the device locks for 1800 simulated s (1.8 s real).
        var others = new IsapiClientFactory(SimulatorFixture.Options);
        for (var i = 0; i < 5; i++)
        {
            using var other = sim.Client(device, $"Guess#{i}Wrong!", others);
            await Assert.ThrowsAsync<IsapiException>(() => other.CheckUserAsync(Ct));
        }
        Assert.True(device.IsLocked);

        var locked = await Assert.ThrowsAsync<IsapiException>(() => client.CheckUserAsync(Ct));
        Assert.Equal(IsapiErrorKind.LockedOut, locked.Kind);
        Assert.NotNull(locked.UnlockAfter);
        Assert.InRange(locked.UnlockAfter!.Value.TotalSeconds, 1, 1800);
        Assert.Equal(0, locked.AttemptsLeft);
        Assert.True(client.Lockout.IsLocked(clock.GetUtcNow()));
        Assert.False(client.Lockout.CredentialRejected); // the right password is not marked bad by a lock

        var sent = client.RequestsSent;
        var held = await Assert.ThrowsAsync<IsapiException>(() => client.GetStatusAsync(Ct));
        Assert.Equal(IsapiErrorKind.LockedOut, held.Kind);
        Assert.True(held.FailedFast);
        Assert.Equal(sent, client.RequestsSent);

        // Once the device's unlockTime has passed (guard clock moved past it; the simulator unlocks after 1.8 s real)
        // the same credential goes out again and works.
        while (device.IsLocked) await Task.Delay(50, Ct);
        clock.Advance(locked.UnlockAfter.Value + TimeSpan.FromSeconds(1));
        Assert.Equal(200, (await client.CheckUserAsync(Ct)).StatusValue);
        Assert.False(client.Lockout.IsLocked(clock.GetUtcNow()));
    }

    [Fact]
    public async Task LockFault_IsReportedWithUnlockTime_AndNoCredentialIsBurned()
    {
        var device = sim.AddCamera();
        device.Faults.LockedOut = true;
        using var client = sim.Client(device);

        var ex = await Assert.ThrowsAsync<IsapiException>(() => client.GetDeviceInfoAsync(Ct));

        Assert.Equal(IsapiErrorKind.LockedOut, ex.Kind);
        Assert.Equal(TimeSpan.FromSeconds(1800), ex.UnlockAfter);
        Assert.False(client.Lockout.CredentialRejected); // the password may be right; only the lock is held
        Assert.True(client.Lockout.IsLocked(DateTimeOffset.UtcNow));
    }

    [Fact]
    public async Task Https_TrustOnFirstUse_ReportsTheFingerprint_AndAPinnedMatchWorks()
    {
        var device = sim.AddCamera(https: true);
        using var tofu = sim.Client(device, https: true);

        var info = await tofu.GetDeviceInfoAsync(Ct);

        Assert.Equal(device.Serial, info.SerialNumber);
        Assert.Equal(Convert.ToHexString(device.CertificateSha256!), tofu.ObservedCertificateSha256);

        var pin = string.Join(':', Convert.ToHexString(device.CertificateSha256!).Chunk(2).Select(c => new string(c))).ToLowerInvariant();
        using var pinned = sim.Client(device, https: true, pin: pin);
        Assert.Equal(device.Serial, (await pinned.GetDeviceInfoAsync(Ct)).SerialNumber);
    }

    [Fact]
    public async Task Https_ChangedCertificate_IsCertificateChanged_NeverASilentAccept()
    {
        var device = sim.AddCamera(https: true);
        var pin = Convert.ToHexString(device.CertificateSha256!);
        device.RegenerateCertificate();
        var now = Convert.ToHexString(device.CertificateSha256!);
        Assert.NotEqual(pin, now);

        using var client = sim.Client(device, https: true, pin: pin);
        var ex = await Assert.ThrowsAsync<IsapiException>(() => client.GetDeviceInfoAsync(Ct));

        Assert.Equal(IsapiErrorKind.CertificateChanged, ex.Kind);
        Assert.Equal(now, ex.ObservedCertificateSha256);
        Assert.Equal(0, device.FailedLogins);
    }

    [Fact]
    public async Task Https_CertificateChangingUnderAnOpenClient_IsCaughtOnTheNextConnection()
    {
        var device = sim.AddCamera(https: true);
        using var client = sim.Client(device, https: true);
        await client.GetDeviceInfoAsync(Ct);
        var first = client.ObservedCertificateSha256;

        device.RegenerateCertificate();
        await device.RebootAsync(); // drops the connection; the device comes back with the new certificate
        await SimulatorFixture.WaitOnlineAsync(device, Ct);

        var ex = await Assert.ThrowsAsync<IsapiException>(() => client.GetDeviceInfoAsync(Ct));
        Assert.Equal(IsapiErrorKind.CertificateChanged, ex.Kind);
        Assert.NotEqual(first, ex.ObservedCertificateSha256);
    }

    [Fact]
    public async Task LegacyFirmware_OffersBasicBesideDigest_DigestIsPreferred()
    {
        var device = sim.Fleet.AddDevice(new DeviceSpec { Model = DeviceCatalog.LegacyBullet.Model, Password = "12345" });
        using var client = sim.Client(device, password: device.AdminPassword);

        var info = await client.GetDeviceInfoAsync(Ct);

        Assert.Equal("DS-2CD2132F-IS", info.Model);
        Assert.Equal("http://www.hikvision.com/ver10/XMLSchema", info.Namespace);
        Assert.StartsWith("Digest", client.AuthenticationScheme, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(AuthenticationStyle.Digest, "Digest MD5")]
    [InlineData(AuthenticationStyle.DigestSha256, "Digest SHA-256")]
    [InlineData(AuthenticationStyle.BasicOnly, "Basic")]
    [InlineData(AuthenticationStyle.DigestAndBasicInOneHeader, "Digest MD5")]
    public async Task SchemeIsReadFromTheChallenge_StrongestOffered_BasicOnlyWhenAlone(AuthenticationStyle style, string expected)
    {
        var device = sim.Fleet.AddDevice(new DeviceSpec { Password = SimulatorFixture.Password, Authentication = style });
        using var client = sim.Client(device);

        for (var i = 0; i < 5; i++) Assert.Equal(device.Serial, (await client.GetDeviceInfoAsync(Ct)).SerialNumber);

        Assert.Equal(expected, client.AuthenticationScheme);
        Assert.Equal(1, client.ChallengeRoundTrips);
        Assert.Equal(6, client.RequestsSent);
        Assert.Equal(0, device.FailedLogins);
    }
}
