using System.Globalization;
using System.Net;
using System.Xml.Linq;
using HikFleet.Simulator.Http;
using static HikFleet.Simulator.Isapi.IsapiXml;

namespace HikFleet.Simulator.Isapi;

internal static partial class IsapiRouter
{
    // ------------------------------------------------------------------ §2.1 identity, health, capabilities

    private static SimResponse DeviceInfo(VirtualDevice d)
    {
        var m = d.ModelInfo;
        var dsp = m.DspVersion.Split(' ', 2);
        var root = Root(d.Family, "DeviceInfo",
            E("deviceName", d.Config.DeviceName),
            E("deviceID", d.DeviceId),
            m.IsNvr ? null : E("deviceDescription", "IPCamera"),
            E("deviceLocation", "hangzhou"),
            E("systemContact", "Hikvision.China"),
            E("model", m.Model),
            E("serialNumber", d.Serial),
            E("macAddress", d.Mac),
            E("firmwareVersion", d.FirmwareVersion),
            E("firmwareReleasedDate", d.FirmwareBuild),
            E("encoderVersion", dsp[0]),
            E("encoderReleasedDate", dsp.Length > 1 ? dsp[1] : ""),
            E("bootVersion", "V1.3.4"),
            E("bootReleasedDate", "100316"),
            E("hardwareVersion", "0x0"),
            E("deviceType", m.DeviceType),
            E("telecontrolID", 88),
            m.IsLegacy ? null : E("supportBeep", m.IsNvr),
            m.IsLegacy ? null : E("supportVideoLoss", m.IsNvr),
            m.IsLegacy ? null : E("firmwareVersionInfo", $"B-R-{m.Platform}-0"),
            m.IsLegacy ? null : E("manufacturer", "hikvision"),
            m.IsLegacy ? null : E("subSerialNumber", d.Serial[^9..]),
            m.IsLegacy ? null : E("OEMCode", 1),
            m.IsNvr ? E("decordChannelNums", 0) : null,
            m.IsNvr ? E("VGANums", 1) : null,
            m.IsNvr ? E("USBNums", 2) : null,
            m.IsNvr ? E("auxoutNums", 0) : null,
            m.IsNvr ? E("regionVersion", "international") : null);
        return Response(root);
    }

    private static SimResponse PutDeviceInfo(VirtualDevice d, SimRequest r, DeviceUser user)
    {
        if (RequireOperator(d, r, user) is { } denied)
            return denied;
        var (x, err) = ParseBody(d, r, "DeviceInfo");
        if (err is not null)
            return err;
        if (x!.ChildValue("deviceName") is { } name)
        {
            if (name.Length is 0 or > 32)
                return ResponseStatus.Error(d, r, 6, "badParameters", "deviceName length 1..32");
            d.Config.DeviceName = name;
        }
        return ResponseStatus.Ok(d, r);
    }

