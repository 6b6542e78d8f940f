using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
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
        Func<HttpResponseMessage, RequestScope, ValueTask<T>> onResponse, CancellationToken cancellationToken)
    {
        var method = request.Method.Method;
        var template = IsapiTelemetry.PathTemplate(request.RequestUri?.OriginalString);
        // The span's name is only built when someone listens (a string per request otherwise, issue #13).
        using var activity = IsapiTelemetry.ActivitySource.HasListeners()
            ? IsapiTelemetry.ActivitySource.StartActivity($"ISAPI {method} {template}", ActivityKind.Client) : null;
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

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // awaited once, by ExecuteAsync: no box per request (issue #13)
    private async ValueTask<T> ExecuteCoreAsync<T>(HttpRequestMessage request, bool anonymous, TimeSpan timeout,
        Func<HttpResponseMessage, RequestScope, ValueTask<T>> onResponse, Activity? activity, CancellationToken cancellationToken)
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
            if (request is IsapiRequestMessage ours) ours.Anonymous = true;
            else request.Options.Set(DigestAuthenticationHandler.Anonymous, true);
        }

        using var scope = new RequestScope(timeout, cancellationToken);
        try
        {
            var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, scope.Token);
            activity?.SetTag("http.response.status_code", (int)response.StatusCode);
            T? result = default;
            try
            {
                if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                    throw await UnauthorizedAsync(response, creds, anonymous, path, scope);
                if (!anonymous && creds is not null && response.IsSuccessStatusCode) _guard.RecordSuccess(Endpoint, creds.UserName);
                result = await onResponse(response, scope);
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

    private async Task<IsapiException> UnauthorizedAsync(HttpResponseMessage response, IsapiCredentials? creds, bool anonymous, string path, RequestScope scope)
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
            var (buffer, length) = await ReadBoundedAsync(response, Math.Min(_options.MaxXmlBytes, 64 * 1024), scope);
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
        var sent = DigestAuthenticationHandler.WasCredentialSent(response.RequestMessage);
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

    /// <summary>
    /// Reads a body into memory, never more than <paramref name="max"/> bytes, with the per-read idle timeout. With
    /// <paramref name="pooled"/> the buffer is rented from <see cref="ArrayPool{T}.Shared"/> and the caller returns it once
    /// the body is parsed (the per-minute XML reads, issue #13); it may then be longer than the body.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // no Task per body read (issue #13)
    private async ValueTask<(byte[] Buffer, int Length)> ReadBoundedAsync(HttpResponseMessage response, int max, RequestScope scope, bool pooled = false)
    {
        var declared = response.Content.Headers.ContentLength;
        var path = response.RequestMessage?.RequestUri?.OriginalString;
        if (declared > max)
            throw new IsapiException(IsapiErrorKind.MalformedAnswer, $"{path}: the answer declares {declared} bytes, above the {max}-byte limit.")
            { HttpStatus = response.StatusCode, RequestPath = path };

        // Synchronous on purpose: the handler's response content already holds its stream once the headers are read, and
        // the async overload allocates a Task per body (issue #13).
        await using var stream = response.Content.ReadAsStream(scope.Token);
        var size = declared is { } d ? (int)Math.Max(d, 1) : Math.Min(max, 4096);
        var buffer = pooled ? ArrayPool<byte>.Shared.Rent(size) : new byte[size];
        var length = 0;
        try
        {
            while (true)
            {
                if (length == size)
                {
                    // The declared length is all there is: HttpClient's content stream ends there (it never hands out more), so a
                    // body read to its Content-Length is complete. Probing on would double the buffer only to read the end (issue
                    // #13: 48 KB more for every 24 KB snapshot, the largest allocation of a health check).
                    if (declared == length) break;
                    if (length >= max)
                    {
                        // One byte more than allowed tells a body at the limit from one above it.
                        var probe = new byte[1];
                        if (await ReadIdleAsync(stream, probe, scope, path) == 0) break;
                        throw new IsapiException(IsapiErrorKind.MalformedAnswer, $"{path}: the answer exceeds the {max}-byte limit.")
                        { HttpStatus = response.StatusCode, RequestPath = path };
                    }
                    size = (int)Math.Min((long)size * 2, max);
                    if (pooled)
                    {
                        var larger = ArrayPool<byte>.Shared.Rent(size);
                        buffer.AsSpan(0, length).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }
                    else
                    {
                        Array.Resize(ref buffer, size);
                    }
                }
                var read = await ReadIdleAsync(stream, buffer.AsMemory(length, size - length), scope, path);
                if (read == 0) break;
                length += read;
            }
            return (buffer, length);
        }
        catch when (pooled)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    /// <summary>One read under the idle timeout; a whole-call timeout or the caller's cancellation surfaces as
    /// <see cref="OperationCanceledException"/> as before.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // once per body read: no box per suspended read
    private async ValueTask<int> ReadIdleAsync(Stream stream, Memory<byte> buffer, RequestScope scope, string? path)
    {
        scope.ArmIdle(_options.ReadIdleTimeout);
        int read;
        try
        {
            read = await stream.ReadAsync(buffer, scope.Token);
        }
        catch (OperationCanceledException ex) when (scope.IdleTimedOut)
        {
            throw IdleTimeout(path, ex);
        }
        // Back to the whole-call deadline; an idle limit that fired just as the data came still counts as fired.
        if (!scope.DisarmIdle()) throw IdleTimeout(path, null);
        return read;
    }

    private IsapiException IdleTimeout(string? path, Exception? inner) =>
        new(IsapiErrorKind.Timeout, $"{path}: no data for {_options.ReadIdleTimeout.TotalSeconds:F1} s while reading the answer.", inner)
        { RequestPath = path };

    /// <summary>
    /// One call's cancellation (issue #13): the caller's token, the whole-call deadline and the per-read idle limit share one
    /// source whose timer is moved with <see cref="CancellationTokenSource.CancelAfter(TimeSpan)"/>, instead of a timeout
    /// source, a linked source and a per-body idle source (with their timers and registrations) for every request. While a
    /// read is pending the timer is at the earlier of the idle limit and the deadline; otherwise at the deadline.
    /// </summary>
    internal sealed class RequestScope : IDisposable
    {
        private readonly CancellationTokenSource _source;
        private readonly CancellationToken _caller;
        private readonly long _deadline;
        private bool _idleArmed;

        public RequestScope(TimeSpan timeout, CancellationToken caller)
        {
            _caller = caller;
            _source = caller.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(caller) : new CancellationTokenSource();
            _deadline = timeout == System.Threading.Timeout.InfiniteTimeSpan ? long.MaxValue
                : Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
            _source.CancelAfter(timeout);
            Token = _source.Token;
        }

        /// <summary>Cancelled by the caller, the whole-call timeout or (during a read) the idle timeout.</summary>
        public CancellationToken Token { get; }

        /// <summary>The cancellation came from the idle limit (not the caller, not the deadline).</summary>
        public bool IdleTimedOut => _idleArmed && _source.IsCancellationRequested && !_caller.IsCancellationRequested;

        /// <summary>Puts the timer at the idle limit for one read, unless the deadline comes first (then it stays).</summary>
        public void ArmIdle(TimeSpan idle)
        {
            if (_source.IsCancellationRequested) return;
            if (idle < Remaining())
            {
                _idleArmed = true;
                _source.CancelAfter(idle);
            }
        }

        /// <summary>Puts the timer back at the deadline after a read. False when the idle limit had fired meanwhile.</summary>
        public bool DisarmIdle()
        {
            if (!_idleArmed) return true;
            if (IdleTimedOut) return false;
            _idleArmed = false;
            var remaining = Remaining();
            _source.CancelAfter(remaining == TimeSpan.MaxValue ? System.Threading.Timeout.InfiniteTimeSpan
                : remaining > TimeSpan.Zero ? remaining : TimeSpan.FromMilliseconds(1));
            return true;
        }

        private TimeSpan Remaining() => _deadline == long.MaxValue ? TimeSpan.MaxValue : Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), _deadline);

        public void Dispose() => _source.Dispose();
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
        var mediaType = MediaTypes.Of(response.Content);
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

    private static HttpRequestMessage NewRequest(HttpMethod method, string path, HttpContent? content = null)
    {
        var request = new IsapiRequestMessage(method, new Uri(path, UriKind.Relative))
        {
            Content = content, Version = HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        // Added raw per request rather than as a parsed default header, which HttpClient copies into every request (issue #13).
        request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
        return request;
    }

    private const string UserAgent = "HikFleet/1.0";

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
        ExecuteAsync(NewRequest(HttpMethod.Get, path), false, _options.RequestTimeout, async (response, scope) =>
        {
            // The body is parsed before this returns and nothing keeps it: a pooled buffer (issue #13).
            var (buffer, length) = await ReadBoundedAsync(response, _options.MaxXmlBytes, scope, pooled: true);
            try
            {
                if (response.IsSuccessStatusCode && length > 0 && LooksLikeXml(buffer, length) && IsXmlMediaType(MediaTypes.Of(response.Content))
                    && IsapiXmlReader.Read(buffer, 0, length, _options.MaxXmlBytes, readXml, out var ns) is { } model)
                {
                    if (ns!.Length > 0 && !string.Equals(_namespace.NamespaceName, ns, StringComparison.Ordinal)) _namespace = XNamespace.Get(ns);
                    return model;
                }
                return fromXml(InterpretXml(response, buffer, length, path));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }, ct);

    /// <summary>Sends an XML body (or none) and returns the answer's root element.</summary>
    internal Task<XElement> SendXmlAsync(HttpMethod method, string path, XElement? body, CancellationToken ct, bool anonymous = false) =>
        ExecuteAsync(NewRequest(method, path, body is null ? null : XmlContent(body)), anonymous, _options.RequestTimeout, async (response, scope) =>
        {
            var (buffer, length) = await ReadBoundedAsync(response, _options.MaxXmlBytes, scope);
            return InterpretXml(response, buffer, length, path);
        }, ct);

    /// <summary>Sends a write and returns the success envelope (1, or 7 = reboot required).</summary>
    internal Task<IsapiResult> SendForStatusAsync(HttpMethod method, string path, XElement? body, CancellationToken ct, bool anonymous = false) =>
        ExecuteAsync(NewRequest(method, path, body is null ? null : XmlContent(body)), anonymous, _options.RequestTimeout,
            (response, scope) => ReadStatusAsync(response, path, scope), ct);

    private async ValueTask<IsapiResult> ReadStatusAsync(HttpResponseMessage response, string path, RequestScope scope)
    {
        var (buffer, length) = await ReadBoundedAsync(response, _options.MaxXmlBytes, scope);
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
    /// <param name="pooled">The buffer is rented from <see cref="ArrayPool{T}.Shared"/> (and may be longer than the body): the caller
    /// returns it. It is returned here when the answer is an error.</param>
    internal Task<(byte[] Buffer, int Length, string? MediaType)> GetBinaryAsync(string path, int max, CancellationToken ct, bool closeConnection = false,
        bool pooled = false) =>
        ExecuteAsync(CloseIf(NewRequest(HttpMethod.Get, path), closeConnection), false, _options.RequestTimeout, async (response, scope) =>
        {
            var (buffer, length) = await ReadBoundedAsync(response, max, scope, pooled);
            var mediaType = MediaTypes.Of(response.Content);
            // /picture may answer an XML ResponseStatus where an image was expected (§1.4, §2.8).
            if (!response.IsSuccessStatusCode || LooksLikeXml(buffer, length) || (mediaType?.Contains("xml", StringComparison.OrdinalIgnoreCase) ?? false))
            {
                XElement root;
                try
                {
                    root = InterpretXml(response, buffer, length, path);
                }
                finally
                {
                    if (pooled) ArrayPool<byte>.Shared.Return(buffer);
                }

                throw new IsapiException(IsapiErrorKind.MalformedAnswer, $"{path}: expected binary data, got XML <{root.Name.LocalName}>.")
                { HttpStatus = response.StatusCode, RequestPath = path };
            }
            return (buffer, length, mediaType);
        }, ct);
}
