using System.Security.Cryptography;
using System.Text;
using HikFleet.Simulator.Http;

namespace HikFleet.Simulator.Isapi;

internal enum AuthOutcome { Ok, NoCredentials, Stale, BadCredentials, Locked }

/// <summary>
/// Device-side HTTP authentication (§1.2): Digest MD5 (and SHA-256 on current firmware), qop=auth, a per-device realm, expiring
/// nonces answered with stale="TRUE", nc checked against replay; Basic only for the legacy family. Only a wrong password (or user)
/// counts towards the illegal-login lock (§1.5); stale nonces and replays do not.
/// </summary>
internal sealed class DigestAuthenticator(VirtualDevice device)
{
    private const int MaxNonces = 256;
    private readonly Dictionary<string, NonceState> _nonces = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    private sealed class NonceState(long issued)
    {
        public long Issued { get; } = issued;
        public uint LastNc { get; set; }
    }

    public string NewNonce()
    {
        // The shape of a real nonce: hex of the ASCII of a base64 string, 48 hex characters (§1.2 capture).
        var nonce = Convert.ToHexStringLower(Encoding.ASCII.GetBytes(Convert.ToBase64String(RandomNumberGenerator.GetBytes(16))));
        lock (_gate)
        {
            if (_nonces.Count >= MaxNonces)
            {
                var oldest = _nonces.MinBy(kv => kv.Value.Issued).Key;
                _nonces.Remove(oldest);
            }
            _nonces[nonce] = new NonceState(SimClock.Now);
        }
        return nonce;
    }

    public void Clear()
    {
        lock (_gate)
            _nonces.Clear();
    }