    private static SimResponse Status(VirtualDevice d)
    {
        var up = (long)d.UptimeSeconds;
        var now = d.DeviceNow;
        // Deterministic load that wanders with time, so health graphs are not flat.
        var cpu = 12 + (int)((Math.Sin(d.Index + up / 97.0) + 1) * 15);
        var memTotal = d.ModelInfo.IsNvr ? 2048 : 1024 * 512;
        var memUsed = memTotal * (40 + d.Index % 30) / 100;
        var root = Root(d.Family, "DeviceStatus",
            E("currentDeviceTime", now.ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture)),
            E("deviceUpTime", d.Faults.LocalizedUptime ? $"{up / 86400}天{up % 86400 / 3600}时{up % 3600 / 60}分{up % 60}秒" : up.ToString(CultureInfo.InvariantCulture)),
            E("CPUList", E("CPU", E("cpuDescription", d.ModelInfo.IsNvr ? "HI3536" : "ARM"), E("cpuUtilization", cpu))),
            E("MemoryList", E("Memory", E("memoryDescription", "DDR Memory"), E("memoryUsage", memUsed), E("memoryAvailable", memTotal - memUsed))),
            E("NetPortStatusList", E("NetPortStatus", E("id", 1), E("workSpeed", LinkSpeed(d)))),
            d.ModelInfo.IsLegacy ? null : E("bootTime", now.AddSeconds(-up).ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture)),
            d.ModelInfo.IsLegacy ? null : E("totalRebootCount", 3 + d.RebootCount));
        return Response(root);
    }

    internal static int LinkSpeed(VirtualDevice d) => d.Faults.LinkSpeedMbps > 0 ? d.Faults.LinkSpeedMbps : d.ModelInfo.IsNvr ? 1000 : 100;

    private static SimResponse DeviceCapabilities(VirtualDevice d)
    {
        var m = d.ModelInfo;
        var root = Root(d.Family, "DeviceCap",
            E("SysCap",
                E("isSupportDst", true),
                E("NetworkCap", E("isSupportWireless", false), E("isSupportPPPoE", m.IsNvr), E("isSupportEZVIZ", !m.IsLegacy),
                    E("isSupportHttps", !m.IsLegacy), E("isSupportWebSocket", m.Family == DeviceFamily.Camera),
                    m.IsNvr ? E("isSupportPOEConfiguration", true) : null, m.IsNvr ? E("isSupportPOEPortsDisableAdaptiveServer", true) : null),
                E("IOCap", E("IOInputPortNums", m.IsNvr ? 4 : 1), E("IOOutputPortNums", m.IsNvr ? 1 : 1)),
                E("VideoCap", E("videoInputPortNums", m.IsNvr ? 0 : 1), E("menuNums", 1)),
                E("RebootConfigurationCap", E("ONVIF", true), E("RTSP", true), E("HTTP", true))),
            E("SecurityCap", E("supportUserNums", 32), E("isSupportUserCheck", true),
                E("isSupportConfigFileImport", true), E("isSupportConfigFileExport", true)),
            E("RacmCap", E("inputProxyNums", m.DigitalChannels > 1 ? m.DigitalChannels : 0), E("isSupportActivateIpc", m.IsNvr)),
            E("isSupportGetmutexFuncErrMsg", true),
            E("isSupportActivate", !m.IsLegacy));
        return Response(root);
    }

    // ------------------------------------------------------------------ §2.2 reboot and reset

    private static SimResponse Reboot(VirtualDevice d, SimRequest r, DeviceUser user)
    {
        if (RequireAdmin(d, r, user) is { } denied)
            return denied;
        var resp = ResponseStatus.Ok(d, r);
        if (!d.Faults.IgnoreReboot)
            resp.AfterSend = () => d.ScheduleReboot();
        return resp;
    }

    private static SimResponse FactoryReset(VirtualDevice d, SimRequest r, DeviceUser user)
    {
        if (RequireAdmin(d, r, user) is { } denied)
            return denied;
        var mode = r.QueryValue("mode")?.ToLowerInvariant();
        if (mode is not ("basic" or "full"))
            return ResponseStatus.Error(d, r, mode == "part" ? 4 : 6, mode == "part" ? "notSupport" : "badParameters", "mode must be basic or full");
        var full = mode == "full";
        if (d.Options.FactoryResetAnswersRebootRequired)
        {
            d.PendingFactoryReset = full;
            return ResponseStatus.RebootRequired(d, r);
        }
        var resp = ResponseStatus.Ok(d, r);
        resp.AfterSend = () => d.ScheduleReboot(() => d.FactoryResetCore(full));
        return resp;
    }

    // ------------------------------------------------------------------ §2.3 network

    private static XElement IpAddressXml(VirtualDevice d, bool root)
    {
        var n = d.NetworkSettings;
        object?[] content =
        [
            E("ipVersion", "dual"),
            E("addressingType", n.AddressingType),
            E("ipAddress", n.AddressingType == "dynamic" ? d.HomeAddress.ToString() : n.IPv4Address),
            E("subnetMask", n.SubnetMask),
            E("ipV6AddressingType", "ra"),
            E("DefaultGateway", E("ipAddress", n.Gateway.Length == 0 ? "0.0.0.0" : n.Gateway)),
            E("PrimaryDNS", E("ipAddress", n.PrimaryDns)),
            E("SecondaryDNS", E("ipAddress", n.SecondaryDns)),
        ];
        return root ? Root(d.Family, "IPAddress", content) : E("IPAddress", content);
    }

    private static XElement InterfaceXml(VirtualDevice d, bool root)
    {
        object?[] content =
        [
            E("id", 1),
            IpAddressXml(d, false),
            E("Discovery", E("UPnP", E("enabled", true)), E("Zeroconf", E("enabled", false))),
            E("Link", E("MACAddress", d.Mac), E("autoNegotiation", true), E("speed", LinkSpeed(d)), E("duplex", "full"), E("MTU", d.NetworkSettings.Mtu)),
        ];
        return root ? Root(d.Family, "NetworkInterface", content) : E("NetworkInterface", content);
    }

    private static SimResponse Interfaces(VirtualDevice d) => Response(Root(d.Family, "NetworkInterfaceList", InterfaceXml(d, false)));
    private static SimResponse Interface(VirtualDevice d) => Response(InterfaceXml(d, true));
    private static SimResponse IpAddressResponse(VirtualDevice d) => Response(IpAddressXml(d, true));

    private static SimResponse PutIpAddress(VirtualDevice d, SimRequest r, DeviceUser user)
    {
        if (RequireAdmin(d, r, user) is { } denied)
            return denied;
        var (x, err) = ParseBody(d, r, "IPAddress", "NetworkInterface");
        if (err is not null)
            return err;
        var ip = x!.Name.LocalName == "IPAddress" ? x : x.Child("IPAddress");
        var current = d.NetworkSettings;
        var next = new NetworkSettings
        {
            AddressingType = current.AddressingType, IPv4Address = current.IPv4Address, SubnetMask = current.SubnetMask,
            Gateway = current.Gateway, PrimaryDns = current.PrimaryDns, SecondaryDns = current.SecondaryDns, Mtu = current.Mtu,
        };
        if (x.Name.LocalName == "NetworkInterface" && x.Child("Link")?.ChildInt("MTU") is { } mtu)
        {
            if (mtu is < 500 or > 9676)
                return ResponseStatus.Error(d, r, 6, "badParameters", "MTU");
            next.Mtu = mtu;
        }
        if (ip is not null)
        {
            if (ip.ChildValue("addressingType") is { } type)
            {
                if (type is not ("static" or "dynamic"))
                    return ResponseStatus.Error(d, r, 6, "badParameters", "addressingType");
                next.AddressingType = type;
            }
            if (ip.ChildValue("ipAddress") is { } addr)
            {
                if (!IPAddress.TryParse(addr, out var a) || a.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || addr.Count(c => c == '.') != 3)
                    return ResponseStatus.Error(d, r, 6, "badIPv4Address");
                next.IPv4Address = a.ToString();
            }
            if (ip.ChildValue("subnetMask") is { } mask)
            {
                if (!IsNetMask(mask))
                    return ResponseStatus.Error(d, r, 6, "badNetMask");
                next.SubnetMask = mask;
            }
            if (ip.Child("DefaultGateway")?.ChildValue("ipAddress") is { } gw)
            {
                if (!IPAddress.TryParse(gw, out _))
                    return ResponseStatus.Error(d, r, 6, "badIPv4Address", "gateway");
                next.Gateway = gw;
            }
            if (ip.Child("PrimaryDNS")?.ChildValue("ipAddress") is { } dns1)
                next.PrimaryDns = dns1;
            if (ip.Child("SecondaryDNS")?.ChildValue("ipAddress") is { } dns2)
                next.SecondaryDns = dns2;
        }
        var addressChanged = next.AddressingType != current.AddressingType || next.IPv4Address != current.IPv4Address ||
                             next.SubnetMask != current.SubnetMask || next.Gateway != current.Gateway || next.Mtu != current.Mtu;
        if (!addressChanged)
        {
            current.PrimaryDns = next.PrimaryDns;
            current.SecondaryDns = next.SecondaryDns;
            return ResponseStatus.Ok(d, r);
        }
        if (!d.Options.AddressChangeNeedsReboot)
        {
            var ok = ResponseStatus.Ok(d, r);
            ok.AfterSend = () =>
            {
                lock (d.Sync)
                    d.Config.Network = next;
                d.ApplyNetworkNow();
            };
            return ok;
        }
        // An address change is accepted but applied at the next boot (§2.3, §5.4).
        d.PendingNetwork = next;
        return ResponseStatus.RebootRequired(d, r);
    }

    private static bool IsNetMask(string mask)
    {
        if (!IPAddress.TryParse(mask, out var m) || m.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
            return false;
        var bits = BitConverter.ToUInt32(m.GetAddressBytes().Reverse().ToArray());
        return bits != 0 && (~bits & (~bits + 1)) == 0;
    }

    private static SimResponse AdminAccesses(VirtualDevice d) => Response(Root(d.Family, "AdminAccessProtocolList",
        AdminAccessList(d).Select(p => (object?)E("AdminAccessProtocol", E("id", p.Id), E("enabled", p.Enabled), E("protocol", p.Protocol), E("portNo", p.Port)))
            .ToArray()));

    /// <summary>The entries of §1.1 in device order; HTTPS as the setting says (HTTPS need not be served for the setting to be on).</summary>
    private static List<(int Id, string Protocol, int Port, bool Enabled)> AdminAccessList(VirtualDevice d)
    {
        var list = new List<(int, string, int, bool)>
        {
            (1, "HTTP", d.HttpPort, true),
            (2, "HTTPS", d.HttpsPort ?? 443, d.Config.HttpsEnabled),
            (3, "DEV_MANAGE", 8000, true),
            (4, "RTSP", 554, true),
        };
        if (!d.ModelInfo.IsLegacy)
            list.Add((5, "SDK_OVER_TLS", 8443, true));
        return list;
    }

    /// <summary>
    /// PUT of the list (or of one entry), matched by id or protocol. Only HTTPS's <c>enabled</c> is writable here: HTTP cannot be
    /// switched off (the web UI offers no such switch, and the client may be talking HTTP), and port changes are not simulated
    /// (they would rebind listeners and need a reboot, §5.4), so a different port is refused with badParameters.
    /// </summary>
    private static SimResponse PutAdminAccesses(VirtualDevice d, SimRequest r, DeviceUser user)
    {
        if (RequireAdmin(d, r, user) is { } denied)
            return denied;
        var (x, err) = ParseBody(d, r, "AdminAccessProtocolList", "AdminAccessProtocol");
        if (err is not null)
            return err;
        var entries = x!.Name.LocalName == "AdminAccessProtocol" ? [x] : x.Elements().Where(e => e.Name.LocalName == "AdminAccessProtocol").ToList();
        var current = AdminAccessList(d);
        bool? https = null;
        foreach (var e in entries)
        {
            var id = e.ChildInt("id");
            var protocol = e.ChildValue("protocol");
            var match = current.FindIndex(p => id is { } i ? p.Id == i : string.Equals(p.Protocol, protocol, StringComparison.OrdinalIgnoreCase));
            if (match < 0)
                return ResponseStatus.Error(d, r, 6, "badParameters", "unknown admin access entry");
            var (_, name, port, enabled) = current[match];
            if (e.ChildInt("portNo") is { } newPort && newPort != port)
                return ResponseStatus.Error(d, r, 6, "badParameters", "port changes are not supported by the simulator");
            var wanted = e.ChildBool("enabled") ?? enabled;
            if (name == "HTTPS")
                https = wanted;
            else if (wanted != enabled)
                return ResponseStatus.Error(d, r, 6, "badParameters", $"{name} cannot be switched {(wanted ? "on" : "off")}");
        }
        if (https is { } on)
            d.Config.HttpsEnabled = on;
        return ResponseStatus.Ok(d, r);
    }

    // ------------------------------------------------------------------ §2.4 time

    private static SimResponse Time(VirtualDevice d)
    {
        var t = d.Config.Time;
        return Response(Root(d.Family, "Time",
            E("timeMode", t.TimeMode),
            E("localTime", d.DeviceNow.ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture)),
            E("timeZone", t.TimeZone)));
    }

    private static SimResponse TimeCapabilities(VirtualDevice d) =>
        Response(Root(d.Family, "Time",
            new XElement("timeMode", new XAttribute("opt", "NTP,manual"), d.Config.Time.TimeMode),
            new XElement("localTime", new XAttribute("min", "1970-01-01T00:00:00"), new XAttribute("max", "2037-12-31T23:59:59")),
            new XElement("timeZone", new XAttribute("min", 0), new XAttribute("max", 64))));

    private static SimResponse PutTime(VirtualDevice d, SimRequest r, DeviceUser user)
    {
        if (RequireOperator(d, r, user) is { } denied)
            return denied;
        var (x, err) = ParseBody(d, r, "Time");
        if (err is not null)
            return err;
        var t = d.Config.Time;
        var mode = x!.ChildValue("timeMode") ?? t.TimeMode;
        if (mode is not ("NTP" or "manual"))
            return ResponseStatus.Error(d, r, 6, "badParameters", "timeMode");
        var zone = x.ChildValue("timeZone") ?? t.TimeZone;
        if (!TimeZoneParser.IsValid(zone))
            return ResponseStatus.Error(d, r, 6, "badParameters", "timeZone");
        var local = x.ChildValue("localTime");
        DateTimeOffset? target = null;
        if (mode == "manual" && local is not null)
        {
            target = ParseLocalTime(local, zone);
            if (target is null)
                return ResponseStatus.Error(d, r, 6, "badParameters", "localTime");
        }
        t.TimeMode = mode;
        t.TimeZone = zone;
        if (target is { } tt)
        {
            t.ManualOffsetSeconds = (tt - DateTimeOffset.UtcNow).TotalSeconds - d.Faults.ClockDriftSeconds;
            t.ClockSet = true;
        }
        else if (mode == "NTP")
        {
            t.ManualOffsetSeconds = 0; // synchronised by NTP at once (there is no NTP server on loopback to wait for)
            t.ClockSet = true;
        }
        return ResponseStatus.Ok(d, r);
    }

    private static DateTimeOffset? ParseLocalTime(string local, string zone)
    {
        if (DateTimeOffset.TryParseExact(local, ["yyyy-MM-ddTHH:mm:sszzz", "yyyy-MM-ddTHH:mm:ssZ", "yyyy-MM-ddTHH:mm:ss.fffzzz"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var withOffset))
            return withOffset;
        if (DateTime.TryParseExact(local, "yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var plain))
            return new DateTimeOffset(plain, TimeZoneParser.Offset(zone));
        return null;
    }

    private static SimResponse PutLocalTimeText(VirtualDevice d, SimRequest r, DeviceUser user)
    {
        if (RequireOperator(d, r, user) is { } denied)
            return denied;
        var t = d.Config.Time;
        if (ParseLocalTime(System.Text.Encoding.UTF8.GetString(r.Body).Trim(), t.TimeZone) is not { } target)
            return ResponseStatus.Error(d, r, 6, "badParameters", "localTime");
        t.TimeMode = "manual";
        t.ManualOffsetSeconds = (target - DateTimeOffset.UtcNow).TotalSeconds - d.Faults.ClockDriftSeconds;
        t.ClockSet = true;
        return ResponseStatus.Ok(d, r);
    }

    private static SimResponse PutTimeZoneText(VirtualDevice d, SimRequest r, DeviceUser user)
    {
        if (RequireOperator(d, r, user) is { } denied)
            return denied;
        var zone = System.Text.Encoding.UTF8.GetString(r.Body).Trim();
        if (!TimeZoneParser.IsValid(zone))
            return ResponseStatus.Error(d, r, 6, "badParameters", "timeZone");
        d.Config.Time.TimeZone = zone;
        return ResponseStatus.Ok(d, r);
    }

    private static XElement NtpXml(NtpServer s, VirtualDevice? rootFor)
    {
        object?[] content =
        [
            E("id", s.Id),
            E("addressingFormatType", s.AddressingFormatType),
            s.AddressingFormatType == "hostname" ? E("hostName", s.HostName ?? "") : E("ipAddress", s.IpAddress ?? ""),
            E("portNo", s.PortNo),
            E("synchronizeInterval", s.SynchronizeInterval),
        ];
        return rootFor is null ? E("NTPServer", content) : Root(rootFor.Family, "NTPServer", content);
    }

    private static SimResponse NtpServers(VirtualDevice d) =>
        Response(Root(d.Family, "NTPServerList", d.Config.NtpServers.Select(s => (object?)NtpXml(s, null)).ToArray()));

    private static SimResponse NtpServer(VirtualDevice d, SimRequest r, int id) =>
        d.Config.NtpServers.FirstOrDefault(s => s.Id == id) is { } s ? Response(NtpXml(s, d)) : ResponseStatus.Error(d, r, 6, "badParameters", "no such NTP server");

    private static SimResponse PutNtpServers(VirtualDevice d, SimRequest r, DeviceUser user, int? id)
    {
        if (RequireOperator(d, r, user) is { } denied)
            return denied;
        var (x, err) = ParseBody(d, r, id is null ? ["NTPServerList", "NTPServer"] : ["NTPServer"]);
        if (err is not null)
            return err;
        var items = x!.Name.LocalName == "NTPServer" ? [x] : x.Elements().Where(e => e.Name.LocalName == "NTPServer").ToList();
        if (items.Count == 0)
            return ResponseStatus.Error(d, r, 6, "badXmlContent", "no NTPServer");
        foreach (var item in items)
        {
            var sid = item.ChildInt("id") ?? id ?? 1;
            if (id is not null && sid != id || sid is < 1 or > 1)
                return ResponseStatus.Error(d, r, 6, "badParameters", "NTP server id");
            var s = d.Config.NtpServers.FirstOrDefault(n => n.Id == sid) ?? new NtpServer { Id = sid };
            var format = item.ChildValue("addressingFormatType") ?? s.AddressingFormatType;
            if (format is not ("hostname" or "ipaddress"))
                return ResponseStatus.Error(d, r, 6, "badParameters", "addressingFormatType");
            var port = item.ChildInt("portNo") ?? s.PortNo;
            if (port is < 1 or > 65535)
                return ResponseStatus.Error(d, r, 6, "badPort");
            var interval = item.ChildInt("synchronizeInterval") ?? s.SynchronizeInterval;
            if (interval is < 1 or > 10080)
                return ResponseStatus.Error(d, r, 6, "badParameters", "synchronizeInterval");
            var host = item.ChildValue("hostName") ?? s.HostName;
            var ip = item.ChildValue("ipAddress") ?? s.IpAddress;
            if (format == "ipaddress" && (ip is null || !IPAddress.TryParse(ip, out _)))
                return ResponseStatus.Error(d, r, 6, "badIPv4Address");
            if (format == "hostname" && string.IsNullOrWhiteSpace(host))
                return ResponseStatus.Error(d, r, 6, "badParameters", "hostName");
            s.AddressingFormatType = format;
            s.HostName = host;
            s.IpAddress = ip;
            s.PortNo = port;
            s.SynchronizeInterval = interval;
            if (!d.Config.NtpServers.Contains(s))
                d.Config.NtpServers.Add(s);
        }
        return ResponseStatus.Ok(d, r);
    }

    // ------------------------------------------------------------------ §2.6 configuration

    private static SimResponse ExportConfiguration(VirtualDevice d, SimRequest r, DeviceUser user)
    {
        if (RequireAdmin(d, r, user) is { } denied)
            return denied;
        var blob = ConfigurationBlob.Export(d);
        return new SimResponse { Body = blob, ContentType = "application/octet-stream" }
            .Header("Content-Disposition", "attachment; filename=\"ConfigurationData\"");
    }

    private static SimResponse ImportConfiguration(VirtualDevice d, SimRequest r, DeviceUser user)
    {
        if (RequireAdmin(d, r, user) is { } denied)
            return denied;
        var body = Multipart.ExtractFile(r, "configFile") ?? r.Body;
        var (config, error) = d.Faults.RefuseConfigurationImport ? (null, "importErrorData") : ConfigurationBlob.Import(d, body);
        if (config is null)
            return ResponseStatus.Error(d, r, 6, error!, error == "importErrorData" ? "the file was not exported by this device" : "not a configuration file");
        // The device applies the file and reboots by itself (§2.6).
        var resp = ResponseStatus.Ok(d, r);
        resp.AfterSend = () => d.ScheduleReboot(() =>
        {
            lock (d.Sync)
            {
                config.HttpPort = d.Config.HttpPort;
                d.Config = config;
                d.PendingNetwork = null;
            }
        });
        return resp;
    }

    // ------------------------------------------------------------------ §2.7 firmware

    private static SimResponse UpdateFirmware(VirtualDevice d, SimRequest r, DeviceUser user)
    {
        if (RequireAdmin(d, r, user) is { } denied)
            return denied;
        d.FirmwareUploadCount++;
        var image = Multipart.ExtractFile(r, "updateFile") ?? r.Body;
        if (!FirmwareImage.TryParse(image, out var info))
            return ResponseStatus.Error(d, r, 6, "badVersion", "not a firmware package");
        if (!string.Equals(info.Platform, d.ModelInfo.Platform, StringComparison.OrdinalIgnoreCase) &&
            !string.Equals(info.Platform, d.ModelInfo.Model, StringComparison.OrdinalIgnoreCase))
            return ResponseStatus.Error(d, r, 6, "badDevType", $"package is for {info.Platform}");
        var resp = ResponseStatus.Ok(d, r);
        var generation = d.PowerGeneration;
        resp.AfterSend = () => d.StartUpgrade(info.Version, info.Build, generation);
        d.Upgrading = true;
        d.UpgradePercent = 0;
        return resp;
    }

    private static SimResponse UpgradeStatus(VirtualDevice d) =>
        Response(Root(d.Family, "upgradeStatus", E("upgrading", d.Upgrading), E("percent", d.UpgradePercent)));
}
