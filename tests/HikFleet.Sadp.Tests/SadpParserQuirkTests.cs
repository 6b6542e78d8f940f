using System.Text;
using HikFleet.Sadp;

namespace HikFleet.Sadp.Tests;

/// <summary>One test per device quirk the reference lists (§4.1, §4.3, §5 item 9), plus the hostile-input rules.</summary>
public sealed class SadpParserQuirkTests
{
    /// <summary>Shape of the real DS-2CD2385G1-I reply described in §4.3.</summary>
    private const string RealReply =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ProbeMatch><Uuid>8A0C0000-0000-0000-0000-000000000001</Uuid><Types>inquiry</Types>" +
        "<DeviceType>141945</DeviceType><DeviceDescription>DS-2CD2385G1-I</DeviceDescription>" +
        "<DeviceSN>DS-2CD2385G1-I20200414AAWRE33842150</DeviceSN><CommandPort>8000</CommandPort><HttpPort>80</HttpPort>" +
        "<MAC>58-50-ed-1f-e3-85</MAC><IPv4Address>192.168.1.64</IPv4Address><IPv4SubnetMask>255.255.255.0</IPv4SubnetMask>" +
        "<IPv4Gateway>0.0.0.0</IPv4Gateway><IPv6Address>::</IPv6Address><IPv6Gateway>::</IPv6Gateway><IPv6MaskLen>64</IPv6MaskLen>" +
        "<DHCP>false</DHCP><AnalogChannelNum>0</AnalogChannelNum><DigitalChannelNum>1</DigitalChannelNum>" +
        "<SoftwareVersion>V5.6.2build 190701</SoftwareVersion><DSPVersion>V7.3 build 190626</DSPVersion>" +
        "<BootTime>1970-01-15 02:44:11</BootTime><Encrypt>true</Encrypt><ResetAbility>false</ResetAbility><DiskNumber>0</DiskNumber>" +
        "<Activated>false</Activated><PasswordResetAbility>false</PasswordResetAbility><PasswordResetModeSecond>true</PasswordResetModeSecond>" +
        "<DetailOEMCode>1</DetailOEMCode><SupportSecurityQuestion>true</SupportSecurityQuestion><SupportHCPlatform>true</SupportHCPlatform>" +
        "<HCPlatformEnable>flase</HCPlatformEnable><IsModifyVerificationCode>flase</IsModifyVerificationCode>" +
        "<Salt>0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef</Salt><DeviceLock>flase</DeviceLock>" +
        "<SDKOverTLSPort>8443</SDKOverTLSPort></ProbeMatch>";

    [Fact]
    public void RealReply_ParsesWithAllQuirksNormalised()
    {
        var r = SadpMessageReader.Read(RealReply);
        Assert.True(r.IsSuccess, r.Detail);
        var m = r.Message!;
        Assert.Equal(SadpMessageKind.ProbeMatch, m.Kind);
        Assert.Equal(141945, m.DeviceType);
        Assert.Equal("58:50:ed:1f:e3:85", m.Mac);
        Assert.Equal("V5.6.2 build 190701", m.SoftwareVersion);
        Assert.Equal("V7.3 build 190626", m.DspVersion);
        Assert.True(m.IsBootClockUnset);
        Assert.Equal(new DateTime(1970, 1, 15, 2, 44, 11), m.BootTime);
        Assert.False(m.HCPlatformEnable);
        Assert.False(m.DeviceLock);
        Assert.False(m.Activated);
        Assert.Equal(8443, m.SdkOverTlsPort);
        Assert.Equal(64, m.Salt!.Length);
        Assert.Empty(m.UnknownFields);
    }

    [Theory]
    [InlineData("58-50-ed-1f-e3-85")]
    [InlineData("58:50:ED:1F:E3:85")]
    [InlineData("58-50-ED-1F-E3-85")]
    [InlineData("5850ed1fe385")]
    [InlineData(" 58:50:ed:1f:e3:85 ")]
    public void Mac_IsNormalised(string wire)
    {
        Assert.Equal("58:50:ed:1f:e3:85", Parse($"<MAC>{wire}</MAC>").Mac);
    }

