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
    /// <summary>Talk ISAPI over HTTPS on <see cref="HttpsPort"/> (certificate pinned on first use in <see cref="CertificatePin"/>).</summary>
    public bool UseHttps { get; set; }
    public int HttpsPort { get; set; } = 443;
    /// <summary>SHA-256 of the device certificate seen first (trust on first use); a different one is refused.</summary>
    public string? CertificatePin { get; set; }

    /// <summary>The name people gave it in HikFleet.</summary>
    public string? Name { get; set; }
    /// <summary>The device's own name (deviceName), as it reported it: hostile input, rendered escaped.</summary>
    public string? DeviceName { get; set; }
    /// <summary>What the device (SADP or ISAPI) last said about its activation; null = not known yet.</summary>
    public bool? Activated { get; set; }

    public CameraLifecycle Lifecycle { get; set; } = CameraLifecycle.Discovered;

    // ---- Current health, kept on the row so lists and the dashboard never aggregate samples ----
    public HealthState Health { get; set; } = HealthState.Unknown;
    /// <summary>One line for lists: the worst finding's summary, or why the check could not run.</summary>
    public string? HealthSummary { get; set; }
    public DateTimeOffset? HealthCheckedAt { get; set; }
    /// <summary>When the hardening settings (cloud, login lock, admin accesses) were last read; they are read every
    /// <c>HealthOptions.HardeningInterval</c>, and the findings of that read are kept in between.</summary>
    public DateTimeOffset? HardeningCheckedAt { get; set; }
    /// <summary>When <see cref="Health"/> last changed (after flap suppression).</summary>
    public DateTimeOffset? HealthChangedAt { get; set; }
    /// <summary>Flap suppression: a state observed but not yet confirmed by enough consecutive checks.</summary>
    public HealthState? PendingHealth { get; set; }
    public int PendingHealthCount { get; set; }
    /// <summary>Codes of the open findings (mirrors <see cref="CameraFinding"/> rows) for fast filtering.</summary>
    public List<string> FindingCodes { get; set; } = [];
    public int? LatencyMs { get; set; }
    public long? UptimeSeconds { get; set; }
    /// <summary>Boot time derived from the last uptime; a later boot time means the camera restarted.</summary>
    public DateTimeOffset? BootedAt { get; set; }

    // ---- Lockout guard, persisted: survives restarts and is shared by every node (never lock a camera out) ----
    /// <summary>When the device last rejected the credential <see cref="AuthRejectedCredentialId"/>.</summary>
    public DateTimeOffset? AuthRejectedAt { get; set; }
    /// <summary>The vault credential the device rejected; it is not sent again until the vault holds another one.</summary>
    public Guid? AuthRejectedCredentialId { get; set; }
    /// <summary>Failed logins the device still allows, as it last said (retryLoginTime).</summary>
    public int? AuthAttemptsLeft { get; set; }
    /// <summary>The device said it is locked until then; nothing is sent to it before.</summary>
    public DateTimeOffset? LockedUntil { get; set; }

    // ---- Discovery ----
    /// <summary>Consecutive discovery runs of its site that did not see it (missing after the site's threshold).</summary>
    public int MissedDiscoveryRuns { get; set; }

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

/// <summary>The current health verdict of a camera: the worst finding wins.</summary>
public enum HealthState
{
    /// <summary>Not checked yet (or the check could not decide).</summary>
    Unknown,
    Healthy,
    /// <summary>Works, with findings that need attention soon (clock drift, old firmware, default password...).</summary>
    Warning,
    /// <summary>Works badly or is at risk now (reboot loop, storage error, black image, vulnerable firmware...).</summary>
    Critical,
    /// <summary>Does not answer.</summary>
    Offline,
    /// <summary>Answers, but the vault's credential is rejected (or missing): a person must supply the right one.</summary>
    Unauthorized,
    /// <summary>The device's illegal-login lock is engaged; HikFleet waits it out without sending anything.</summary>
    Locked,
    /// <summary>Answers, not activated (factory state): a reset camera or a new one.</summary>
    Inactive,
}
