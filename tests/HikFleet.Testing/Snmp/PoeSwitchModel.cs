using System.Text.Json;
using System.Text.Json.Serialization;

namespace HikFleet.Testing.Snmp;

/// <summary>
/// The state of the modelled PoE switch, as the pass_persist script (poe_switch.py) reads it: PSE groups, ports, forwarding table
/// (the MACs of each port), and the power events the agent appended. Serialised as camelCase JSON.
/// </summary>
public sealed class PoeSwitchModel
{
    /// <summary>sysName.</summary>
    public string Name { get; set; } = "poe-sw-1";
    /// <summary>sysDescr.</summary>
    public string Description { get; set; } = "HikFleet test PoE switch (net-snmp snmpd + poe_switch.py)";
    /// <summary>sysObjectID (net-snmp's Linux agent OID by default).</summary>
    public string ObjectId { get; set; } = "1.3.6.1.4.1.8072.3.2.10";
    /// <summary>dot1dBaseBridgeAddress; also in the FDB as status self(4) on port 0.</summary>
    public string BridgeMac { get; set; } = "00:00:5e:00:53:01";
    /// <summary>False: the switch has no Q-BRIDGE-MIB (only BRIDGE-MIB dot1dTpFdbTable), to test the fallback.</summary>
    public bool QBridge { get; set; } = true;
    /// <summary>A port whose powered device loses power loses link, and its MACs leave the FDB (true, as real switches do).</summary>
    public bool FlushFdbOnLinkDown { get; set; } = true;
    /// <summary>The simulator's control API (loopback); switching a camera port POSTs {ControlUrl}/devices/{serial}/power?on=….</summary>
    public string? ControlUrl { get; set; }
    /// <summary>pethMainPseTable rows.</summary>
    public List<PoePse> Pses { get; set; } = [new()];
    /// <summary>Ports (bridge port = PoE port number).</summary>
    public List<PoePort> Ports { get; set; } = [];
    /// <summary>Every SET of pethPsePortAdminEnable, appended by the agent (last 1000).</summary>
    public List<PoePowerEvent> Events { get; set; } = [];

    /// <summary>The port with this number (group 1 unless given).</summary>
    public PoePort Port(int number, int group = 1) => Ports.Single(p => p.Port == number && p.Group == group);

    /// <summary>The port of the camera with this serial.</summary>
    public PoePort? PortOf(string serial) => Ports.FirstOrDefault(p => p.Serial == serial);

    /// <summary>
    /// A switch with one PoE port per camera (ports 1…n, the camera's MAC learned on it, power class 3 / 6.5 W unless given) and,
    /// after them, a non-PoE uplink port carrying <paramref name="uplinkMacs"/> MACs (what a port with several MACs looks like).
    /// </summary>
    public static PoeSwitchModel ForCameras(IEnumerable<(string Serial, string Mac)> cameras, Uri? controlUrl = null, int uplinkMacs = 24,
        double watts = 6.5, int powerClass = 3)
    {
        ArgumentNullException.ThrowIfNull(cameras);
        var model = new PoeSwitchModel { ControlUrl = controlUrl?.ToString() };
        var n = 0;
        foreach (var (serial, mac) in cameras)
            model.Ports.Add(new PoePort { Port = ++n, Serial = serial, Macs = [mac.ToLowerInvariant()], PoweredDevice = true, Watts = watts, PowerClass = powerClass });
        model.Ports.Add(new PoePort
        {
            Port = n + 1, Poe = false, Type = "uplink",
            Macs = Enumerable.Range(0, uplinkMacs).Select(i => $"02:00:5e:10:{i / 256:x2}:{i % 256:x2}").ToList(),
        });
        return model;
    }

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
    };
}

/// <summary>One switch port.</summary>
public sealed class PoePort
{
    /// <summary>pethPsePortGroupIndex.</summary>
    public int Group { get; set; } = 1;
    /// <summary>pethPsePortIndex = dot1dBasePort.</summary>
    public int Port { get; set; }
    /// <summary>dot1dBasePortIfIndex (null = the port number).</summary>
    public int? IfIndex { get; set; }
    /// <summary>False: a port without PoE (not in pethPsePortTable; e.g. the uplink).</summary>
    public bool Poe { get; set; } = true;
    /// <summary>pethPsePortAdminEnable.</summary>
    public bool AdminEnabled { get; set; } = true;
    /// <summary>A PoE-powered device (camera) is attached: deliveringPower while admin is on, and link only while powered.</summary>
    public bool PoweredDevice { get; set; }
    /// <summary>pethPsePortDetectionStatus fault(4) while admin is on.</summary>
    public bool Fault { get; set; }
    /// <summary>The simulated camera on this port (the agent powers it through the simulator's control API).</summary>
    public string? Serial { get; set; }
    /// <summary>MACs learned on this port (lower-case aa:bb:cc:dd:ee:ff).</summary>
    public List<string> Macs { get; set; } = [];
    /// <summary>VLAN (Q-BRIDGE FDB id).</summary>
    public int Vlan { get; set; } = 1;
    /// <summary>0–4 (reported as class0(1)…class4(5)).</summary>
    public int PowerClass { get; set; }
    /// <summary>Draw while delivering (summed into pethMainPseConsumptionPower).</summary>
    public double Watts { get; set; }
    /// <summary>pethPsePortType.</summary>
    public string? Type { get; set; }
    /// <summary>RFC 3621 counters.</summary>
    public PoePortCounters Counters { get; set; } = new();
}

/// <summary>pethPsePort counters (Counter32).</summary>
public sealed class PoePortCounters
{
    /// <summary>pethPsePortMPSAbsentCounter: the PD stopped drawing (a port that keeps dropping power).</summary>
    public long MpsAbsent { get; set; }
    /// <summary>pethPsePortInvalidSignatureCounter.</summary>
    public long InvalidSignature { get; set; }
    /// <summary>pethPsePortPowerDeniedCounter (budget exhausted).</summary>
    public long PowerDenied { get; set; }
    /// <summary>pethPsePortOverLoadCounter.</summary>
    public long OverLoad { get; set; }
    /// <summary>pethPsePortShortCounter.</summary>
    public long Short { get; set; }
}

/// <summary>One pethMainPseTable row.</summary>
public sealed class PoePse
{
    /// <summary>pethMainPseGroupIndex.</summary>
    public int Group { get; set; } = 1;
    /// <summary>pethMainPsePower (budget, W).</summary>
    public int PowerWatts { get; set; } = 370;
    /// <summary>pethMainPseOperStatus on(1)/off(2)/faulty(3).</summary>
    public int OperStatus { get; set; } = 1;
    /// <summary>pethMainPseUsageThreshold (%).</summary>
    public int UsageThresholdPercent { get; set; } = 90;
}

/// <summary>A SET of pethPsePortAdminEnable the agent received.</summary>
/// <param name="Changed">False when the port already had that state.</param>
/// <param name="NotifyError">Why the simulator could not be told (null = told, or nothing to tell).</param>
public sealed record PoePowerEvent(int Group, int Port, bool On, DateTimeOffset At, string? Serial, bool Changed, string? NotifyError);
