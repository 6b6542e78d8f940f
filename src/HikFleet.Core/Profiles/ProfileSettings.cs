using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace HikFleet.Core.Profiles;

/// <summary>
/// What a configuration profile wants a camera to have (stored as JSON in <c>ConfigurationProfile.Settings</c>). Every field is
/// optional: null means "this profile does not say", so a site profile overrides its tenant's profile field by field
/// (<see cref="Over"/>). Validated by <see cref="ProfileValidator"/>.
/// </summary>
public sealed record ProfileSettings
{
    /// <summary>IANA id (e.g. Europe/Berlin); pushed as the device's POSIX string (<see cref="PosixTimeZones"/>).</summary>
    public string? TimeZone { get; init; }
    /// <summary>Host names or IPv4 addresses, at most <see cref="ProfileValidator.MaxNtpServers"/>; setting them switches the device to NTP.</summary>
    public IReadOnlyList<string>? NtpServers { get; init; }
    /// <summary>OSD channel name with placeholders {camera} (HikFleet name, else serial), {site} and {serial}; rendered ≤ 32 device-safe characters.</summary>
    public string? OsdNamePattern { get; init; }
    /// <summary>Main stream (channel 101).</summary>
    public StreamProfile? MainStream { get; init; }
    /// <summary>Sub stream (channel 102).</summary>
    public StreamProfile? SubStream { get; init; }
    public bool? MotionEnabled { get; init; }
    /// <summary>0-100 (§2.8 sensitivityLevel).</summary>
    public int? MotionSensitivity { get; init; }
    /// <summary>
    /// False: EZVIZ/Hik-Connect is switched off (§2.11). True: allowed, so HikFleet leaves the device's choice alone (it never
    /// switches a cloud connection on by itself).
    /// </summary>
    public bool? CloudAccessAllowed { get; init; }
    /// <summary>The device's illegal-login lock (§1.5): on with its attempts and lock time, or deliberately off.</summary>
    public LoginLockPolicy? LoginLock { get; init; }
    /// <summary>
    /// True: the device's HTTPS admin access is switched on (§1.1, §6 "HTTP without an HTTPS option"). False or unset: the device's
    /// choice is left alone. HikFleet never switches HTTPS or HTTP off: it may be talking to the camera over either.
    /// </summary>
    public bool? HttpsEnabled { get; init; }
    /// <summary>Device password rules (used by password rotation, issue #10; not written to devices by a profile).</summary>
    public PasswordPolicy? PasswordPolicy { get; init; }

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads stored JSON; unreadable JSON is an empty profile (it never takes a device anywhere).</summary>
    public static ProfileSettings FromJson(string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) return new ProfileSettings();
        try
        {
            return JsonSerializer.Deserialize<ProfileSettings>(json, Json) ?? new ProfileSettings();
        }
        catch (JsonException)
        {
            return new ProfileSettings();
        }
    }

    /// <summary>This profile's fields where it sets them, <paramref name="fallback"/>'s elsewhere (site over tenant).</summary>
    public ProfileSettings Over(ProfileSettings? fallback) => fallback is null ? this : new ProfileSettings
    {
        TimeZone = TimeZone ?? fallback.TimeZone,
        NtpServers = NtpServers ?? fallback.NtpServers,
        OsdNamePattern = OsdNamePattern ?? fallback.OsdNamePattern,
        MainStream = MainStream ?? fallback.MainStream,
        SubStream = SubStream ?? fallback.SubStream,
        MotionEnabled = MotionEnabled ?? fallback.MotionEnabled,
        MotionSensitivity = MotionSensitivity ?? fallback.MotionSensitivity,
        CloudAccessAllowed = CloudAccessAllowed ?? fallback.CloudAccessAllowed,
        LoginLock = LoginLock ?? fallback.LoginLock,
        HttpsEnabled = HttpsEnabled ?? fallback.HttpsEnabled,
        PasswordPolicy = PasswordPolicy ?? fallback.PasswordPolicy,
    };

    /// <summary>True when the profile sets nothing a device would see.</summary>
    [JsonIgnore]
    public bool IsEmptyForDevices => TimeZone is null && NtpServers is null && OsdNamePattern is null && MainStream is null && SubStream is null
                                     && MotionEnabled is null && MotionSensitivity is null && CloudAccessAllowed is null && LoginLock is null
                                     && HttpsEnabled is null;

    /// <summary>
    /// Renders <see cref="OsdNamePattern"/> for one camera: placeholders replaced, characters a device may refuse replaced by '-',
    /// cut to <see cref="ProfileValidator.MaxOsdLength"/> (the device refuses longer names, §2.8 video input name).
    /// </summary>
    public static string RenderOsdName(string pattern, string? cameraName, string siteName, string serial)
    {
        var text = pattern
            .Replace("{camera}", string.IsNullOrWhiteSpace(cameraName) ? serial : cameraName.Trim(), StringComparison.OrdinalIgnoreCase)
            .Replace("{site}", siteName.Trim(), StringComparison.OrdinalIgnoreCase)
            .Replace("{serial}", serial.Trim(), StringComparison.OrdinalIgnoreCase);
        var sb = new StringBuilder(text.Length);
        foreach (var c in text) sb.Append(ProfileValidator.IsOsdSafe(c) ? c : '-');
        var rendered = sb.ToString().Trim();
        if (rendered.Length > ProfileValidator.MaxOsdLength) rendered = rendered[..ProfileValidator.MaxOsdLength].TrimEnd();
        return rendered.Length == 0 ? "-" : rendered;
    }
}

