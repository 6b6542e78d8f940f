using System.Security.Claims;
using HikFleet.Core.Audit;
using HikFleet.Core.Security;

namespace HikFleet.Web.Auth;

/// <summary>Sign-in, second factor, single sign-on, sign-out and first-run setup are security events: who, from where, how it ended.</summary>
public static class AuthAudit
{
    public const string SignIn = "auth.sign_in", SecondFactor = "auth.second_factor", SingleSignOn = "auth.sso_sign_in",
        SignOut = "auth.sign_out", Setup = "auth.setup";

    /// <summary>Appends one entry; never a password or a code.</summary>
    public static Task RecordAsync(AuditLog audit, HttpContext http, string action, FleetUser? user, string? claimedName, AuditResult result,
        string? detail = null, object? parameters = null)
    {
        var name = claimedName is { Length: > 128 } ? claimedName[..128] : claimedName ?? "unknown";
        return audit.AppendAsync(new AuditRecord
        {
            Actor = user is null ? new AuditActor(AuditActorKind.User, "unknown", name) : AuditActor.User(user.Id, user.UserName ?? name),
            Action = action,
            Result = result,
            ResultDetail = detail,
            ClientAddress = http.Connection.RemoteIpAddress,
            Parameters = parameters,
        }, http.RequestAborted);
    }

    /// <summary>The signed-in user of a request as an audit actor (sign-out).</summary>
    public static Task RecordSignOutAsync(AuditLog audit, HttpContext http, ClaimsPrincipal principal) =>
        audit.AppendAsync(new AuditRecord
        {
            Actor = Guid.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), out var id)
                ? AuditActor.User(id, principal.Identity?.Name ?? "")
                : new AuditActor(AuditActorKind.User, "unknown", principal.Identity?.Name ?? "unknown"),
            Action = SignOut,
            Result = AuditResult.Succeeded,
            ClientAddress = http.Connection.RemoteIpAddress,
        }, http.RequestAborted);
}
