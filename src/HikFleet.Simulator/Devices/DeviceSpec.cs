using System.Net;

namespace HikFleet.Simulator;

/// <summary>What a test or scenario wants a device to be. Every null member is generated from the fleet seed.</summary>
public sealed class DeviceSpec
{
    /// <summary>Model string from <see cref="DeviceCatalog"/> (default: the 4K turret).</summary>
    public string? Model { get; set; }
    /// <summary>Firmware version, e.g. "V5.4.0" (default: the model's).</summary>
    public string? FirmwareVersion { get; set; }
    /// <summary>Firmware build, e.g. "build 160530".</summary>
    public string? FirmwareBuild { get; set; }
    /// <summary>Full serial number.</summary>
    public string? Serial { get; set; }
    /// <summary>MAC as aa:bb:cc:dd:ee:ff.</summary>
    public string? Mac { get; set; }
    /// <summary>Device name (deviceName).</summary>
    public string? Name { get; set; }
    /// <summary>Site label.</summary>
    public string? Site { get; set; }
    /// <summary>Address; default: the next free fleet address.</summary>
    public IPAddress? Address { get; set; }
    /// <summary>Admin password (ignored when <see cref="Activated"/> is false).</summary>
    public string? Password { get; set; }
    /// <summary>False = factory-fresh, inactive (§3.1).</summary>
    public bool Activated { get; set; } = true;
    /// <summary>HTTP port; null = the fleet option.</summary>
    public int? HttpPort { get; set; }
    /// <summary>Serve HTTPS; null = the fleet option.</summary>
    public bool? Https { get; set; }
    /// <summary>Initial uptime in simulated seconds; null = a few days, seeded.</summary>
    public double? UptimeSeconds { get; set; }
    /// <summary>Which HTTP authentication the device offers (default: Digest MD5; the legacy model adds Basic).</summary>
    public AuthenticationStyle? Authentication { get; set; }
    /// <summary>EZVIZ / Hik-Connect on (§2.11); null = the fleet's seeded choice.</summary>
    public bool? CloudEnabled { get; set; }
    /// <summary>Illegal-login lock on (§1.5); null = on (factory default).</summary>
    public bool? LoginLockEnabled { get; set; }
    /// <summary>The HTTPS entry of adminAccesses enabled (§1.1); null = on (factory default). The setting only, see <see cref="Https"/>.</summary>
    public bool? HttpsAccessEnabled { get; set; }
    /// <summary>timeMode NTP or manual (§2.4); null = NTP.</summary>
    public string? TimeMode { get; set; }
    /// <summary>Initial faults.</summary>
    public DeviceFaults? Faults { get; set; }
}

/// <summary>The WWW-Authenticate variants seen on real devices (§1.2).</summary>
public enum AuthenticationStyle
{
    /// <summary>Digest MD5 challenge (SHA-256 still accepted on current firmware); legacy firmware adds a separate Basic header.</summary>
    Digest,
    /// <summary>Newer firmware set to SHA-256: a Digest challenge with algorithm=SHA-256, then one with algorithm=MD5.</summary>
    DigestSha256,
    /// <summary>Web authentication set to "basic": only Basic is offered and accepted.</summary>
    BasicOnly,
    /// <summary>Older builds: one header offering both, <c>Digest …, Basic realm="…"</c>; both are accepted.</summary>
    DigestAndBasicInOneHeader,
}
