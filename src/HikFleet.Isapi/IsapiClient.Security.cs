using HikFleet.Isapi.Models;
using HikFleet.Isapi.Security;
using HikFleet.Isapi.Xml;

namespace HikFleet.Isapi;

public sealed partial class IsapiClient
{
    /// <summary><c>GET /ISAPI/Security/userCheck</c>: proves the credential with the cheapest call (§1.5).</summary>
    public async Task<UserCheck> CheckUserAsync(CancellationToken cancellationToken = default) =>
        UserCheck.FromXml(await GetXmlAsync("/ISAPI/Security/userCheck", cancellationToken));

    /// <summary><c>GET /ISAPI/Security/capabilities</c> (§2.1).</summary>
    public async Task<SecurityCapabilities> GetSecurityCapabilitiesAsync(CancellationToken cancellationToken = default) =>
        SecurityCapabilities.FromXml(await GetXmlAsync("/ISAPI/Security/capabilities", cancellationToken));

    /// <summary><c>GET /ISAPI/Security/users</c> (§2.5).</summary>
    public async Task<IReadOnlyList<IsapiUser>> GetUsersAsync(CancellationToken cancellationToken = default)
    {
        var root = await GetXmlAsync("/ISAPI/Security/users", cancellationToken);
        return root.Name.LocalName == "User" ? [IsapiUser.FromXml(root)] : root.Children("User").Select(IsapiUser.FromXml).ToList();
    }

    /// <summary><c>POST /ISAPI/Security/users</c>; returns the created id when the device reports it (§2.5).</summary>
    public Task<IsapiResult> CreateUserAsync(string userName, string password, string userLevel = "Viewer", CancellationToken cancellationToken = default) =>
        SendForStatusAsync(HttpMethod.Post, "/ISAPI/Security/users",
            X("User", Opt("userName", userName), Opt("password", password), Opt("userLevel", userLevel)), cancellationToken);

    /// <summary><c>DELETE /ISAPI/Security/users/&lt;id&gt;</c>.</summary>
    public Task<IsapiResult> DeleteUserAsync(int id, CancellationToken cancellationToken = default) =>
        SendForStatusAsync(HttpMethod.Delete, $"/ISAPI/Security/users/{id}", null, cancellationToken);

    /// <summary>
    /// <c>PUT /ISAPI/Security/users/&lt;id&gt;</c> with the new password and our current one as <c>loginPassword</c> (§2.5).
    /// When the changed account is the one this client uses, the client switches to the new password at once: the next
    /// request with the old one would count as a failed login.
    /// </summary>
    public async Task<IsapiResult> ChangePasswordAsync(int userId, string userName, string newPassword, CancellationToken cancellationToken = default)
    {
        var current = _credentials ?? throw new InvalidOperationException("No credentials.");
        var result = await SendForStatusAsync(HttpMethod.Put, $"/ISAPI/Security/users/{userId}",
            X("User", Opt("id", userId), Opt("userName", userName), Opt("password", newPassword), Opt("loginPassword", current.Password)),
            cancellationToken);
        if (string.Equals(userName, current.UserName, StringComparison.Ordinal))
        {
            _credentials = current with { Password = newPassword };
            ResetAuthentication();
        }
        return result;
    }

    /// <summary><c>GET /ISAPI/Security/illegalLoginLock</c> (§1.5).</summary>
    public async Task<IllegalLoginLock> GetIllegalLoginLockAsync(CancellationToken cancellationToken = default) =>
        IllegalLoginLock.FromXml(await GetXmlAsync("/ISAPI/Security/illegalLoginLock", cancellationToken));

    /// <summary><c>PUT /ISAPI/Security/illegalLoginLock</c>, only the fields given.</summary>
    public Task<IsapiResult> SetIllegalLoginLockAsync(IllegalLoginLock settings, CancellationToken cancellationToken = default) =>
        SendForStatusAsync(HttpMethod.Put, "/ISAPI/Security/illegalLoginLock", X("IllegalLoginLock",
            Opt("enabled", settings.Enabled), Opt("maxIllegalLoginTimes", settings.MaxIllegalLoginTimes),
            Opt("maxIllegalLoginLockTime", settings.MaxIllegalLoginLockTime)), cancellationToken);

    /// <summary><c>GET /ISAPI/Security/adminAccesses</c>: the services (HTTP, HTTPS, SDK, RTSP, …) and ports the device offers (§1.1).</summary>
    public async Task<AdminAccesses> GetAdminAccessesAsync(CancellationToken cancellationToken = default) =>
        AdminAccesses.FromXml(await GetXmlAsync("/ISAPI/Security/adminAccesses", cancellationToken));

    /// <summary>
    /// <c>PUT /ISAPI/Security/adminAccesses</c> with the given entries (id, enabled, protocol, portNo). Send the whole list as read,
    /// with only the wanted change: that is what the web UI does, and firmware that treats the list as complete then keeps every
    /// other service as it was [U: PUT shape not captured; the GET shape is §1.1]. Port and service changes may answer
    /// statusCode 7 (reboot required, §5.4), reported in <see cref="IsapiResult.RebootRequired"/>.
    /// </summary>
    public Task<IsapiResult> SetAdminAccessesAsync(IReadOnlyList<AdminAccessProtocol> protocols, CancellationToken cancellationToken = default) =>
        SendForStatusAsync(HttpMethod.Put, "/ISAPI/Security/adminAccesses", X("AdminAccessProtocolList",
            protocols.Select(p => (object?)X("AdminAccessProtocol", Opt("id", p.Id), Opt("enabled", p.Enabled), Opt("protocol", p.Protocol),
                Opt("portNo", p.Port))).ToArray()), cancellationToken);
}
