using System.Collections.Frozen;
using System.Globalization;

namespace HikFleet.Sadp;

/// <summary>
/// The table of known SADP elements (§4.3, §4.4): wire name, how to format the typed value and how to parse it leniently.
/// One table drives both the reader and the writer so that they cannot drift apart.
/// </summary>
internal static class SadpFields
{
    internal sealed record Field(string Name, Func<SadpMessage, string?> Format, Func<SadpMessage, string, bool> Parse);

    /// <summary>Wire order used by the writer.</summary>
    public static readonly Field[] All =
    [
        S("Uuid", m => m.Uuid, (m, v) => m.Uuid = v),
        S("Types", m => m.Types, (m, v) => m.Types = v),
        B("PWErrorParse", m => m.PWErrorParse, (m, v) => m.PWErrorParse = v),
        Mac("MAC", m => m.Mac, (m, v) => m.Mac = v),
        // Password is special-cased by reader and writer for its bSalt attribute; value handling is plain text.
        new("Password", m => m.Password, (m, v) => { m.Password = v; return true; }),
        S("Code", m => m.Code, (m, v) => m.Code = v),
        S("Result", m => m.Result, (m, v) => m.Result = v),
        S("EncryptString", m => m.EncryptString, (m, v) => m.EncryptString = v),
        L("DeviceType", m => m.DeviceType, (m, v) => m.DeviceType = v),
        S("DeviceDescription", m => m.DeviceDescription, (m, v) => m.DeviceDescription = v),
        S("DeviceSN", m => m.DeviceSN, (m, v) => m.DeviceSN = v),
        I("CommandPort", m => m.CommandPort, (m, v) => m.CommandPort = v),
        I("HttpPort", m => m.HttpPort, (m, v) => m.HttpPort = v),
        S("IPv4Address", m => m.IPv4Address, (m, v) => m.IPv4Address = v),
        S("IPv4SubnetMask", m => m.IPv4SubnetMask, (m, v) => m.IPv4SubnetMask = v),
        S("IPv4Gateway", m => m.IPv4Gateway, (m, v) => m.IPv4Gateway = v),
        S("IPv6Address", m => m.IPv6Address, (m, v) => m.IPv6Address = v),
        S("IPv6Gateway", m => m.IPv6Gateway, (m, v) => m.IPv6Gateway = v),
        I("IPv6MaskLen", m => m.IPv6MaskLen, (m, v) => m.IPv6MaskLen = v),
        B("DHCP", m => m.Dhcp, (m, v) => m.Dhcp = v),
        I("AnalogChannelNum", m => m.AnalogChannelNum, (m, v) => m.AnalogChannelNum = v),
        I("DigitalChannelNum", m => m.DigitalChannelNum, (m, v) => m.DigitalChannelNum = v),
        V("SoftwareVersion", m => m.SoftwareVersion, (m, v) => m.SoftwareVersion = v),
        V("DSPVersion", m => m.DspVersion, (m, v) => m.DspVersion = v),
        new("BootTime", m => m.BootTime?.ToString(SadpValues.BootTimeFormat, CultureInfo.InvariantCulture), (m, v) =>
        {
            var t = SadpValues.ParseBootTime(v);
            m.BootTime = t;
            return t is not null;
        }),
        B("Encrypt", m => m.Encrypt, (m, v) => m.Encrypt = v),
        B("ResetAbility", m => m.ResetAbility, (m, v) => m.ResetAbility = v),
        I("DiskNumber", m => m.DiskNumber, (m, v) => m.DiskNumber = v),
        B("Activated", m => m.Activated, (m, v) => m.Activated = v),
        S("PasswordResetAbility", m => m.PasswordResetAbility, (m, v) => m.PasswordResetAbility = v),
        S("PasswordResetModeSecond", m => m.PasswordResetModeSecond, (m, v) => m.PasswordResetModeSecond = v),
        L("DetailOEMCode", m => m.DetailOemCode, (m, v) => m.DetailOemCode = v),
        B("SupportSecurityQuestion", m => m.SupportSecurityQuestion, (m, v) => m.SupportSecurityQuestion = v),
        B("SupportGUID", m => m.SupportGuid, (m, v) => m.SupportGuid = v),
        B("SupportMailBox", m => m.SupportMailBox, (m, v) => m.SupportMailBox = v),
        B("SupportHCPlatform", m => m.SupportHCPlatform, (m, v) => m.SupportHCPlatform = v),
        B("HCPlatformEnable", m => m.HCPlatformEnable, (m, v) => m.HCPlatformEnable = v),
        B("IsModifyVerificationCode", m => m.IsModifyVerificationCode, (m, v) => m.IsModifyVerificationCode = v),
        S("Salt", m => m.Salt, (m, v) => m.Salt = v),
        B("DeviceLock", m => m.DeviceLock, (m, v) => m.DeviceLock = v),
        I("SDKOverTLSPort", m => m.SdkOverTlsPort, (m, v) => m.SdkOverTlsPort = v),
        S("SDKServerStatus", m => m.SdkServerStatus, (m, v) => m.SdkServerStatus = v),
        S("SDKOverTLSServerStatus", m => m.SdkOverTlsServerStatus, (m, v) => m.SdkOverTlsServerStatus = v),
        S("OEMInfo", m => m.OemInfo, (m, v) => m.OemInfo = v),
        S("EZVIZCode", m => m.EzvizCode, (m, v) => m.EzvizCode = v),
        B("SyncIPCPassword", m => m.SyncIpcPassword, (m, v) => m.SyncIpcPassword = v),
        B("SupportBind", m => m.SupportBind, (m, v) => m.SupportBind = v),
        I("MaxBindNum", m => m.MaxBindNum, (m, v) => m.MaxBindNum = v),
        B("SupportRestoreInactive", m => m.SupportRestoreInactive, (m, v) => m.SupportRestoreInactive = v),
        B("supportEzvizUnbind", m => m.SupportEzvizUnbind, (m, v) => m.SupportEzvizUnbind = v),
        Mac("WifiMAC", m => m.WifiMac, (m, v) => m.WifiMac = v),
        B("Licensed", m => m.Licensed, (m, v) => m.Licensed = v),
        S("SystemMode", m => m.SystemMode, (m, v) => m.SystemMode = v),
        S("SpecificDeviceType", m => m.SpecificDeviceType, (m, v) => m.SpecificDeviceType = v),
        S("EHomeVer", m => m.EHomeVer, (m, v) => m.EHomeVer = v),
        B("DHCPAbility", m => m.DhcpAbility, (m, v) => m.DhcpAbility = v),
        S("SecurityMode", m => m.SecurityMode, (m, v) => m.SecurityMode = v),
        B("supportwifiRegion", m => m.SupportWifiRegion, (m, v) => m.SupportWifiRegion = v),
        B("SupportChannelDefaultPassword", m => m.SupportChannelDefaultPassword, (m, v) => m.SupportChannelDefaultPassword = v),
        S("GUID", m => m.Guid, (m, v) => m.Guid = v),
        S("MailBox", m => m.MailBox, (m, v) => m.MailBox = v),
        S("DevID", m => m.DevId, (m, v) => m.DevId = v),
        S("EHomeKey", m => m.EHomeKey, (m, v) => m.EHomeKey = v),
    ];

