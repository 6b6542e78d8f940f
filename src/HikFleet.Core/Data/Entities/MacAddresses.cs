using System.Diagnostics.CodeAnalysis;

namespace HikFleet.Core.Data.Entities;

/// <summary>One spelling of a MAC address for the whole product: lowercase, colon-separated.</summary>
/// <remarks>Devices write <c>58-50-ed-1f-e3-85</c> (SADP), <c>a6:63:9e:f8:01:09</c> (ISAPI) or upper case (labels).</remarks>
public static class MacAddresses
{
    public static bool TryNormalize(string? text, [NotNullWhen(true)] out string? normalized)
    {
        normalized = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        Span<char> hex = stackalloc char[12];
        var count = 0;
        foreach (var c in text.Trim())
        {
            if (c is ':' or '-' or '.')
            {
                continue;
            }

            if (!char.IsAsciiHexDigit(c) || count == 12)
            {
                return false;
            }

            hex[count++] = char.ToLowerInvariant(c);
        }

        if (count != 12)
        {
            return false;
        }

        normalized = string.Create(17, hex.ToString(), static (span, h) =>
        {
            for (var i = 0; i < 6; i++)
            {
                span[i * 3] = h[i * 2];
                span[(i * 3) + 1] = h[(i * 2) + 1];
                if (i < 5)
                {
                    span[(i * 3) + 2] = ':';
                }
            }
        });
        return true;
    }
}
