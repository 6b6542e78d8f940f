using System.Buffers;
using System.Net;
using System.Runtime.CompilerServices;
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
    // HA1 of the last credential, as lower-case hex in UTF-8 (the form the response hash takes it in); see IsHa1Cached.
    private readonly byte[] _ha1 = new byte[64];
    private int _ha1Length;
    private IsapiCredentials? _ha1Credentials;
    private string? _ha1Realm;
    private string? _ha1Algorithm;
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
        if (creds is null || IsAnonymous(request))
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
            var usedNonce = request is IsapiRequestMessage ours ? ours.NonceUsed : request.Options.TryGetValue(NonceUsed, out var n) ? n : null;
            AuthChallenge? challenge;
            lock (_lock) challenge = sent && usedNonce is not null && _digest is not null && _digest.Nonce != usedNonce && IsStale(response) ? _digest : null;
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

    // Not async: the caller awaits the inner handler's task itself (no extra state machine per request, issue #13).
    private Task<HttpResponseMessage> SendCountedAsync(HttpRequestMessage request, CancellationToken ct)
    {
        Interlocked.Increment(ref _requestsSent);
        return base.SendAsync(request, ct);
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
                if (request is IsapiRequestMessage ours) ours.NonceUsed = _digest.Nonce;
                else request.Options.Set(NonceUsed, _digest.Nonce!);
            }
        }
        request.Headers.TryAddWithoutValidation("Authorization", header);
        if (request is IsapiRequestMessage mine) mine.CredentialSent = true;
        else request.Options.Set(CredentialSent, true);
        return true;
    }

    private static bool IsAnonymous(HttpRequestMessage request) =>
        request is IsapiRequestMessage ours ? ours.Anonymous : request.Options.TryGetValue(Anonymous, out var anonymous) && anonymous;

    /// <summary>True when a credential went out with the request (its 401 then judged that credential, §1.5).</summary>
    internal static bool WasCredentialSent(HttpRequestMessage? request) =>
        request is IsapiRequestMessage ours ? ours.CredentialSent : request?.Options.TryGetValue(CredentialSent, out var sent) == true && sent;

    /// <summary>
    /// Builds the Digest <c>Authorization</c> value (RFC 7616 §3.4, §1.2). Allocation-lean (issue #13: it runs for every
    /// request of every camera): the hash inputs are UTF-8 in one pooled buffer that is cleared afterwards (it held the
    /// password), hashes and hex go to stack buffers, and the only string made is the header itself. HA1 is kept for the
    /// credential object, realm and algorithm it was computed for, so the password is not copied into a cache key.
    /// </summary>
    private string BuildDigest(HttpRequestMessage request, IsapiCredentials creds, AuthChallenge c, string algorithm, long nc)
    {
        var sha = algorithm.StartsWith("SHA-256", StringComparison.Ordinal);
        var realm = c.Realm!;
        var nonce = c.Nonce!;
        var uri = request.RequestUri!.PathAndQuery;
        var method = request.Method.Method;

        Span<byte> random = stackalloc byte[8];
        RandomNumberGenerator.Fill(random);
        Span<char> cnonce = stackalloc char[16];
        Convert.TryToHexStringLower(random, cnonce, out _);
        Span<char> ncText = stackalloc char[16];
        nc.TryFormat(ncText, out var ncLength, "x8", System.Globalization.CultureInfo.InvariantCulture);
        ncText = ncText[..ncLength];

        // Longest input: HA1 (64) ':' nonce ':' nc ':' cnonce ':auth:' HA2 (64), or user:realm:password, or method:uri.
        var chars = Math.Max(creds.UserName.Length + realm.Length + creds.Password.Length, method.Length + uri.Length) + nonce.Length + 192;
        var rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(chars));
        Span<byte> ha2 = stackalloc byte[64];
        Span<byte> sessionHa1 = stackalloc byte[64];
        Span<char> response = stackalloc char[64];
        int responseLength;
        try
        {
            var input = rented.AsSpan();
            if (!IsHa1Cached(creds, realm, algorithm))
            {
                var n = 0;
                Put(input, ref n, creds.UserName); Put(input, ref n, ':'); Put(input, ref n, realm); Put(input, ref n, ':'); Put(input, ref n, creds.Password);
                _ha1Length = HashHex(sha, input[..n], _ha1);
                _ha1Credentials = creds;
                _ha1Realm = realm;
                _ha1Algorithm = algorithm;
            }
            scoped ReadOnlySpan<byte> ha1 = _ha1.AsSpan(0, _ha1Length);
            if (algorithm.EndsWith("-sess", StringComparison.Ordinal))
            {
                var n = 0;
                Put(input, ref n, ha1); Put(input, ref n, ':'); Put(input, ref n, nonce); Put(input, ref n, ':'); Put(input, ref n, cnonce);
                ha1 = sessionHa1[..HashHex(sha, input[..n], sessionHa1)];
            }

            var m = 0;
            Put(input, ref m, method); Put(input, ref m, ':'); Put(input, ref m, uri);
            var ha2Length = HashHex(sha, input[..m], ha2);

            var r = 0;
            Put(input, ref r, ha1); Put(input, ref r, ':'); Put(input, ref r, nonce); Put(input, ref r, ':');
            if (c.QopAuth)
            {
                Put(input, ref r, ncText); Put(input, ref r, ':'); Put(input, ref r, cnonce); Put(input, ref r, ":auth:");
            }
            Put(input, ref r, ha2[..ha2Length]);
            Span<byte> hash = stackalloc byte[32];
            var hashLength = sha ? SHA256.HashData(input[..r], hash) : MD5.HashData(input[..r], hash);
            Convert.TryToHexStringLower(hash[..hashLength], response, out responseLength);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(rented); // it held the password (HA1 input)
            ArrayPool<byte>.Shared.Return(rented);
        }

        var header = new DefaultInterpolatedStringHandler(0, 0, System.Globalization.CultureInfo.InvariantCulture, stackalloc char[512]);
        header.AppendLiteral("Digest username=\"");
        header.AppendFormatted(Quote(creds.UserName));
        header.AppendLiteral("\", realm=\"");
        header.AppendFormatted(Quote(realm));
        header.AppendLiteral("\", nonce=\"");
        header.AppendFormatted(Quote(nonce));
        header.AppendLiteral("\", uri=\"");
        header.AppendFormatted(uri);
        header.AppendLiteral("\", algorithm=");
        header.AppendFormatted(algorithm);
        header.AppendLiteral(", response=\"");
        header.AppendFormatted((ReadOnlySpan<char>)response[..responseLength]);
        header.AppendLiteral("\"");
        if (c.Opaque is { } opaque)
        {
            header.AppendLiteral(", opaque=\"");
            header.AppendFormatted(Quote(opaque));
            header.AppendLiteral("\"");
        }
        if (c.QopAuth)
        {
            header.AppendLiteral(", qop=auth, nc=");
            header.AppendFormatted((ReadOnlySpan<char>)ncText);
            header.AppendLiteral(", cnonce=\"");
            header.AppendFormatted((ReadOnlySpan<char>)cnonce);
            header.AppendLiteral("\"");
        }
        return header.ToStringAndClear();
    }

    /// <summary>
    /// The cached HA1 fits: the same credential (the same immutable object, or one with equal parts — compared in place, no
    /// string is built from the password), realm and algorithm. A credential change between requests misses and recomputes.
    /// </summary>
    private bool IsHa1Cached(IsapiCredentials creds, string realm, string algorithm) =>
        _ha1Credentials is { } cached && _ha1Length > 0 &&
        (ReferenceEquals(cached, creds) || (string.Equals(cached.UserName, creds.UserName, StringComparison.Ordinal) && string.Equals(cached.Password, creds.Password, StringComparison.Ordinal))) &&
        string.Equals(_ha1Realm, realm, StringComparison.Ordinal) && string.Equals(_ha1Algorithm, algorithm, StringComparison.Ordinal);

    /// <summary>Hashes <paramref name="input"/> and writes the lower-case hex digest as UTF-8 (what the next hash input needs).</summary>
    private static int HashHex(bool sha256, ReadOnlySpan<byte> input, Span<byte> hexUtf8)
    {
        Span<byte> hash = stackalloc byte[32];
        var length = sha256 ? SHA256.HashData(input, hash) : MD5.HashData(input, hash);
        Convert.TryToHexStringLower(hash[..length], hexUtf8, out var written);
        return written;
    }

    private static void Put(Span<byte> destination, ref int position, ReadOnlySpan<char> text) =>
        position += Encoding.UTF8.GetBytes(text, destination[position..]);

    private static void Put(Span<byte> destination, ref int position, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(destination[position..]);
        position += bytes.Length;
    }

    private static void Put(Span<byte> destination, ref int position, char ascii) => destination[position++] = (byte)ascii;

    private static string Quote(string s) => s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
