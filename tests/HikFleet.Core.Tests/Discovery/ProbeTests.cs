using System.Net;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Discovery;
using HikFleet.Simulator;
using HikFleet.Testing;
using Microsoft.EntityFrameworkCore;

namespace HikFleet.Core.Tests.Discovery;

/// <summary>
/// The ISAPI probe of a site's declared ranges (devices SADP cannot reach: the simulator's SADP is off here). It identifies devices
/// without guessing passwords and never costs a camera more than one failed login per lockout window.
/// </summary>
public sealed class ProbeTests : IAsyncLifetime
{
    private readonly MigratedDatabase _database = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => _database.InitializeAsync();

    public ValueTask DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task The_probe_identifies_known_cameras_lists_unknown_ones_and_never_guesses()
    {
        // One HTTP port for the whole fleet (each device has its own 127.x.y.z, so the port is free on all of them): the probe port.
        var port = InventoryWorld.FreeTcpPort();
        await using var world = await InventoryWorld.StartAsync(_database, Ct, sadp: false, configure: o => o.HttpPort = port);
        var known = world.Fleet.AddDevice(new DeviceSpec { Password = "Vault-Pass-11" });
        var stranger = world.Fleet.AddDevice(new DeviceSpec { Password = "Unknown-Pass-2" });
        var inactive = world.Fleet.AddDevice(new DeviceSpec { Activated = false });
        var wrong = world.Fleet.AddDevice(new DeviceSpec { Password = "Real-Pass-33" });
        var legacy = world.Fleet.AddDevice(new DeviceSpec { Model = DeviceCatalog.LegacyBullet.Model });
        Assert.All(world.Fleet.Devices, d => Assert.Equal(port, d.HttpPort));
        var site = await world.SiteAsync(s =>
        {
            s.ProbeRanges = [$"{world.Address(1)}-{world.Address(40)}", "not a range"];
            s.ProbePort = port;
        });
        var knownCamera = await world.ManagedAsync(site, known, password: "Vault-Pass-11");
        var wrongCamera = await world.ManagedAsync(site, wrong, password: "Stale-Pass-44");

        var run = await world.Discovery.RunSiteAsync(site.Id, "test", Ct);

        Assert.Equal(DiscoveryRunStatus.Succeeded, run.Status);
        Assert.Contains("not a range", run.Error);
        await using var db = world.Db();
        var sightings = await db.DiscoverySightings.AsNoTracking().Where(s => s.RunId == run.Id).ToListAsync(Ct);
        Assert.Equal(5, sightings.Count);
        Assert.All(sightings, s => Assert.Equal(SightingSource.IsapiProbe, s.Source));

        var identified = sightings.Single(s => Equals(s.Address, known.Address));
        Assert.Equal(SightingOutcome.Known, identified.Outcome);
        Assert.Equal(knownCamera.Id, identified.CameraId);
        Assert.Equal(known.Serial, identified.SerialNumber);

        var unknown = sightings.Single(s => Equals(s.Address, stranger.Address));
        Assert.Equal(SightingOutcome.New, unknown.Outcome);
        Assert.Null(unknown.MacAddress);
        Assert.Contains("Needs credentials", unknown.Detail);
        Assert.Contains(stranger.Realm, unknown.Detail);
        Assert.Equal(0, stranger.FailedLogins);

        var fresh = sightings.Single(s => Equals(s.Address, inactive.Address));
        Assert.False(fresh.Activated);
        Assert.Null(fresh.MacAddress);

        Assert.Equal(0, legacy.FailedLogins);
        Assert.Contains(sightings, s => Equals(s.Address, legacy.Address));

        // The stale vault password was sent once; the camera answered there, so it is not missing.
        var unverified = sightings.Single(s => Equals(s.Address, wrong.Address));
        Assert.Equal(wrongCamera.Id, unverified.CameraId);
        Assert.Contains("identity not verified", unverified.Detail);
        Assert.Equal(1, wrong.FailedLogins);
        var row = await db.Cameras.AsNoTracking().SingleAsync(c => c.Id == wrongCamera.Id, Ct);
        Assert.Equal(0, row.MissedDiscoveryRuns);
        Assert.NotNull(row.AuthRejectedCredentialId);

        // Runs every few minutes for the rest of the lockout window add no failed login (the guard is persisted on the row).
        for (var i = 0; i < 3; i++)
        {
            var again = await world.Discovery.RunSiteAsync(site.Id, "test", Ct);
            Assert.Equal(DiscoveryRunStatus.Succeeded, again.Status);
        }

        Assert.Equal(1, wrong.FailedLogins);
        Assert.False(wrong.IsLocked);
        Assert.Equal(0, stranger.FailedLogins);
        Assert.DoesNotContain("Vault-Pass-11", await world.EverythingWrittenAsync());
        Assert.DoesNotContain("Stale-Pass-44", await world.EverythingWrittenAsync());
    }

    [Fact]
    public void Probe_ranges_parse_cidr_and_first_last_forms_and_are_bounded()
    {
        Assert.True(ProbeRanges.TryParse("10.1.20.0/30", out var first, out var last, out _));
        Assert.Equal(2u, last - first + 1); // hosts only
        Assert.True(ProbeRanges.TryParse("10.1.20.10-40", out first, out last, out _));
        Assert.Equal(31u, last - first + 1);
        Assert.True(ProbeRanges.TryParse("10.1.20.10 - 10.1.21.9", out first, out last, out _));
        Assert.Equal(256u, last - first + 1);
        Assert.False(ProbeRanges.TryParse("10.1.20.40-10", out _, out _, out var error));
        Assert.Contains("ends before", error);
        Assert.False(ProbeRanges.TryParse("fe80::/64", out _, out _, out _));
        Assert.False(ProbeRanges.TryParse("", out _, out _, out _));

        var expanded = ProbeRanges.Expand(["10.0.0.0/8", "10.0.0.1"], 4096, out var problems);
        Assert.Equal(4096, expanded.Count);
        Assert.Equal(IPAddress.Parse("10.0.0.1"), expanded[0]);
        Assert.Contains(problems, p => p.Contains("were not probed"));
    }
}
