using System.Globalization;

namespace HikFleet.Sadp;

/// <summary>
/// Lenient parsing and canonical formatting of SADP field values. Devices are sloppy (protocol reference §4.3 and §5 item 9):
/// MACs come dashed, coloned or upper-case, booleans as <c>true</c>/<c>false</c>/<c>flase</c>/<c>1</c>/<c>0</c> in any case,
/// firmware versions with or without a space before "build".
/// </summary>
public static class SadpValues
{
    /// <summary>
    /// Normalises a MAC address to lower-case colon form (<c>aa:bb:cc:dd:ee:ff</c>). Accepts dashes, colons, dots or no separators.
    /// Returns <see langword="null"/> when the text is not 12 hex digits.
    /// </summary>
    public static string? NormalizeMac(string? text)
    {
        if (text is null || text.Length > 64)
            return null;
        Span<char> hex = stackalloc char[12];
        var count = 0;
        foreach (var c in text.AsSpan().Trim())
        {
            if (char.IsAsciiHexDigit(c))
            {
                if (count == 12)
                    return null;
                hex[count++] = char.ToLowerInvariant(c);
            }
            else if (c is not ('-' or ':' or '.'))
            {
                return null;
            }
        }
        if (count != 12)
            return null;
        return string.Create(17, hex.ToArray(), static (dest, h) =>
        {
            for (int i = 0, j = 0; i < 12; i += 2)
            {
                if (i > 0)
                    dest[j++] = ':';
                dest[j++] = h[i];
                dest[j++] = h[i + 1];
            }
        });
    }

    /// <summary>Formats a normalised MAC the way devices write it on the wire: lower-case and dashed (§4.3, §4.4).</summary>
    public static string ToWireMac(string mac) => (NormalizeMac(mac) ?? mac).Replace(':', '-');

    /// <summary>
    /// Parses a SADP boolean: <c>true</c>, <c>false</c>, the firmware typo <c>flase</c> (§4.3), <c>1</c> and <c>0</c>, any case.
    /// </summary>
    public static bool? ParseBool(string? text)
    {
        var t = text.AsSpan().Trim();
        if (t.Equals("true", StringComparison.OrdinalIgnoreCase) || t.SequenceEqual("1"))
            return true;
        if (t.Equals("false", StringComparison.OrdinalIgnoreCase) || t.Equals("flase", StringComparison.OrdinalIgnoreCase) || t.SequenceEqual("0"))
            return false;
        return null;
    }

    /// <summary>Formats a boolean the canonical way (<c>true</c>/<c>false</c>).</summary>
    public static string FormatBool(bool value) => value ? "true" : "false";

    /// <summary>Parses a decimal integer field (ports, DeviceType, channel counts); <see langword="null"/> when not a number.</summary>
    public static long? ParseLong(string? text) =>
        long.TryParse(text.AsSpan().Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : null;

    /// <summary>
    /// Normalises a firmware/DSP version so that exactly one space precedes "build": <c>V5.6.2build 190701</c> and
    /// <c>V5.6.2  build190701</c> both become <c>V5.6.2 build 190701</c> (§4.3, §6 "Version comparison").
    /// Text without "build" is only trimmed.
    /// </summary>
    public static string NormalizeVersion(string text)
    {
        var t = text.AsSpan().Trim();
        var at = t.LastIndexOf("build", StringComparison.OrdinalIgnoreCase);
        if (at <= 0)
            return t.ToString();
        var head = t[..at].TrimEnd();
        var tail = t[(at + 5)..].Trim();
        if (head.IsEmpty || tail.IsEmpty || tail.ContainsAny(" \t\r\n"))
            return t.ToString();
        return $"{head} build {tail}";
    }

    /// <summary>The boot-time format devices use: device-local time, no zone (§4.3).</summary>
    public const string BootTimeFormat = "yyyy-MM-dd HH:mm:ss";

    /// <summary>Parses a BootTime value (device-local, no zone). 1970 means the clock was never set and is kept as such.</summary>
    public static DateTime? ParseBootTime(string? text)
    {
        var t = text.AsSpan().Trim();
        if (DateTime.TryParseExact(t, ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm"], CultureInfo.InvariantCulture,
                DateTimeStyles.None, out var dt))
            return DateTime.SpecifyKind(dt, DateTimeKind.Unspecified);
        return null;
    }
}
