namespace HikFleet.Core.Firmware;

/// <summary>Model patterns of firmware compatibility: an exact model (case-insensitive) or a pattern with <c>*</c> for any characters.</summary>
public static class ModelPattern
{
    public const int MaxLength = 64;

    /// <summary>True when <paramref name="model"/> matches <paramref name="pattern"/>; a null model matches nothing.</summary>
    public static bool Matches(string pattern, string? model)
    {
        if (string.IsNullOrWhiteSpace(model) || string.IsNullOrWhiteSpace(pattern)) return false;
        return Match(pattern.Trim().AsSpan(), model.Trim().AsSpan());

        static bool Match(ReadOnlySpan<char> p, ReadOnlySpan<char> m)
        {
            // Iterative glob with backtracking to the last '*': linear enough for 64-character patterns and models.
            int pi = 0, mi = 0, star = -1, mark = 0;
            while (mi < m.Length)
            {
                if (pi < p.Length && p[pi] != '*' && char.ToUpperInvariant(p[pi]) == char.ToUpperInvariant(m[mi]))
                {
                    pi++;
                    mi++;
                }
                else if (pi < p.Length && p[pi] == '*')
                {
                    star = pi++;
                    mark = mi;
                }
                else if (star >= 0)
                {
                    pi = star + 1;
                    mi = ++mark;
                }
                else
                {
                    return false;
                }
            }

            while (pi < p.Length && p[pi] == '*') pi++;
            return pi == p.Length;
        }
    }

    /// <summary>True when any of <paramref name="patterns"/> matches.</summary>
    public static bool AnyMatches(IEnumerable<string> patterns, string? model) => patterns.Any(p => Matches(p, model));

    /// <summary>Null when the pattern is acceptable, else why not.</summary>
    public static string? Problem(string pattern)
    {
        var p = pattern.Trim();
        if (p.Length == 0) return "An empty model pattern.";
        if (p.Length > MaxLength) return $"A model pattern has at most {MaxLength} characters.";
        if (p.Trim('*').Length < 4) return $"'{p}' would match almost any model; name at least four characters of it (e.g. DS-2CD2*G2*).";
        if (p.Any(c => char.IsControl(c) || char.IsWhiteSpace(c))) return $"'{p}' has spaces or control characters.";
        return null;
    }
}
