using System.Net;

namespace HikFleet.Core.Sites;

/// <summary>What a person (or the API) submits to create or change a site; validated by <see cref="SiteValidator"/>.</summary>
public sealed class SiteInput
{
    public Guid TenantId { get; set; }
    public string Name { get; set; } = "";
    public string TimeZone { get; set; } = "UTC";

    /// <summary>Subnets in CIDR notation, e.g. <c>10.20.0.0/24</c>.</summary>
    public List<string> Subnets { get; set; } = [];
    public string? NtpServer { get; set; }

    /// <summary>The version the editor loaded; a save against a newer version is refused, not merged.</summary>
    public uint? Version { get; set; }
}

/// <summary>Validation rules for sites, shared by the UI, the API and imports.</summary>
public static class SiteValidator
{
    public const int MaxSubnets = 64;

    public static Dictionary<string, string[]> Validate(SiteInput input, out List<IPNetwork> subnets)
    {
        var errors = new Dictionary<string, List<string>>();
        void Add(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list))
            {
                errors[field] = list = [];
            }

            list.Add(message);
        }

        subnets = [];
        var name = input.Name?.Trim() ?? "";
        if (name.Length == 0)
        {
            Add(nameof(SiteInput.Name), "A site needs a name.");
        }
        else if (name.Length > 200)
        {
            Add(nameof(SiteInput.Name), "The name is longer than 200 characters.");
        }

        if (!IsIanaTimeZone(input.TimeZone))
        {
            Add(nameof(SiteInput.TimeZone), $"'{input.TimeZone}' is not an IANA time zone (for example Europe/Berlin or America/New_York).");
        }

        var entries = input.Subnets.Select(s => s?.Trim() ?? "").Where(s => s.Length > 0).ToList();
        if (entries.Count > MaxSubnets)
        {
            Add(nameof(SiteInput.Subnets), $"At most {MaxSubnets} subnets per site.");
        }

        foreach (var entry in entries)
        {
            if (!TryParseCidr(entry, out var network, out var problem))
            {
                Add(nameof(SiteInput.Subnets), problem);
            }
            else if (!subnets.Contains(network))
            {
                subnets.Add(network);
            }
        }

        var ntp = input.NtpServer?.Trim();
        if (!string.IsNullOrEmpty(ntp) && !IsHostOrAddress(ntp))
        {
            Add(nameof(SiteInput.NtpServer), $"'{ntp}' is neither an IP address nor a host name.");
        }

        return errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
    }

    /// <summary>Accepts only canonical CIDR: <c>10.0.0.0/24</c>, not <c>10.0.0.5/24</c> (host bits set) or a bare address.</summary>
    public static bool TryParseCidr(string text, out IPNetwork network, out string problem)
    {
        network = default;
        if (!text.Contains('/'))
        {
            problem = $"'{text}' has no prefix length; write it as CIDR, e.g. 10.20.0.0/24.";
            return false;
        }

        var slash = text.IndexOf('/');
        if (!IPAddress.TryParse(text.AsSpan(0, slash), out var address) || !int.TryParse(text.AsSpan(slash + 1), out var prefix))
        {
            problem = $"'{text}' is not a subnet in CIDR notation (e.g. 10.20.0.0/24).";
            return false;
        }

        var max = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128;
        if (prefix < 0 || prefix > max)
        {
            problem = $"'{text}': the prefix length must be between 0 and {max}.";
            return false;
        }

        var canonical = new IPNetwork(MaskHostBits(address, prefix), prefix);
        if (!canonical.BaseAddress.Equals(address))
        {
            problem = $"'{text}' has host bits set; did you mean {canonical}?";
            return false;
        }

        network = canonical;
        problem = "";
        return true;
    }

    private static IPAddress MaskHostBits(IPAddress address, int prefix)
    {
        var bytes = address.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var bitsInByte = Math.Clamp(prefix - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - bitsInByte));
        }

        return new IPAddress(bytes);
    }

    public static bool IsIanaTimeZone(string? id)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            return false;
        }

        // On Linux the tz database is the system's; a Windows id ("W. Europe Standard Time") converts, but we store IANA only.
        return TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) && (zone.HasIanaId || id == "UTC");
    }

    private static bool IsHostOrAddress(string value) =>
        IPAddress.TryParse(value, out _) || Uri.CheckHostName(value) == UriHostNameType.Dns;
}
