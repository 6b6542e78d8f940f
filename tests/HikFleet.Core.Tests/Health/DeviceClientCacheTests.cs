using System.Net;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Devices;
using HikFleet.Core.Health;
using HikFleet.Core.Vault;
using HikFleet.Isapi;
using HikFleet.Isapi.Security;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace HikFleet.Core.Tests.Health;

/// <summary>The per-camera client cache: one client per camera and credential, idle clients disposed, the scan throttled.</summary>
public sealed class DeviceClientCacheTests
{
    private static Camera NewCamera(string address) => new()
    {
        SiteId = Guid.NewGuid(), SerialNumber = "DS-CACHE-" + address, MacAddress = "02:00:00:00:00:01", Model = "DS-2CD2043G2-I",
        Address = IPAddress.Parse(address), Lifecycle = CameraLifecycle.Managed,
    };

    [Fact]
    public void Idle_clients_are_disposed_at_most_once_per_tenth_of_the_idle_lifetime()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var factory = new IsapiClientFactory(Options.Create(new IsapiOptions()), new IsapiLockoutGuard(time));
        using var cache = new DeviceClientCache(new DeviceAccess(factory, Options.Create(new DeviceAccessOptions()), time), time);
        var secret = new DeviceSecret(Guid.NewGuid(), "admin", "Secret-123");
        var a = NewCamera("127.0.0.2");
        var b = NewCamera("127.0.0.3");
        var clientA = cache.Get(a, secret);
        cache.Get(b, secret);
        // Same camera, endpoint and credential: the same client; another credential: a new one.
        Assert.Same(clientA, cache.Get(a, secret));
        Assert.Equal(2, cache.Count);

        var idle = TimeSpan.FromMinutes(30);
        Assert.Equal(0, cache.Prune(idle)); // nothing idle yet (and the scan ran)
        time.Advance(TimeSpan.FromMinutes(20));
        var secret2 = secret with { CredentialId = Guid.NewGuid() };
        var a2 = cache.Get(a, secret2); // a in use again (a new credential: a new client), b idle since 20 min
        time.Advance(TimeSpan.FromMinutes(11));
        Assert.Equal(1, cache.Prune(idle)); // b idle 31 min: disposed; a (11 min) kept
        Assert.Equal(1, cache.Count);
        Assert.Same(a2, cache.Get(a, secret2));

        // a is used now (t), the scan runs at t + 29.5 min (a not idle yet); at t + 31 min a is idle, but the next scan waits a
        // tenth of the lifetime (3 min) after the last, however often the sweeps ask; at t + 32.6 min it runs.
        time.Advance(TimeSpan.FromMinutes(29.5));
        Assert.Equal(0, cache.Prune(idle));
        time.Advance(TimeSpan.FromMinutes(1.5));
        Assert.Equal(0, cache.Prune(idle));
        Assert.Equal(1, cache.Count);
        time.Advance(TimeSpan.FromMinutes(1.6));
        Assert.Equal(1, cache.Prune(idle));
        Assert.Equal(0, cache.Count);
    }
}
