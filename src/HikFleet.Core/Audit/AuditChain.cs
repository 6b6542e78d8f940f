using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace HikFleet.Core.Audit;

/// <summary>
/// The tamper-evidence rules of the audit trail: the canonical serialisation of an entry and its SHA-256 hash.
/// An offline verifier of an export must implement exactly this; changing anything here needs a new version tag.
/// </summary>
/// <remarks>
/// <para><b>Format <c>hikfleet-audit-v1</c>.</b>
/// <c>hash = SHA-256( "hikfleet-audit-v1" ‖ F(id) ‖ F(occurred_at) ‖ F(actor_kind) ‖ F(actor_id) ‖ F(actor_name) ‖
/// F(client_address) ‖ F(tenant_id) ‖ F(site_id) ‖ F(camera_id) ‖ F(action) ‖ F(parameters) ‖ F(reason) ‖ F(result) ‖
/// F(result_detail) ‖ F(correlation_id) ‖ previous_hash )</c>, where the tag is its 17 ASCII bytes and
/// <c>previous_hash</c> its 32 raw bytes (all zero for the first entry).</para>
/// <para>Every field F is length-prefixed, so no choice of content can move a boundary: a 4-byte big-endian signed
/// length followed by that many bytes of UTF-8; a null field is the length −1 and no bytes (so null ≠ empty).</para>
/// <para>Field text: <c>id</c> in invariant decimal; <c>occurred_at</c> as microseconds since 1970-01-01T00:00:00Z in
/// invariant decimal (PostgreSQL keeps microseconds, so nothing finer may be hashed); enums by their
/// <see cref="AuditWire"/> names; ids as lower-case hyphenated GUIDs; the client address as
/// <see cref="IPAddress.ToString()"/> (no zone id: <c>inet</c> has none); <c>parameters</c> as
/// <see cref="CanonicalJson"/>; everything else as stored.</para>
/// </remarks>
public static class AuditChain
{
    /// <summary>The version tag that starts every hashed serialisation.</summary>
    public const string FormatVersion = "hikfleet-audit-v1";

    /// <summary>Length of a hash and of a link, in bytes.</summary>
    public const int HashLength = 32;

    private static readonly byte[] VersionBytes = Encoding.ASCII.GetBytes(FormatVersion);

    private static readonly JsonWriterOptions CanonicalWriterOptions = new()
    {
        // Escaping only changes the hashed bytes if it is not fixed; it is fixed here, and relaxed so that the
        // stored text stays readable for auditors (ü, not \u00FC).
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
        MaxDepth = 64,
    };

    /// <summary>The link of the first entry: 32 zero bytes.</summary>
    public static ReadOnlySpan<byte> GenesisHash => new byte[HashLength];

