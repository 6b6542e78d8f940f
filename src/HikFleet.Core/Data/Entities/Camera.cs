using System.Net;

namespace HikFleet.Core.Data.Entities;

/// <summary>
/// A camera (or NVR) of a site. Identified by serial number and MAC, never by IP: addresses change
/// (DHCP, a factory reset to 192.168.1.64), hardware identity does not.
/// </summary>
public sealed class Camera
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid SiteId { get; set; }
    public Site? Site { get; set; }

    public required string SerialNumber { get; set; }
    /// <summary>Normalised as <c>aa:bb:cc:dd:ee:ff</c> (see <see cref="MacAddresses"/>).</summary>
    public required string MacAddress { get; set; }
    public required string Model { get; set; }
    public string? FirmwareVersion { get; set; }
    public string? FirmwareBuild { get; set; }

    public IPAddress? Address { get; set; }
    public int HttpPort { get; set; } = 80;
    public string? Name { get; set; }

    public CameraLifecycle Lifecycle { get; set; } = CameraLifecycle.Discovered;
    public HealthState Health { get; set; } = HealthState.Unknown;

    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
    public DateTimeOffset UpdatedAt { get; set; } = DateTimeOffset.UtcNow;
    public DateTimeOffset? LastSeenAt { get; set; }

    public uint Version { get; set; }
}

/// <summary>Where a camera is in its life with HikFleet.</summary>
public enum CameraLifecycle
{
    /// <summary>Seen by discovery, waiting for an operator to adopt it.</summary>
    Discovered,
    /// <summary>Adopted: HikFleet holds its credentials and watches it.</summary>
    Managed,
    /// <summary>Seen, but deliberately not managed (someone else's device on the LAN).</summary>
    Ignored,
    /// <summary>Taken out of service; kept for history and audit.</summary>
    Retired,
}

/// <summary>The current health verdict of a camera, worst finding wins.</summary>
public enum HealthState
{
    Unknown,
    Healthy,
    Degraded,
    Unreachable,
    LockedOut,
    NotActivated,
}