    [Theory]
    [InlineData("58-50-ed-1f-e3")]
    [InlineData("58-50-ed-1f-e3-85-99")]
    [InlineData("zz-50-ed-1f-e3-85")]
    [InlineData("")]
    public void BadMac_IsNotAMacButIsKept(string wire)
    {
        var m = Parse($"<MAC>{wire}</MAC>");
        Assert.Null(m.Mac);
        Assert.Equal(wire, m.UnknownFields["MAC"]);
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("TRUE", true)]
    [InlineData("True", true)]
    [InlineData("1", true)]
    [InlineData("false", false)]
    [InlineData("FALSE", false)]
    [InlineData("flase", false)]
    [InlineData("FLASE", false)]
    [InlineData("0", false)]
    [InlineData(" true\r\n", true)]
    public void Booleans_AreLenient(string wire, bool expected)
    {
        var m = Parse($"<Activated>{wire}</Activated><DHCP>{wire}</DHCP><HCPlatformEnable>{wire}</HCPlatformEnable>");
        Assert.Equal(expected, m.Activated);
        Assert.Equal(expected, m.Dhcp);
        Assert.Equal(expected, m.HCPlatformEnable);
    }

    [Fact]
    public void UnparseableBoolean_IsNullAndKeptVerbatim()
    {
        var m = Parse("<Activated>maybe</Activated>");
        Assert.Null(m.Activated);
        Assert.Equal("maybe", m.UnknownFields["Activated"]);
        // and it is written back, so a relay would not lose it
        Assert.Contains("<Activated>maybe</Activated>", SadpMessageWriter.WriteString(m), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("141945", 141945L)]
    [InlineData(" 2 ", 2L)]
    [InlineData("8589934592", 8589934592L)]
    public void DeviceType_IsNumeric(string wire, long expected)
    {
        Assert.Equal(expected, Parse($"<DeviceType>{wire}</DeviceType>").DeviceType);
    }

    [Fact]
    public void NonNumericDeviceType_IsKeptAsUnknown()
    {
        var m = Parse("<DeviceType>IPCamera</DeviceType>");
        Assert.Null(m.DeviceType);
        Assert.Equal("IPCamera", m.UnknownFields["DeviceType"]);
    }

    [Theory]
    [InlineData("V5.6.2build 190701", "V5.6.2 build 190701")]
    [InlineData("V5.6.2 build 190701", "V5.6.2 build 190701")]
    [InlineData("V5.6.2  build  190701", "V5.6.2 build 190701")]
    [InlineData("V5.6.2build190701", "V5.6.2 build 190701")]
    [InlineData("V5.7.18 Build 240826", "V5.7.18 build 240826")]
    [InlineData("V5.7.18", "V5.7.18")]
    [InlineData("build", "build")]
    public void SoftwareVersion_IsNormalised(string wire, string expected)
    {
        Assert.Equal(expected, Parse($"<SoftwareVersion>{wire}</SoftwareVersion>").SoftwareVersion);
    }

    [Fact]
    public void BootTime1970_IsKeptAsClockNeverSet()
    {
        var unset = Parse("<BootTime>1970-01-01 00:00:31</BootTime>");
        Assert.True(unset.IsBootClockUnset);
        Assert.Equal(DateTimeKind.Unspecified, unset.BootTime!.Value.Kind);
        var set = Parse("<BootTime>2026-11-26 08:00:00</BootTime>");
        Assert.False(set.IsBootClockUnset);
        Assert.Equal(new DateTime(2026, 11, 26, 8, 0, 0), set.BootTime);
        var garbage = Parse("<BootTime>yesterday</BootTime>");
        Assert.Null(garbage.BootTime);
        Assert.Equal("yesterday", garbage.UnknownFields["BootTime"]);
    }

    [Fact]
    public void BinaryPrefix_BeforeXml_IsStripped()
    {
        var xml = Encoding.UTF8.GetBytes(RealReply);
        var datagram = new byte[] { 0x21, 0x02, 0x01, 0x42, 0x00, 0xff, 0xfe, 0x00 }.Concat(xml).ToArray();
        var r = SadpMessageReader.Read(datagram);
        Assert.True(r.IsSuccess, r.Detail);
        Assert.Equal("58:50:ed:1f:e3:85", r.Message!.Mac);
    }

    [Fact]
    public void TrailingGarbageAfterRoot_IsIgnored()
    {
        var datagram = Encoding.UTF8.GetBytes(RealReply).Concat(new byte[] { 0, 0, 0x41, (byte)'<' }).ToArray();
        Assert.True(SadpMessageReader.Read(datagram).IsSuccess);
    }

    [Fact]
    public void UnknownFields_AreKeptInOrder_IncludingNested()
    {
        var m = Parse("<Zeta>1</Zeta><Uuid>U</Uuid><Alpha>two</Alpha><QuestionList><Question><ID>1</ID></Question></QuestionList><Mid/>");
        Assert.Equal(["Zeta", "Alpha", "QuestionList", "Mid"], m.UnknownFields.Keys.ToArray());
        Assert.Equal("two", m.UnknownFields["Alpha"]);
        Assert.Equal("<Question><ID>1</ID></Question>", m.UnknownFields["QuestionList"]);
        Assert.Equal("", m.UnknownFields["Mid"]);
        Assert.Equal("U", m.Uuid);
    }

    [Fact]
    public void Namespace_OnRoot_IsIgnored_AndElementNamesAreCaseInsensitive()
    {
        var r = SadpMessageReader.Read("<ProbeMatch xmlns=\"urn:x\"><mac>58-50-ed-1f-e3-85</mac><ACTIVATED>true</ACTIVATED></ProbeMatch>");
        Assert.True(r.IsSuccess, r.Detail);
        Assert.Equal("58:50:ed:1f:e3:85", r.Message!.Mac);
        Assert.True(r.Message.Activated);
    }

    [Fact]
    public void SaltedPasswordAttribute_IsRead()
    {
        var r = SadpMessageReader.Read("<Probe><Types>update</Types><Password bSalt=\"true\">abc</Password></Probe>");
        Assert.True(r.Message!.PasswordSalted);
        Assert.Equal("abc", r.Message.Password);
        Assert.False(SadpMessageReader.Read("<Probe><Password>abc</Password></Probe>").Message!.PasswordSalted);
    }

    [Fact]
    public void OversizedDatagram_IsRejected_NotParsed()
    {
        var big = Encoding.UTF8.GetBytes("<ProbeMatch><X>" + new string('a', SadpMessageReader.DefaultMaxBytes) + "</X></ProbeMatch>");
        var r = SadpMessageReader.Read(big);
        Assert.Equal(SadpReadStatus.TooLarge, r.Status);
        Assert.Null(r.Message);
        Assert.True(SadpMessageReader.Read(big, maxBytes: big.Length).IsSuccess);
        // the largest bound the options allow (a full UDP payload) is honoured by the XML reader too
        var huge = Encoding.UTF8.GetBytes("<ProbeMatch><X>" + new string('a', 65_000) + "</X></ProbeMatch>");
        Assert.True(SadpMessageReader.Read(huge, maxBytes: 65_535).IsSuccess);
    }

    [Theory]
    [InlineData("", SadpReadStatus.Empty)]
    [InlineData("hello world", SadpReadStatus.NotXml)]
    [InlineData("<ProbeMatch><MAC>", SadpReadStatus.NotXml)]
    [InlineData("<ProbeMatch><MAC></Uuid></ProbeMatch>", SadpReadStatus.NotXml)]
    [InlineData("<<<>>>", SadpReadStatus.NotXml)]
    [InlineData("<html><body>hi</body></html>", SadpReadStatus.UnexpectedRoot)]
    [InlineData("<ProbeMatch>&undefined;</ProbeMatch>", SadpReadStatus.NotXml)]
    public void Garbage_IsRejectedWithAResult(string text, SadpReadStatus expected)
    {
        var r = SadpMessageReader.Read(Encoding.UTF8.GetBytes(text));
        Assert.Equal(expected, r.Status);
        Assert.Null(r.Message);
        Assert.False(string.IsNullOrEmpty(r.Detail));
    }

    [Fact]
    public void Dtd_IsProhibited_NoEntityExpansion()
    {
        const string billionLaughs = "<?xml version=\"1.0\"?><!DOCTYPE ProbeMatch [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">" +
                                     "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]><ProbeMatch><DeviceSN>&c;</DeviceSN></ProbeMatch>";
        var r = SadpMessageReader.Read(billionLaughs);
        Assert.Equal(SadpReadStatus.NotXml, r.Status);
        const string external = "<?xml version=\"1.0\"?><!DOCTYPE ProbeMatch [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><ProbeMatch><DeviceSN>&x;</DeviceSN></ProbeMatch>";
        Assert.Equal(SadpReadStatus.NotXml, SadpMessageReader.Read(external).Status);
    }

    [Fact]
    public void InvalidUtf8_DoesNotThrow()
    {
        var bytes = Encoding.UTF8.GetBytes("<ProbeMatch><DeviceDescription>").Concat(new byte[] { 0xC3, 0x28, 0xFF }).Concat(Encoding.UTF8.GetBytes("</DeviceDescription></ProbeMatch>")).ToArray();
        var r = SadpMessageReader.Read(bytes);
        Assert.True(r.IsSuccess, r.Detail);
        Assert.Contains('\uFFFD', r.Message!.DeviceDescription!);
    }

    private static SadpMessage Parse(string fields)
    {
        var r = SadpMessageReader.Read($"<?xml version=\"1.0\" encoding=\"utf-8\"?><ProbeMatch>{fields}</ProbeMatch>");
        Assert.True(r.IsSuccess, r.Detail);
        return r.Message!;
    }
}
