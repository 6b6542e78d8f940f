using System.Security.Cryptography;

namespace HikFleet.Isapi.Security;

/// <summary>Device password strength levels (§3.4).</summary>
public enum PasswordStrength
{
    /// <summary>Level 0: rejected by the device (short, one class, equals the user name or its reverse).</summary>
    Risky = 0,
    /// <summary>Level 1: digits with one letter case.</summary>
    Weak = 1,
    /// <summary>Level 2: two classes, not digits + one letter case.</summary>
    Fair = 2,
    /// <summary>Level 3: three or more classes.</summary>
    Strong = 3,
}

/// <summary>Hikvision password rules (§3.4): 8–16 printable ASCII characters, four classes, levels 0–3.</summary>
public static class PasswordRules
{
    /// <summary>Shortest password a device accepts.</summary>
    public const int MinLength = 8;
    /// <summary>Longest password most devices accept (<c>LoginPasswordLenLimit max="16"</c>).</summary>
    public const int MaxLength = 16;

    private const string Lower = "abcdefghijkmnopqrstuvwxyz";
    private const string Upper = "ABCDEFGHJKLMNPQRSTUVWXYZ";
    private const string Digits = "23456789";
    // Printable specials without < > & ' " (XML escaping trouble, §3.4) and without the space.
    private const string Specials = "!#$%()*+,-./:;=?@[]^_{|}~";

    /// <summary>The strength level the device would assign.</summary>
    public static PasswordStrength Evaluate(string password, string? userName = null)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (password.Length < MinLength || password.Length > MaxLength || password.Any(c => c < 0x21 || c > 0x7e)) return PasswordStrength.Risky;
        if (userName is { Length: > 0 } &&
            (password.Equals(userName, StringComparison.OrdinalIgnoreCase) ||
             password.Equals(new string(userName.Reverse().ToArray()), StringComparison.OrdinalIgnoreCase)))
            return PasswordStrength.Risky;
        bool lower = password.Any(char.IsAsciiLetterLower), upper = password.Any(char.IsAsciiLetterUpper),
             digit = password.Any(char.IsAsciiDigit), special = password.Any(c => !char.IsAsciiLetterOrDigit(c));
        var classes = (lower ? 1 : 0) + (upper ? 1 : 0) + (digit ? 1 : 0) + (special ? 1 : 0);
        return classes switch
        {
            <= 1 => PasswordStrength.Risky,
            2 when digit && (lower || upper) => PasswordStrength.Weak,
            2 => PasswordStrength.Fair,
            _ => PasswordStrength.Strong,
        };
    }

    /// <summary>True when the password avoids the characters that break XML bodies (<c>&lt;&gt;&amp;'"</c>).</summary>
    public static bool IsXmlSafe(string password) => password.IndexOfAny(['<', '>', '&', '\'', '"']) < 0;

    /// <summary>
    /// A strong password: <paramref name="length"/> (12–16) characters from a CSPRNG with all four classes and none of
    /// <c>&lt;&gt;&amp;'"</c>; look-alike characters (0/O, 1/l/I) are left out for people who must type it.
    /// </summary>
    public static string Generate(int length = 14)
    {
        if (length < 12 || length > MaxLength) throw new ArgumentOutOfRangeException(nameof(length), "12 to 16 characters.");
        var all = Lower + Upper + Digits + Specials;
        var chars = new char[length];
        chars[0] = Lower[RandomNumberGenerator.GetInt32(Lower.Length)];
        chars[1] = Upper[RandomNumberGenerator.GetInt32(Upper.Length)];
        chars[2] = Digits[RandomNumberGenerator.GetInt32(Digits.Length)];
        chars[3] = Specials[RandomNumberGenerator.GetInt32(Specials.Length)];
        for (var i = 4; i < length; i++) chars[i] = all[RandomNumberGenerator.GetInt32(all.Length)];
        RandomNumberGenerator.Shuffle(chars.AsSpan());
        return new string(chars);
    }
}
