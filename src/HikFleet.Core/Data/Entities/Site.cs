using System.Net;

namespace HikFleet.Core.Data.Entities;

/// <summary>A physical location of a tenant: one LAN (or a few), one time zone, one NTP source.</summary>
public sealed class Site
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid TenantId { get; set; }
    public Tenant? Tenant { get; set; }
    public required string Name { get; set; }

    /// <summary>IANA time zone id (e.g. <c>Europe/Berlin</c>); converted to Hikvision's POSIX form when pushed to devices.</summary>
    public required string TimeZone { get; set; }

    /// <summary>The subnets the site's cameras live in; discovery never scans outside them.</summary>
    public List<IPNetwork> Subnets { get; set; } = [];

    /// <summary>Host name or address of the NTP server cameras of this site should use.</summary>
    public string? NtpServer { get; set; }

    // ---- Discovery and health schedules ----
    /// <summary>Cron expression (UTC) of the scheduled discovery; null = discovery only on demand.</summary>
    public string? DiscoveryCron { get; set; } = "*/15 * * * *";
    /// <summary>Cron expression (UTC) of the scheduled health check; null = no scheduled checks.</summary>
    public string? HealthCron { get; set; } = "* * * * *";
    /// <summary>Local interface addresses SADP probes from for this site; empty = the installation's configured interfaces.</summary>
    public List<IPAddress> SadpInterfaces { get; set; } = [];
    /// <summary>Routed address ranges SADP cannot reach, probed over ISAPI (CIDR or first-last); never anything else.</summary>
    public List<string> ProbeRanges { get; set; } = [];
    /// <summary>HTTP port the ISAPI probe of <see cref="ProbeRanges"/> uses.</summary>
    public int ProbePort { get; set; } = 80;
    /// <summary>A managed camera not seen by this many consecutive discovery runs is reported missing.</summary>
    public int MissingAfterRuns { get; set; } = 3;
    /// <summary>Device user name HikFleet uses when adopting cameras of this site.</summary>
    public string DefaultUserName { get; set; } = "admin";
    /// <summary>What happens when discovery finds a known camera factory-reset by hand.</summary>
    public ReprovisionPolicy ReprovisionPolicy { get; set; } = ReprovisionPolicy.AfterApproval;

    // ---- Operations ----
    /// <summary>Start of the daily maintenance window in the site's local time; null (with <see cref="MaintenanceEnd"/>) = any time.</summary>
    public TimeOnly? MaintenanceStart { get; set; }
    /// <summary>End of the window (before the start = it spans midnight).</summary>
    public TimeOnly? MaintenanceEnd { get; set; }
    /// <summary>How many cameras of the site a bulk operation works on at once.</summary>
    public int BulkConcurrency { get; set; } = 2;
    /// <summary>How many ports of one PoE switch may be power-cycled at once (a switch's PSE and uplinks suffer from more).</summary>
    public int PoeConcurrentPorts { get; set; } = 1;
    /// <summary>Cron expression (UTC) of scheduled configuration backups; null = only before risky operations and by hand.</summary>
    public string? BackupCron { get; set; } = "30 2 * * 0";
    /// <summary>Cron expression (UTC) of scheduled password rotation of every managed camera; null = on demand only.</summary>
    public string? PasswordRotationCron { get; set; }
    /// <summary>Backups kept per camera (older ones are deleted, never the newest nor one an operation refers to).</summary>
    public int BackupRetention { get; set; } = 10;

    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
    public DateTimeOffset UpdatedAt { get; set; } = DateTimeOffset.UtcNow;

    /// <summary>PostgreSQL <c>xmin</c>: two people editing one site never silently overwrite each other.</summary>
    public uint Version { get; set; }

    public List<Camera> Cameras { get; set; } = [];
}

/// <summary>Whether a known camera found inactive (reset by hand) is reprovisioned without asking.</summary>
public enum ReprovisionPolicy
{
    /// <summary>An operator approves each one.</summary>
    AfterApproval,
    /// <summary>Discovery starts the restore by itself.</summary>
    Automatic,
}
