using System.Text;
using System.Xml;

namespace HikFleet.Isapi.Xml;

/// <summary>
/// Forward-only reading of the answers the health check fetches every minute (deviceInfo, status, Storage): the fields go
/// straight from the <see cref="XmlReader"/> into the model, with no <c>XElement</c> tree (issue #13: the trees and their
/// strings were ~20 % of a sweep's allocations). The results and the hostile-input rules are those of
/// <see cref="IsapiXml.Parse(byte[], int, int, long)"/> + the <c>FromXml</c> readers:
/// <list type="bullet">
/// <item>same reader settings (DTD prohibited, no resolver, character bound), and the whole document is read, so every
/// error <c>XElement.Load</c> would raise (a bad tail, a second root, the bound) is still raised, as
/// <see cref="IsapiErrorKind.MalformedAnswer"/> with the same message;</item>
/// <item>names match by local name in any namespace (§1.3, §5 item 1); the first child of a name wins, later ones are
/// skipped, as <see cref="IsapiXml.Child"/> does;</item>
/// <item>a field's text is the concatenation of all text below the element, trimmed, empty = absent, as
/// <see cref="IsapiXml.Text"/> (<c>XElement.Value</c>) gives it;</item>
/// <item>a <c>ResponseStatus</c>/<c>userCheck</c> root is not read here (the caller falls back to the tree path, which
/// maps the envelope, §1.4).</item>
/// </list>
/// </summary>
internal static class IsapiXmlReader
{
    /// <summary>
    /// Reads a whole document with <paramref name="readRoot"/>, which gets the reader on the root element and must leave it
    /// on the root's end (or on the root when it is empty). Null when the root is a status envelope; then
    /// <paramref name="rootNamespace"/> is null too, otherwise it is the root's namespace (empty when none).
    /// </summary>
    public static T? Read<T>(byte[] buffer, int offset, int count, long maxCharacters, Func<XmlReader, T> readRoot, out string? rootNamespace)
        where T : class
    {
        rootNamespace = null;
        var names = ReaderCache.Rent(maxCharacters);
        try
        {
            using var stream = new MemoryStream(buffer, offset, count, writable: false);
            using var reader = XmlReader.Create(stream, names.Settings);
            // XElement.Load's first step; with ConformanceLevel.Document anything but an element already threw here.
            if (reader.MoveToContent() != XmlNodeType.Element) throw new XmlException("The document has no root element.");
            if (reader.LocalName is "ResponseStatus" or "userCheck") return null;
            rootNamespace = reader.NamespaceURI;
            var model = readRoot(reader);
            // The rest of the document is still parsed: XElement.Load rejects what follows the root the same way.
            while (reader.Read())
            {
            }
            return model;
        }
        catch (XmlException ex)
        {
            throw new IsapiException(IsapiErrorKind.MalformedAnswer, "The device answered malformed or forbidden XML: " + ex.Message, ex);
        }
        finally
        {
            ReaderCache.Return(names);
        }
    }

    /// <summary>
    /// Moves to the next child element of the element at <paramref name="parentDepth"/> (skipping whatever is inside the
    /// previous child), or returns false on the parent's end. Call only for a parent that is not empty.
    /// </summary>
    public static bool NextChild(XmlReader reader, int parentDepth)
    {
        while (reader.Read())
        {
            switch (reader.NodeType)
            {
                case XmlNodeType.Element when reader.Depth == parentDepth + 1:
                    return true;
                case XmlNodeType.EndElement when reader.Depth == parentDepth:
                    return false;
            }
        }
        // Unreachable for a well-formed reader (an unclosed element throws first), kept as a malformed answer.
        throw new XmlException("Unexpected end of the document.");
    }

    /// <summary>
    /// <see cref="IsapiXml.Text"/> of the element the reader is on: all text below it concatenated (<c>XElement.Value</c>),
    /// trimmed, null when empty. Leaves the reader on the element's end.
    /// </summary>
    public static string? Text(XmlReader reader)
    {
        if (reader.IsEmptyElement) return null;
        var depth = reader.Depth;
        string? first = null;
        StringBuilder? more = null;
        while (reader.Read())
        {
            switch (reader.NodeType)
            {
                case XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace:
                    var value = reader.Value;
                    if (first is null) first = value;
                    else (more ??= new StringBuilder(first)).Append(value);
                    break;
                case XmlNodeType.EndElement when reader.Depth == depth:
                    var text = (more?.ToString() ?? first)?.Trim();
                    return string.IsNullOrEmpty(text) ? null : text;
            }
        }
        throw new XmlException("Unexpected end of the document.");
    }

    /// <summary>Marks field <paramref name="bit"/> as seen; true the first time only (the first child of a name wins).</summary>
    public static bool First(ref int seen, int bit)
    {
        if ((seen & bit) != 0) return false;
        seen |= bit;
        return true;
    }

    /// <summary>
    /// Reader settings with a name table of their own, one set per thread and character bound: element names then come
    /// from the table instead of being allocated per parse. A name table is not thread-safe, hence one per thread; it is
    /// dropped once a device has filled it with many names (hostile documents cannot grow it without bound).
    /// </summary>
    private sealed class ReaderCache
    {
        private const int MaxNames = 1024;

        [ThreadStatic] private static ReaderCache? t_cached;

        private readonly CountingNameTable _names = new();

        private ReaderCache(long maxCharacters)
        {
            var settings = IsapiXml.ReaderSettings(maxCharacters).Clone();
            settings.NameTable = _names;
            Settings = settings;
            MaxCharacters = maxCharacters;
        }

        public XmlReaderSettings Settings { get; }

        private long MaxCharacters { get; }

        public static ReaderCache Rent(long maxCharacters)
        {
            var cached = t_cached;
            if (cached is not null && cached.MaxCharacters == maxCharacters)
            {
                // Taken off the thread while in use: a reader is synchronous, but the slot must never serve two at once.
                t_cached = null;
                return cached;
            }
            return new ReaderCache(maxCharacters);
        }

        public static void Return(ReaderCache cache)
        {
            if (cache._names.Count <= MaxNames) t_cached = cache;
        }
    }

    /// <summary>A <see cref="NameTable"/> that counts the names it holds.</summary>
    private sealed class CountingNameTable : XmlNameTable
    {
        private readonly NameTable _inner = new();

        public int Count { get; private set; }

        public override string Add(char[] array, int offset, int length)
        {
            if (_inner.Get(array, offset, length) is { } known) return known;
            Count++;
            return _inner.Add(array, offset, length);
        }

        public override string Add(string array)
        {
            if (_inner.Get(array) is { } known) return known;
            Count++;
            return _inner.Add(array);
        }

        public override string? Get(char[] array, int offset, int length) => _inner.Get(array, offset, length);

        public override string? Get(string array) => _inner.Get(array);
    }
}
