using System.Net;

namespace HikFleet.Core.Data.Entities;

/// <summary>A physical location of a tenant: one LAN (or a few), one time zone, one NTP source.</summary>
public sealed class Site
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid TenantId { get; set; }
    public Tenant? Tenant { get; set; }
    public required string Name { get; set; }

    /// <summary>IANA time zone id (e.g. <c>Europe/Berlin</c>); converted to Hikvision's POSIX form when pushed to devices.</summary>
    public required string TimeZone { get; set; }

    /// <summary>The subnets the site's cameras live in; discovery never scans outside them.</summary>
    public List<IPNetwork> Subnets { get; set; } = [];

    /// <summary>Host name or address of the NTP server cameras of this site should use.</summary>
    public string? NtpServer { get; set; }

    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
    public DateTimeOffset UpdatedAt { get; set; } = DateTimeOffset.UtcNow;

    /// <summary>PostgreSQL <c>xmin</c>: two people editing one site never silently overwrite each other.</summary>
    public uint Version { get; set; }

    public List<Camera> Cameras { get; set; } = [];
}
