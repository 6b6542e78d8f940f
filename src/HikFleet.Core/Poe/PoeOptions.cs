namespace HikFleet.Core.Poe;

/// <summary>PoE switches over SNMP (<c>Fleet:Poe</c>, issue #14).</summary>
public sealed class PoeOptions
{
    public const string SectionName = "Fleet:Poe";

    /// <summary>Per SNMP request; a switch that does not answer in time is retried once, never with other credentials.</summary>
    public TimeSpan SnmpTimeout { get; set; } = TimeSpan.FromSeconds(2);
    public int SnmpRetries { get; set; } = 1;
    /// <summary>How long a power-cycle keeps the port off (what a technician does by hand).</summary>
    public TimeSpan DefaultOffTime { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>Shortest and longest off time a person may ask for.</summary>
    public TimeSpan MinOffTime { get; set; } = TimeSpan.FromSeconds(5);
    public TimeSpan MaxOffTime { get; set; } = TimeSpan.FromMinutes(5);
    /// <summary>Power-cycles of one camera per rolling hour (they also count as restarts for the reboot limit).</summary>
    public int MaxPowerCyclesPerHour { get; set; } = 2;
    /// <summary>Power lost without being asked this many times within <see cref="DropWindow"/> makes the port unstable (a finding).</summary>
    public int DropsForFinding { get; set; } = 3;
    public TimeSpan DropWindow { get; set; } = TimeSpan.FromHours(24);
    /// <summary>A PSE drawing at least this share of its budget is near it (unless the switch has its own usage threshold).</summary>
    public int BudgetWarnPercent { get; set; } = 90;
    /// <summary>MACs kept per port (an uplink carries hundreds: it only matters that there is more than one).</summary>
    public int MaxMacsPerPort { get; set; } = 16;
}
