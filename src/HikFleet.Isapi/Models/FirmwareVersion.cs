using System.Globalization;
using System.Text.RegularExpressions;

namespace HikFleet.Isapi.Models;

/// <summary>
/// A firmware identity normalised for comparison (§6): <c>V5.5.800</c> + <c>build 210628</c>, <c>V5.7.15 build 240201</c>
/// (NVR, build inline) and <c>V5.6.2build 190701</c> (SADP, no space) all parse to (major, minor, patch, build date).
/// </summary>
public readonly partial record struct FirmwareVersion(int Major, int Minor, int Patch, int? Build) : IComparable<FirmwareVersion>
{
    /// <summary>Parses a version and an optional separate build string; null when no version number is found.</summary>
    public static FirmwareVersion? Parse(string? version, string? build = null)
    {
        if (string.IsNullOrWhiteSpace(version)) return null;
        // Every deviceInfo read parses the same few strings of a fleet's firmware: remember them (issue #13: the three regex
        // matches were ~1 KB per health check). Bounded in entries and in key length, so a hostile device cannot grow it.
        var cacheable = version.Length + (build?.Length ?? 0) <= MaxCachedLength;
        if (cacheable && Cache.TryGetValue((version, build), out var cached)) return cached;
        var parsed = ParseCore(version, build);
        if (cacheable && Cache.Count < MaxCachedEntries) Cache.TryAdd((version, build), parsed);
        return parsed;
    }

    private const int MaxCachedLength = 96;
    private const int MaxCachedEntries = 512;
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Version, string? Build), FirmwareVersion?> Cache = new();

    private static FirmwareVersion? ParseCore(string version, string? build)
    {
        var m = VersionPattern().Match(version);
        if (!m.Success) return null;
        static int Num(Group g) => g.Success && int.TryParse(g.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
        int? buildDate = null;
        var inlineBuild = BuildPattern().Match(version);
        if (inlineBuild.Success) buildDate = int.Parse(inlineBuild.Groups[1].Value, CultureInfo.InvariantCulture);
        else if (build is not null && BuildPattern().Match(build) is { Success: true } b) buildDate = int.Parse(b.Groups[1].Value, CultureInfo.InvariantCulture);
        else if (build is not null && int.TryParse(build.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var bare)) buildDate = bare;
        return new FirmwareVersion(Num(m.Groups[1]), Num(m.Groups[2]), Num(m.Groups[3]), buildDate);
    }

    /// <inheritdoc />
    public int CompareTo(FirmwareVersion other)
    {
        var c = Major.CompareTo(other.Major);
        if (c == 0) c = Minor.CompareTo(other.Minor);
        if (c == 0) c = Patch.CompareTo(other.Patch);
        if (c == 0) c = (Build ?? 0).CompareTo(other.Build ?? 0);
        return c;
    }

    /// <summary>Comparison operators.</summary>
    public static bool operator <(FirmwareVersion a, FirmwareVersion b) => a.CompareTo(b) < 0;
    /// <summary>Comparison operators.</summary>
    public static bool operator >(FirmwareVersion a, FirmwareVersion b) => a.CompareTo(b) > 0;
    /// <summary>Comparison operators.</summary>
    public static bool operator <=(FirmwareVersion a, FirmwareVersion b) => a.CompareTo(b) <= 0;
    /// <summary>Comparison operators.</summary>
    public static bool operator >=(FirmwareVersion a, FirmwareVersion b) => a.CompareTo(b) >= 0;

    /// <summary>Canonical form, e.g. <c>V5.6.2 build 190701</c>.</summary>
    public override string ToString() => Build is { } b ? $"V{Major}.{Minor}.{Patch} build {b:D6}" : $"V{Major}.{Minor}.{Patch}";

    [GeneratedRegex(@"[Vv]?\s*(\d+)\.(\d+)(?:\.(\d+))?")]
    private static partial Regex VersionPattern();

    [GeneratedRegex(@"build\s*(\d{6})", RegexOptions.IgnoreCase)]
    private static partial Regex BuildPattern();
}
