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
