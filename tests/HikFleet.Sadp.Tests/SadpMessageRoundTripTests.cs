using System.Reflection;
using System.Text;
using HikFleet.Sadp;

namespace HikFleet.Sadp.Tests;

/// <summary>Every message kind the library writes or reads survives write → read unchanged, field by field.</summary>
public sealed class SadpMessageRoundTripTests
{
    internal static SadpMessage FullProbeMatch() => new()
    {
        Kind = SadpMessageKind.ProbeMatch,
        Uuid = "8A0C3E2F-1111-4222-8333-944445555666",
        Types = "inquiry",
        DeviceType = 141945,
        DeviceDescription = "DS-2CD2385G1-I",
        DeviceSN = "DS-2CD2385G1-I20200414AAWRE33842150",
        CommandPort = 8000,
        HttpPort = 80,
        Mac = "58:50:ed:1f:e3:85",
        IPv4Address = "192.168.1.64",
        IPv4SubnetMask = "255.255.255.0",
        IPv4Gateway = "192.168.1.1",
        IPv6Address = "::",
        IPv6Gateway = "::",
        IPv6MaskLen = 64,
        Dhcp = false,
        AnalogChannelNum = 0,
        DigitalChannelNum = 1,
        SoftwareVersion = "V5.6.2 build 190701",
        DspVersion = "V7.3 build 190626",
        BootTime = new DateTime(1970, 1, 15, 2, 44, 11, DateTimeKind.Unspecified),
        Encrypt = true,
        ResetAbility = false,
        DiskNumber = 0,
        Activated = false,
        PasswordResetAbility = "0",
        PasswordResetModeSecond = "2",
        DetailOemCode = 1,
        SupportSecurityQuestion = true,
        SupportGuid = true,
        SupportMailBox = false,
        SupportHCPlatform = true,
        HCPlatformEnable = false,
        IsModifyVerificationCode = false,
        Salt = new string('a', 32) + new string('0', 32),
        DeviceLock = false,
        SdkOverTlsPort = 8443,
        SdkServerStatus = "true",
        SdkOverTlsServerStatus = "true",
        OemInfo = "Hikvision",
        EzvizCode = "ABCDEF",
        SyncIpcPassword = false,
        SupportBind = true,
        MaxBindNum = 4,
        SupportRestoreInactive = true,
        SupportEzvizUnbind = true,
        WifiMac = "58:50:ed:1f:e3:86",
        Licensed = true,
        SystemMode = "IPC",
        SpecificDeviceType = "IPCamera",
        EHomeVer = "5.0",
        DhcpAbility = true,
        SecurityMode = "2",
        SupportWifiRegion = false,
        SupportChannelDefaultPassword = false,
        Result = "success",
        Code = "AAAA",
        EncryptString = "BBBB",
        Guid = "CCCC",
        MailBox = "ops@example.invalid",
        DevId = "dev-1",
        EHomeKey = "key-1",
        PWErrorParse = true,
        Password = "proof==",
        PasswordSalted = true,
    };

    public static TheoryData<string> CommandTypes => ["inquiry", "inquiry_v32", "exchangecode", "activate", "update", "reboot", "restore", "restoreInactive", "getencryptstring", "getcode"];

    [Fact]
    public void FullProbeMatch_RoundTrips_EveryProperty()
    {
        var original = FullProbeMatch();
        original.UnknownFields["FutureField"] = "x & <y>";
        original.UnknownFields["AnotherOne"] = "";
        var bytes = SadpMessageWriter.Write(original);
        var r = SadpMessageReader.Read(bytes);
        Assert.True(r.IsSuccess, r.Detail);
        AssertSameMessage(original, r.Message!);
        Assert.Equal(bytes, SadpMessageWriter.Write(r.Message!));
    }

    [Fact]
    public void EveryPublicSettableProperty_IsSetInTheFullSample()
    {
        // Guards the round-trip test itself: a property added later but not covered would silently escape it.
        var m = FullProbeMatch();
        foreach (var p in typeof(SadpMessage).GetProperties().Where(p => p.CanWrite && p.Name != nameof(SadpMessage.Kind)))
            Assert.True(p.GetValue(m) is not null, $"{p.Name} not set in FullProbeMatch");
    }

