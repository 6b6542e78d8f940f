using System.Xml.Linq;
using HikFleet.Isapi.Xml;

namespace HikFleet.Isapi.Models;

/// <summary>A device account (<c>/ISAPI/Security/users</c>, §2.5).</summary>
/// <param name="Id">1 is the built-in admin.</param>
/// <param name="UserName">Login name.</param>
/// <param name="UserLevel">Administrator, Operator or Viewer.</param>
public sealed record IsapiUser(int Id, string UserName, string? UserLevel)
{
    internal static IsapiUser FromXml(XElement x) => new(x.Int("id") ?? 0, x.Text("userName") ?? "", x.Text("userLevel"));
}

/// <summary><c>GET /ISAPI/Security/userCheck</c>: the cheapest credential probe (§1.5).</summary>
public sealed record UserCheck(int? StatusValue, bool? IsDefaultPassword, bool? IsRiskPassword, bool? IsActivated,
    string? LockStatus, int? UnlockTimeSeconds, int? RetryLoginTime)
{
    internal static UserCheck FromXml(XElement x) => new(x.Int("statusValue"), x.Bool("isDefaultPassword"), x.Bool("isRiskPassword"),
        x.Bool("isActivated"), x.Text("lockStatus"), x.Int("unlockTime"), x.Int("retryLoginTime"));
}

/// <summary><c>/ISAPI/Security/illegalLoginLock</c> (§1.5).</summary>
/// <param name="Enabled">Lock on repeated failures.</param>
/// <param name="MaxIllegalLoginTimes">Failures before the lock (5 observed).</param>
/// <param name="MaxIllegalLoginLockTime">Lock duration in seconds (1800 observed).</param>
public sealed record IllegalLoginLock(bool? Enabled, int? MaxIllegalLoginTimes, int? MaxIllegalLoginLockTime)
{
    internal static IllegalLoginLock FromXml(XElement x) =>
        new(x.Bool("enabled"), x.Int("maxIllegalLoginTimes"), x.Int("maxIllegalLoginLockTime"));
}

/// <summary><c>GET /SDK/activateStatus</c> (§3.2).</summary>
/// <param name="Activated">False for a factory-fresh device.</param>
public sealed record ActivationStatus(bool Activated);

/// <summary>
/// One entry of <c>/ISAPI/Security/adminAccesses</c> (§1.1): a service the device offers and its port. The real fixture lists HTTP,
/// HTTPS, DEV_MANAGE (8000), RTSP, SDK_OVER_TLS, WebSocket(S), SRTP and Bonjour.
/// </summary>
/// <param name="Id">Entry id (1-based, device-chosen; not the same on every model).</param>
/// <param name="Enabled">The service is on; null when the device does not say.</param>
/// <param name="Protocol">HTTP, HTTPS, DEV_MANAGE, RTSP, SDK_OVER_TLS, … as the device spells it.</param>
/// <param name="Port">portNo.</param>
public sealed record AdminAccessProtocol(int? Id, bool? Enabled, string? Protocol, int? Port)
{
    internal static AdminAccessProtocol FromXml(XElement x) => new(x.Int("id"), x.Bool("enabled"), x.Text("protocol"), x.Int("portNo"));

    /// <summary>True when <see cref="Protocol"/> is <paramref name="name"/> (case-insensitive, surrounding blanks ignored).</summary>
    public bool Is(string name) => string.Equals(Protocol?.Trim(), name, StringComparison.OrdinalIgnoreCase);
}

/// <summary><c>GET /ISAPI/Security/adminAccesses</c> (§1.1): the services and ports a device offers.</summary>
/// <param name="Protocols">Entries in device order (at most 64 are read: a hostile device could send thousands).</param>
public sealed record AdminAccesses(IReadOnlyList<AdminAccessProtocol> Protocols)
{
    /// <summary>Entries read at most.</summary>
    public const int MaxEntries = 64;

    /// <summary>The plain HTTP entry, null when the device lists none.</summary>
    public AdminAccessProtocol? Http => Protocols.FirstOrDefault(p => p.Is("HTTP"));

    /// <summary>The HTTPS entry, null when the device lists none (no HTTPS option at all, §6 "HTTP without an HTTPS option").</summary>
    public AdminAccessProtocol? Https => Protocols.FirstOrDefault(p => p.Is("HTTPS"));

    /// <summary>
    /// HTTP is on and HTTPS is absent or off: the web login and ISAPI (with its Digest hash) travel in clear text (§6). A missing
    /// <c>enabled</c> on the HTTP entry counts as on (devices that cannot switch HTTP off omit it).
    /// </summary>
    public bool HttpOnly => Http is { Enabled: not false } && Https is not { Enabled: true };

    internal static AdminAccesses FromXml(XElement x) =>
        new((x.Name.LocalName == "AdminAccessProtocol" ? [x] : x.Children("AdminAccessProtocol")).Take(MaxEntries)
            .Select(AdminAccessProtocol.FromXml).ToList());
}
