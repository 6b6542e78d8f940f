using System.Net;
using HikFleet.Core.Data.Entities;
using HikFleet.Isapi.Models;
using HikFleet.Sadp;

namespace HikFleet.Core.Discovery;

/// <summary>
/// One device as a scan saw it, before reconciliation. Identity (MAC, serial) is known for SADP answers and for devices the probe
/// could read deviceInfo from; a probed device HikFleet may not log in to has only an address.
/// </summary>
public sealed record DeviceObservation
{
    public required SightingSource Source { get; init; }
    public string? Mac { get; init; }
    public string? Serial { get; init; }
    public string? Model { get; init; }
    public IPAddress? Address { get; init; }
    public int? HttpPort { get; init; }
    public string? FirmwareVersion { get; init; }
    public string? FirmwareBuild { get; init; }
    public bool? Activated { get; init; }
    /// <summary>A known camera answers at this address but its identity could not be read (no usable credential): it is not missing.</summary>
    public Guid? UnverifiedCameraId { get; init; }
    public string? Detail { get; init; }
    public DateTimeOffset SeenAt { get; init; }

    /// <summary>Firmware text as a sighting shows it (<c>V5.6.2 build 190701</c>).</summary>
    public string? FirmwareText => FirmwareVersion is null ? null : FirmwareBuild is null ? FirmwareVersion : $"{FirmwareVersion} {FirmwareBuild}";

    internal static DeviceObservation FromSadp(SadpSighting s)
    {
        // SADP writes "V5.6.2build 190701" (§4.3, §5 item 9): normalise to the deviceInfo form.
        var firmware = Isapi.Models.FirmwareVersion.Parse(s.Message.SoftwareVersion);
        return new DeviceObservation
        {
            Source = SightingSource.Sadp,
            Mac = MacAddresses.TryNormalize(s.Mac, out var mac) ? mac : null,
            Serial = Clean(s.Serial, 64),
            Model = Clean(s.Model, 64),
            Address = s.Address,
            HttpPort = s.Message.HttpPort is > 0 and <= 65535 ? s.Message.HttpPort : null,
            FirmwareVersion = firmware is { } f ? $"V{f.Major}.{f.Minor}.{f.Patch}" : null,
            FirmwareBuild = firmware?.Build is { } b ? $"build {b:D6}" : null,
            Activated = s.Activated,
            SeenAt = s.SeenAt,
        };
    }

    internal static DeviceObservation FromDeviceInfo(DeviceInfo info, IPAddress address, int port, DateTimeOffset now) => new()
    {
        Source = SightingSource.IsapiProbe,
        Mac = MacAddresses.TryNormalize(info.MacAddress, out var mac) ? mac : null,
        Serial = Clean(info.SerialNumber, 64),
        Model = Clean(info.Model, 64),
        Address = address,
        HttpPort = port,
        FirmwareVersion = info.Firmware is { } f ? $"V{f.Major}.{f.Minor}.{f.Patch}" : Clean(info.FirmwareVersion, 32),
        FirmwareBuild = info.Firmware?.Build is { } b ? $"build {b:D6}" : Clean(info.FirmwareReleasedDate, 32),
        Activated = true,
        SeenAt = now,
    };

    /// <summary>Device text is hostile input: trimmed, control characters dropped, bounded.</summary>
    internal static string? Clean(string? text, int max)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var cleaned = new string(text.Trim().Where(c => !char.IsControl(c)).ToArray());
        return cleaned.Length == 0 ? null : cleaned.Length <= max ? cleaned : cleaned[..max];
    }
}
