using System.Text;
using HikFleet.Isapi.Events;
using HikFleet.Isapi.Models;
using HikFleet.Isapi.Xml;

namespace HikFleet.Isapi.Tests;

/// <summary>Tolerant parsing of fixture XML written from the protocol reference (§1.3, §2, §5).</summary>
public sealed class ParsingTests
{
    private static System.Xml.Linq.XElement Fixture(string name) =>
        IsapiXml.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", name)));

    [Fact]
    public void DeviceInfo_Ver20Camera()
    {
        var info = DeviceInfo.FromXml(Fixture("deviceInfo-ipc-ver20.xml"));
        Assert.Equal("DS-2CD2386G2-IU", info.Model);
        Assert.Equal("DS-2CD2386G2-IU20230101AAWRJ12345678", info.SerialNumber);
        Assert.Equal("a6:63:9e:f8:01:09", info.MacAddress);
        Assert.Equal(new FirmwareVersion(5, 7, 18, 240826), info.Firmware);
        Assert.Equal("IPCamera", info.DeviceType);
        Assert.False(info.IsRecorder);
        Assert.Equal("http://www.hikvision.com/ver20/XMLSchema", info.Namespace);
    }

    [Fact]
    public void DeviceInfo_NvrIsapiOrgNamespace_DashedUpperMac_InlineBuild()
    {
        var info = DeviceInfo.FromXml(Fixture("deviceInfo-nvr-isapi.xml"));
        Assert.Equal("DS-7608NXI-I2/8P/S", info.Model);
        Assert.Equal("c4:2f:90:f2:b1:aa", info.MacAddress);
        Assert.Equal(new FirmwareVersion(4, 62, 210, 230201), info.Firmware);
        Assert.True(info.IsRecorder);
    }

    [Fact]
    public void Status_LocalisedUptime_FloatCpu_KbMemory_Ports()
    {
        var status = DeviceStatus.FromXml(Fixture("status-localised.xml"));
        Assert.Equal(TimeSpan.FromDays(87) + new TimeSpan(0, 55, 59), status.Uptime);
        Assert.Equal(36.400002, status.CpuUtilization!.Value, 6);
        Assert.Equal(100.0 * 245268 / (245268 + 163512), status.MemoryUsagePercent!.Value, 6);
        Assert.Equal(new DateTimeOffset(2024, 5, 1, 12, 34, 56, TimeSpan.FromHours(8)), status.CurrentDeviceTime);
        Assert.Equal([1000, 0], status.NetPorts.Select(p => p.WorkSpeedMbps ?? -1));
    }

    [Fact]
    public void Status_IntegerUptime_UnsetClock_MemoryPercentUnknownWithoutAvailable()
    {
        var status = DeviceStatus.FromXml(Fixture("status-ipc.xml"));
        Assert.Equal(TimeSpan.FromSeconds(513477), status.Uptime);
        Assert.Equal(1970, status.CurrentDeviceTime!.Value.Year);
        Assert.Null(status.MemoryUsagePercent);
        Assert.Equal(41.5, status.Memory[0].Usage);
    }

    [Theory]
    [InlineData("513477", 513477)]
    [InlineData("87天0时55分59秒", 87 * 86400 + 55 * 60 + 59)]
    [InlineData("2天3小时4分钟5秒", 2 * 86400 + 3 * 3600 + 4 * 60 + 5)]
    [InlineData("1 day 2 hours 3 minutes 4 seconds", 86400 + 7200 + 180 + 4)]
    [InlineData("3d 4h 5m 6s", 3 * 86400 + 4 * 3600 + 5 * 60 + 6)]
    [InlineData("5 02:03:04", 5 * 86400 + 7384)]
    [InlineData("02:03:04", 7384)]
    public void Uptime_Forms(string text, int seconds) => Assert.Equal(TimeSpan.FromSeconds(seconds), IsapiValues.ParseUptime(text));

    [Theory]
    [InlineData("")]
    [InlineData("unknown")]
    [InlineData("-5")]
    public void Uptime_Garbage_IsUnknown(string text) => Assert.Null(IsapiValues.ParseUptime(text));

    [Theory]
    [InlineData("true", true)]
    [InlineData("TRUE", true)]
    [InlineData("1", true)]
    [InlineData("false", false)]
    [InlineData("flase", false)]
    [InlineData("0", false)]
    [InlineData(" False ", false)]
    [InlineData("maybe", null)]
    public void Booleans_Leniently(string text, bool? expected) => Assert.Equal(expected, IsapiValues.ParseBool(text));

