using System.Xml.Linq;
using HikFleet.Isapi.Xml;

namespace HikFleet.Isapi.Models;

/// <summary><c>GET /ISAPI/System/deviceInfo</c> (§2.1).</summary>
public sealed record DeviceInfo
{
    /// <summary>User-given name.</summary>
    public string? DeviceName { get; init; }
    /// <summary>Device UUID.</summary>
    public string? DeviceId { get; init; }
    /// <summary>Model, e.g. DS-2CD2386G2-IU.</summary>
    public string? Model { get; init; }
    /// <summary>Full serial number (the fleet identity, with the MAC).</summary>
    public string? SerialNumber { get; init; }
    /// <summary>MAC normalised to <c>aa:bb:cc:dd:ee:ff</c>.</summary>
    public string? MacAddress { get; init; }
    /// <summary>As sent, e.g. <c>V5.7.18</c>.</summary>
    public string? FirmwareVersion { get; init; }
    /// <summary>As sent, e.g. <c>build 240826</c>.</summary>
    public string? FirmwareReleasedDate { get; init; }
    /// <summary>Normalised firmware identity (version + build date).</summary>
    public FirmwareVersion? Firmware { get; init; }
    /// <summary>IPCamera, IPDome, NVR, DVR, …</summary>
    public string? DeviceType { get; init; }
    /// <summary>Hardware version.</summary>
    public string? HardwareVersion { get; init; }
    /// <summary>Encoder version.</summary>
    public string? EncoderVersion { get; init; }
    /// <summary>Location text.</summary>
    public string? DeviceLocation { get; init; }
    /// <summary>Manufacturer (OEM builds).</summary>
    public string? Manufacturer { get; init; }
    /// <summary>The XML namespace the device answered in (ver10, ver20, isapi.org).</summary>
    public string? Namespace { get; init; }

    /// <summary>True for recorders (NVR/DVR/HybirdNVR/CVR).</summary>
    public bool IsRecorder => DeviceType is { } t && (t.Contains("NVR", StringComparison.OrdinalIgnoreCase) ||
        t.Contains("DVR", StringComparison.OrdinalIgnoreCase) || t.Equals("CVR", StringComparison.OrdinalIgnoreCase));

    internal static DeviceInfo FromXml(XElement x) => new()
    {
        DeviceName = x.Text("deviceName"),
        DeviceId = x.Text("deviceID"),
        Model = x.Text("model"),
        SerialNumber = x.Text("serialNumber"),
        MacAddress = NormalizeMac(x.Text("macAddress")),
        FirmwareVersion = x.Text("firmwareVersion"),
        FirmwareReleasedDate = x.Text("firmwareReleasedDate"),
        Firmware = Models.FirmwareVersion.Parse(x.Text("firmwareVersion"), x.Text("firmwareReleasedDate")),
        DeviceType = x.Text("deviceType"),
        HardwareVersion = x.Text("hardwareVersion"),
        EncoderVersion = x.Text("encoderVersion"),
        DeviceLocation = x.Text("deviceLocation"),
        Manufacturer = x.Text("manufacturer"),
        Namespace = x.Name.NamespaceName,
    };

    /// <summary>Normalises <c>58-50-ED-1F-E3-85</c> or <c>5850ed1fe385</c> to <c>58:50:ed:1f:e3:85</c>.</summary>
    public static string? NormalizeMac(string? mac)
    {
        if (string.IsNullOrWhiteSpace(mac)) return null;
        Span<char> hex = stackalloc char[12];
        var n = 0;
        foreach (var c in mac)
        {
            if (char.IsAsciiHexDigit(c))
            {
                if (n == 12) return mac.Trim();
                hex[n++] = char.ToLowerInvariant(c);
            }
        }
        if (n != 12) return mac.Trim();
        return string.Create(17, hex.ToArray(), static (dst, src) =>
        {
            for (int i = 0, j = 0; i < 12; i += 2)
            {
                if (i > 0) dst[j++] = ':';
                dst[j++] = src[i];
                dst[j++] = src[i + 1];
            }
        });
    }
}