/// <summary>One video stream's wanted settings (§2.8).</summary>
/// <param name="Codec">H.264 or H.265.</param>
/// <param name="MaxFps">Frames per second (the device takes hundredths; the ISAPI client converts).</param>
/// <param name="BitrateKbps">Constant bit rate for CBR, the upper cap for VBR.</param>
/// <param name="BitrateControl">CBR or VBR.</param>
public sealed record StreamProfile(string Codec, int Width, int Height, int MaxFps, int BitrateKbps, string BitrateControl);

/// <summary>The illegal-login lock a profile wants (§1.5).</summary>
/// <param name="Enabled">Lock the login after repeated failures (the factory default; off is a deliberate choice, e.g. for a VMS that
/// keeps a wrong password, and silences the <c>login-lock-disabled</c> finding).</param>
/// <param name="MaxAttempts">Failed logins before the lock, 3-20 (the device's range); null keeps the device's.</param>
/// <param name="LockMinutes">Lock duration in minutes, 1-120 (the device takes up to 7200 s); null keeps the device's.</param>
public sealed record LoginLockPolicy(bool Enabled, int? MaxAttempts = null, int? LockMinutes = null);

/// <summary>Device password rules for the fleet (§3.4 allows 8-16 characters).</summary>
public sealed record PasswordPolicy(int MinimumLength, int? RotateEveryDays);

/// <summary>Per-field validation of profiles, in the house style (field name → messages), shared by the UI and the API.</summary>
public static class ProfileValidator
{
    public const int MaxNtpServers = 2;
    /// <summary>maxIllegalLoginTimes the devices accept (§1.5).</summary>
    public const int MinLoginAttempts = 3, MaxLoginAttempts = 20;
    /// <summary>Lock time in minutes (maxIllegalLoginLockTime is seconds, at most 7200).</summary>
    public const int MinLockMinutes = 1, MaxLockMinutes = 120;
    public const int MaxOsdLength = 32;
    public const int MaxNameLength = 200;
    public static readonly IReadOnlyList<string> Codecs = ["H.264", "H.265"];
    public static readonly IReadOnlyList<string> BitrateControls = ["CBR", "VBR"];
    private static readonly string[] Placeholders = ["{camera}", "{site}", "{serial}"];

    /// <summary>
    /// Characters every Hikvision firmware takes in an OSD name: ASCII letters, digits, space and a few separators. Quotes, angle
    /// brackets, ampersands and the like are refused by some firmware or mangled in the overlay.
    /// </summary>
    public static bool IsOsdSafe(char c) => char.IsAsciiLetterOrDigit(c) || c is ' ' or '-' or '_' or '.' or '#' or '(' or ')' or '/' or ':' or '+' or ',';

