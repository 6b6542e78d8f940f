using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace HikFleet.Sadp;

/// <summary>Why a datagram was not accepted as a SADP message.</summary>
public enum SadpReadStatus
{
    /// <summary>Parsed; <see cref="SadpReadResult.Message"/> is set.</summary>
    Ok,
    /// <summary>Zero bytes.</summary>
    Empty,
    /// <summary>Larger than the size bound; not looked at.</summary>
    TooLarge,
    /// <summary>No <c>&lt;</c> at all, or not well-formed XML (including any DTD, which is prohibited).</summary>
    NotXml,
    /// <summary>Well-formed XML whose root is neither <c>Probe</c> nor <c>ProbeMatch</c>.</summary>
    UnexpectedRoot,
}

/// <summary>The outcome of reading one datagram: a message, or a status saying why there is none. Never an exception.</summary>
public readonly record struct SadpReadResult(SadpReadStatus Status, SadpMessage? Message, string? Detail)
{
    /// <summary>True when <see cref="Message"/> is set.</summary>
    public bool IsSuccess => Status == SadpReadStatus.Ok;

    internal static SadpReadResult Fail(SadpReadStatus status, string detail) => new(status, null, detail);
}

/// <summary>
/// Reads SADP datagrams (§4.2–§4.4). Device input is hostile: the datagram size is bounded, DTDs are prohibited, entity expansion
/// is off, and no exception escapes — every failure is a <see cref="SadpReadResult"/>.
/// </summary>
public static class SadpMessageReader
{
    /// <summary>Default size bound. A real ProbeMatch is about 2 KB; 16 KiB leaves room for verbose firmware.</summary>
    public const int DefaultMaxBytes = 16 * 1024;

    private static readonly XmlReaderSettings Settings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersFromEntities = 0,
        MaxCharactersInDocument = 128 * 1024, // above any UDP payload; the byte bound below is the real limit
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        IgnoreWhitespace = true,
        CloseInput = true,
    };

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    /// <summary>
    /// Parses one datagram. Anything before the first <c>&lt;</c> (a binary prefix some builds send, §4.1) is skipped, as is
    /// anything after the root element. Parsing is by local name, so a namespace on the root does not matter.
    /// </summary>
    /// <param name="datagram">The raw UDP payload.</param>
    /// <param name="maxBytes">Size bound; larger datagrams are rejected with <see cref="SadpReadStatus.TooLarge"/>.</param>
    public static SadpReadResult Read(ReadOnlySpan<byte> datagram, int maxBytes = DefaultMaxBytes)
    {
        if (datagram.IsEmpty)
            return SadpReadResult.Fail(SadpReadStatus.Empty, "empty datagram");
        if (datagram.Length > maxBytes)
            return SadpReadResult.Fail(SadpReadStatus.TooLarge, $"{datagram.Length} bytes exceeds the {maxBytes}-byte bound");
        var start = datagram.IndexOf((byte)'<');
        if (start < 0)
            return SadpReadResult.Fail(SadpReadStatus.NotXml, "no '<' in datagram");
        var text = Utf8.GetString(datagram[start..]);
        try
        {
            return Parse(text);
        }
        catch (XmlException ex)
        {
            return SadpReadResult.Fail(SadpReadStatus.NotXml, ex.Message);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or FormatException or OverflowException)
        {
            // Defence in depth: XmlReader/XNode can surface these for some malformed inputs; they are still "not XML".
            return SadpReadResult.Fail(SadpReadStatus.NotXml, ex.Message);
        }
    }

    /// <summary>Parses SADP XML text (already decoded). Same rules as <see cref="Read(ReadOnlySpan{byte}, int)"/>.</summary>
    public static SadpReadResult Read(string xml, int maxBytes = DefaultMaxBytes) => Read(Encoding.UTF8.GetBytes(xml), maxBytes);

    private static SadpReadResult Parse(string text)
    {
        using var reader = XmlReader.Create(new StringReader(text), Settings);
        if (reader.MoveToContent() != XmlNodeType.Element)
            return SadpReadResult.Fail(SadpReadStatus.NotXml, "no root element");
        SadpMessageKind kind;
        if (reader.LocalName == "Probe")
            kind = SadpMessageKind.Probe;
        else if (reader.LocalName == "ProbeMatch")
            kind = SadpMessageKind.ProbeMatch;
        else
            return SadpReadResult.Fail(SadpReadStatus.UnexpectedRoot, $"root element '{Truncate(reader.LocalName)}'");

        var message = new SadpMessage { Kind = kind };
        if (reader.IsEmptyElement)
            return new SadpReadResult(SadpReadStatus.Ok, message, null);
        var rootDepth = reader.Depth;
        reader.Read();
        while (true)
        {
            var nodeType = reader.MoveToContent();
            if (nodeType == XmlNodeType.None)
                return SadpReadResult.Fail(SadpReadStatus.NotXml, "unexpected end of document");
            if (nodeType == XmlNodeType.EndElement && reader.Depth == rootDepth)
                break;
            if (nodeType != XmlNodeType.Element)
            {
                reader.Read(); // stray text between fields: ignore
                continue;
            }
            var element = (XElement)XNode.ReadFrom(reader);
            Apply(message, element);
        }
        return new SadpReadResult(SadpReadStatus.Ok, message, null);
    }

    private static void Apply(SadpMessage message, XElement element)
    {
        var name = element.Name.LocalName;
        var value = element.HasElements
            ? string.Concat(element.Nodes().Select(n => n.ToString(SaveOptions.DisableFormatting)))
            : element.Value;
        if (!element.HasElements && SadpFields.ByName.TryGetValue(name, out var field))
        {
            if (field.Name == "Password")
            {
                message.PasswordSalted = SadpValues.ParseBool((string?)element.Attribute("bSalt")) == true;
            }
            if (field.Parse(message, value))
                return;
        }
        message.UnknownFields[name] = value;
    }

    private static string Truncate(string s) => s.Length <= 64 ? s : s[..64] + "…";
}
