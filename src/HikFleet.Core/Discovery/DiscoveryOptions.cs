namespace HikFleet.Core.Discovery;

/// <summary>Bounds of a discovery run (section <c>Fleet:Discovery</c>).</summary>
public sealed class DiscoveryOptions
{
    public const string SectionName = "Fleet:Discovery";

    /// <summary>A run still marked Running after this long died with its worker; the next run closes it as Failed.</summary>
    public TimeSpan StaleRunAfter { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>At most this many addresses of a site's probe ranges are probed per run (the rest is reported, not scanned).</summary>
    public int MaxProbeAddresses { get; set; } = 4096;

    /// <summary>Addresses probed at once.</summary>
    public int ProbeConcurrency { get; set; } = 32;

    /// <summary>TCP connect bound of one probe: an empty address must cost little.</summary>
    public TimeSpan ProbeConnectTimeout { get; set; } = TimeSpan.FromSeconds(1.5);

    /// <summary>Whole-request bound of one probe request.</summary>
    public TimeSpan ProbeRequestTimeout { get; set; } = TimeSpan.FromSeconds(4);

    /// <summary>Most SADP sightings taken from one run (a hostile segment cannot make a run unbounded).</summary>
    public int MaxSadpSightings { get; set; } = 20_000;
}