/// <summary><c>GET /ISAPI/System/status</c> (§2.1).</summary>
public sealed record DeviceStatus
{
    /// <summary>The device clock (1970 when it was never set).</summary>
    public DateTimeOffset? CurrentDeviceTime { get; init; }
    /// <summary>Time since boot: seconds, or a localised string parsed leniently.</summary>
    public TimeSpan? Uptime { get; init; }
    /// <summary>The raw uptime text, for diagnosing an unparsed form.</summary>
    public string? UptimeText { get; init; }
    /// <summary>Highest CPU utilisation in percent (may be fractional).</summary>
    public double? CpuUtilization { get; init; }
    /// <summary>All CPUs.</summary>
    public IReadOnlyList<double> Cpus { get; init; } = [];
    /// <summary>Memory entries; units vary by device (KB on IPC, MB on NVR, sometimes %), so they are kept raw.</summary>
    public IReadOnlyList<MemoryStatus> Memory { get; init; } = [];
    /// <summary>used/(used+available) of the first memory entry when both are present; otherwise unknown.</summary>
    public double? MemoryUsagePercent { get; init; }
    /// <summary>Boot time when reported.</summary>
    public DateTimeOffset? BootTime { get; init; }
    /// <summary>Total reboots when reported.</summary>
    public int? TotalRebootCount { get; init; }
    /// <summary>Network port link speeds (Mbps) when reported.</summary>
    public IReadOnlyList<NetPortStatus> NetPorts { get; init; } = [];

    internal static DeviceStatus FromXml(XElement x)
    {
        var cpus = new List<double>();
        if (x.Child("CPUList") is { } cpuList)
        {
            foreach (var cpu in cpuList.Children("CPU"))
                if (cpu.Double("cpuUtilization") is { } u) cpus.Add(u);
        }
        var memory = new List<MemoryStatus>();
        if (x.Child("MemoryList") is { } memList)
        {
            foreach (var m in memList.Children("Memory"))
                memory.Add(new MemoryStatus(m.Text("memoryDescription"), m.Double("memoryUsage"), m.Double("memoryAvailable"), m.Double("cacheSize")));
        }
        var ports = new List<NetPortStatus>();
        if (x.Child("NetPortStatusList") is { } portList)
        {
            foreach (var p in portList.Children("NetPortStatus"))
                ports.Add(new NetPortStatus(p.Text("id"), p.Int("workSpeed")));
        }
        double? memPct = null;
        if (memory.Count > 0 && memory[0] is { Usage: { } used, Available: { } avail } && used + avail > 0)
            memPct = 100.0 * used / (used + avail);
        var uptimeText = x.Text("deviceUpTime");
        var uptime = IsapiValues.ParseUptime(uptimeText);
        var current = x.Time("currentDeviceTime");
        var boot = x.Time("bootTime");
        if (uptime is null && boot is { } b && current is { } c && c >= b) uptime = c - b;
        return new DeviceStatus
        {
            CurrentDeviceTime = current,
            Uptime = uptime,
            UptimeText = uptimeText,
            Cpus = cpus,
            CpuUtilization = cpus.Count > 0 ? cpus.Max() : null,
            Memory = memory,
            MemoryUsagePercent = memPct,
            BootTime = boot,
            TotalRebootCount = x.Int("totalRebootCount"),
            NetPorts = ports,
        };
    }
}

/// <summary>One memory entry of <c>status</c>, raw units.</summary>
public sealed record MemoryStatus(string? Description, double? Usage, double? Available, double? CacheSize);

/// <summary>One network port of <c>status</c>.</summary>
public sealed record NetPortStatus(string? Id, int? WorkSpeedMbps);

/// <summary>Selected flags of <c>GET /ISAPI/System/capabilities</c> (§2.1).</summary>
public sealed record DeviceCapabilities
{
    /// <summary>Analog video inputs.</summary>
    public int? VideoInputPortNums { get; init; }
    /// <summary>IP channels (&gt; 0 means an NVR).</summary>
    public int? InputProxyNums { get; init; }
    /// <summary>Alarm inputs.</summary>
    public int? IoInputPortNums { get; init; }
    /// <summary>Alarm outputs.</summary>
    public int? IoOutputPortNums { get; init; }
    /// <summary>HTTPS supported.</summary>
    public bool? SupportsHttps { get; init; }
    /// <summary>EZVIZ/Hik-Connect supported.</summary>
    public bool? SupportsEzviz { get; init; }
    /// <summary>userCheck supported.</summary>
    public bool? SupportsUserCheck { get; init; }
    /// <summary>Config file import supported.</summary>
    public bool? SupportsConfigFileImport { get; init; }
    /// <summary>Config file export supported.</summary>
    public bool? SupportsConfigFileExport { get; init; }
    /// <summary>Services whose change needs a reboot (<c>RebootConfigurationCap</c>).</summary>
    public IReadOnlyList<string> RebootRequiredFor { get; init; } = [];

