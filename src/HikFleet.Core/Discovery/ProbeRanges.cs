using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace HikFleet.Core.Discovery;

/// <summary>
/// A site's probe ranges: <c>10.1.20.0/24</c> (CIDR) or <c>10.1.20.10-10.1.20.40</c> / <c>10.1.20.10-40</c> (first-last), IPv4 only.
/// Discovery scans only what a site declares (DESIGN.md, Network safety), and never more than a bound per run.
/// </summary>
public static class ProbeRanges
{
    /// <summary>Parses one range; the error says why it is not one.</summary>
    public static bool TryParse(string? text, out uint first, out uint last, out string? error)
    {
        first = last = 0;
        error = null;
        var t = text?.Trim() ?? "";
        if (t.Length is 0 or > 64)
        {
            error = $"'{t}' is not an address range.";
            return false;
        }

        if (t.Contains('/'))
        {
            if (!IPNetwork.TryParse(t, out var network) || network.BaseAddress.AddressFamily != AddressFamily.InterNetwork)
            {
                error = $"'{t}' is not an IPv4 CIDR range.";
                return false;
            }

            var baseValue = ToUInt(network.BaseAddress);
            var size = network.PrefixLength == 0 ? uint.MaxValue : (1u << (32 - network.PrefixLength)) - 1;
            first = baseValue;
            last = baseValue + size;
            // The network and broadcast addresses of a /30 or larger are not hosts.
            if (network.PrefixLength <= 30)
            {
                first++;
                last--;
            }

            return true;
        }

        var dash = t.IndexOf('-');
        if (dash > 0 && IPAddress.TryParse(t[..dash].Trim(), out var a) && a.AddressFamily == AddressFamily.InterNetwork)
        {
            var rest = t[(dash + 1)..].Trim();
            if (IPAddress.TryParse(rest, out var b) && b.AddressFamily == AddressFamily.InterNetwork && rest.Contains('.'))
            {
                first = ToUInt(a);
                last = ToUInt(b);
            }
            else if (byte.TryParse(rest, out var lastOctet))
            {
                first = ToUInt(a);
                last = (first & 0xFFFFFF00) | lastOctet;
            }
            else
            {
                error = $"'{t}' is not a first-last range.";
                return false;
            }

            if (last < first)
            {
                error = $"'{t}' ends before it starts.";
                return false;
            }

            return true;
        }

        if (IPAddress.TryParse(t, out var single) && single.AddressFamily == AddressFamily.InterNetwork)
        {
            first = last = ToUInt(single);
            return true;
        }

        error = $"'{t}' is not an IPv4 range (CIDR or first-last).";
        return false;
    }

    /// <summary>
    /// The distinct addresses of <paramref name="ranges"/>, at most <paramref name="max"/>; <paramref name="problems"/> lists
    /// malformed ranges and what was left out.
    /// </summary>
    public static List<IPAddress> Expand(IEnumerable<string> ranges, int max, out List<string> problems)
    {
        problems = [];
        var seen = new HashSet<uint>();
        var result = new List<IPAddress>();
        long skipped = 0;
        foreach (var range in ranges)
        {
            if (!TryParse(range, out var first, out var last, out var error))
            {
                problems.Add(error!);
                continue;
            }

            for (var v = (ulong)first; v <= last; v++)
            {
                if (result.Count >= max)
                {
                    skipped += (long)(last - v + 1);
                    break;
                }

                if (seen.Add((uint)v)) result.Add(FromUInt((uint)v));
            }
        }

        if (skipped > 0) problems.Add($"Probe ranges hold more than {max} addresses; {skipped} were not probed.");
        return result;
    }

    internal static uint ToUInt(IPAddress address) => BinaryPrimitives.ReadUInt32BigEndian(address.GetAddressBytes());

    internal static IPAddress FromUInt(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return new IPAddress(bytes);
    }
}
