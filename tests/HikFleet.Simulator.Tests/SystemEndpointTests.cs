using System.Net;
using System.Xml.Linq;

namespace HikFleet.Simulator.Tests;

/// <summary>Conformance of the §2.1–§2.4 endpoints: shape, namespace, ResponseStatus on writes and errors.</summary>
public sealed class SystemEndpointTests(FleetFixture fx) : IClassFixture<FleetFixture>
{
    [Theory]
    [InlineData("DS-2CD2386G2-IU", "http://www.hikvision.com/ver20/XMLSchema", "2.0", "IPCamera")]
    [InlineData("DS-2CD2143G2-I", "http://www.hikvision.com/ver20/XMLSchema", "2.0", "IPDome")]
    [InlineData("DS-2CD2132F-IS", "http://www.hikvision.com/ver10/XMLSchema", "1.0", "IPCamera")]
    [InlineData("DS-7608NXI-I2/8P/S", "http://www.isapi.org/ver20/XMLSchema", "2.0", "NVR")]
    public async Task DeviceInfo_has_the_family_namespace_and_identity(string model, string ns, string version, string deviceType)
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec { Model = model });
        using var c = new DeviceClient(d);
        var (r, x) = await c.GetAsync("/ISAPI/System/deviceInfo");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("application/xml", r.Content.Headers.ContentType!.MediaType);
        Assert.Equal(XName.Get("DeviceInfo", ns), x!.Name);
        Assert.Equal(version, x.Attribute("version")!.Value);
        Assert.All(x.Descendants(), e => Assert.Equal(ns, e.Name.NamespaceName));
        Assert.Equal(model, x.V("model"));
        Assert.Equal(d.Serial, x.V("serialNumber"));
        Assert.StartsWith(model, d.Serial);
        Assert.Equal(d.Mac, x.V("macAddress"));
        Assert.Matches("^([0-9a-f]{2}:){5}[0-9a-f]{2}$", d.Mac);
        Assert.Equal(d.FirmwareVersion, x.V("firmwareVersion"));
        Assert.Matches(@"^build \d{6}$", x.V("firmwareReleasedDate"));
        Assert.Equal(deviceType, x.V("deviceType"));
        Assert.Equal(deviceType == "NVR", x.Element(XName.Get("deviceDescription", ns)) is null);
        var text = await r.Content.ReadAsStringAsync(DeviceClient.Ct);
        Assert.StartsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n", text);
        Assert.DoesNotContain("\n<", text.Replace("\r\n", ""));
    }

    [Fact]
    public async Task DeviceInfo_put_renames_and_rejects_bad_xml_with_status_5_and_empty_elements_with_6()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec());
        using var c = new DeviceClient(d);
        var (ok, okX) = await c.PutAsync("/ISAPI/System/deviceInfo", "<DeviceInfo><deviceName>Gate North</deviceName></DeviceInfo>");
        Xml.AssertStatus(okX, 1, "ok");
        Assert.Equal("Gate North", d.Name);
        var (bad, badX) = await c.PutAsync("/ISAPI/System/deviceInfo", "<DeviceInfo><deviceName>oops</DeviceInfo>");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Xml.AssertStatus(badX, 5, "badXmlFormat");
        Assert.Equal("Invalid XML Format", badX!.V("statusString"));
        var (_, emptyX) = await c.PutAsync("/ISAPI/System/deviceInfo", "<DeviceInfo><deviceName></deviceName></DeviceInfo>");
        Xml.AssertStatus(emptyX, 6, "badXmlContent");
        var (_, dtd) = await c.PutAsync("/ISAPI/System/deviceInfo", "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]><DeviceInfo><deviceName>&a;</deviceName></DeviceInfo>");
        Xml.AssertStatus(dtd, 5, "badXmlFormat");
        Assert.Equal("Gate North", d.Name);
    }

    [Fact]
    public async Task Status_reports_time_uptime_cpu_memory_and_link_speed()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec { UptimeSeconds = 513_477 });
        d.Faults.LinkSpeedMbps = 10;
        using var c = new DeviceClient(d);
        var (_, x) = await c.GetAsync("/ISAPI/System/status");
        Assert.Equal(DeviceClient.Ver20 + "DeviceStatus", x!.Name);
        Assert.True(DateTimeOffset.TryParse(x.V("currentDeviceTime"), out _));
        Assert.InRange(long.Parse(x.V("deviceUpTime")), 513_477, 513_477 + 100_000);
        Assert.True(double.TryParse(x.V("cpuUtilization"), System.Globalization.CultureInfo.InvariantCulture, out _));
        Assert.NotEmpty(x.V("memoryUsage"));
        Assert.Equal("10", x.V("workSpeed"));
    }

    [Fact]
    public async Task Capabilities_describe_device_and_security()
    {
        var nvr = fx.Fleet.AddDevice(new DeviceSpec { Model = DeviceCatalog.Nvr8P.Model });
        using var c = new DeviceClient(nvr);
        var (_, cap) = await c.GetAsync("/ISAPI/System/capabilities");
        Assert.Equal("DeviceCap", cap!.Name.LocalName);
        Assert.Equal("8", cap.V("inputProxyNums"));
        Assert.Equal("true", cap.V("isSupportPOEConfiguration"));
        Assert.Equal("true", cap.Descendants().First(e => e.Name.LocalName == "RebootConfigurationCap").Elements().First().Value);
        var cam = fx.Fleet.AddDevice(new DeviceSpec());
        using var cc = new DeviceClient(cam);
        var (_, sec) = await cc.GetAsync("/ISAPI/Security/capabilities");
        Assert.Equal(DeviceClient.Ver20 + "SecurityCap", sec!.Name);
        Assert.Equal("1024", sec.Descendants().First(e => e.Name.LocalName == "RSAKeyLength").Attribute("opt")!.Value);
        var limit = sec.Descendants().First(e => e.Name.LocalName == "LoginPasswordLenLimit");
        Assert.Equal(("8", "16"), (limit.Attribute("min")!.Value, limit.Attribute("max")!.Value));
        Assert.Equal("true", sec.V("isSupportConfigFileExport"));
        Assert.Contains("SHA256", sec.Descendants().First(e => e.Name.LocalName == "algorithmType").Attribute("opt")!.Value);
    }

    [Fact]
    public async Task Address_change_answers_reboot_required_and_applies_after_the_reboot()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec());
        var old = d.Address;
        var bytes = old.GetAddressBytes();
        var target = new IPAddress([bytes[0], bytes[1], (byte)(bytes[2] ^ 0x80), 77]);
        using var c = new DeviceClient(d);
        var (_, list) = await c.GetAsync("/ISAPI/System/Network/interfaces");
        Assert.Equal("NetworkInterfaceList", list!.Name.LocalName);
        Assert.Equal(d.Mac, list.V("MACAddress"));
        var (_, bad) = await c.PutAsync("/ISAPI/System/Network/interfaces/1/ipAddress", "<IPAddress><ipAddress>300.1.1.1</ipAddress></IPAddress>");
        Xml.AssertStatus(bad, 6, "badIPv4Address");
        var (_, badMask) = await c.PutAsync("/ISAPI/System/Network/interfaces/1/ipAddress", "<IPAddress><subnetMask>255.0.255.0</subnetMask></IPAddress>");
        Xml.AssertStatus(badMask, 6, "badNetMask");
        var (r, x) = await c.PutAsync("/ISAPI/System/Network/interfaces/1/ipAddress",
            $"<IPAddress version=\"2.0\" xmlns=\"http://www.hikvision.com/ver20/XMLSchema\"><addressingType>static</addressingType><ipAddress>{target}</ipAddress><subnetMask>255.255.255.0</subnetMask><DefaultGateway><ipAddress>{bytes[0]}.{bytes[1]}.{bytes[2] ^ 0x80}.1</ipAddress></DefaultGateway></IPAddress>");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Xml.AssertStatus(x, 7, "rebootRequired");
        Assert.Equal("Reboot Required", x!.V("statusString"));
        Assert.Equal(old, d.Address); // still on the old address until the reboot
        var (_, ip) = await c.GetAsync("/ISAPI/System/Network/interfaces/1/ipAddress");
        Assert.Equal(target.ToString(), ip!.V("ipAddress"));
        (await c.PutAsync("/ISAPI/System/reboot")).Response.EnsureSuccessStatusCode();
        await Xml.WaitUntilAsync(() => !d.Online);
        await Xml.WaitUntilAsync(() => d.Online);
        Assert.Equal(target, d.Address);
        Assert.False(await Xml.AcceptsAsync(old, d.HttpPort));
        using var moved = new DeviceClient(d);
        Assert.Equal(HttpStatusCode.OK, (await moved.GetAsync("/ISAPI/System/deviceInfo")).Response.StatusCode);
    }

    [Fact]
    public async Task Time_zone_is_posix_inverted_and_manual_time_and_ntp_servers_are_writable()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec());
        using var c = new DeviceClient(d);
        var (_, bad) = await c.PutAsync("/ISAPI/System/time", "<Time><timeZone>UTC plus eight</timeZone></Time>");
        Xml.AssertStatus(bad, 6, "badParameters");
        var (_, ok) = await c.PutAsync("/ISAPI/System/time", "<Time><timeMode>manual</timeMode><localTime>2021-06-03T16:06:12</localTime><timeZone>CST-8:00:00</timeZone></Time>");
        Xml.AssertStatus(ok, 1, "ok");
        var (_, t) = await c.GetAsync("/ISAPI/System/time");
        Assert.Equal(DeviceClient.Ver20 + "Time", t!.Name);
        Assert.Equal("manual", t.V("timeMode"));
        Assert.Equal("CST-8:00:00", t.V("timeZone"));
        var local = DateTimeOffset.Parse(t.V("localTime"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(TimeSpan.FromHours(8), local.Offset); // CST-8 means UTC+8
        Assert.InRange(local, new DateTimeOffset(2021, 6, 3, 16, 6, 0, TimeSpan.FromHours(8)), new DateTimeOffset(2021, 6, 3, 16, 8, 0, TimeSpan.FromHours(8)));
        var zone = await c.Http.GetStringAsync("/ISAPI/System/time/timeZone", DeviceClient.Ct);
        Assert.Equal("CST-8:00:00", zone);

        var (_, ntpOk) = await c.PutAsync("/ISAPI/System/time/ntpServers/1",
            "<NTPServer><id>1</id><addressingFormatType>ipaddress</addressingFormatType><ipAddress>127.0.0.53</ipAddress><portNo>123</portNo><synchronizeInterval>60</synchronizeInterval></NTPServer>");
        Xml.AssertStatus(ntpOk, 1, "ok");
        var (_, ntp) = await c.GetAsync("/ISAPI/System/time/ntpServers");
        Assert.Equal("NTPServerList", ntp!.Name.LocalName);
        Assert.Equal("127.0.0.53", ntp.V("ipAddress"));
        Assert.Equal("60", ntp.V("synchronizeInterval"));
        var (_, badPort) = await c.PutAsync("/ISAPI/System/time/ntpServers/1", "<NTPServer><id>1</id><portNo>70000</portNo></NTPServer>");
        Xml.AssertStatus(badPort, 6, "badPort");
        Assert.Equal("127.0.0.53", d.NtpServers[0].IpAddress);
    }

    [Fact]
    public async Task Clock_drift_fault_moves_the_device_clock()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec());
        d.Faults.ClockDriftSeconds = 3600;
        using var c = new DeviceClient(d);
        var (_, s) = await c.GetAsync("/ISAPI/System/status");
        var deviceTime = DateTimeOffset.Parse(s!.V("currentDeviceTime"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange((deviceTime - DateTimeOffset.UtcNow).TotalSeconds, 3500, 3700);
    }

    [Fact]
    public async Task Unknown_resources_and_methods_answer_a_response_status()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec());
        using var c = new DeviceClient(d);
        var (r, x) = await c.GetAsync("/ISAPI/System/noSuchThing");
        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        Xml.AssertStatus(x, 4, "notSupport");
        var (_, m) = await c.SendAsync(HttpMethod.Delete, "/ISAPI/System/deviceInfo");
        Xml.AssertStatus(m, 4, "methodNotAllowed");
        var (_, nvrOnly) = await c.GetAsync("/ISAPI/ContentMgmt/InputProxy/channels/status");
        Xml.AssertStatus(nvrOnly, 4, "notSupport");
    }
}
