using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace HikFleet.Core.Operations;

/// <summary>
/// A readable snapshot of the settings HikFleet restores after a reset and compares field by field: name, network, time, NTP, user
/// names and levels (never passwords), streams, OSD, motion, cloud access, the illegal-login lock and whether HTTPS is on.
/// Device-sourced text is data: bounded where it is read, rendered escaped.
/// </summary>
public sealed record DeviceSettings
{
    public string? DeviceName { get; init; }
    public NetworkSettings? Network { get; init; }
    public TimeSettings? Time { get; init; }
    public IReadOnlyList<NtpSettings> Ntp { get; init; } = [];
    public IReadOnlyList<UserSettings> Users { get; init; } = [];
    public IReadOnlyList<StreamSettings> Streams { get; init; } = [];
    public string? OsdName { get; init; }
    public MotionSettings? Motion { get; init; }
    public bool? CloudAccessEnabled { get; init; }
    public LoginLockSettings? LoginLock { get; init; }
    /// <summary>The HTTPS entry of adminAccesses is on (§1.1); null when the device lists no HTTPS option or could not be read.</summary>
    public bool? HttpsEnabled { get; init; }
    /// <summary>Areas the device would not show (not supported, refused): restored from elsewhere or reported, never guessed.</summary>
    public IReadOnlyList<string> Unreadable { get; init; } = [];

    public sealed record NetworkSettings(string? AddressingType, string? Address, string? SubnetMask, string? Gateway, string? PrimaryDns,
        string? SecondaryDns);

    public sealed record TimeSettings(string? Mode, string? TimeZone);

    public sealed record NtpSettings(int Id, string? Format, string? Host, string? Address, int? Port, int? IntervalMinutes);

    public sealed record UserSettings(int Id, string Name, string? Level);

    public sealed record StreamSettings(int Id, bool? Enabled, string? Codec, int? Width, int? Height, string? QualityControl, int? ConstantBitRate,
        int? VbrUpperCap, double? MaxFrameRate, int? GovLength, bool? SmartCodec, bool? Audio);

    public sealed record MotionSettings(bool? Enabled, int? Sensitivity, string? RegionType, string? GridMap);

    /// <summary>The illegal-login lock in the device's units (§1.5).</summary>
    /// <param name="LockSeconds">maxIllegalLoginLockTime, in seconds. Stored as "lockMinutes" by the first version of this record, which
    /// always held the device's seconds under that name: the JSON name stays so older backups still read right.</param>
    public sealed record LoginLockSettings(bool? Enabled, int? MaxAttempts, [property: JsonPropertyName("lockMinutes")] int? LockSeconds);

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        WriteIndented = false,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static DeviceSettings FromJson(string json) => JsonSerializer.Deserialize<DeviceSettings>(json, Json) ?? new DeviceSettings();

    /// <summary>Hex SHA-256 of the JSON form (what a backup stores next to it).</summary>
    public static string Sha256(string json) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json)));

    /// <summary>
    /// Every setting as "area.field" → value, ordered: the unit of comparison (restore verification, a profile's dry run, the
    /// before/after difference of a reset). Absent areas contribute nothing, so only what both sides know is compared.
    /// </summary>
    public SortedDictionary<string, string?> Flatten()
    {
        var f = new SortedDictionary<string, string?>(StringComparer.Ordinal);
        if (DeviceName is not null) f["device.name"] = DeviceName;
        if (Network is { } n)
        {
            f["network.addressing"] = n.AddressingType;
            // A DHCP address is whatever the server hands out: comparing it would report drift that is not.
            if (!string.Equals(n.AddressingType, "dynamic", StringComparison.OrdinalIgnoreCase))
            {
                f["network.address"] = n.Address;
                f["network.subnetMask"] = n.SubnetMask;
                f["network.gateway"] = n.Gateway;
            }

            f["network.dns1"] = n.PrimaryDns;
            f["network.dns2"] = n.SecondaryDns;
        }

        if (Time is { } t)
        {
            f["time.mode"] = t.Mode;
            f["time.zone"] = t.TimeZone;
        }

        foreach (var s in Ntp)
        {
            f[$"ntp.{s.Id}.server"] = s.Host ?? s.Address;
            f[$"ntp.{s.Id}.port"] = Str(s.Port);
            f[$"ntp.{s.Id}.intervalMinutes"] = Str(s.IntervalMinutes);
        }

        foreach (var u in Users) f[$"users.{u.Name}.level"] = u.Level;
        foreach (var s in Streams)
        {
            var p = $"stream.{s.Id}.";
            f[p + "enabled"] = Str(s.Enabled);
            f[p + "codec"] = s.Codec;
            f[p + "resolution"] = s.Width is null && s.Height is null ? null : $"{s.Width}x{s.Height}";
            f[p + "qualityControl"] = s.QualityControl;
            f[p + "constantBitRate"] = Str(s.ConstantBitRate);
            f[p + "vbrUpperCap"] = Str(s.VbrUpperCap);
            f[p + "maxFrameRate"] = s.MaxFrameRate?.ToString("0.##", CultureInfo.InvariantCulture);
            f[p + "govLength"] = Str(s.GovLength);
            f[p + "smartCodec"] = Str(s.SmartCodec);
            f[p + "audio"] = Str(s.Audio);
        }

        if (OsdName is not null) f["osd.name"] = OsdName;
        if (Motion is { } m)
        {
            f["motion.enabled"] = Str(m.Enabled);
            f["motion.sensitivity"] = Str(m.Sensitivity);
            f["motion.regionType"] = m.RegionType;
            f["motion.gridMap"] = m.GridMap;
        }

        if (CloudAccessEnabled is { } c) f["cloud.enabled"] = Str(c);
        if (LoginLock is { } l)
        {
            f["loginLock.enabled"] = Str(l.Enabled);
            f["loginLock.maxAttempts"] = Str(l.MaxAttempts);
            f["loginLock.lockSeconds"] = Str(l.LockSeconds);
        }

        if (HttpsEnabled is { } https) f["access.https"] = Str(https);

        return f;
    }

    /// <summary>What differs from <paramref name="before"/> to <paramref name="after"/>, field by field (fields only one side has included).</summary>
    public static IReadOnlyList<SettingsDifference> Compare(DeviceSettings before, DeviceSettings after)
    {
        var a = before.Flatten();
        var b = after.Flatten();
        var list = new List<SettingsDifference>();
        foreach (var key in a.Keys.Union(b.Keys).Order(StringComparer.Ordinal))
        {
            a.TryGetValue(key, out var x);
            b.TryGetValue(key, out var y);
            if (!string.Equals(x, y, StringComparison.Ordinal)) list.Add(new SettingsDifference(key, x, y));
        }

        return list;
    }

    private static string? Str(int? v) => v?.ToString(CultureInfo.InvariantCulture);

    private static string? Str(bool? v) => v is null ? null : v.Value ? "true" : "false";
}

/// <summary>One field that differs: before (backup, or the device now) and after (the device read back, or what a profile wants).</summary>
public sealed record SettingsDifference(string Field, string? Before, string? After);
