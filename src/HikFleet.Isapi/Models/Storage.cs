using System.Xml;
using System.Xml.Linq;
using HikFleet.Isapi.Xml;

namespace HikFleet.Isapi.Models;

/// <summary><c>GET /ISAPI/ContentMgmt/Storage</c> (§2.9).</summary>
/// <param name="Disks">HDDs and SD cards.</param>
/// <param name="NetworkStorage">NAS entries.</param>
/// <param name="WorkMode">group or quota.</param>
public sealed record StorageInfo(IReadOnlyList<StorageDisk> Disks, IReadOnlyList<StorageDisk> NetworkStorage, string? WorkMode)
{
    internal static StorageInfo FromXml(XElement x)
    {
        var hdds = x.Child("hddList")?.Children("hdd").Select(StorageDisk.FromXml).ToList() ?? [];
        var nas = x.Child("nasList")?.Children("nas").Select(StorageDisk.FromXml).ToList() ?? [];
        return new StorageInfo(hdds, nas, x.Text("workMode"));
    }

    /// <summary>Forward-only twin of <see cref="FromXml"/> (same result, see <see cref="IsapiXmlReader"/>).</summary>
    internal static StorageInfo ReadXml(XmlReader reader)
    {
        List<StorageDisk>? hdds = null, nas = null;
        string? workMode = null;
        var depth = reader.Depth;
        var seen = 0;
        if (!reader.IsEmptyElement)
        {
            while (IsapiXmlReader.NextChild(reader, depth))
            {
                switch (reader.LocalName)
                {
                    case "hddList": if (IsapiXmlReader.First(ref seen, 1 << 0)) hdds = ReadDisks(reader, "hdd"); break;
                    case "nasList": if (IsapiXmlReader.First(ref seen, 1 << 1)) nas = ReadDisks(reader, "nas"); break;
                    case "workMode": if (IsapiXmlReader.First(ref seen, 1 << 2)) workMode = IsapiXmlReader.Text(reader); break;
                }
            }
        }
        return new StorageInfo(hdds ?? [], nas ?? [], workMode);
    }

    private static List<StorageDisk> ReadDisks(XmlReader reader, string entry)
    {
        var disks = new List<StorageDisk>();
        if (reader.IsEmptyElement) return disks;
        var depth = reader.Depth;
        while (IsapiXmlReader.NextChild(reader, depth))
        {
            if (reader.LocalName == entry) disks.Add(StorageDisk.ReadXml(reader));
        }
        return disks;
    }
}

/// <summary>One disk, SD card or NAS (§2.9). Sizes in MB; <c>freeSpace</c> 0 on a healthy recorder disk is normal.</summary>
public sealed record StorageDisk(string? Id, string? Name, string? Type, string? Status, long? CapacityMb, long? FreeSpaceMb, string? Property)
{
    /// <summary>Anything but <c>ok</c> is worth surfacing.</summary>
    public bool IsHealthy => string.Equals(Status, "ok", StringComparison.OrdinalIgnoreCase);

    internal static StorageDisk FromXml(XElement x) => new(x.Text("id"), x.Text("hddName") ?? x.Text("path"),
        x.Text("hddType") ?? x.Text("nasType"), x.Text("status"), x.Long("capacity"), x.Long("freeSpace"), x.Text("property"));

    /// <summary>Forward-only twin of <see cref="FromXml"/>; the reader is on the entry and is left on its end.</summary>
    internal static StorageDisk ReadXml(XmlReader reader)
    {
        string? id = null, hddName = null, path = null, hddType = null, nasType = null, status = null, capacity = null, free = null, property = null;
        if (!reader.IsEmptyElement)
        {
            var depth = reader.Depth;
            var seen = 0;
            while (IsapiXmlReader.NextChild(reader, depth))
            {
                switch (reader.LocalName)
                {
                    case "id": if (IsapiXmlReader.First(ref seen, 1 << 0)) id = IsapiXmlReader.Text(reader); break;
                    case "hddName": if (IsapiXmlReader.First(ref seen, 1 << 1)) hddName = IsapiXmlReader.Text(reader); break;
                    case "path": if (IsapiXmlReader.First(ref seen, 1 << 2)) path = IsapiXmlReader.Text(reader); break;
                    case "hddType": if (IsapiXmlReader.First(ref seen, 1 << 3)) hddType = IsapiXmlReader.Text(reader); break;
                    case "nasType": if (IsapiXmlReader.First(ref seen, 1 << 4)) nasType = IsapiXmlReader.Text(reader); break;
                    case "status": if (IsapiXmlReader.First(ref seen, 1 << 5)) status = IsapiXmlReader.Text(reader); break;
                    case "capacity": if (IsapiXmlReader.First(ref seen, 1 << 6)) capacity = IsapiXmlReader.Text(reader); break;
                    case "freeSpace": if (IsapiXmlReader.First(ref seen, 1 << 7)) free = IsapiXmlReader.Text(reader); break;
                    case "property": if (IsapiXmlReader.First(ref seen, 1 << 8)) property = IsapiXmlReader.Text(reader); break;
                }
            }
        }
        return new(id, hddName ?? path, hddType ?? nasType, status, IsapiValues.ParseLong(capacity), IsapiValues.ParseLong(free), property);
    }
}

/// <summary>EZVIZ / Hik-Connect access (§2.11).</summary>
/// <param name="Enabled">Cloud access on.</param>
/// <param name="RegisterStatus">Registration state when reported.</param>
public sealed record CloudAccess(bool? Enabled, string? RegisterStatus)
{
    internal static CloudAccess FromXml(XElement x) => new(x.Bool("enabled"), x.Text("registerStatus"));
}

/// <summary>An NVR's IP channel (§2.12).</summary>
public sealed record InputProxyChannel(int Id, string? Name, string? IpAddress, string? Model, string? SerialNumber,
    string? FirmwareVersion, string? ConnMode, int? ManagePort)
{
    /// <summary>A camera on the NVR's built-in PoE switch.</summary>
    public bool IsPlugAndPlay => string.Equals(ConnMode, "plugplay", StringComparison.OrdinalIgnoreCase);

    internal static InputProxyChannel FromXml(XElement x)
    {
        var d = x.Child("sourceInputPortDescriptor");
        return new(x.Int("id") ?? 0, x.Text("name"), d?.Text("ipAddress"), d?.Text("model"), d?.Text("serialNumber"),
            d?.Text("firmwareVersion"), d?.Text("connMode"), d?.Int("managePortNo"));
    }
}

/// <summary><c>InputProxyChannelStatus</c> (§2.12).</summary>
public sealed record InputProxyChannelStatus(int Id, bool? Online)
{
    internal static InputProxyChannelStatus FromXml(XElement x) => new(x.Int("id") ?? 0, x.Bool("online"));
}

/// <summary><c>GET /ISAPI/System/upgradeStatus</c> (§2.7).</summary>
/// <param name="Upgrading">An upgrade is in progress.</param>
/// <param name="Percent">0–100.</param>
public sealed record UpgradeStatus(bool Upgrading, int? Percent)
{
    internal static UpgradeStatus FromXml(XElement x) => new(x.Bool("upgrading") ?? false, x.Int("percent"));
}
