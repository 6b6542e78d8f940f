using System.Text;
using System.Xml;

namespace HikFleet.Sadp;

/// <summary>Writes SADP messages as the compact UTF-8 XML devices expect (§4.2): declaration, root, one element per field.</summary>
public static class SadpMessageWriter
{
    private static readonly XmlWriterSettings Settings = new()
    {
        Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        Indent = false,
        OmitXmlDeclaration = false,
        CloseOutput = false,
    };

    /// <summary>
    /// Serialises <paramref name="message"/>: known fields in wire order (MAC dashed lower-case as devices write it, booleans
    /// <c>true</c>/<c>false</c>), then <see cref="SadpMessage.UnknownFields"/> in their original order, as text.
    /// </summary>
    /// <exception cref="ArgumentException">A value contains characters that XML cannot carry.</exception>
    public static byte[] Write(SadpMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var stream = new MemoryStream(1024);
        using (var writer = XmlWriter.Create(stream, Settings))
        {
            writer.WriteStartDocument();
            writer.WriteStartElement(message.Kind == SadpMessageKind.Probe ? "Probe" : "ProbeMatch");
            foreach (var field in SadpFields.All)
            {
                if (field.Format(message) is not { } value)
                    continue;
                writer.WriteStartElement(field.Name);
                if (field.Name == "Password" && message.PasswordSalted)
                    writer.WriteAttributeString("bSalt", "true");
                writer.WriteString(value);
                writer.WriteEndElement();
            }
            foreach (var (name, value) in message.UnknownFields)
            {
                writer.WriteStartElement(XmlConvert.EncodeLocalName(name));
                writer.WriteString(value);
                writer.WriteEndElement();
            }
            writer.WriteEndElement();
            writer.WriteEndDocument();
        }
        return stream.ToArray();
    }

    /// <summary>Serialises to a string (for logs of non-secret messages and tests).</summary>
    public static string WriteString(SadpMessage message) => Encoding.UTF8.GetString(Write(message));
}