    /// <summary>Lookup by element name; case-insensitive because devices are not consistent (<c>supportEzvizUnbind</c>).</summary>
    public static readonly FrozenDictionary<string, Field> ByName =
        All.ToFrozenDictionary(f => f.Name, StringComparer.OrdinalIgnoreCase);

    private static Field S(string name, Func<SadpMessage, string?> get, Action<SadpMessage, string> set) =>
        new(name, get, (m, v) => { set(m, v.Trim()); return true; });

    private static Field V(string name, Func<SadpMessage, string?> get, Action<SadpMessage, string> set) =>
        new(name, get, (m, v) => { set(m, SadpValues.NormalizeVersion(v)); return true; });

    private static Field Mac(string name, Func<SadpMessage, string?> get, Action<SadpMessage, string> set) =>
        new(name, m => get(m) is { } mac ? SadpValues.ToWireMac(mac) : null, (m, v) =>
        {
            var mac = SadpValues.NormalizeMac(v);
            if (mac is null)
                return false;
            set(m, mac);
            return true;
        });

    private static Field B(string name, Func<SadpMessage, bool?> get, Action<SadpMessage, bool> set) =>
        new(name, m => get(m) is { } b ? SadpValues.FormatBool(b) : null, (m, v) =>
        {
            if (SadpValues.ParseBool(v) is not { } b)
                return false;
            set(m, b);
            return true;
        });

    private static Field I(string name, Func<SadpMessage, int?> get, Action<SadpMessage, int> set) =>
        new(name, m => get(m)?.ToString(CultureInfo.InvariantCulture), (m, v) =>
        {
            if (SadpValues.ParseLong(v) is not { } n || n is < int.MinValue or > int.MaxValue)
                return false;
            set(m, (int)n);
            return true;
        });

    private static Field L(string name, Func<SadpMessage, long?> get, Action<SadpMessage, long> set) =>
        new(name, m => get(m)?.ToString(CultureInfo.InvariantCulture), (m, v) =>
        {
            if (SadpValues.ParseLong(v) is not { } n)
                return false;
            set(m, n);
            return true;
        });
}
