using System.Xml.Linq;
using HikFleet.Isapi.Xml;

namespace HikFleet.Isapi.Models;

/// <summary><c>NetworkInterface/IPAddress</c> (§2.3). Null members are left out of a write (partial PUT).</summary>
public sealed record IpAddressSettings
{
    /// <summary>v4, v6 or dual.</summary>
    public string? IpVersion { get; init; }
    /// <summary>static, dynamic (DHCP) or apipa.</summary>
    public string? AddressingType { get; init; }
    /// <summary>IPv4 address.</summary>
    public string? IpAddress { get; init; }
    /// <summary>IPv4 mask.</summary>
    public string? SubnetMask { get; init; }
    /// <summary>Default gateway.</summary>
    public string? DefaultGateway { get; init; }
    /// <summary>Primary DNS.</summary>
    public string? PrimaryDns { get; init; }
    /// <summary>Secondary DNS.</summary>
    public string? SecondaryDns { get; init; }

    /// <summary>True for DHCP.</summary>
    public bool IsDhcp => string.Equals(AddressingType, "dynamic", StringComparison.OrdinalIgnoreCase);

    internal static IpAddressSettings FromXml(XElement x) => new()
    {
        IpVersion = x.Text("ipVersion"),
        AddressingType = x.Text("addressingType"),
        IpAddress = x.Text("ipAddress"),
        SubnetMask = x.Text("subnetMask"),
        DefaultGateway = x.Child("DefaultGateway")?.Text("ipAddress"),
        PrimaryDns = x.Child("PrimaryDNS")?.Text("ipAddress"),
        SecondaryDns = x.Child("SecondaryDNS")?.Text("ipAddress"),
    };
}

/// <summary>One <c>NetworkInterface</c> (§2.3).</summary>
/// <param name="Id">Interface id (1 on cameras).</param>
/// <param name="IpAddress">Its address block.</param>
/// <param name="MacAddress">Link MAC, normalised.</param>
/// <param name="Speed">Link speed as reported.</param>
/// <param name="Mtu">MTU.</param>
public sealed record NetworkInterfaceInfo(string? Id, IpAddressSettings? IpAddress, string? MacAddress, int? Speed, int? Mtu)
{
    internal static NetworkInterfaceInfo FromXml(XElement x)
    {
        var link = x.Child("Link");
        return new(x.Text("id"), x.Child("IPAddress") is { } ip ? IpAddressSettings.FromXml(ip) : null,
            DeviceInfo.NormalizeMac(link?.Text("MACAddress")), link?.Int("speed"), link?.Int("MTU"));
    }
}

/// <summary><c>/ISAPI/System/time</c> (§2.4).</summary>
public sealed record TimeSettings
{
    /// <summary>NTP or manual.</summary>
    public string? TimeMode { get; init; }
    /// <summary>Device-local time.</summary>
    public DateTimeOffset? LocalTime { get; init; }
    /// <summary>The raw local time text (device clocks may be unset: 1970).</summary>
    public string? LocalTimeText { get; init; }
    /// <summary>POSIX-style zone, sign inverted: <c>CST-8:00:00</c> is UTC+8.</summary>
    public string? TimeZone { get; init; }

    /// <summary>The UTC offset meant by <see cref="TimeZone"/> (DST part ignored).</summary>
    public TimeSpan? UtcOffset => PosixTimeZone.ParseOffset(TimeZone);

    internal static TimeSettings FromXml(XElement x) => new()
    {
        TimeMode = x.Text("timeMode"),
        LocalTimeText = x.Text("localTime"),
        LocalTime = x.Time("localTime"),
        TimeZone = x.Text("timeZone"),
    };
}

/// <summary>Hikvision's POSIX time-zone strings (§2.4): <c>CST-8:00:00</c> means UTC+8, the label means nothing.</summary>
public static class PosixTimeZone
{
    /// <summary>The UTC offset of a zone string, or null.</summary>
    public static TimeSpan? ParseOffset(string? zone)
    {
        if (string.IsNullOrWhiteSpace(zone)) return null;
        var m = System.Text.RegularExpressions.Regex.Match(zone, @"^[A-Za-z]*([+-]?)(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?");
        if (!m.Success) return null;
        var offset = new TimeSpan(int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture),
            m.Groups[3].Success ? int.Parse(m.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture) : 0,
            m.Groups[4].Success ? int.Parse(m.Groups[4].Value, System.Globalization.CultureInfo.InvariantCulture) : 0);
        return m.Groups[1].Value == "-" ? offset : -offset;
    }

    /// <summary>Formats an offset the device's way: UTC+8 → <c>CST-8:00:00</c>.</summary>
    public static string Format(TimeSpan utcOffset)
    {
        var sign = utcOffset > TimeSpan.Zero ? "-" : "+"; // UTC itself is written CST+0:00:00 (§2.4)
        var abs = utcOffset.Duration();
        return $"CST{sign}{(int)abs.TotalHours}:{abs.Minutes:D2}:{abs.Seconds:D2}";
    }
}

/// <summary><c>/ISAPI/System/time/ntpServers/&lt;id&gt;</c> (§2.4). Null members are left out of a write.</summary>
public sealed record NtpServer
{
    /// <summary>Server id (1-based).</summary>
    public int Id { get; init; } = 1;
    /// <summary>hostname or ipaddress.</summary>
    public string? AddressingFormatType { get; init; }
    /// <summary>Host name.</summary>
    public string? HostName { get; init; }
    /// <summary>IP address.</summary>
    public string? IpAddress { get; init; }
    /// <summary>Port (123).</summary>
    public int? PortNo { get; init; }
    /// <summary>Sync interval in minutes.</summary>
    public int? SynchronizeIntervalMinutes { get; init; }

    internal static NtpServer FromXml(XElement x) => new()
    {
        Id = x.Int("id") ?? 1,
        AddressingFormatType = x.Text("addressingFormatType"),
        HostName = x.Text("hostName"),
        IpAddress = x.Text("ipAddress"),
        PortNo = x.Int("portNo"),
        SynchronizeIntervalMinutes = x.Int("synchronizeInterval"),
    };
}
