using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;

namespace HikFleet.Isapi.Xml;

/// <summary>
/// Safe, namespace-agnostic XML reading. Devices answer the same element names under ver10, ver20, isapi.org and
/// psialliance namespaces (§1.3, §5 item 1), so everything here matches by local name only. DTDs are prohibited and
/// the document size is bounded: device answers are hostile input.
/// </summary>
public static partial class IsapiXml
{
    /// <summary>ver20 camera namespace, used for our own request bodies unless the device spoke another one.</summary>
    public static readonly XNamespace Ver20 = "http://www.hikvision.com/ver20/XMLSchema";

    private static XmlReaderSettings? s_cached;

    /// <summary>Reader settings: no DTD, no resolver, bounded characters (cached per bound; settings are read-only once used).</summary>
    public static XmlReaderSettings ReaderSettings(long maxCharacters)
    {
        var cached = s_cached;
        if (cached is not null && cached.MaxCharactersInDocument == maxCharacters) return cached;
        var created = CreateSettings(maxCharacters);
        s_cached = created;
        return created;
    }

    private static XmlReaderSettings CreateSettings(long maxCharacters) => new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersInDocument = maxCharacters,
        MaxCharactersFromEntities = 1024, // moot with DTDs prohibited; 0 would mean "unlimited"
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        IgnoreWhitespace = true,
        CloseInput = false,
    };

    /// <summary>Parses a document; any XML error (including a DTD) becomes <see cref="IsapiErrorKind.MalformedAnswer"/>.</summary>
    public static XElement Parse(byte[] buffer, int offset, int count, long maxCharacters = 1024 * 1024)
    {
        try
        {
            using var stream = new MemoryStream(buffer, offset, count, writable: false);
            using var reader = XmlReader.Create(stream, ReaderSettings(maxCharacters));
            return XElement.Load(reader, LoadOptions.None);
        }
        catch (XmlException ex)
        {
            throw new IsapiException(IsapiErrorKind.MalformedAnswer, "The device answered malformed or forbidden XML: " + ex.Message, ex);
        }
    }

    /// <summary>Parses a whole byte array.</summary>
    public static XElement Parse(byte[] xml, long maxCharacters = 1024 * 1024) => Parse(xml, 0, xml.Length, maxCharacters);

    /// <summary>Parses text (used for alert-stream parts after sanitising).</summary>
    public static XElement Parse(string xml, long maxCharacters = 1024 * 1024)
    {
        try
        {
            using var text = new StringReader(xml);
            using var reader = XmlReader.Create(text, ReaderSettings(maxCharacters));
            return XElement.Load(reader, LoadOptions.None);
        }
        catch (XmlException ex)
        {
            throw new IsapiException(IsapiErrorKind.MalformedAnswer, "The device answered malformed or forbidden XML: " + ex.Message, ex);
        }
    }

    /// <summary>Escapes bare <c>&amp;</c> that some firmware puts in event XML (§2.10, §5 item 11).</summary>
    public static string SanitizeAmpersands(string xml) =>
        xml.Contains('&') ? BareAmpersand().Replace(xml, "&amp;") : xml;

    [GeneratedRegex(@"&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)")]
    private static partial Regex BareAmpersand();

    /// <summary>First child element with this local name, any namespace.</summary>
    public static XElement? Child(this XElement element, string localName)
    {
        foreach (var child in element.Elements())
        {
            if (child.Name.LocalName == localName) return child;
        }
        return null;
    }

    /// <summary>Child elements with this local name, any namespace.</summary>
    public static IEnumerable<XElement> Children(this XElement element, string localName) =>
        element.Elements().Where(e => e.Name.LocalName == localName);

    /// <summary>First descendant with this local name, any namespace.</summary>
    public static XElement? Descendant(this XElement element, string localName) =>
        element.Descendants().FirstOrDefault(e => e.Name.LocalName == localName);

    /// <summary>Trimmed text of a child, null when absent or empty.</summary>
    public static string? Text(this XElement element, string localName)
    {
        var value = element.Child(localName)?.Value.Trim();
        return string.IsNullOrEmpty(value) ? null : value;
    }

    /// <summary>Child as integer; tolerates floats (truncated) and surrounding text such as units.</summary>
    public static int? Int(this XElement element, string localName) => IsapiValues.ParseInt(element.Text(localName));

    /// <summary>Child as long.</summary>
    public static long? Long(this XElement element, string localName) => IsapiValues.ParseLong(element.Text(localName));

    /// <summary>Child as double (invariant culture).</summary>
    public static double? Double(this XElement element, string localName) => IsapiValues.ParseDouble(element.Text(localName));

    /// <summary>Child as boolean, leniently (<c>true/false/flase/1/0/yes/no/on/off</c>).</summary>
    public static bool? Bool(this XElement element, string localName) => IsapiValues.ParseBool(element.Text(localName));

    /// <summary>Child as a date-time with offset (device-local values without zone are taken as UTC offset 0).</summary>
    public static DateTimeOffset? Time(this XElement element, string localName) => IsapiValues.ParseDateTime(element.Text(localName));
}

