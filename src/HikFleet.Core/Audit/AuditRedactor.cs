using System.Text.Json;
using System.Text.Json.Nodes;

namespace HikFleet.Core.Audit;

/// <summary>
/// Replaces secret values in audit parameters with <c>"***"</c> before they are stored or hashed: once a secret is
/// in an append-only, hash-chained table it can never be removed again.
/// </summary>
/// <remarks>
/// A property is secret when its name, lower-cased with non-alphanumerics removed, contains one of
/// <see cref="SecretFragments"/> (password, secret, token, community, privatekey, …), or when it is or ends in the
/// word "key" (<c>key</c>, <c>apiKey</c>, <c>encryption_key</c>, <c>key-id</c>). Matching errs towards redacting
/// too much (<c>keyFrameInterval</c> is redacted): a lost detail is cheaper than a leaked credential. The whole value
/// is replaced, whatever its type (a string, an object, an array of passwords). Objects are walked at every depth,
/// including inside arrays.
/// </remarks>
public static class AuditRedactor
{
    /// <summary>What a redacted value becomes.</summary>
    public const string Mask = "***";

    private static readonly string[] SecretFragments =
        ["password", "passwd", "passphrase", "secret", "token", "community", "privatekey", "credential"];

    private static readonly JsonSerializerOptions SerializerOptions = new(JsonSerializerDefaults.General) { MaxDepth = 32 };

    /// <summary>Serialises <paramref name="parameters"/> to JSON and redacts it; null stays null.</summary>
    public static JsonNode? Redact(object? parameters) => parameters switch
    {
        null => null,
        JsonNode node => Redact(node),
        JsonElement element => Redact(JsonNode.Parse(element.GetRawText())),
        _ => RedactInPlace(JsonSerializer.SerializeToNode(parameters, parameters.GetType(), SerializerOptions)),
    };

    /// <summary>A redacted deep copy of <paramref name="node"/>; the argument is left untouched.</summary>
    public static JsonNode? Redact(JsonNode? node) => RedactInPlace(node?.DeepClone());

    /// <summary>Whether a property of this name holds a secret.</summary>
    public static bool IsSecretName(string name)
    {
        Span<char> buffer = name.Length <= 256 ? stackalloc char[name.Length] : new char[name.Length];
        var length = 0;
        foreach (var c in name)
        {
            if (char.IsLetterOrDigit(c))
            {
                buffer[length++] = char.ToLowerInvariant(c);
            }
        }

        var folded = buffer[..length];
        foreach (var fragment in SecretFragments)
        {
            if (folded.Contains(fragment, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return folded.EndsWith("key", StringComparison.Ordinal) || HasKeyWord(name);
    }

    // "key" as a word of a camelCase / snake_case / kebab-case name ("keyId", "key_id", "ssh-key-file").
    private static bool HasKeyWord(string name)
    {
        for (var i = name.IndexOf("key", StringComparison.OrdinalIgnoreCase); i >= 0;
             i = name.IndexOf("key", i + 1, StringComparison.OrdinalIgnoreCase))
        {
            var startsWord = i == 0 || !char.IsLetter(name[i - 1]) || (char.IsLower(name[i - 1]) && name[i] == 'K');
            var end = i + 3;
            var endsWord = end == name.Length || !char.IsLower(name[end]);
            if (startsWord && endsWord)
            {
                return true;
            }
        }

        return false;
    }

    private static JsonNode? RedactInPlace(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var name in obj.Select(p => p.Key).ToList())
                {
                    if (IsSecretName(name))
                    {
                        obj[name] = Mask;
                    }
                    else
                    {
                        RedactInPlace(obj[name]);
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    RedactInPlace(item);
                }

                break;
        }

        return node;
    }
}
