using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using HikFleet.Isapi.Diagnostics;
using HikFleet.Isapi.Http;
using HikFleet.Isapi.Security;
using HikFleet.Isapi.Xml;

namespace HikFleet.Isapi;

/// <summary>
/// Typed ISAPI client for one device (one HTTP connection pool and one Digest state per device, §8). Every call is
/// cancellable, time-bounded and size-bounded; every failure is an <see cref="IsapiException"/>. The operations are
/// split by area into partial files (<c>IsapiClient.System.cs</c>, <c>.Security.cs</c>, …).
/// Create it through <see cref="IIsapiClientFactory"/>.
/// </summary>
public sealed partial class IsapiClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly DigestAuthenticationHandler _digest;
    private readonly IsapiOptions _options;
    private readonly IsapiLockoutGuard _guard;
    private volatile IsapiCredentials? _credentials;
    private volatile string? _observedCertificate;
    private volatile string? _certificateMismatch;
    private XNamespace _namespace = IsapiXml.Ver20;

    internal IsapiClient(IsapiEndpoint endpoint, IsapiCredentials? credentials, IsapiOptions options, IsapiLockoutGuard guard)
    {
        Endpoint = endpoint;
        _credentials = credentials;
        _options = options;
        _guard = guard;
        var sockets = new SocketsHttpHandler
        {
            ConnectTimeout = options.ConnectTimeout,
            PooledConnectionIdleTimeout = options.PooledConnectionIdleTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            MaxConnectionsPerServer = options.MaxConnectionsPerDevice,
            MaxResponseHeadersLength = 16, // KB: a camera's headers are tiny; a flood is hostile
            MaxResponseDrainSize = 64 * 1024,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            UseProxy = false,
            // No trace headers to cameras: a device gets exactly the headers ISAPI needs (the span is recorded here, not propagated).
            ActivityHeadersPropagator = null,
        };
        if (endpoint.UseHttps)
        {
            sockets.SslOptions = new SslClientAuthenticationOptions
            {
                TargetHost = endpoint.Host,
                RemoteCertificateValidationCallback = ValidateCertificate,
                // Old builds may only speak TLS 1.1 (§5 item 8); the OS policy still decides what is allowed.
                EnabledSslProtocols = SslProtocols.None,
            };
        }
        _digest = new DigestAuthenticationHandler(() => _credentials, sockets);
        _http = new HttpClient(_digest, disposeHandler: true)
        {
            BaseAddress = endpoint.BaseUri,
            Timeout = Timeout.InfiniteTimeSpan, // our own timeouts (overall + per-read idle) apply per call
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("HikFleet/1.0");
    }

    /// <summary>The device this client talks to.</summary>
    public IsapiEndpoint Endpoint { get; }

    /// <summary>The user name in use (never the password).</summary>
    public string? UserName => _credentials?.UserName;

    /// <summary>SHA-256 fingerprint (upper-case hex) of the HTTPS certificate seen, for the caller to pin (trust on first use).</summary>
    public string? ObservedCertificateSha256 => _observedCertificate;

    /// <summary>The authentication scheme learned from the device's challenge (e.g. <c>Digest MD5</c>).</summary>
    public string? AuthenticationScheme => _digest.Scheme;

    /// <summary>Requests put on the wire, including challenge round trips (diagnostics and tests).</summary>
    public long RequestsSent => _digest.RequestsSent;

    /// <summary>401 challenge round trips so far; stays flat on a warm client (one round trip per request).</summary>
    public long ChallengeRoundTrips => _digest.ChallengeRoundTrips;

    /// <summary>What the lockout guard knows about this device user: attempts left, lock end, credential held back.</summary>
    public IsapiLockoutState Lockout => _credentials is { } c ? _guard.GetState(Endpoint, c.UserName) : new IsapiLockoutState(null, null, false, null);

    /// <summary>Switches to another credential (e.g. after a password change or when the operator supplies a new one).</summary>
    public void UseCredentials(IsapiCredentials credentials) => _credentials = credentials ?? throw new ArgumentNullException(nameof(credentials));

    /// <summary>Forgets the Digest nonce (e.g. after the device rebooted).</summary>
    public void ResetAuthentication() => _digest.ResetChallenge();

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    private bool ValidateCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null) return false;
        var seen = certificate.GetCertHashString(HashAlgorithmName.SHA256);
        var expected = NormalizeFingerprint(Endpoint.PinnedCertificateSha256) ?? _observedCertificate;
        if (expected is not null && !string.Equals(expected, seen, StringComparison.OrdinalIgnoreCase))
        {
            // Never a silent accept: a different certificate is either a replaced device or an interception.
            _certificateMismatch = seen;
            return false;
        }
        _observedCertificate = seen;
        return true;
    }

    /// <summary>Upper-case hex without separators (accepts <c>AA:BB:…</c> and lower case).</summary>
    public static string? NormalizeFingerprint(string? fingerprint) =>
        string.IsNullOrWhiteSpace(fingerprint) ? null : new string(fingerprint.Where(char.IsAsciiHexDigit).Select(char.ToUpperInvariant).ToArray());

    // ---------------------------------------------------------------- core request pipeline

    /// <summary>
    /// Every call goes through here: one span and one latency measurement per call, an error counted by kind (labels are the
    /// method and a path template, never the device: see <see cref="IsapiTelemetry"/>).
    /// </summary>
    private async Task<T> ExecuteAsync<T>(HttpRequestMessage request, bool anonymous, TimeSpan timeout,
        Func<HttpResponseMessage, CancellationToken, Task<T>> onResponse, CancellationToken cancellationToken)
    {
        var method = request.Method.Method;
        var template = IsapiTelemetry.PathTemplate(request.RequestUri?.OriginalString);
        using var activity = IsapiTelemetry.ActivitySource.StartActivity($"ISAPI {method} {template}", ActivityKind.Client);
        if (activity is not null)
        {
            activity.SetTag("http.request.method", method);
            activity.SetTag("url.template", template);
            activity.SetTag("server.address", Endpoint.Host);
            activity.SetTag("server.port", Endpoint.Port);
        }
        var started = Stopwatch.GetTimestamp();
        var outcome = "ok";
        try
        {
            return await ExecuteCoreAsync(request, anonymous, timeout, onResponse, activity, cancellationToken);
        }
        catch (IsapiException ex)
        {
            outcome = IsapiTelemetry.KindLabel(ex.Kind);
            IsapiTelemetry.Errors.Add(1, new("method", method), new("path", template), new("kind", outcome));
            if (activity is not null)
            {
                activity.SetStatus(ActivityStatusCode.Error, outcome);
                activity.SetTag("error.type", outcome);
                if (ex.HttpStatus is { } status) activity.SetTag("http.response.status_code", (int)status);
            }
            throw;
        }
        catch (OperationCanceledException)
        {
            outcome = "cancelled";
            activity?.SetStatus(ActivityStatusCode.Error, outcome);
            throw;
        }
        finally
        {
            IsapiTelemetry.RequestDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds,
                new("method", method), new("path", template), new("outcome", outcome));
        }
    }

    private async Task<T> ExecuteCoreAsync<T>(HttpRequestMessage request, bool anonymous, TimeSpan timeout,
        Func<HttpResponseMessage, CancellationToken, Task<T>> onResponse, Activity? activity, CancellationToken cancellationToken)
    {
        var path = request.RequestUri!.OriginalString;
        var creds = _credentials;
        if (!anonymous)
        {
            if (creds is null) throw new InvalidOperationException("This client has no credentials; call UseCredentials first.");
            _guard.ThrowIfBlocked(Endpoint, creds, path);
        }
        else
        {
            request.Options.Set(DigestAuthenticationHandler.Anonymous, true);
        }

        using var timeoutCts = new CancellationTokenSource(timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutCts.Token);
        try
        {
            var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            activity?.SetTag("http.response.status_code", (int)response.StatusCode);
            T? result = default;
            try
            {
                if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                    throw await UnauthorizedAsync(response, creds, anonymous, path, linked.Token);
                if (!anonymous && creds is not null && response.IsSuccessStatusCode) _guard.RecordSuccess(Endpoint, creds.UserName);
                result = await onResponse(response, linked.Token);
                return result;
            }
            finally
            {
                // A handler may hand the open response to its caller (the alert stream); everything else is closed here.
                if (!ReferenceEquals(result, response)) response.Dispose();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException ex)
        {
            throw new IsapiException(IsapiErrorKind.Timeout, $"{path}: no complete answer within {timeout.TotalSeconds:F1} s.", ex) { RequestPath = path };
        }
        catch (IsapiException)
        {
            throw;
        }
        catch (HttpRequestException ex) when (_certificateMismatch is { } seen)
        {
            _certificateMismatch = null;
            throw new IsapiException(IsapiErrorKind.CertificateChanged,
                $"{path}: the device presented certificate {seen}, not the pinned one; refusing to talk to it.", ex)
            { RequestPath = path, ObservedCertificateSha256 = seen };
        }
        catch (HttpRequestException ex)
        {
            var kind = ex.HttpRequestError is HttpRequestError.InvalidResponse or HttpRequestError.ResponseEnded or HttpRequestError.ConfigurationLimitExceeded
                && ex.InnerException is not SocketException
                ? IsapiErrorKind.MalformedAnswer : IsapiErrorKind.Unreachable;
            throw new IsapiException(kind, $"{path}: {ex.Message}", ex) { RequestPath = path, HttpStatus = ex.StatusCode };
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            throw new IsapiException(IsapiErrorKind.Unreachable, $"{path}: the connection broke: {ex.Message}", ex) { RequestPath = path };
        }
    }

    private async Task<IsapiException> UnauthorizedAsync(HttpResponseMessage response, IsapiCredentials? creds, bool anonymous, string path, CancellationToken ct)
    {
        if (response.StatusCode == HttpStatusCode.Unauthorized && DigestAuthenticationHandler.IsStale(response))
        {
            // The nonce expired again right after its one retry: the password was not judged, so nothing is recorded.
            return new IsapiException(IsapiErrorKind.Busy, $"{path}: the device's nonce went stale twice in a row; retry.")
            { HttpStatus = response.StatusCode, RequestPath = path };
        }
        ResponseStatus? status = null;
        try
        {
            var (buffer, length) = await ReadBoundedAsync(response, Math.Min(_options.MaxXmlBytes, 64 * 1024), ct);
            if (length > 0 && LooksLikeXml(buffer, length))
            {
                var root = IsapiXml.Parse(buffer, 0, length, _options.MaxXmlBytes);
                status = ResponseStatus.FromXml(root);
            }
        }
        catch (IsapiException)
        {
            // The 401 body is only a hint (a small text/html page on many builds, §1.2).
        }

        // 403 (and a 401 whose envelope is about something else, e.g. notActivated) carries an ordinary ResponseStatus:
        // map it as such; only a credential verdict is recorded by the guard.
        var isEnvelope = status is { StatusCode: not null, SubStatusCode: { } sub } &&
            !sub.Equals("badAuthorization", StringComparison.OrdinalIgnoreCase) && !sub.Equals("loginPasswordError", StringComparison.OrdinalIgnoreCase);
        if (isEnvelope && !status!.IsLocked)
            return status.ToException(response.StatusCode, path);

        var locked = status?.IsLocked == true;
        var unlock = locked && status!.UnlockSeconds is { } s ? TimeSpan.FromSeconds(s) : (TimeSpan?)null;
        var sent = response.RequestMessage?.Options.TryGetValue(DigestAuthenticationHandler.CredentialSent, out var wasSent) == true && wasSent;
        if (!anonymous && creds is not null)
        {
            if (locked)
                _guard.RecordLocked(Endpoint, creds.UserName, status!.AttemptsLeft, unlock ?? TimeSpan.FromMinutes(30));
            else if (response.StatusCode == HttpStatusCode.Unauthorized && sent)
                _guard.RecordRejected(Endpoint, creds, status?.AttemptsLeft, null, _options.RejectedCredentialHold);
        }
        var kind = locked ? IsapiErrorKind.LockedOut : IsapiErrorKind.Unauthorized;
        var what = response.StatusCode == HttpStatusCode.Forbidden ? "forbidden (insufficient user level)" : locked ? "locked out" : "credentials rejected";
        return new IsapiException(kind, $"{path}: {what}; attempts left {status?.AttemptsLeft?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"}.")
        {
            HttpStatus = response.StatusCode,
            RequestPath = path,
            AttemptsLeft = status?.AttemptsLeft,
            UnlockAfter = unlock,
            StatusCode = status?.StatusCode,
            SubStatusCode = status?.SubStatusCode,
            ErrorCode = status?.ErrorCode,
        };
    }

    /// <summary>Reads a body into memory, never more than <paramref name="max"/> bytes, with the per-read idle timeout.</summary>
    private async Task<(byte[] Buffer, int Length)> ReadBoundedAsync(HttpResponseMessage response, int max, CancellationToken ct)
    {
        var declared = response.Content.Headers.ContentLength;
        var path = response.RequestMessage?.RequestUri?.OriginalString;
        if (declared > max)
            throw new IsapiException(IsapiErrorKind.MalformedAnswer, $"{path}: the answer declares {declared} bytes, above the {max}-byte limit.")
            { HttpStatus = response.StatusCode, RequestPath = path };

        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new byte[declared is { } d ? (int)Math.Max(d, 1) : Math.Min(max, 4096)];
        var length = 0;
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
        while (true)
        {
            if (length == buffer.Length)
            {
                // The declared length is all there is: HttpClient's content stream ends there (it never hands out more), so a
                // body read to its Content-Length is complete. Probing on would double the buffer only to read the end (issue
                // #13: 48 KB more for every 24 KB snapshot, the largest allocation of a health check).
                if (declared == length) break;
                if (length >= max)
                {
                    // One byte more than allowed tells a body at the limit from one above it.
                    var probe = new byte[1];
                    if (await ReadIdleAsync(stream, probe, idle, ct, path) == 0) break;
                    throw new IsapiException(IsapiErrorKind.MalformedAnswer, $"{path}: the answer exceeds the {max}-byte limit.")
                    { HttpStatus = response.StatusCode, RequestPath = path };
                }
                Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, max));
            }
            var read = await ReadIdleAsync(stream, buffer.AsMemory(length), idle, ct, path);
            if (read == 0) break;
            length += read;
        }
        return (buffer, length);
    }

    private async Task<int> ReadIdleAsync(Stream stream, Memory<byte> buffer, CancellationTokenSource idle, CancellationToken ct, string? path)
    {
        idle.CancelAfter(_options.ReadIdleTimeout);
        try
        {
            return await stream.ReadAsync(buffer, idle.Token);
        }
        catch (OperationCanceledException ex) when (!ct.IsCancellationRequested)
        {
            throw new IsapiException(IsapiErrorKind.Timeout, $"{path}: no data for {_options.ReadIdleTimeout.TotalSeconds:F1} s while reading the answer.", ex)
            { RequestPath = path };
        }
    }

    private static bool LooksLikeXml(byte[] buffer, int length)
    {
        for (var i = 0; i < length && i < 64; i++)
        {
            var b = buffer[i];
            if (b is (byte)' ' or (byte)'\r' or (byte)'\n' or (byte)'\t' or 0xEF or 0xBB or 0xBF) continue;
            return b == (byte)'<';
        }
        return false;
    }

    private static bool IsXmlMediaType(string? mediaType) =>
        mediaType is null || mediaType.Contains("xml", StringComparison.OrdinalIgnoreCase) || mediaType.Equals("text/plain", StringComparison.OrdinalIgnoreCase);

    /// <summary>Turns a read answer into XML, mapping ResponseStatus failures and HTTP errors to typed errors.</summary>
    private XElement InterpretXml(HttpResponseMessage response, byte[] buffer, int length, string path)
    {
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        XElement? root = null;
        if (length > 0 && LooksLikeXml(buffer, length) && (IsXmlMediaType(mediaType) || !response.IsSuccessStatusCode))
            root = IsapiXml.Parse(buffer, 0, length, _options.MaxXmlBytes);

        if (root is not null && ResponseStatus.IsEnvelope(root))
        {
            var status = ResponseStatus.FromXml(root);
            if (status.StatusCode is { } code && !status.IsSuccess)
            {
                var ex = status.ToException(response.StatusCode, path);
                if (ex.Kind == IsapiErrorKind.LockedOut && _credentials is { } c && ex.UnlockAfter is { } u)
                    _guard.RecordLocked(Endpoint, c.UserName, ex.AttemptsLeft, u);
                throw ex;
            }
        }
        if (!response.IsSuccessStatusCode)
        {
            var kind = response.StatusCode switch
            {
                HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed or HttpStatusCode.NotImplemented => IsapiErrorKind.NotSupported,
                HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests => IsapiErrorKind.Busy,
                >= HttpStatusCode.InternalServerError => IsapiErrorKind.DeviceError,
                _ => IsapiErrorKind.BadRequest,
            };
            throw new IsapiException(kind, $"{path}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}") { HttpStatus = response.StatusCode, RequestPath = path };
        }
        if (root is null)
        {
            throw new IsapiException(IsapiErrorKind.MalformedAnswer,
                length == 0 ? $"{path}: empty answer where XML was expected." : $"{path}: expected XML, got '{mediaType ?? "no content type"}'.")
            { HttpStatus = response.StatusCode, RequestPath = path };
        }
        if (root.Name.NamespaceName.Length > 0 && !ResponseStatus.IsEnvelope(root)) _namespace = root.Name.Namespace;
        return root;
    }

    private HttpRequestMessage NewRequest(HttpMethod method, string path, HttpContent? content = null) =>
        new(method, new Uri(path, UriKind.Relative)) { Content = content, Version = HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionExact };

    /// <summary>GET an XML resource; the root element is returned, any failure envelope is thrown.</summary>
    internal Task<XElement> GetXmlAsync(string path, CancellationToken ct, bool anonymous = false) =>
        SendXmlAsync(HttpMethod.Get, path, null, ct, anonymous);

    /// <summary>
    /// GET an XML resource read forward-only into its model (<paramref name="readXml"/>, no tree; the per-minute health
    /// reads, issue #13). Anything but a plain successful XML answer — an HTTP error, a <c>ResponseStatus</c> root, no XML —
    /// goes through <see cref="InterpretXml"/> exactly as <see cref="GetXmlAsync"/> does, and a success envelope through
    /// <paramref name="fromXml"/>, so errors and their mapping are unchanged.
    /// </summary>
    internal Task<T> GetModelAsync<T>(string path, Func<XmlReader, T> readXml, Func<XElement, T> fromXml, CancellationToken ct)
        where T : class =>
        ExecuteAsync(NewRequest(HttpMethod.Get, path), false, _options.RequestTimeout, async (response, token) =>
        {
            var (buffer, length) = await ReadBoundedAsync(response, _options.MaxXmlBytes, token);
            if (response.IsSuccessStatusCode && length > 0 && LooksLikeXml(buffer, length) && IsXmlMediaType(response.Content.Headers.ContentType?.MediaType)
                && IsapiXmlReader.Read(buffer, 0, length, _options.MaxXmlBytes, readXml, out var ns) is { } model)
            {
                if (ns!.Length > 0 && !string.Equals(_namespace.NamespaceName, ns, StringComparison.Ordinal)) _namespace = XNamespace.Get(ns);
                return model;
            }
            return fromXml(InterpretXml(response, buffer, length, path));
        }, ct);

    /// <summary>Sends an XML body (or none) and returns the answer's root element.</summary>
    internal Task<XElement> SendXmlAsync(HttpMethod method, string path, XElement? body, CancellationToken ct, bool anonymous = false) =>
        ExecuteAsync(NewRequest(method, path, body is null ? null : XmlContent(body)), anonymous, _options.RequestTimeout, async (response, token) =>
        {
            var (buffer, length) = await ReadBoundedAsync(response, _options.MaxXmlBytes, token);
            return InterpretXml(response, buffer, length, path);
        }, ct);

    /// <summary>Sends a write and returns the success envelope (1, or 7 = reboot required).</summary>
    internal Task<IsapiResult> SendForStatusAsync(HttpMethod method, string path, XElement? body, CancellationToken ct, bool anonymous = false) =>
        ExecuteAsync(NewRequest(method, path, body is null ? null : XmlContent(body)), anonymous, _options.RequestTimeout,
            (response, token) => ReadStatusAsync(response, path, token), ct);

    private async Task<IsapiResult> ReadStatusAsync(HttpResponseMessage response, string path, CancellationToken token)
    {
        var (buffer, length) = await ReadBoundedAsync(response, _options.MaxXmlBytes, token);
        if (length == 0 && response.IsSuccessStatusCode) return IsapiResult.Ok;
        var root = InterpretXml(response, buffer, length, path);
        if (!ResponseStatus.IsEnvelope(root)) return IsapiResult.Ok;
        var status = ResponseStatus.FromXml(root);
        return new IsapiResult(status.StatusCode ?? 1, status.SubStatusCode, status.Id);
    }

    private static HttpRequestMessage CloseIf(HttpRequestMessage request, bool close)
    {
        if (close) request.Headers.ConnectionClose = true;
        return request;
    }

    private HttpContent XmlContent(XElement body)
    {
        // Send only the fields we change (§1.3); the device's own namespace keeps strict parsers happy.
        var text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>" + body.ToString(SaveOptions.DisableFormatting);
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(text));
        content.Headers.TryAddWithoutValidation("Content-Type", "application/xml; charset=\"UTF-8\"");
        return content;
    }

    /// <summary>Builds a request element in the device's namespace: <c>X("Time", X("timeMode", "NTP"))</c>.</summary>
    internal XElement X(string name, params object?[] content)
    {
        var element = new XElement(_namespace + name, content.Where(c => c is not null));
        foreach (var child in element.Descendants()) child.Name = _namespace + child.Name.LocalName;
        return element;
    }

    /// <summary>A child element only when the value is set (partial writes, §1.3).</summary>
    internal static XElement? Opt(string name, object? value) => value switch
    {
        null => null,
        bool b => new XElement(name, b ? "true" : "false"),
        IFormattable f => new XElement(name, f.ToString(null, System.Globalization.CultureInfo.InvariantCulture)),
        _ => new XElement(name, value),
    };

    /// <summary>GET a binary resource into memory, bounded.</summary>
    /// <summary>A binary GET (a picture), bounded by <paramref name="max"/>; an XML answer where binary data was expected is an error.</summary>
    /// <param name="path">The resource.</param>
    /// <param name="max">Largest body accepted.</param>
    /// <param name="ct">Cancels the request.</param>
    /// <param name="closeConnection">Ask the device to close the connection after this answer (<c>Connection: close</c>): for the last
    /// request of a burst, so the connection and its buffers are freed at once instead of idling until either side times it out.</param>
    internal Task<(byte[] Buffer, int Length, string? MediaType)> GetBinaryAsync(string path, int max, CancellationToken ct, bool closeConnection = false) =>
        ExecuteAsync(CloseIf(NewRequest(HttpMethod.Get, path), closeConnection), false, _options.RequestTimeout, async (response, token) =>
        {
            var (buffer, length) = await ReadBoundedAsync(response, max, token);
            var mediaType = response.Content.Headers.ContentType?.MediaType;
            // /picture may answer an XML ResponseStatus where an image was expected (§1.4, §2.8).
            if (!response.IsSuccessStatusCode || LooksLikeXml(buffer, length) || (mediaType?.Contains("xml", StringComparison.OrdinalIgnoreCase) ?? false))
            {
                var root = InterpretXml(response, buffer, length, path);
                throw new IsapiException(IsapiErrorKind.MalformedAnswer, $"{path}: expected binary data, got XML <{root.Name.LocalName}>.")
                { HttpStatus = response.StatusCode, RequestPath = path };
            }
            return (buffer, length, mediaType);
        }, ct);
}
