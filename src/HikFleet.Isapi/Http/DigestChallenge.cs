namespace HikFleet.Isapi.Http;

/// <summary>One parsed <c>WWW-Authenticate</c> challenge.</summary>
internal sealed record AuthChallenge(string Scheme, IReadOnlyDictionary<string, string> Parameters)
{
    public string? this[string name] => Parameters.TryGetValue(name, out var v) ? v : null;

    public bool IsDigest => Scheme.Equals("Digest", StringComparison.OrdinalIgnoreCase);
    public bool IsBasic => Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase);
    public bool Stale => string.Equals(this["stale"], "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Normalised algorithm: MD5 when absent (§1.2), SHA-256, or the -sess variants; null when unsupported.</summary>
    public string? Algorithm => (this["algorithm"] ?? "MD5").ToUpperInvariant() switch
    {
        "MD5" => "MD5",
        "MD5-SESS" => "MD5-sess",
        "SHA-256" or "SHA256" => "SHA-256",
        "SHA-256-SESS" or "SHA256-SESS" => "SHA-256-sess",
        _ => null,
    };

    /// <summary>qop=auth is used when offered; auth-int is not needed by ISAPI devices. Read once per challenge, not per
    /// request (a warm client signs every request with the same challenge, issue #13).</summary>
    public bool QopAuth { get; } = Parameters.TryGetValue("qop", out var q) && OffersAuth(q);

    /// <summary>The <c>realm</c>, <c>nonce</c> and <c>opaque</c> parameters, looked up once per challenge.</summary>
    public string? Realm { get; } = Parameters.GetValueOrDefault("realm");

    /// <inheritdoc cref="Realm"/>
    public string? Nonce { get; } = Parameters.GetValueOrDefault("nonce");

    /// <inheritdoc cref="Realm"/>
    public string? Opaque { get; } = Parameters.GetValueOrDefault("opaque");

    private static bool OffersAuth(string qop)
    {
        foreach (var range in qop.AsSpan().Split(','))
            if (qop.AsSpan()[range].Trim().Equals("auth", StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    /// <summary>
    /// Parses all challenges of one or more header values. Hand-written because some firmware sends two schemes in one
    /// header (<c>Digest …, Basic realm="…"</c>, §1.2), which the BCL's header parser does not split.
    /// </summary>
    public static List<AuthChallenge> ParseAll(IEnumerable<string> headerValues)
    {
        var result = new List<AuthChallenge>();
        foreach (var header in headerValues)
        {
            if (header.Length > 4096) continue; // hostile: bounded
            ParseOne(header, result);
        }
        return result;
    }

    private static void ParseOne(string s, List<AuthChallenge> result)
    {
        var i = 0;
        string? scheme = null;
        Dictionary<string, string>? parameters = null;
        while (i < s.Length)
        {
            while (i < s.Length && (s[i] == ' ' || s[i] == ',' || s[i] == '\t')) i++;
            if (i >= s.Length) break;
            var start = i;
            while (i < s.Length && s[i] != ' ' && s[i] != '=' && s[i] != ',' && s[i] != '\t') i++;
            var token = s[start..i];
            var j = i;
            while (j < s.Length && (s[j] == ' ' || s[j] == '\t')) j++;
            if (j < s.Length && s[j] == '=' && scheme is not null)
            {
                i = j + 1;
                while (i < s.Length && (s[i] == ' ' || s[i] == '\t')) i++;
                string value;
                if (i < s.Length && s[i] == '"')
                {
                    i++;
                    var sb = new System.Text.StringBuilder();
                    while (i < s.Length && s[i] != '"')
                    {
                        if (s[i] == '\\' && i + 1 < s.Length) i++;
                        sb.Append(s[i++]);
                    }
                    i++;
                    value = sb.ToString();
                }
                else
                {
                    var vs = i;
                    while (i < s.Length && s[i] != ',') i++;
                    value = s[vs..i].Trim();
                }
                parameters![token.ToLowerInvariant()] = value;
            }
            else
            {
                if (scheme is not null) result.Add(new AuthChallenge(scheme, parameters!));
                scheme = token;
                parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            }
        }
        if (scheme is not null) result.Add(new AuthChallenge(scheme, parameters!));
    }
}
