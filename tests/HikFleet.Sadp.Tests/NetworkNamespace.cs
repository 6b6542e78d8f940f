using System.Diagnostics;
using System.Security.Cryptography;

namespace HikFleet.Sadp.Tests;

/// <summary>
/// A network namespace joined to the root namespace by a veth pair, created for one test and always removed. Addresses come from
/// 198.18.x.0/24 (RFC 2544 benchmark range): traffic stays on the veth and never reaches a real network.
/// Needs root and iproute2's <c>ip</c>.
/// </summary>
internal sealed class NetworkNamespace : IAsyncDisposable
{
    private readonly List<string> _cleanup = [];

    private NetworkNamespace(string name, string hostLink, string peerLink, int subnet)
    {
        Name = name;
        HostLink = hostLink;
        PeerLink = peerLink;
        Subnet = subnet;
    }

    public string Name { get; }
    public string HostLink { get; }
    public string PeerLink { get; }
    public int Subnet { get; }
    /// <summary>Root-namespace end of the veth (the client's interface).</summary>
    public string HostAddress => $"198.18.{Subnet}.1";
    /// <summary>Namespace end of the veth (the simulator's SADP interface).</summary>
    public string PeerAddress => $"198.18.{Subnet}.2";

    /// <summary>Why the test cannot run here (not root, no <c>ip</c>), or null.</summary>
    public static string? Unavailable()
    {
        if (!OperatingSystem.IsLinux())
            return "network-namespace test needs Linux";
        if (Environment.UserName != "root") // .NET resolves this from the effective uid on Unix
            return "network-namespace test needs root (CI runs as root)";
        if (FindIp() is null)
            return "network-namespace test needs iproute2 'ip' (apt-get install -y iproute2)";
        return null;
    }

    /// <summary>
    /// Creates the namespace and veth pair, addresses both ends, and adds <paramref name="extraPeerAddresses"/> (given the chosen
    /// subnet number) on the namespace end as /32s, for simulated devices to bind.
    /// </summary>
    public static async Task<NetworkNamespace> CreateAsync(Func<int, IEnumerable<string>> extraPeerAddresses, CancellationToken ct)
    {
        var tag = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
        var used = await RunAsync("-o -4 addr show", ct, check: false);
        int subnet;
        do
        {
            subnet = RandomNumberGenerator.GetInt32(1, 255);
        }
        while (used.Contains($"198.18.{subnet}.", StringComparison.Ordinal));
        var ns = new NetworkNamespace($"hf-sadp-{tag}", $"hfs{tag}a", $"hfs{tag}b", subnet);
        try
        {
            await RunAsync($"netns add {ns.Name}", ct);
            ns._cleanup.Add($"netns del {ns.Name}");
            await RunAsync($"link add {ns.HostLink} type veth peer name {ns.PeerLink}", ct);
            ns._cleanup.Insert(0, $"link del {ns.HostLink}");
            await RunAsync($"link set {ns.PeerLink} netns {ns.Name}", ct);
            await RunAsync($"addr add {ns.HostAddress}/24 dev {ns.HostLink}", ct);
            await RunAsync($"link set {ns.HostLink} up", ct);
            await RunAsync($"-n {ns.Name} addr add {ns.PeerAddress}/24 dev {ns.PeerLink}", ct);
            foreach (var a in extraPeerAddresses(subnet))
                await RunAsync($"-n {ns.Name} addr add {a}/32 dev {ns.PeerLink}", ct);
            await RunAsync($"-n {ns.Name} link set lo up", ct);
            await RunAsync($"-n {ns.Name} link set {ns.PeerLink} up", ct);
            return ns;
        }
        catch
        {
            await ns.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts a process inside the namespace (<c>ip netns exec</c> execs it, so the process id is the program's own).</summary>
    public Process Start(string fileName, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(FindIp()!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "netns", "exec", Name, fileName }.Concat(args))
            psi.ArgumentList.Add(a);
        return Process.Start(psi) ?? throw new InvalidOperationException("could not start process in namespace");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var cmd in _cleanup)
            await RunAsync(cmd, CancellationToken.None, check: false);
        _cleanup.Clear();
    }

    private static string? FindIp() =>
        new[] { "/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip" }.FirstOrDefault(File.Exists);

    private static async Task<string> RunAsync(string args, CancellationToken ct, bool check = true)
    {
        var psi = new ProcessStartInfo(FindIp()!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        if (check && p.ExitCode != 0)
            throw new InvalidOperationException($"ip {args} failed ({p.ExitCode}): {await stderr}");
        return await stdout;
    }
}
