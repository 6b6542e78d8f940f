// The PoE switch view HikFleet.Core builds against (issue #14).
namespace HikFleet.Snmp.Poe;

/// <summary>pethPsePortDetectionStatus (RFC 3621).</summary>
public enum PseDetectionStatus
{
    /// <summary>Unknown value.</summary>
    Unknown = 0,
    /// <summary>disabled(1): admin off.</summary>
    Disabled = 1,
    /// <summary>searching(2): on, nothing powered.</summary>
    Searching = 2,
    /// <summary>deliveringPower(3).</summary>
    DeliveringPower = 3,
    /// <summary>fault(4).</summary>
    Fault = 4,
    /// <summary>test(5).</summary>
    Test = 5,
    /// <summary>otherFault(6).</summary>
    OtherFault = 6,
}

/// <summary>pethMainPseOperStatus (RFC 3621).</summary>
public enum PseOperStatus
{
    /// <summary>Unknown value.</summary>
    Unknown = 0,
    /// <summary>on(1).</summary>
    On = 1,
    /// <summary>off(2).</summary>
    Off = 2,
    /// <summary>faulty(3).</summary>
    Faulty = 3,
}

/// <summary>One row of pethPsePortTable.</summary>
/// <param name="Group">pethPsePortGroupIndex.</param>
/// <param name="Port">pethPsePortIndex (on the switches we model, equal to the bridge port number; see <see cref="PoeSwitchMib"/>).</param>
/// <param name="PowerClass">0–4 from pethPsePortPowerClassifications (class0(1)…class4(5)); null when not delivering.</param>
public sealed record PsePort(
    int Group, int Port, bool AdminEnabled, PseDetectionStatus Detection, int? PowerClass,
    long MpsAbsentCounter, long PowerDeniedCounter, long OverLoadCounter, long ShortCounter);

/// <summary>One row of pethMainPseTable: the power sourcing equipment's budget and draw, in watts.</summary>
public sealed record MainPse(int Group, int PowerWatts, PseOperStatus Status, int ConsumptionWatts, int? UsageThresholdPercent);

/// <summary>A learned MAC on a bridge port (Q-BRIDGE dot1qTpFdbTable, else BRIDGE-MIB dot1dTpFdbTable).</summary>
/// <param name="Mac">Lower-case <c>aa:bb:cc:dd:ee:ff</c>.</param>
/// <param name="BridgePort">dot1dBasePort (0 for the bridge's own address, status self).</param>
/// <param name="Vlan">The FDB id (Q-BRIDGE), null from BRIDGE-MIB.</param>
/// <param name="Learned">Status learned(3) (not self/mgmt/other).</param>
public sealed record ForwardingEntry(string Mac, int BridgePort, int? Vlan, bool Learned);

/// <summary>sysDescr, sysName, sysObjectID, sysUpTime.</summary>
public sealed record SwitchIdentity(string Description, string Name, string ObjectId, TimeSpan UpTime);