/// <summary>Tolerant value parsers for the quirks listed in the protocol reference (§2.1, §4.3, §5).</summary>
public static partial class IsapiValues
{
    /// <summary>Lenient boolean: <c>true/false/flase/1/0/yes/no/on/off/enable/disable</c>, any case; else null.</summary>
    public static bool? ParseBool(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        switch (value.Trim().ToLowerInvariant())
        {
            case "true": case "1": case "yes": case "on": case "enable": case "enabled": case "ture":
                return true;
            case "false": case "flase": case "0": case "no": case "off": case "disable": case "disabled":
                return false;
            default:
                return null;
        }
    }

    /// <summary>Invariant double; null when unparseable.</summary>
    public static double? ParseDouble(string? value) =>
        double.TryParse(value?.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) ? d : null;

    /// <summary>Integer; a float is truncated (<c>36.400002</c> → 36); null when unparseable.</summary>
    public static int? ParseInt(string? value)
    {
        if (value is null) return null;
        if (int.TryParse(value.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var i)) return i;
        var d = ParseDouble(value);
        return d is >= int.MinValue and <= int.MaxValue ? (int)d.Value : null;
    }

    /// <summary>Long; null when unparseable.</summary>
    public static long? ParseLong(string? value)
    {
        if (value is null) return null;
        if (long.TryParse(value.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var l)) return l;
        var d = ParseDouble(value);
        return d is >= long.MinValue and <= long.MaxValue ? (long)d.Value : null;
    }

    /// <summary>Parses <c>0x40000003</c> (XML) or <c>1073741827</c> (JSON) error codes.</summary>
    public static long? ParseErrorCode(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        var v = value.Trim();
        if (v.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            return long.TryParse(v.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var h) ? h : null;
        return long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var d) ? d : null;
    }

    /// <summary>ISO 8601 date-time; values without an offset are taken as given with offset 0.</summary>
    public static DateTimeOffset? ParseDateTime(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        return DateTimeOffset.TryParse(value.Trim(), CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var t) ? t : null;
    }

    /// <summary>
    /// Uptime: integer seconds on most cameras, but at least one device sent a localised string such as
    /// <c>87天0时55分59秒</c> (§2.1). Integers first, then d/h/m/s tokens in any script, then <c>[d ]hh:mm:ss</c>.
    /// </summary>
    public static TimeSpan? ParseUptime(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        var v = value.Trim();
        if (long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds))
            return seconds >= 0 && seconds < TimeSpan.MaxValue.TotalSeconds ? TimeSpan.FromSeconds(seconds) : null;
        if (ParseDouble(v) is { } fs && fs >= 0 && fs < 1e12) return TimeSpan.FromSeconds(fs);

        var clock = ClockUptime().Match(v);
        if (clock.Success)
        {
            var days = clock.Groups[1].Success ? long.Parse(clock.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
            return new TimeSpan((int)Math.Min(days, 100_000), int.Parse(clock.Groups[2].Value, CultureInfo.InvariantCulture),
                int.Parse(clock.Groups[3].Value, CultureInfo.InvariantCulture), int.Parse(clock.Groups[4].Value, CultureInfo.InvariantCulture));
        }

        long total = 0;
        var any = false;
        foreach (Match m in UptimeToken().Matches(v))
        {
            if (!long.TryParse(m.Groups[1].Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) || n > 10_000_000) return null;
            var unit = m.Groups[2].Value.ToLowerInvariant();
            long factor = unit switch
            {
                "天" or "日" or "d" or "day" or "days" or "tage" or "tag" or "jours" or "jour" or "j" => 86400,
                "时" or "時" or "小时" or "小時" or "h" or "hr" or "hrs" or "hour" or "hours" or "std" => 3600,
                "分" or "分钟" or "分鐘" or "m" or "min" or "mins" or "minute" or "minutes" => 60,
                "秒" or "s" or "sec" or "secs" or "second" or "seconds" => 1,
                _ => -1,
            };
            if (factor < 0) continue;
            total += n * factor;
            any = true;
        }
        return any ? TimeSpan.FromSeconds(total) : null;
    }

    [GeneratedRegex(@"(\d+)\s*([^\d\s,;:]+)")]
    private static partial Regex UptimeToken();

    [GeneratedRegex(@"^(?:(\d+)\D+\s*)?(\d{1,2}):(\d{2}):(\d{2})$")]
    private static partial Regex ClockUptime();
}
