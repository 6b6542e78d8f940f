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
    /// <summary>Initial faults.</summary>
    public DeviceFaults? Faults { get; set; }
}
