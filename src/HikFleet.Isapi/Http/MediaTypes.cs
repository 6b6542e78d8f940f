namespace HikFleet.Isapi.Http;

/// <summary>
/// The media type of an answer, exactly as <c>Content.Headers.ContentType?.MediaType</c> gives it, without building the
/// typed header (a <c>MediaTypeHeaderValue</c>, its parameter collection and strings: ~0.5 KB per answer, issue #13) when
/// the raw value is of the plain form cameras send: <c>type/subtype</c> and optional <c>; name=token</c> or
/// <c>; name="quoted"</c> parameters. Anything else (spaces around the slash, escapes, non-ASCII, repeated headers,
/// invalid values) goes through the typed parser, so such answers are judged exactly as before.
/// </summary>
internal static class MediaTypes
{
    private const string ApplicationXml = "application/xml";
    private const string TextXml = "text/xml";
    private const string ImageJpeg = "image/jpeg";
    private const string TextPlain = "text/plain";
    private const string TextHtml = "text/html";

    /// <summary>The media type of <paramref name="content"/>'s <c>Content-Type</c>, or null.</summary>
    public static string? Of(HttpContent content)
    {
        var headers = content.Headers;
        if (headers.NonValidated.TryGetValues("Content-Type", out var values) && values.Count == 1)
        {
            var raw = values.ToString(); // one raw value: the stored string itself
            var length = PlainMediaTypeLength(raw);
            if (length > 0)
            {
                if (length == raw.Length) return raw;
                var media = raw.AsSpan(0, length);
                return media.SequenceEqual(ApplicationXml) ? ApplicationXml : media.SequenceEqual(ImageJpeg) ? ImageJpeg
                    : media.SequenceEqual(TextXml) ? TextXml : media.SequenceEqual(TextPlain) ? TextPlain
                    : media.SequenceEqual(TextHtml) ? TextHtml : media.ToString();
            }
        }
        return headers.ContentType?.MediaType;
    }

    /// <summary>
    /// Length of the <c>type/subtype</c> prefix when the whole value is of the plain form (a strict subset of what the
    /// typed parser accepts, RFC 9110 §8.3.1), else 0.
    /// </summary>
    internal static int PlainMediaTypeLength(string value)
    {
        var i = Token(value, 0);
        if (i == 0 || i >= value.Length || value[i] != '/') return 0;
        var end = Token(value, i + 1);
        if (end == i + 1) return 0;
        i = end;
        while (true)
        {
            i = Spaces(value, i);
            if (i == value.Length) return end;
            if (value[i] != ';') return 0;
            i = Spaces(value, i + 1);
            var name = Token(value, i);
            if (name == i || name >= value.Length || value[name] != '=') return 0;
            i = name + 1;
            if (i < value.Length && value[i] == '"')
            {
                i++;
                while (i < value.Length && value[i] is >= ' ' and <= '~' and not '"' and not '\\') i++;
                if (i >= value.Length || value[i] != '"') return 0;
                i++;
            }
            else
            {
                var token = Token(value, i);
                if (token == i) return 0;
                i = token;
            }
        }
    }

    private static int Token(string s, int i)
    {
        while (i < s.Length && IsTokenChar(s[i])) i++;
        return i;
    }

    private static int Spaces(string s, int i)
    {
        while (i < s.Length && s[i] is ' ' or '\t') i++;
        return i;
    }

    private static bool IsTokenChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';
}