    [Theory]
    [InlineData("V5.6.2build 190701", null, 5, 6, 2, 190701)]
    [InlineData("V5.7.15 build 240201", null, 5, 7, 15, 240201)]
    [InlineData("V5.5.800", "build 210628", 5, 5, 800, 210628)]
    [InlineData("V5.7.18", "build 240826", 5, 7, 18, 240826)]
    [InlineData("v4.1", null, 4, 1, 0, null)]
    public void FirmwareVersions_WithAndWithoutSpaceBeforeBuild(string version, string? build, int major, int minor, int patch, int? date) =>
        Assert.Equal(new FirmwareVersion(major, minor, patch, date), FirmwareVersion.Parse(version, build));

    [Fact]
    public void FirmwareVersions_CompareByNumbersThenBuildDate()
    {
        Assert.True(FirmwareVersion.Parse("V5.5.800", "build 210627") < FirmwareVersion.Parse("V5.5.800 build 210628"));
        Assert.True(FirmwareVersion.Parse("V5.10.0") > FirmwareVersion.Parse("V5.9.99build 991231"));
        Assert.Null(FirmwareVersion.Parse("garbage"));
    }

    [Fact]
    public void ResponseStatus_MapsCodesToKinds()
    {
        static IsapiException Map(int code, string sub) => ResponseStatus.FromXml(IsapiXml.Parse(
            $"<ResponseStatus xmlns=\"http://www.isapi.org/ver20/XMLSchema\"><statusCode>{code}</statusCode><subStatusCode>{sub}</subStatusCode><errorCode>0x40000007</errorCode></ResponseStatus>"))
            .ToException(System.Net.HttpStatusCode.OK, "/x");
        Assert.Equal(IsapiErrorKind.Busy, Map(2, "upgrading").Kind);
        Assert.Equal(IsapiErrorKind.DeviceError, Map(3, "deviceError").Kind);
        Assert.Equal(IsapiErrorKind.NotActivated, Map(4, "notActivated").Kind);
        Assert.Equal(IsapiErrorKind.NotSupported, Map(4, "notSupport").Kind);
        Assert.Equal(IsapiErrorKind.Unauthorized, Map(4, "lowPrivilege").Kind);
        Assert.Equal(IsapiErrorKind.BadRequest, Map(4, "cannotSameAsOldPassword").Kind);
        Assert.Equal(IsapiErrorKind.BadRequest, Map(5, "badXmlFormat").Kind);
        Assert.Equal(IsapiErrorKind.BadRequest, Map(6, "badDevType").Kind);
        Assert.Equal(IsapiErrorKind.DeviceError, Map(9, "whatever").Kind);
        Assert.Equal(0x40000007, Map(4, "notActivated").ErrorCode);
        Assert.True(ResponseStatus.FromXml(IsapiXml.Parse("<ResponseStatus><statusCode>7</statusCode></ResponseStatus>")).IsSuccess);
    }

    [Fact]
    public void UserCheck_LockBody()
    {
        var status = ResponseStatus.FromXml(Fixture("userCheck-locked.xml"));
        Assert.True(status.IsLocked);
        Assert.Equal(1800, status.UnlockSeconds);
        Assert.Equal(0, status.AttemptsLeft);
    }

    [Fact]
    public void SecurityCapabilities_DigestAlgorithmsAndLimits()
    {
        var cap = SecurityCapabilities.FromXml(Fixture("securityCap.xml"));
        Assert.Equal(["MD5", "SHA256"], cap.DigestAlgorithms);
        Assert.Equal(8, cap.PasswordMinLength);
        Assert.Equal(16, cap.PasswordMaxLength);
        Assert.Equal(100, cap.KeyIterateNum);
        Assert.Equal("1", cap.SecurityVersion);
        Assert.True(cap.IsIrreversible);
    }

    [Fact]
    public void Storage_NestedVer10HddList()
    {
        var storage = StorageInfo.FromXml(Fixture("storage-nvr.xml"));
        Assert.Equal(2, storage.Disks.Count);
        Assert.True(storage.Disks[0].IsHealthy);
        Assert.Equal(0, storage.Disks[0].FreeSpaceMb);
        Assert.False(storage.Disks[1].IsHealthy);
        Assert.Equal("quota", storage.WorkMode);
    }

    [Fact]
    public void StreamingChannel_FrameRateInHundredths()
    {
        var ch = StreamingChannel.FromXml(Fixture("streamingChannel-101.xml"));
        Assert.Equal(101, ch.Id);
        Assert.Equal(25.0, ch.MaxFrameRate);
        Assert.Equal("H.265", ch.VideoCodecType);
        Assert.Equal(3840, ch.Width);
        Assert.False(ch.SmartCodecEnabled);
    }

