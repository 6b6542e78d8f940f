using System.Net;

namespace HikFleet.Isapi;

/// <summary>What went wrong in an ISAPI call, coarse enough for a caller to decide what to do next.</summary>
public enum IsapiErrorKind
{
    /// <summary>No TCP/TLS connection could be made, or it broke mid-answer.</summary>
    Unreachable,
    /// <summary>The overall call time or the per-read idle time ran out.</summary>
    Timeout,
    /// <summary>HTTP 401/403 or <c>badAuthorization</c>/<c>lowPrivilege</c>; never retried with the same credential (§1.5).</summary>
    Unauthorized,
    /// <summary>The device (or our guard) holds the user locked; see <see cref="IsapiException.UnlockAfter"/> (§1.5).</summary>
    LockedOut,
    /// <summary>The device is factory-fresh and must be activated first (statusCode 4 <c>notActivated</c>, §3.1).</summary>
    NotActivated,
    /// <summary>statusCode 2: busy, upgrading, out of memory — retry later.</summary>
    Busy,
    /// <summary>statusCode 4 <c>notSupport</c>/<c>methodNotAllowed</c>, or HTTP 404.</summary>
    NotSupported,
    /// <summary>statusCode 4/5/6: the device refused the request or its content.</summary>
    BadRequest,
    /// <summary>statusCode 3 (often transient), or an unknown failure code / HTTP 5xx.</summary>
    DeviceError,
    /// <summary>The answer broke a bound (size, time), was not well-formed, had a DTD or the wrong content type.</summary>
    MalformedAnswer,
    /// <summary>The HTTPS certificate differs from the pinned SHA-256 fingerprint (trust on first use).</summary>
    CertificateChanged,
}

/// <summary>
/// The one exception type of the ISAPI client. Its fields say what went wrong: the HTTP status, the device's
/// <c>ResponseStatus</c> (statusCode, subStatusCode, errorCode) and, for authentication failures, the lockout state.
/// </summary>
public sealed class IsapiException : Exception
{
    /// <summary>Creates an ISAPI error.</summary>
    public IsapiException(IsapiErrorKind kind, string message, Exception? inner = null) : base(message, inner) => Kind = kind;

    /// <summary>The coarse category.</summary>
    public IsapiErrorKind Kind { get; }
    /// <summary>The HTTP status of the answer, when one came.</summary>
    public HttpStatusCode? HttpStatus { get; init; }
    /// <summary>ResponseStatus/statusCode (1–7, §1.4).</summary>
    public int? StatusCode { get; init; }
    /// <summary>ResponseStatus/statusString as sent.</summary>
    public string? StatusString { get; init; }
    /// <summary>ResponseStatus/subStatusCode, e.g. <c>badDevType</c>.</summary>
    public string? SubStatusCode { get; init; }
    /// <summary>ResponseStatus/errorCode (hex in XML, decimal in JSON), when present.</summary>
    public long? ErrorCode { get; init; }
    /// <summary>The path that was requested.</summary>
    public string? RequestPath { get; init; }
    /// <summary>For <see cref="IsapiErrorKind.LockedOut"/>: how long until the device unlocks the user.</summary>
    public TimeSpan? UnlockAfter { get; init; }
    /// <summary>Failed logins the device still allows before it locks (<c>retryLoginTime</c>/<c>retryTimes</c>).</summary>
    public int? AttemptsLeft { get; init; }
    /// <summary>True when the error was raised by the client's guard without any network traffic.</summary>
    public bool FailedFast { get; init; }
    /// <summary>For <see cref="IsapiErrorKind.CertificateChanged"/>: the SHA-256 fingerprint (hex) the device presented.</summary>
    public string? ObservedCertificateSha256 { get; init; }

    /// <summary>True for errors worth retrying later with the same request (busy, transient device error, timeout, unreachable).</summary>
    public bool IsTransient => Kind is IsapiErrorKind.Busy or IsapiErrorKind.DeviceError or IsapiErrorKind.Timeout or IsapiErrorKind.Unreachable;
}