    [Theory]
    [MemberData(nameof(CommandTypes))]
    public void Probe_RoundTrips(string types)
    {
        var probe = SadpMessage.NewProbe(types);
        probe.Mac = "aa:bb:cc:dd:ee:ff";
        var bytes = SadpMessageWriter.Write(probe);
        var text = Encoding.UTF8.GetString(bytes);
        Assert.StartsWith("<?xml version=\"1.0\" encoding=\"utf-8\"?><Probe><Uuid>", text, StringComparison.Ordinal);
        Assert.Contains($"<Types>{types}</Types>", text, StringComparison.Ordinal);
        Assert.Contains("<MAC>aa-bb-cc-dd-ee-ff</MAC>", text, StringComparison.Ordinal); // devices' own notation (§4.4)
        var back = SadpMessageReader.Read(bytes).Message!;
        AssertSameMessage(probe, back);
        Assert.Equal(probe.Uuid!.ToUpperInvariant(), back.Uuid);
    }

    [Fact]
    public void InquiryProbe_MatchesReferenceShape()
    {
        var probe = SadpMessage.NewProbe("inquiry");
        var text = SadpMessageWriter.WriteString(probe);
        Assert.Equal($"<?xml version=\"1.0\" encoding=\"utf-8\"?><Probe><Uuid>{probe.Uuid}</Uuid><Types>inquiry</Types></Probe>", text);
        Assert.Matches("^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$", probe.Uuid!);
    }

    [Fact]
    public void UpdateCommand_RoundTrips_WithSaltedPassword()
    {
        var update = SadpMessage.NewProbe("update");
        update.PWErrorParse = true;
        update.Mac = "aa:bb:cc:dd:ee:ff";
        update.Password = SadpPasswordCrypto.CreateSaltedProof("admin", new string('f', 64), "Secret#2026x");
        update.PasswordSalted = true;
        update.IPv4Address = "10.0.0.20";
        update.IPv4SubnetMask = "255.255.255.0";
        update.IPv4Gateway = "10.0.0.1";
        update.CommandPort = 8000;
        update.Dhcp = false;
        var text = SadpMessageWriter.WriteString(update);
        Assert.Contains("<Password bSalt=\"true\">", text, StringComparison.Ordinal);
        Assert.Contains("<PWErrorParse>true</PWErrorParse>", text, StringComparison.Ordinal);
        Assert.Contains("<DHCP>false</DHCP>", text, StringComparison.Ordinal);
        AssertSameMessage(update, SadpMessageReader.Read(text).Message!);
    }

    [Theory]
    [InlineData("success")]
    [InlineData("failed")]
    [InlineData("Password error!")]
    public void CommandReply_RoundTrips(string result)
    {
        var reply = new SadpMessage { Kind = SadpMessageKind.ProbeMatch, Uuid = "ABC", Types = "update", Mac = "aa:bb:cc:dd:ee:ff", Result = result };
        reply.UnknownFields["Reason"] = "something";
        AssertSameMessage(reply, SadpMessageReader.Read(SadpMessageWriter.Write(reply)).Message!);
    }

    [Fact]
    public void EmptyRoot_ReadsAsEmptyMessage()
    {
        var r = SadpMessageReader.Read("<ProbeMatch/>");
        Assert.True(r.IsSuccess);
        Assert.Equal(SadpMessageKind.ProbeMatch, r.Message!.Kind);
        Assert.Null(r.Message.Mac);
    }

    internal static void AssertSameMessage(SadpMessage expected, SadpMessage actual)
    {
        foreach (var p in typeof(SadpMessage).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.Name == nameof(SadpMessage.UnknownFields))
                continue;
            Assert.True(Equals(p.GetValue(expected), p.GetValue(actual)), $"{p.Name}: expected '{p.GetValue(expected)}', got '{p.GetValue(actual)}'");
        }
        Assert.Equal(expected.UnknownFields.ToList(), actual.UnknownFields.ToList());
    }
}