    /// <summary>True when the device has IP channels.</summary>
    public bool IsNvr => InputProxyNums > 0;

    internal static DeviceCapabilities FromXml(XElement x)
    {
        var reboot = x.Descendant("RebootConfigurationCap")?.Elements()
            .Where(e => IsapiValues.ParseBool(e.Value) == true).Select(e => e.Name.LocalName).ToArray() ?? [];
        var sec = x.Child("SecurityCap");
        return new DeviceCapabilities
        {
            VideoInputPortNums = IsapiValues.ParseInt(x.Descendant("videoInputPortNums")?.Value),
            InputProxyNums = IsapiValues.ParseInt(x.Descendant("inputProxyNums")?.Value),
            IoInputPortNums = IsapiValues.ParseInt(x.Descendant("IOInputPortNums")?.Value),
            IoOutputPortNums = IsapiValues.ParseInt(x.Descendant("IOOutputPortNums")?.Value),
            SupportsHttps = IsapiValues.ParseBool(x.Descendant("isSupportHttps")?.Value),
            SupportsEzviz = IsapiValues.ParseBool(x.Descendant("isSupportEZVIZ")?.Value),
            SupportsUserCheck = IsapiValues.ParseBool((sec ?? x).Descendant("isSupportUserCheck")?.Value),
            SupportsConfigFileImport = IsapiValues.ParseBool((sec ?? x).Descendant("isSupportConfigFileImport")?.Value),
            SupportsConfigFileExport = IsapiValues.ParseBool((sec ?? x).Descendant("isSupportConfigFileExport")?.Value),
            RebootRequiredFor = reboot,
        };
    }
}

/// <summary>Selected fields of <c>GET /ISAPI/Security/capabilities</c> (§2.1, §1.2).</summary>
public sealed record SecurityCapabilities
{
    /// <summary>Max users.</summary>
    public int? SupportUserNums { get; init; }
    /// <summary>Key derivation rounds for "security=1" fields.</summary>
    public int? KeyIterateNum { get; init; }
    /// <summary>The <c>securityVersion opt</c> list.</summary>
    public string? SecurityVersion { get; init; }
    /// <summary>Irreversible password storage.</summary>
    public bool? IsIrreversible { get; init; }
    /// <summary>Salt for key derivation.</summary>
    public string? Salt { get; init; }
    /// <summary>Digest algorithms the device offers (e.g. MD5, SHA256).</summary>
    public IReadOnlyList<string> DigestAlgorithms { get; init; } = [];
    /// <summary>Login password length limits (usually 8–16, §3.4).</summary>
    public int? PasswordMinLength { get; init; }
    /// <summary>Login password maximum length.</summary>
    public int? PasswordMaxLength { get; init; }
    /// <summary>userCheck supported.</summary>
    public bool? SupportsUserCheck { get; init; }
    /// <summary>Config file import.</summary>
    public bool? SupportsConfigFileImport { get; init; }
    /// <summary>Config file export.</summary>
    public bool? SupportsConfigFileExport { get; init; }

    internal static SecurityCapabilities FromXml(XElement x)
    {
        var alg = x.Descendant("algorithmType");
        var algs = (alg?.Attribute("opt")?.Value ?? alg?.Value ?? "")
            .Split([',', '/'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToArray();
        var len = x.Descendant("LoginPasswordLenLimit");
        return new SecurityCapabilities
        {
            SupportUserNums = x.Int("supportUserNums"),
            KeyIterateNum = x.Int("keyIterateNum"),
            SecurityVersion = x.Child("securityVersion")?.Attribute("opt")?.Value ?? x.Text("securityVersion"),
            IsIrreversible = x.Bool("isIrreversible"),
            Salt = x.Text("salt"),
            DigestAlgorithms = algs,
            PasswordMinLength = IsapiValues.ParseInt(len?.Attribute("min")?.Value),
            PasswordMaxLength = IsapiValues.ParseInt(len?.Attribute("max")?.Value),
            SupportsUserCheck = x.Bool("isSupportUserCheck"),
            SupportsConfigFileImport = x.Bool("isSupportConfigFileImport"),
            SupportsConfigFileExport = x.Bool("isSupportConfigFileExport"),
        };
    }
}