    /// <summary>Computes the hash of <paramref name="entry"/> from its content and its <see cref="AuditEntry.PreviousHash"/>.</summary>
    public static byte[] ComputeHash(AuditEntry entry)
    {
        if (entry.PreviousHash is not { Length: HashLength })
        {
            throw new ArgumentException("The previous hash must be 32 bytes.", nameof(entry));
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(VersionBytes);
        Field(hash, entry.Id.ToString(CultureInfo.InvariantCulture));
        Field(hash, ToUnixMicroseconds(entry.OccurredAt).ToString(CultureInfo.InvariantCulture));
        Field(hash, entry.ActorKind.ToWire());
        Field(hash, entry.ActorId);
        Field(hash, entry.ActorName);
        Field(hash, entry.ClientAddress?.ToString());
        Field(hash, entry.TenantId?.ToString("D"));
        Field(hash, entry.SiteId?.ToString("D"));
        Field(hash, entry.CameraId?.ToString("D"));
        Field(hash, entry.Action);
        Field(hash, entry.Parameters is null ? null : CanonicalJson(entry.Parameters));
        Field(hash, entry.Reason);
        Field(hash, entry.Result.ToWire());
        Field(hash, entry.ResultDetail);
        Field(hash, entry.CorrelationId);
        hash.AppendData(entry.PreviousHash);
        return hash.GetHashAndReset();
    }

    /// <summary>Microseconds since the Unix epoch, the resolution PostgreSQL stores.</summary>
    public static long ToUnixMicroseconds(DateTimeOffset value) => (value.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    /// <summary>Truncates to whole microseconds and converts to UTC, so the value hashed is the value stored.</summary>
    public static DateTimeOffset TruncateToMicroseconds(DateTimeOffset value) =>
        new(value.UtcTicks - (value.UtcTicks % 10), TimeSpan.Zero);

    /// <summary>
    /// The canonical JSON text of <paramref name="json"/>: no whitespace, object keys sorted by ordinal UTF-16 order,
    /// fixed string escaping, numbers in plain decimal notation. Canonicalising what PostgreSQL's jsonb gives back yields
    /// the same text as canonicalising what was stored, although jsonb re-orders keys and normalises numbers.
    /// </summary>
    public static string CanonicalJson(string json)
    {
        var node = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { MaxDepth = 64 });
        return CanonicalJson(node);
    }

    /// <inheritdoc cref="CanonicalJson(string)"/>
    public static string CanonicalJson(JsonNode? node)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, CanonicalWriterOptions))
        {
            WriteCanonical(writer, node);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// Makes text storable and hashable as-is: PostgreSQL rejects U+0000 in text and jsonb, and a lone UTF-16 surrogate
    /// has no UTF-8 form. Both become U+FFFD before hashing, so the stored text and the hashed text are the same.
    /// </summary>
    public static string? CleanText(string? value)
    {
        if (value is null)
        {
            return null;
        }

        StringBuilder? cleaned = null;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            var bad = c == '\0'
                || (char.IsHighSurrogate(c) && (i + 1 == value.Length || !char.IsLowSurrogate(value[i + 1])))
                || (char.IsLowSurrogate(c) && (i == 0 || !char.IsHighSurrogate(value[i - 1])));
            if (bad && cleaned is null)
            {
                cleaned = new StringBuilder(value.Length).Append(value, 0, i);
            }

            cleaned?.Append(bad ? '\uFFFD' : c);
        }

        return cleaned?.ToString() ?? value;
    }

    private static void Field(IncrementalHash hash, string? value)
    {
        Span<byte> length = stackalloc byte[4];
        if (value is null)
        {
            BinaryPrimitives.WriteInt32BigEndian(length, -1);
            hash.AppendData(length);
            return;
        }

        var bytes = Encoding.UTF8.GetBytes(value);
        BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
        hash.AppendData(length);
        hash.AppendData(bytes);
    }

    private static void WriteCanonical(Utf8JsonWriter writer, JsonNode? node)
    {
        switch (node)
        {
            case null:
                writer.WriteNullValue();
                break;
            case JsonObject obj:
                writer.WriteStartObject();
                foreach (var (name, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(CleanText(name)!);
                    WriteCanonical(writer, value);
                }

                writer.WriteEndObject();
                break;
            case JsonArray array:
                writer.WriteStartArray();
                foreach (var item in array)
                {
                    WriteCanonical(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                WriteValue(writer, node.AsValue());
                break;
        }
    }

    private static void WriteValue(Utf8JsonWriter writer, JsonValue value)
    {
        switch (value.GetValueKind())
        {
            case JsonValueKind.String:
                writer.WriteStringValue(CleanText(value.GetValue<string>()));
                break;
            case JsonValueKind.True:
                writer.WriteBooleanValue(true);
                break;
            case JsonValueKind.False:
                writer.WriteBooleanValue(false);
                break;
            case JsonValueKind.Number:
                WriteNumber(writer, value.ToJsonString());
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }

    // jsonb stores numbers as PostgreSQL numeric: 1e2 comes back as 100, 1.50 stays 1.50, -0 becomes 0. System.Decimal
    // keeps the same scale and prints without exponent, so a number that fits a decimal is written the way jsonb prints
    // it (beyond 28 decimal places it is rounded, once, before storing; canonicalising again changes nothing). One that
    // does not fit (beyond ±7.9e28, or so small it would round to zero) is kept as a JSON string of its original text
    // rather than silently changed.
    private static void WriteNumber(Utf8JsonWriter writer, string raw)
    {
        if (decimal.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            && (number != 0 || (double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var asDouble) && asDouble == 0)))
        {
            var text = number.ToString(CultureInfo.InvariantCulture);
            writer.WriteRawValue(number == 0 ? text.TrimStart('-') : text, skipInputValidation: true);
        }
        else
        {
            writer.WriteStringValue(raw);
        }
    }
}
