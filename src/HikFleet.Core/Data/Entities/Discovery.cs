using System.Net;

namespace HikFleet.Core.Data.Entities;

/// <summary>One discovery run of one site (scheduled or "scan now").</summary>
public sealed class DiscoveryRun
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid SiteId { get; set; }
    public Site? Site { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    /// <summary>"schedule" or the user name that asked for it.</summary>
    public required string TriggeredBy { get; set; }
    public DiscoveryRunStatus Status { get; set; } = DiscoveryRunStatus.Running;
    public int Seen { get; set; }
    public int New { get; set; }
    public int Moved { get; set; }
    public int Conflicts { get; set; }
    public int Mismatched { get; set; }
    public int FoundReset { get; set; }
    public int Missing { get; set; }
    /// <summary>Why it failed (no secret, no stack trace).</summary>
    public string? Error { get; set; }
    public List<DiscoverySighting> Sightings { get; set; } = [];
}

public enum DiscoveryRunStatus
{
    Running,
    Succeeded,
    Failed,
}

/// <summary>One device seen by one run, with what reconciliation made of it.</summary>
public sealed class DiscoverySighting
{
    public long Id { get; set; }
    public Guid RunId { get; set; }
    public Guid SiteId { get; set; }
    /// <summary>Null for a device the ISAPI probe found but could not identify (inactive, or no credential HikFleet may use).</summary>
    public string? MacAddress { get; set; }
    public string? SerialNumber { get; set; }
    public string? Model { get; set; }
    public IPAddress? Address { get; set; }
    public int? HttpPort { get; set; }
    public string? FirmwareVersion { get; set; }
    public bool? Activated { get; set; }
    public SightingSource Source { get; set; }
    public SightingOutcome Outcome { get; set; }
    /// <summary>The inventory row it reconciled to (a new device gets a Discovered camera row).</summary>
    public Guid? CameraId { get; set; }
    /// <summary>Detail of the outcome (previous address, the other MAC on a conflicting address...).</summary>
    public string? Detail { get; set; }
    public DateTimeOffset SeenAt { get; set; }
}

public enum SightingSource
{
    Sadp,
    IsapiProbe,
}

public enum SightingOutcome
{
    /// <summary>Known, nothing changed.</summary>
    Known,
    /// <summary>Not in the inventory: waits for adoption.</summary>
    New,
    /// <summary>Known camera at a new address: updated, move recorded.</summary>
    Moved,
    /// <summary>Two devices answer for one address.</summary>
    IpConflict,
    /// <summary>Its address lies outside the site's subnets.</summary>
    SubnetMismatch,
    /// <summary>A known camera seen inactive: factory-reset (by hand or by a failed operation).</summary>
    FoundReset,
    /// <summary>Known serial with another MAC, or known MAC with another serial: hardware swapped.</summary>
    Replaced,
    /// <summary>A device of another site or tenant (never moved silently).</summary>
    ForeignSite,
}