    public (AuthOutcome Outcome, DeviceUser? User) Authenticate(SimRequest request)
    {
        var client = request.Remote?.Address;
        if (device.IsLockedFor(client))
            return (AuthOutcome.Locked, null);
        var header = request.Header("Authorization");
        if (string.IsNullOrWhiteSpace(header))
            return (AuthOutcome.NoCredentials, null);

        if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            if (!device.ModelInfo.IsLegacy && device.Authentication is not (AuthenticationStyle.BasicOnly or AuthenticationStyle.DigestAndBasicInOneHeader))
                return (AuthOutcome.NoCredentials, null);
            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
            }
            catch (FormatException)
            {
                return (AuthOutcome.NoCredentials, null);
            }
            var colon = decoded.IndexOf(':');
            if (colon < 0)
                return (AuthOutcome.NoCredentials, null);
            var user = device.FindUser(decoded[..colon]);
            if (user is null || !FixedEquals(user.Password, decoded[(colon + 1)..]))
                return Fail(client);
            device.LoginSucceeded(client);
            return (AuthOutcome.Ok, user);
        }

        if (!header.StartsWith("Digest ", StringComparison.OrdinalIgnoreCase) || device.Authentication == AuthenticationStyle.BasicOnly)
            return (AuthOutcome.NoCredentials, null);
        var p = ParseParameters(header.AsSpan(7));
        if (!p.TryGetValue("username", out var userName) || !p.TryGetValue("nonce", out var nonce) ||
            !p.TryGetValue("uri", out var uri) || !p.TryGetValue("response", out var response))
            return (AuthOutcome.NoCredentials, null);
        p.TryGetValue("realm", out var realm);
        p.TryGetValue("qop", out var qop);
        p.TryGetValue("nc", out var ncText);
        p.TryGetValue("cnonce", out var cnonce);
        p.TryGetValue("algorithm", out var algorithm);
        var sha256 = string.Equals(algorithm, "SHA-256", StringComparison.OrdinalIgnoreCase);
        if (sha256 && device.Family != DeviceFamily.Camera && device.Authentication != AuthenticationStyle.DigestSha256)
            return (AuthOutcome.NoCredentials, null);
        if (!UriMatches(uri, request))
            return (AuthOutcome.NoCredentials, null);

        var account = device.FindUser(userName);
        if (account is null || realm != device.Realm)
            return Fail(client);
        Func<string, string> h = sha256 ? Sha256Hex : Md5Hex;
        var ha1 = h($"{userName}:{realm}:{account.Password}");
        var ha2 = h($"{request.Method}:{uri}");
        var expected = string.IsNullOrEmpty(qop)
            ? h($"{ha1}:{nonce}:{ha2}")
            : h($"{ha1}:{nonce}:{ncText}:{cnonce}:{qop}:{ha2}");
        if (!FixedEquals(expected, response.ToLowerInvariant()))
            return Fail(client);

        // The password is right: nonce problems answer stale="TRUE" and never count as failures.
        lock (_gate)
        {
            if (!_nonces.TryGetValue(nonce, out var state))
                return (AuthOutcome.Stale, null);
            // Never shorter than 1 real second plus the device's own injected delay (SlowMs) on the challenge and on the retry: at
            // a scaled clock a slow device would otherwise let its nonce expire in its own hands, which no real device does.
            var floor = 1.0 + 2 * device.Faults.SlowMs / 1000.0;
            var lifetime = Math.Max(floor, device.Clock.ToReal(device.Options.NonceLifetimeSeconds).TotalSeconds);
            if (System.Diagnostics.Stopwatch.GetElapsedTime(state.Issued).TotalSeconds > lifetime)
            {
                _nonces.Remove(nonce);
                return (AuthOutcome.Stale, null);
            }
            if (!string.IsNullOrEmpty(qop))
            {
                if (!uint.TryParse(ncText, System.Globalization.NumberStyles.HexNumber, null, out var nc) || nc <= state.LastNc)
                    return (AuthOutcome.Stale, null);
                state.LastNc = nc;
            }
        }
        device.LoginSucceeded(client);
        return (AuthOutcome.Ok, account);
    }

    private (AuthOutcome, DeviceUser?) Fail(System.Net.IPAddress? client)
    {
        device.LoginFailed(client);
        return (device.IsLockedFor(client) ? AuthOutcome.Locked : AuthOutcome.BadCredentials, null);
    }

    private static bool UriMatches(string uri, SimRequest request)
    {
        if (uri == request.Target)
            return true;
        var q = uri.IndexOf('?');
        var path = q < 0 ? uri : uri[..q];
        if (Uri.TryCreate(path, UriKind.Absolute, out var abs))
            path = abs.AbsolutePath;
        return string.Equals(Uri.UnescapeDataString(path), request.Path, StringComparison.Ordinal);
    }

    public string Challenge(bool stale) =>
        $"Digest qop=\"auth\", realm=\"{device.Realm}\", nonce=\"{NewNonce()}\", stale=\"{(stale ? "TRUE" : "FALSE")}\"";

    /// <summary>The WWW-Authenticate header values for the device's <see cref="AuthenticationStyle"/>.</summary>
    public IEnumerable<string> Challenges(bool stale)
    {
        var basic = $"Basic realm=\"{device.Realm}\"";
        switch (device.Authentication)
        {
            case AuthenticationStyle.BasicOnly:
                yield return basic;
                break;
            case AuthenticationStyle.DigestAndBasicInOneHeader:
                yield return Challenge(stale) + ", " + basic;
                break;
            case AuthenticationStyle.DigestSha256:
                var nonce = NewNonce();
                var s = stale ? "TRUE" : "FALSE";
                yield return $"Digest qop=\"auth\", realm=\"{device.Realm}\", nonce=\"{nonce}\", algorithm=SHA-256, stale=\"{s}\"";
                yield return $"Digest qop=\"auth\", realm=\"{device.Realm}\", nonce=\"{nonce}\", algorithm=MD5, stale=\"{s}\"";
                break;
            default:
                yield return Challenge(stale);
                if (device.ModelInfo.IsLegacy)
                    yield return basic;
                break;
        }
    }

    internal static Dictionary<string, string> ParseParameters(ReadOnlySpan<char> s)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var i = 0;
        while (i < s.Length)
        {
            while (i < s.Length && (s[i] == ' ' || s[i] == ',' || s[i] == '\t'))
                i++;
            var eq = s[i..].IndexOf('=');
            if (eq < 0)
                break;
            var key = s.Slice(i, eq).Trim().ToString();
            i += eq + 1;
            string value;
            if (i < s.Length && s[i] == '"')
            {
                var sb = new StringBuilder();
                i++;
                while (i < s.Length && s[i] != '"')
                {
                    if (s[i] == '\\' && i + 1 < s.Length)
                        i++;
                    sb.Append(s[i++]);
                }
                i++;
                value = sb.ToString();
            }
            else
            {
                var end = s[i..].IndexOf(',');
                value = (end < 0 ? s[i..] : s.Slice(i, end)).Trim().ToString();
                i = end < 0 ? s.Length : i + end;
            }
            if (key.Length > 0)
                result[key] = value;
        }
        return result;
    }

    private static string Md5Hex(string s) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(s)));
    private static string Sha256Hex(string s) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(s)));

    private static bool FixedEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));
}
