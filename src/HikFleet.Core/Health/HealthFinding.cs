using HikFleet.Core.Data.Entities;

namespace HikFleet.Core.Health;

/// <summary>One thing a health check found: a stable code, how bad it is, what was measured and the fix a technician would try.</summary>
public sealed record HealthFinding(string Code, FindingSeverity Severity, string Summary, string Evidence, string Fix);

/// <summary>The catalogue of health findings (docs/health.md lists the same codes with their evidence and fixes).</summary>
public static class HealthFindings
{
    // The state a check could not get past: each explains an Offline/Unauthorized/Locked/Inactive/Unknown camera.
    public const string Unreachable = "unreachable";
    public const string NotAnswering = "not-answering";
    public const string NoCredential = "no-credential";
    public const string CredentialRejected = "credential-rejected";
    public const string LockedOut = "locked-out";
    public const string NotActivated = "not-activated";
    public const string UnreadableAnswers = "unreadable-answers";
    public const string DeviceError = "device-error";

    public const string HighLatency = "high-latency";
    public const string ReplacedDevice = "replaced-device";
    public const string IpConflict = "ip-conflict";
    public const string HighCpu = "high-cpu";
    public const string HighMemory = "high-memory";
    public const string RebootLoop = "reboot-loop";
    public const string ClockDrift = "clock-drift";
    public const string NtpDisabled = "ntp-disabled";
    public const string StorageError = "storage-error";
    public const string DefaultPassword = "default-password";
    public const string RiskyPassword = "risky-password";
    public const string VulnerableFirmware = "vulnerable-firmware";
    public const string OutdatedFirmware = "outdated-firmware";
    public const string BlackImage = "black-image";
    public const string FrozenImage = "frozen-image";
    public const string NoSnapshot = "no-snapshot";
    public const string LinkTooSlow = "link-too-slow";
    public const string PublicAddress = "public-address";
    public const string SubnetMismatch = "subnet-mismatch";

    // Hardening checks (issue #10): read at the slower HealthOptions.HardeningInterval, kept between reads, fixed through profiles.
    public const string CloudEnabled = "cloud-enabled";
    public const string HttpOnly = "http-only";
    public const string LoginLockDisabled = "login-lock-disabled";

    /// <summary>
    /// Codes decided by the settings read (every <see cref="HealthOptions.HardeningInterval"/>: the hardening settings, userCheck's
    /// password verdict, the time mode): configuration, not a measurement, so they open and close on the read itself (no flap
    /// suppression) and are carried unchanged between reads (issue #13: a per-minute check does not re-read configuration).
    /// </summary>
    public static readonly IReadOnlySet<string> SettingsCodes = new HashSet<string>(StringComparer.Ordinal)
    {
        CloudEnabled, HttpOnly, LoginLockDisabled, DefaultPassword, RiskyPassword, NtpDisabled,
    };

    internal static HealthFinding Critical(string code, string summary, string evidence, string fix) => new(code, FindingSeverity.Critical, summary, evidence, fix);
    internal static HealthFinding Warning(string code, string summary, string evidence, string fix) => new(code, FindingSeverity.Warning, summary, evidence, fix);
}
