using System.Net;

namespace HikFleet.Core.Data.Entities;

/// <summary>
/// A PoE switch of a site, reached over SNMP (issue #14): its PSE ports power cameras, its forwarding table says which camera is on
/// which port. Credentials are sealed with the vault's key, bound to the switch id; never stored or logged in clear.
/// </summary>
public sealed class PoeSwitch
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid TenantId { get; set; }
    public Guid SiteId { get; set; }
    public Site? Site { get; set; }
    public required string Name { get; set; }
    public required IPAddress Address { get; set; }
    public int SnmpPort { get; set; } = 161;
    public SnmpVersion SnmpVersion { get; set; }
    /// <summary>SNMPv3 user name (authPriv, SHA + AES-128). Null for v2c.</summary>
    public string? SnmpUser { get; set; }
    /// <summary>v2c: the community; v3: <c>auth\npriv</c> passwords. Sealed (<see cref="Vault.CredentialVault.SealSecret"/>).</summary>
    public required byte[] SecretSealed { get; set; }
    public required string SecretKeyId { get; set; }

    /// <summary>sysName / sysDescr as the switch last reported them (hostile input: bounded).</summary>
    public string? SystemName { get; set; }
    public string? SystemDescription { get; set; }
    /// <summary>The PSE's power budget and what it delivers now, in watts (pethMainPseTable, group 1 or the sum).</summary>
    public int? PowerBudgetWatts { get; set; }
    public int? PowerConsumptionWatts { get; set; }
    /// <summary>pethMainPseUsageThreshold (%), when the switch has one.</summary>
    public int? UsageThresholdPercent { get; set; }
    public DateTimeOffset? PolledAt { get; set; }
    /// <summary>Why the last poll failed (no secret in it); null when it worked.</summary>
    public string? PollError { get; set; }
    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;

    public List<PoeSwitchPort> Ports { get; set; } = [];

    /// <summary>PostgreSQL <c>xmin</c>.</summary>
    public uint Version { get; set; }
}

public enum SnmpVersion
{
    V2c,
    /// <summary>USM authPriv: HMAC-SHA-96 authentication, AES-128 privacy.</summary>
    V3,
}

/// <summary>One PSE port as last read: power state, class, counters, and the MACs learned on it.</summary>
public sealed class PoeSwitchPort
{
    public long Id { get; set; }
    public Guid SwitchId { get; set; }
    /// <summary>pethPsePortGroupIndex.</summary>
    public int Group { get; set; } = 1;
    /// <summary>pethPsePortIndex (= the bridge port on the switches modelled; see docs/poe.md).</summary>
    public int Port { get; set; }
    public bool AdminEnabled { get; set; }
    /// <summary>RFC 3621 detection status name: Disabled, Searching, DeliveringPower, Fault, Test, OtherFault, Unknown.</summary>
    public required string Detection { get; set; }
    public int? PowerClass { get; set; }
    /// <summary>Sum of the RFC 3621 MPS-absent, over-load and short counters at the last poll (power dropped without being asked).</summary>
    public long DropCounter { get; set; }
    /// <summary>When the port lost power without HikFleet asking, within the health window (newest last, bounded).</summary>
    public List<DateTimeOffset> Drops { get; set; } = [];
    /// <summary>MACs learned on the port (lower-case, bounded). More than one: an uplink or a hub, never power-cycled.</summary>
    public List<string> Macs { get; set; } = [];
    /// <summary>Set while a power-cycle operation holds the port off: the poll switches a port back on that an operation left off.</summary>
    public Guid? HeldOffByOperationId { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public bool IsUplink => Macs.Count > 1;
}

/// <summary>Which switch port powers a camera: found from the forwarding table by MAC, or set by hand; power-cycled only when confirmed.</summary>
public sealed class PoePortMapping
{
    public Guid CameraId { get; set; }
    public Guid SwitchId { get; set; }
    public PoeSwitch? Switch { get; set; }
    public int Group { get; set; } = 1;
    public int Port { get; set; }
    public PoePortMappingSource Source { get; set; }
    /// <summary>When it was found (or set) — and last seen in the forwarding table.</summary>
    public DateTimeOffset FoundAt { get; set; }
    public DateTimeOffset? SeenAt { get; set; }
    /// <summary>A person confirmed it (a manual mapping is confirmed by whoever set it); cleared when discovery finds the camera elsewhere.</summary>
    public DateTimeOffset? ConfirmedAt { get; set; }
    public string? ConfirmedBy { get; set; }
    /// <summary>Discovery saw the camera's MAC on another port than this (manual) mapping says.</summary>
    public string? Conflict { get; set; }

    public bool Confirmed => ConfirmedAt is not null;
}

public enum PoePortMappingSource
{
    /// <summary>The camera's MAC is the only one learned on that port.</summary>
    Discovered,
    /// <summary>Set by a person.</summary>
    Manual,
}
