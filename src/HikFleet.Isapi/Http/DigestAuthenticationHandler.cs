using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace HikFleet.Isapi.Http;

/// <summary>
/// HTTP Digest (RFC 7616) written for cameras (§1.2): MD5 (the default when <c>algorithm</c> is absent) and SHA-256,
/// <c>qop=auth</c>, the nonce reused with an incrementing <c>nc</c> so a warm client needs one round trip per request,
/// and exactly one retry when the device says <c>stale="TRUE"</c>. Basic only when the device offers nothing else.
/// A credential the device answered 401 to is never resent by this handler (the 401 goes back to the caller, whose
/// lockout guard then holds that credential back, §1.5).
/// </summary>
/// <remarks>Hand-written rather than <c>CredentialCache</c>: the BCL's digest does not do SHA-256, does not expose the
/// 401 body (lockout fields) and retries on its own.</remarks>
public sealed class DigestAuthenticationHandler : DelegatingHandler
{
    /// <summary>Request option: send without credentials (pre-activation paths such as <c>/SDK/activateStatus</c>).</summary>
    public static readonly HttpRequestOptionsKey<bool> Anonymous = new("HikFleet.Isapi.Anonymous");
    /// <summary>Set on the request when a credential was sent (so a 401 really judged it).</summary>
    public static readonly HttpRequestOptionsKey<bool> CredentialSent = new("HikFleet.Isapi.CredentialSent");
    private static readonly HttpRequestOptionsKey<string> NonceUsed = new("HikFleet.Isapi.NonceUsed");

    private readonly Func<IsapiCredentials?> _credentials;
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _sendGate = new(1, 1);
    private AuthChallenge? _digest;
    private string _algorithm = "MD5";
    private bool _basicOnly;
    private long _nc;
    private string? _ha1Key;
    private string? _ha1;
    private long _requestsSent;
    private long _challenges;

    /// <summary>Creates the handler around <paramref name="inner"/>; credentials are read per request.</summary>
    public DigestAuthenticationHandler(Func<IsapiCredentials?> credentials, HttpMessageHandler inner) : base(inner) => _credentials = credentials;

    /// <summary>Requests that went on the wire (including challenge round trips).</summary>
    public long RequestsSent => Interlocked.Read(ref _requestsSent);

    /// <summary>401 challenges answered (first contact and stale nonces). Stays flat on a warm client.</summary>
    public long ChallengeRoundTrips => Interlocked.Read(ref _challenges);