    public static Dictionary<string, string[]> Validate(string? name, ProfileSettings settings)
    {
        var errors = new Dictionary<string, List<string>>();
        void Add(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list)) errors[field] = list = [];
            list.Add(message);
        }

        var n = name?.Trim() ?? "";
        if (n.Length == 0) Add("Name", "A profile needs a name.");
        else if (n.Length > MaxNameLength) Add("Name", $"The name is longer than {MaxNameLength} characters.");

        if (settings.TimeZone is { } zone && !PosixTimeZones.TryConvert(zone, out _, out var zoneProblem))
        {
            Add(nameof(ProfileSettings.TimeZone), zoneProblem!);
        }

        if (settings.NtpServers is { } servers)
        {
            // Blank lines of an editor are not servers (the service stores the list without them).
            var list = servers.Select(s => s?.Trim() ?? "").Where(s => s.Length > 0).ToList();
            if (list.Count == 0) Add(nameof(ProfileSettings.NtpServers), "Name at least one NTP server, or leave NTP unset.");
            if (list.Count > MaxNtpServers) Add(nameof(ProfileSettings.NtpServers), $"At most {MaxNtpServers} NTP servers.");
            foreach (var s in list.Take(8))
            {
                if (!IsHostOrIPv4(s)) Add(nameof(ProfileSettings.NtpServers), $"'{Cut(s)}' is neither an IPv4 address nor a host name.");
            }
        }

        if (settings.OsdNamePattern is { } pattern)
        {
            var literal = pattern;
            foreach (var p in Placeholders) literal = literal.Replace(p, "", StringComparison.OrdinalIgnoreCase);
            if (pattern.Trim().Length == 0) Add(nameof(ProfileSettings.OsdNamePattern), "The OSD name pattern is empty.");
            else if (literal.Contains('{') || literal.Contains('}'))
                Add(nameof(ProfileSettings.OsdNamePattern), "Unknown placeholder: use {camera}, {site} or {serial}.");
            else if (literal.FirstOrDefault(c => !IsOsdSafe(c)) is var bad && bad != default)
                Add(nameof(ProfileSettings.OsdNamePattern), $"'{bad}' is not accepted in a camera's OSD name (letters, digits, space and - _ . # ( ) / : + , are).");
            if (literal.Length > MaxOsdLength)
                Add(nameof(ProfileSettings.OsdNamePattern), $"The fixed text alone is longer than the {MaxOsdLength} characters a camera shows.");
        }

        ValidateStream(settings.MainStream, nameof(ProfileSettings.MainStream), 160, 7680, 120, 4320, Add);
        ValidateStream(settings.SubStream, nameof(ProfileSettings.SubStream), 160, 1920, 120, 1080, Add);

        if (settings.MotionSensitivity is { } sensitivity && sensitivity is < 0 or > 100)
            Add(nameof(ProfileSettings.MotionSensitivity), "Motion sensitivity is between 0 and 100.");
        if (settings.MotionSensitivity is not null && settings.MotionEnabled == false)
            Add(nameof(ProfileSettings.MotionSensitivity), "A sensitivity only matters with motion detection on.");

        if (settings.LoginLock is { } loginLock)
        {
            if (loginLock.MaxAttempts is { } attempts && attempts is < MinLoginAttempts or > MaxLoginAttempts)
                Add(nameof(ProfileSettings.LoginLock), $"Failed logins before the lock are between {MinLoginAttempts} and {MaxLoginAttempts} (the cameras' range); {attempts} is not.");
            if (loginLock.LockMinutes is { } minutes && minutes is < MinLockMinutes or > MaxLockMinutes)
                Add(nameof(ProfileSettings.LoginLock), $"The lock lasts {MinLockMinutes} to {MaxLockMinutes} minutes; {minutes} is not.");
            if (!loginLock.Enabled && (loginLock.MaxAttempts is not null || loginLock.LockMinutes is not null))
                Add(nameof(ProfileSettings.LoginLock), "Attempts and lock time only matter with the login lock on.");
        }

        if (settings.PasswordPolicy is { } policy)
        {
            if (policy.MinimumLength is < 8 or > 16)
                Add(nameof(ProfileSettings.PasswordPolicy), "The minimum password length is between 8 and 16 (devices take 8-16 characters).");
            if (policy.RotateEveryDays is { } days && days is < 1 or > 3650)
                Add(nameof(ProfileSettings.PasswordPolicy), "Rotate every 1 to 3650 days, or leave rotation off.");
        }

        return errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
    }

    private static void ValidateStream(StreamProfile? s, string field, int minW, int maxW, int minH, int maxH, Action<string, string> add)
    {
        if (s is null) return;
        if (!Codecs.Contains(s.Codec)) add(field, $"Codec is {string.Join(" or ", Codecs)}.");
        if (s.Width < minW || s.Width > maxW || s.Height < minH || s.Height > maxH)
            add(field, $"Resolution {s.Width}x{s.Height} is outside {minW}x{minH} to {maxW}x{maxH}.");
        if (s.MaxFps is < 1 or > 60) add(field, "Frame rate is between 1 and 60 fps.");
        if (s.BitrateKbps is < 32 or > 16384) add(field, "Bit rate is between 32 and 16384 kbps.");
        if (!BitrateControls.Contains(s.BitrateControl)) add(field, "Bit rate control is CBR or VBR.");
    }

    private static bool IsHostOrIPv4(string value) =>
        value.Length is > 0 and <= 253 && (IPAddress.TryParse(value, out var a) ? a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && value.Count(c => c == '.') == 3
            : Uri.CheckHostName(value) == UriHostNameType.Dns);

    private static string Cut(string s) => s.Length <= 64 ? s : s[..64] + "…";
}