    [Fact]
    public void Event_UnescapedAmpersand_IsSanitised()
    {
        var evt = IsapiEvent.FromXml(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "event-vmd-ampersand.xml")), 1 << 20);
        Assert.Equal("VMD", evt.EventType);
        Assert.Equal("Gate & Yard", evt.ChannelName);
        Assert.False(evt.IsHeartbeat);
        Assert.Equal(1, evt.ChannelId);
    }

    [Fact]
    public void Sanitiser_KeepsRealEntities() =>
        Assert.Equal("a &amp; b &lt; &#38; &#x26; &amp;c", IsapiXml.SanitizeAmpersands("a & b &lt; &#38; &#x26; &c"));

    [Fact]
    public void Dtd_IsProhibited_EvenWithoutEntities()
    {
        var ex = Assert.Throws<IsapiException>(() => IsapiXml.Parse("<!DOCTYPE x><x/>"));
        Assert.Equal(IsapiErrorKind.MalformedAnswer, ex.Kind);
    }

    [Fact]
    public void Document_LargerThanBound_IsRejected()
    {
        var xml = "<x>" + new string('a', 5000) + "</x>";
        Assert.Equal(IsapiErrorKind.MalformedAnswer, Assert.Throws<IsapiException>(() => IsapiXml.Parse(Encoding.UTF8.GetBytes(xml), 1000)).Kind);
    }

    [Theory]
    [InlineData("CST-8:00:00", 8 * 60)]
    [InlineData("CST+5:00:00", -5 * 60)]
    [InlineData("CST+0:00:00", 0)]
    [InlineData("CST-5:30:00", 5 * 60 + 30)]
    [InlineData("CST+0:00:00DST01:00:00,M5.3.0/02:00:00,M4.2.0/03:00:00", 0)]
    public void PosixZone_SignIsInverted(string zone, int minutes)
    {
        Assert.Equal(TimeSpan.FromMinutes(minutes), PosixTimeZone.ParseOffset(zone));
        if (!zone.Contains("DST", StringComparison.Ordinal)) Assert.Equal(zone, PosixTimeZone.Format(TimeSpan.FromMinutes(minutes)));
    }

    [Theory]
    [InlineData("58-50-ed-1f-e3-85", "58:50:ed:1f:e3:85")]
    [InlineData("5850ED1FE385", "58:50:ed:1f:e3:85")]
    [InlineData("58:50:ED:1F:E3:85", "58:50:ed:1f:e3:85")]
    public void Mac_IsNormalised(string raw, string expected) => Assert.Equal(expected, DeviceInfo.NormalizeMac(raw));

    [Fact]
    public void AdminAccesses_RealPortsAndHttps()
    {
        var list = AdminAccesses.FromXml(Fixture("adminAccesses-ipc.xml"));
        Assert.Equal(7, list.Protocols.Count);
        Assert.Equal(new AdminAccessProtocol(1, true, "HTTP", 80), list.Http);
        Assert.Equal(new AdminAccessProtocol(2, true, "HTTPS", 443), list.Https);
        Assert.Equal(10554, list.Protocols.Single(p => p.Is("rtsp")).Port);
        Assert.False(list.HttpOnly);
    }

    [Theory]
    [InlineData("<enabled>false</enabled><protocol>HTTPS</protocol>", true)]
    [InlineData("<protocol>HTTPS</protocol>", true)] // enabled not said: not proven on
    [InlineData("<enabled>true</enabled><protocol> https </protocol>", false)]
    [InlineData("<enabled>true</enabled><protocol>DEV_MANAGE</protocol>", true)] // no HTTPS option at all (§6)
    public void AdminAccesses_HttpOnly(string second, bool httpOnly)
    {
        var xml = "<AdminAccessProtocolList xmlns=\"http://www.isapi.org/ver20/XMLSchema\"><AdminAccessProtocol><id>1</id><protocol>HTTP</protocol>" +
                  $"<portNo>80</portNo></AdminAccessProtocol><AdminAccessProtocol><id>2</id>{second}<portNo>443</portNo></AdminAccessProtocol></AdminAccessProtocolList>";
        Assert.Equal(httpOnly, AdminAccesses.FromXml(IsapiXml.Parse(xml)).HttpOnly);
    }

    [Fact]
    public void AdminAccesses_HostileLengthIsBounded()
    {
        var xml = "<AdminAccessProtocolList>" + string.Concat(Enumerable.Repeat("<AdminAccessProtocol><protocol>X</protocol></AdminAccessProtocol>", 5000)) +
                  "</AdminAccessProtocolList>";
        Assert.Equal(AdminAccesses.MaxEntries, AdminAccesses.FromXml(IsapiXml.Parse(xml)).Protocols.Count);
    }
}