    /// <summary>The scheme in use once known: <c>Digest MD5</c>, <c>Digest SHA-256</c>, <c>Basic</c>, or null.</summary>
    public string? Scheme { get { lock (_lock) return _basicOnly ? "Basic" : _digest is null ? null : "Digest " + _algorithm; } }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) _sendGate.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>Forgets the nonce (e.g. after the device rebooted).</summary>
    public void ResetChallenge() { lock (_lock) { _digest = null; _basicOnly = false; _nc = 0; } }

    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var creds = _credentials();
        if (creds is null || (request.Options.TryGetValue(Anonymous, out var anon) && anon))
            return await SendCountedAsync(request, cancellationToken);

        bool known;
        lock (_lock) known = _digest is not null || _basicOnly;
        if (!known && request.Content is not null)
        {
            // Learn the challenge with a cheap unauthenticated GET first, so an upload body goes out once, authorised.
            using var probe = new HttpRequestMessage(HttpMethod.Get, new Uri(request.RequestUri!, "/ISAPI/System/deviceInfo")) { Version = request.Version };
            using var probeResponse = await SendCountedAsync(probe, cancellationToken);
            if (probeResponse.StatusCode == HttpStatusCode.Unauthorized) Learn(probeResponse);
        }

        // Authorised requests go out one at a time per device, released when the answer's headers arrive: the device
        // then sees nc strictly rising on the one nonce (a reordered nc is a replay to it and answers stale), and a
        // camera's single-core web server gains nothing from parallel requests anyway.
        await _sendGate.WaitAsync(cancellationToken);
        try
        {
            return await SendAuthorizedAsync(request, creds, cancellationToken);
        }
        finally
        {
            _sendGate.Release();
        }
    }

    private async Task<HttpResponseMessage> SendAuthorizedAsync(HttpRequestMessage request, IsapiCredentials creds, CancellationToken cancellationToken)
    {
        var sent = Authorize(request, creds);
        var firstContactRetried = false;
        var staleRetried = false;
        while (true)
        {
            var response = await SendCountedAsync(request, cancellationToken);
            if (response.StatusCode != HttpStatusCode.Unauthorized) return response;

            // A stale answer to an old nonce that another request already replaced needs no new learning.
            request.Options.TryGetValue(NonceUsed, out var usedNonce);
            AuthChallenge? challenge;
            lock (_lock) challenge = sent && usedNonce is not null && _digest is not null && _digest["nonce"] != usedNonce && IsStale(response) ? _digest : null;
            challenge ??= Learn(response);
            if (challenge is null) return response;

            if (sent)
            {
                var stale = challenge.IsDigest && (challenge.Stale || IsStale(response));
                if (!stale || staleRetried) return response; // the credential was judged (never resend it), or stale twice
                staleRetried = true;
            }
            else
            {
                if (firstContactRetried) return response;
                firstContactRetried = true;
            }

            // First contact (no credential sent yet) or one stale nonce: one more attempt with the new challenge.
            if (!Rewind(request.Content)) return response;
            response.Dispose();
            request.Headers.Remove("Authorization");
            sent = Authorize(request, creds);
        }
    }

    private async Task<HttpResponseMessage> SendCountedAsync(HttpRequestMessage request, CancellationToken ct)
    {
        Interlocked.Increment(ref _requestsSent);
        return await base.SendAsync(request, ct);
    }

    private static bool Rewind(HttpContent? content) => content switch
    {
        null => true,
        ProgressStreamContent p => p.TryRewind(),
        StreamContent => false,
        _ => true, // byte/string content is replayable
    };

    /// <summary>True when a 401 says only that the nonce expired (the credential itself was not judged).</summary>
    public static bool IsStale(HttpResponseMessage response) =>
        response.Headers.NonValidated.TryGetValues("WWW-Authenticate", out var values) &&
        AuthChallenge.ParseAll(values).Any(c => c.IsDigest && c.Stale);

    private AuthChallenge? Learn(HttpResponseMessage response)
    {
        if (!response.Headers.NonValidated.TryGetValues("WWW-Authenticate", out var values)) return null;
        var all = AuthChallenge.ParseAll(values);
        var digest = all.Where(c => c.IsDigest && c.Algorithm is not null && c["nonce"] is not null && c["realm"] is not null)
            .OrderByDescending(c => c.Algorithm!.StartsWith("SHA-256", StringComparison.Ordinal)).FirstOrDefault();
        Interlocked.Increment(ref _challenges);
        lock (_lock)
        {
            if (digest is not null)
            {
                _digest = digest;
                _algorithm = digest.Algorithm!;
                _basicOnly = false;
                _nc = 0;
                return digest;
            }
            var basic = all.FirstOrDefault(c => c.IsBasic);
            if (basic is not null && _digest is null)
            {
                _basicOnly = true;
                return basic;
            }
        }
        return null;
    }

    private bool Authorize(HttpRequestMessage request, IsapiCredentials creds)
    {
        string header;
        lock (_lock)
        {
            if (_digest is null)
            {
                if (!_basicOnly) return false;
                header = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(creds.UserName + ":" + creds.Password));
            }
            else
            {
                header = BuildDigest(request, creds, _digest, _algorithm, ++_nc);
                request.Options.Set(NonceUsed, _digest["nonce"]!);
            }
        }
        request.Headers.TryAddWithoutValidation("Authorization", header);
        request.Options.Set(CredentialSent, true);
        return true;
    }

    private string BuildDigest(HttpRequestMessage request, IsapiCredentials creds, AuthChallenge c, string algorithm, long nc)
    {
        var sha = algorithm.StartsWith("SHA-256", StringComparison.Ordinal);
        var realm = c["realm"]!;
        var nonce = c["nonce"]!;
        var uri = request.RequestUri!.PathAndQuery;
        var cnonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var ncText = nc.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);

        var key = algorithm + "\0" + realm + "\0" + creds.UserName + "\0" + creds.Password;
        string ha1;
        if (_ha1Key == key && _ha1 is not null) ha1 = _ha1;
        else { ha1 = H(sha, creds.UserName + ":" + realm + ":" + creds.Password); _ha1Key = key; _ha1 = ha1; }
        if (algorithm.EndsWith("-sess", StringComparison.Ordinal)) ha1 = H(sha, ha1 + ":" + nonce + ":" + cnonce);

        var ha2 = H(sha, request.Method.Method + ":" + uri);
        var qop = c.QopAuth;
        var response = qop ? H(sha, $"{ha1}:{nonce}:{ncText}:{cnonce}:auth:{ha2}") : H(sha, $"{ha1}:{nonce}:{ha2}");

        var sb = new StringBuilder(256);
        sb.Append("Digest username=\"").Append(Quote(creds.UserName)).Append("\", realm=\"").Append(Quote(realm))
          .Append("\", nonce=\"").Append(Quote(nonce)).Append("\", uri=\"").Append(uri).Append("\", algorithm=").Append(algorithm)
          .Append(", response=\"").Append(response).Append('"');
        if (c["opaque"] is { } opaque) sb.Append(", opaque=\"").Append(Quote(opaque)).Append('"');
        if (qop) sb.Append(", qop=auth, nc=").Append(ncText).Append(", cnonce=\"").Append(cnonce).Append('"');
        return sb.ToString();
    }

    private static string Quote(string s) => s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    private static string H(bool sha256, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        return sha256 ? Convert.ToHexStringLower(SHA256.HashData(bytes)) : Convert.ToHexStringLower(MD5.HashData(bytes));
    }
}
