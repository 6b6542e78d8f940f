using System.Net;
using System.Xml.Linq;

namespace HikFleet.Isapi.Xml;

/// <summary>The <c>ResponseStatus</c> envelope (§1.4) and the lockout fields of <c>userCheck</c> (§1.5).</summary>
internal sealed record ResponseStatus(
    int? StatusCode, string? StatusString, string? SubStatusCode, long? ErrorCode, string? ErrorMessage, int? Id,
    string? LockStatus, int? UnlockSeconds, int? AttemptsLeft, bool? IsActivated)
{
    public static bool IsEnvelope(XElement x) => x.Name.LocalName is "ResponseStatus" or "userCheck";

    public static ResponseStatus FromXml(XElement x) => new(
        StatusCode: x.Int("statusCode"),
        StatusString: x.Text("statusString"),
        SubStatusCode: x.Text("subStatusCode"),
        ErrorCode: IsapiValues.ParseErrorCode(x.Text("errorCode")),
        ErrorMessage: x.Text("errorMsg"),
        Id: x.Int("id"),
        LockStatus: x.Text("lockStatus"),
        UnlockSeconds: x.Int("unlockTime") ?? x.Int("resLockTime"),
        AttemptsLeft: x.Int("retryLoginTime") ?? x.Int("retryTimes"),
        IsActivated: x.Bool("isActivated"));

    public bool IsSuccess => StatusCode is 0 or 1 or 7;

    public bool IsLocked => string.Equals(LockStatus, "lock", StringComparison.OrdinalIgnoreCase);

    /// <summary>Maps a failed status to the typed error (§1.4 table).</summary>
    public IsapiException ToException(HttpStatusCode? http, string path)
    {
        var sub = SubStatusCode ?? "";
        var kind = StatusCode switch
        {
            2 => IsapiErrorKind.Busy,
            3 => IsapiErrorKind.DeviceError,
            4 when Is(sub, "notActivated") => IsapiErrorKind.NotActivated,
            4 when Is(sub, "notSupport") || Is(sub, "methodNotAllowed") => IsapiErrorKind.NotSupported,
            4 when Is(sub, "badAuthorization") || Is(sub, "lowPrivilege") =>
                IsLocked ? IsapiErrorKind.LockedOut : IsapiErrorKind.Unauthorized,
            4 or 5 or 6 => IsapiErrorKind.BadRequest,
            _ => IsapiErrorKind.DeviceError,
        };
        return new IsapiException(kind, $"{path}: device answered statusCode {StatusCode} {StatusString} ({SubStatusCode})")
        {
            HttpStatus = http,
            StatusCode = StatusCode,
            StatusString = StatusString,
            SubStatusCode = SubStatusCode,
            ErrorCode = ErrorCode,
            RequestPath = path,
            AttemptsLeft = AttemptsLeft,
            UnlockAfter = UnlockSeconds is { } s && IsLocked ? TimeSpan.FromSeconds(s) : null,
        };
    }

    private static bool Is(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
