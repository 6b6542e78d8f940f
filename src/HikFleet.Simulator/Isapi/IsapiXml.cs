using System.Text;
using System.Xml;
using System.Xml.Linq;
using HikFleet.Simulator.Http;

namespace HikFleet.Simulator.Isapi;

/// <summary>XML writing and reading in the device's dialect (§1.3): one default namespace per family, CRLF line endings.</summary>
internal static class IsapiXml
{
    public static readonly XNamespace Ver20 = "http://www.hikvision.com/ver20/XMLSchema";
    public static readonly XNamespace Ver10 = "http://www.hikvision.com/ver10/XMLSchema";
    public static readonly XNamespace IsapiOrg = "http://www.isapi.org/ver20/XMLSchema";
    public const string ContentType = "application/xml; charset=\"UTF-8\"";

    public static XNamespace Ns(DeviceFamily f) => f switch
    {
        DeviceFamily.Camera => Ver20,
        DeviceFamily.LegacyCamera => Ver10,
        _ => IsapiOrg,
    };

    public static string Version(DeviceFamily f) => f == DeviceFamily.LegacyCamera ? "1.0" : "2.0";

    /// <summary>A root element with version and xmlns; every descendant built with <see cref="E"/> shares the namespace.</summary>
    public static XElement Root(DeviceFamily f, string name, params object?[] content)
    {
        var ns = Ns(f);
        var root = new XElement(ns + name, new XAttribute("version", Version(f)));
        Fill(root, ns, content);
        return root;
    }

    /// <summary>A child element; its name gets the root's namespace when the tree is finished (see <see cref="Bytes"/>).</summary>
    public static XElement E(string name, params object?[] content) => new(name, content.Where(c => c is not null).Select(Convert));

    private static object Convert(object? c) => c switch
    {
        bool b => b ? "true" : "false",
        double d => d.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => c!,
    };

    private static void Fill(XElement root, XNamespace ns, object?[] content)
    {
        foreach (var c in content)
            if (c is not null)
                root.Add(Convert(c));
        Adopt(root, ns);
    }

    /// <summary>Moves every no-namespace descendant into <paramref name="ns"/> (children of a nested root keep theirs).</summary>
    public static void Adopt(XElement e, XNamespace ns)
    {
        foreach (var child in e.Elements())
        {
            if (child.Name.Namespace == XNamespace.None)
            {
                child.Name = ns + child.Name.LocalName;
                Adopt(child, ns);
            }
        }
    }

    /// <summary>A nested element that carries its own namespace and version (ver10 hddList inside ver20 storage, §1.3).</summary>
    public static XElement Nested(XNamespace ns, string version, string name, params object?[] content)
    {
        var e = new XElement(ns + name, new XAttribute("version", version));
        Fill(e, ns, content);
        return e;
    }

    public static byte[] Bytes(XElement root)
    {
        Adopt(root, root.Name.Namespace);
        var settings = new XmlWriterSettings
        {
            Encoding = new UTF8Encoding(false),
            Indent = true,
            IndentChars = "",
            NewLineChars = "\r\n",
            NewLineHandling = NewLineHandling.Replace,
        };
        using var ms = new MemoryStream();
        using (var w = XmlWriter.Create(ms, settings))
        {
            w.WriteStartDocument();
            root.WriteTo(w);
        }
        ms.Write("\r\n"u8);
        var bytes = ms.ToArray();
        // XmlWriter writes encoding="utf-8"; devices write UTF-8 and omit standalone.
        var text = Encoding.UTF8.GetString(bytes).Replace("<?xml version=\"1.0\" encoding=\"utf-8\"?>", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>", StringComparison.Ordinal);
        return Encoding.UTF8.GetBytes(text);
    }

    public static SimResponse Response(XElement root, int status = 200) => new()
    {
        Status = status,
        Body = Bytes(root),
        ContentType = ContentType,
        IsXml = true,
    };

    /// <summary>Parses a request body: no DTD, bounded size; null if it is not XML.</summary>
    public static XElement? Parse(byte[] body)
    {
        if (body.Length == 0)
            return null;
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersInDocument = 4 * 1024 * 1024,
            IgnoreComments = true,
        };
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(body), settings);
            return XElement.Load(reader);
        }
        catch (XmlException)
        {
            return null;
        }
    }

    /// <summary>First descendant (or self) with this local name, whatever its namespace (§1.3: parse by local name).</summary>
    public static XElement? Find(this XElement e, string localName) =>
        e.Name.LocalName == localName ? e : e.Descendants().FirstOrDefault(d => d.Name.LocalName == localName);

    public static XElement? Child(this XElement? e, string localName) => e?.Elements().FirstOrDefault(d => d.Name.LocalName == localName);

    public static string? ChildValue(this XElement? e, string localName) => e.Child(localName)?.Value.Trim();

    public static bool? ChildBool(this XElement? e, string localName) =>
        e.ChildValue(localName)?.ToLowerInvariant() switch { "true" or "1" => true, "false" or "0" => false, _ => null };

    public static int? ChildInt(this XElement? e, string localName) =>
        int.TryParse(e.ChildValue(localName), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : null;
}
