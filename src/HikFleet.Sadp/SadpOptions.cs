using System.Net;
using System.Net.Sockets;

namespace HikFleet.Sadp;

/// <summary>
/// SADP client settings, bound from a configuration section by <see cref="SadpServiceCollectionExtensions.AddSadp(Microsoft.Extensions.DependencyInjection.IServiceCollection, Microsoft.Extensions.Configuration.IConfiguration)"/>.
/// The defaults are safe for build and test machines (DESIGN.md "Network safety"): loopback only, multicast TTL 0, no broadcast.
/// Real interfaces, a higher TTL and broadcast are production settings that must be configured explicitly.
/// </summary>
public sealed class SadpOptions
{
    /// <summary>Conventional configuration section name.</summary>
    public const string SectionName = "Sadp";

    /// <summary>
    /// Local IPv4 addresses to probe from, one socket each (§4.1: per-interface sockets tell which NIC saw a device).
    /// Empty means <c>127.0.0.1</c> only. (Empty rather than pre-filled because configuration binding appends to lists.)
    /// </summary>
    public IList<string> Interfaces { get; set; } = [];

    /// <summary>Device SADP port (37020, §4.1). Tests use a random free port.</summary>
    public int Port { get; set; } = 37020;

    /// <summary>SADP multicast group (§4.1).</summary>
    public string MulticastGroup { get; set; } = "239.255.255.250";

    /// <summary>Multicast TTL. 0 keeps datagrams on this host; 1 reaches the local segment (production).</summary>
    public int MulticastTtl { get; set; }

    /// <summary>Send probes to the multicast group, on the chosen <see cref="Interfaces"/> only.</summary>
    public bool EnableMulticast { get; set; } = true;

    /// <summary>Also send probes to 255.255.255.255 (§4.1 reports devices answer it). Off by default: never on test machines.</summary>
    public bool EnableBroadcast { get; set; }

    /// <summary>Device addresses probed by unicast as well (§4.1: helps when multicast is filtered).</summary>
    public IList<string> UnicastTargets { get; set; } = [];

    /// <summary>Discovery ends once no new device has answered for this long after the last probe.</summary>
    public TimeSpan QuietWindow { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Hard upper bound for one discovery run, whatever devices keep doing.</summary>
    public TimeSpan MaxDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Most probe rounds per discovery run (UDP loses datagrams; devices answering twice are de-duplicated). The second round is
    /// always sent; later rounds only while the previous round still turned up new devices.
    /// </summary>
    public int ProbeRounds { get; set; } = 3;

    /// <summary>Delay between probe rounds.</summary>
    public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromMilliseconds(400);

    /// <summary>
    /// Send commands by unicast to the address the device answered from, instead of multicast on the interface that saw it.
    /// Multicast (the default) also reaches a device whose address is not routable from here (§4.1); unicast touches only the target.
    /// Commands are unicast anyway when <see cref="EnableMulticast"/> is off.
    /// </summary>
    public bool CommandsByUnicast { get; set; }

    /// <summary>How long a command waits for the device's reply before reporting <see cref="SadpCommandStatus.NoAnswer"/>.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// How many times a command without a reply is sent again (same Uuid, each attempt waiting <see cref="CommandTimeout"/>).
    /// Default 0: if the request arrived and only the reply was lost, a resent <c>update</c> or <c>reboot</c> is applied twice.
    /// Activation does not need this: it recovers from a lost <c>activate</c> by itself (see <see cref="SadpClient.ActivateAsync"/>).
    /// </summary>
    public int CommandRetries { get; set; }

    /// <summary>Datagrams larger than this are dropped unread (hostile-input bound).</summary>
    public int MaxDatagramBytes { get; set; } = SadpMessageReader.DefaultMaxBytes;

    /// <summary>Requested socket receive buffer, so that a burst of thousands of replies is not dropped by the kernel.</summary>
    public int ReceiveBufferBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>Admin user name used in the salted password proof (§4.4).</summary>
    public string AdminUser { get; set; } = "admin";

    /// <summary>
    /// A copy of these options with other <see cref="Interfaces"/> (every other setting, including the safe multicast and broadcast
    /// defaults, stays as configured). Used for per-site discovery.
    /// </summary>
    public SadpOptions WithInterfaces(IEnumerable<string> interfaces)
    {
        var copy = (SadpOptions)MemberwiseClone();
        copy.Interfaces = [.. interfaces];
        copy.UnicastTargets = [.. UnicastTargets];
        return copy;
    }

    /// <summary>The interface addresses to use (<see cref="Interfaces"/>, or loopback when empty).</summary>
    public IReadOnlyList<IPAddress> GetInterfaceAddresses() =>
        Interfaces.Count == 0 ? [IPAddress.Loopback] : [.. Interfaces.Select(ParseIPv4)];

    /// <summary>The unicast targets as addresses.</summary>
    public IReadOnlyList<IPAddress> GetUnicastTargets() => [.. UnicastTargets.Select(ParseIPv4)];

    /// <summary>Checks the settings; returns the problems found (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        foreach (var a in Interfaces.Concat(UnicastTargets))
        {
            if (!IPAddress.TryParse(a, out var ip) || ip.AddressFamily != AddressFamily.InterNetwork)
                errors.Add($"'{a}' is not an IPv4 address");
        }
        if (!IPAddress.TryParse(MulticastGroup, out var g) || g.AddressFamily != AddressFamily.InterNetwork || !IsMulticast(g))
            errors.Add($"MulticastGroup '{MulticastGroup}' is not an IPv4 multicast address");
        if (Port is < 1 or > 65535)
            errors.Add("Port must be 1..65535");
        if (MulticastTtl is < 0 or > 255)
            errors.Add("MulticastTtl must be 0..255");
        if (QuietWindow <= TimeSpan.Zero || MaxDuration <= TimeSpan.Zero || CommandTimeout <= TimeSpan.Zero)
            errors.Add("QuietWindow, MaxDuration and CommandTimeout must be positive");
        if (CommandRetries is < 0 or > 5)
            errors.Add("CommandRetries must be 0..5");
        if (ProbeRounds < 1)
            errors.Add("ProbeRounds must be at least 1");
        if (MaxDatagramBytes is < 512 or > 65535)
            errors.Add("MaxDatagramBytes must be 512..65535");
        return errors;
    }

    internal IPAddress GetMulticastGroup() => IPAddress.Parse(MulticastGroup);

    private static IPAddress ParseIPv4(string text) =>
        IPAddress.TryParse(text, out var ip) && ip.AddressFamily == AddressFamily.InterNetwork
            ? ip
            : throw new InvalidOperationException($"SADP: '{text}' is not an IPv4 address.");

    private static bool IsMulticast(IPAddress a) => (a.GetAddressBytes()[0] & 0xF0) == 0xE0;
}
