using System.Net;
using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;

namespace HikFleet.Testing;

/// <summary>Small inventory fixtures: a tenant with a site, cameras with given identities.</summary>
public static class TestFleet
{
    /// <summary>Creates a tenant and one site (subnet 127.0.0.0/8 unless given) and returns the site (with its tenant).</summary>
    public static async Task<Site> CreateSiteAsync(FleetDbContext db, string? name = null, params string[] subnets)
    {
        var tenant = new Tenant { Name = $"tenant-{Guid.NewGuid():N}"[..20] };
        var site = new Site
        {
            Tenant = tenant, Name = name ?? $"site-{Guid.NewGuid():N}"[..18], TimeZone = "Europe/Berlin",
            Subnets = (subnets.Length == 0 ? ["127.0.0.0/8"] : subnets).Select(IPNetwork.Parse).ToList(),
        };
        db.Sites.Add(site);
        await db.SaveChangesAsync();
        return site;
    }

    /// <summary>A managed camera row of a site (identity made up unless given).</summary>
    public static Camera NewCamera(Guid siteId, string? serial = null, string? mac = null, string? address = null, int port = 80) => new()
    {
        SiteId = siteId,
        SerialNumber = serial ?? $"DS-TEST{Random.Shared.Next(100000000, 999999999)}",
        MacAddress = mac ?? string.Join(':', Enumerable.Range(0, 6).Select(i => i == 0 ? "44" : Random.Shared.Next(0, 256).ToString("x2"))),
        Model = "DS-2CD2143G2-I",
        Address = address is null ? null : IPAddress.Parse(address),
        HttpPort = port,
        Lifecycle = CameraLifecycle.Managed,
    };
}
