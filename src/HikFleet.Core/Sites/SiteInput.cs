using System.Net;
using System.Net.Sockets;
using Cronos;
using HikFleet.Core.Data.Entities;

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

    // The defaults below are the Site entity's: a PUT that leaves them out gets the defaults (PUT replaces the whole site).

    /// <summary>Cron (5 fields, UTC) of the scheduled discovery; empty = discovery only on demand.</summary>
    public string? DiscoveryCron { get; set; } = "*/15 * * * *";
    /// <summary>Cron (5 fields, UTC) of the scheduled health check; empty = no scheduled checks.</summary>
    public string? HealthCron { get; set; } = "* * * * *";
    /// <summary>Local IPv4 addresses SADP probes from; empty = the installation's configured interfaces.</summary>
    public List<string> SadpInterfaces { get; set; } = [];
    /// <summary>Routed ranges probed over ISAPI: CIDR (<c>10.30.0.0/28</c>) or first-last (<c>10.30.0.10-10.30.0.40</c>), inside the subnets.</summary>
    public List<string> ProbeRanges { get; set; } = [];
    public int ProbePort { get; set; } = 80;
    public int MissingAfterRuns { get; set; } = 3;
    public string DefaultUserName { get; set; } = "admin";
    public ReprovisionPolicy ReprovisionPolicy { get; set; } = ReprovisionPolicy.AfterApproval;

    /// <summary>Daily window in the site's time zone when operations may start, <c>HH:mm-HH:mm</c> (may cross midnight); empty = any time.</summary>
    public string? MaintenanceWindow { get; set; }
    /// <summary>Cameras of the site worked on at once by a bulk run or rollout.</summary>
    public int BulkConcurrency { get; set; } = 2;
    /// <summary>Ports of one PoE switch power-cycled at once (issue #14); the rest queue.</summary>
    public int PoeConcurrentPorts { get; set; } = 1;
    /// <summary>Cron (5 fields, UTC) of scheduled configuration backups; empty = only before risky operations and by hand.</summary>
    public string? BackupCron { get; set; } = "30 2 * * 0";
    /// <summary>Backups kept per camera.</summary>
    public int BackupRetention { get; set; } = 10;
    /// <summary>Cron (5 fields, UTC) of scheduled password rotation; empty = on demand only.</summary>
    public string? PasswordRotationCron { get; set; }

    /// <summary>The version the editor loaded; a save against a newer version is refused, not merged.</summary>
    public uint? Version { get; set; }
}

/// <summary>Validation rules for sites, shared by the UI, the API and imports.</summary>
public static class SiteValidator
{
    public const int MaxSubnets = 64;
    public const int MaxSadpInterfaces = 16;
    public const int MaxProbeRanges = 64;
    /// <summary>Most addresses the ISAPI probe of one site may cover: a probe is one HTTP request per address, every run.</summary>
    public const int MaxProbeAddresses = 4096;
    public const int MaxMissingAfterRuns = 100;
    public const int MaxUserNameLength = 32;
    public const int MaxBulkConcurrency = 50;
    public const int MaxPoeConcurrentPorts = 16;
    public const int MaxBackupRetention = 100;

    /// <summary>The validated, normalised values of the discovery fields.</summary>
    public sealed record Normalised(string? DiscoveryCron, string? HealthCron, List<IPAddress> SadpInterfaces, List<string> ProbeRanges,
        string? BackupCron = null, string? PasswordRotationCron = null, TimeOnly? MaintenanceStart = null, TimeOnly? MaintenanceEnd = null);

    public static Dictionary<string, string[]> Validate(SiteInput input, out List<IPNetwork> subnets, out Normalised normalised)
    {
        var errors = Validate(input, out subnets);
        var more = new Dictionary<string, List<string>>();
        void Add(string field, string message)
        {
            if (!more.TryGetValue(field, out var list)) more[field] = list = [];
            list.Add(message);
        }

        var discovery = NormaliseCron(input.DiscoveryCron, nameof(SiteInput.DiscoveryCron), Add);
        var health = NormaliseCron(input.HealthCron, nameof(SiteInput.HealthCron), Add);
        var backup = NormaliseCron(input.BackupCron, nameof(SiteInput.BackupCron), Add);
        var rotation = NormaliseCron(input.PasswordRotationCron, nameof(SiteInput.PasswordRotationCron), Add);
        var (windowStart, windowEnd) = ParseWindow(input.MaintenanceWindow, m => Add(nameof(SiteInput.MaintenanceWindow), m));
        if (input.BulkConcurrency < 1 || input.BulkConcurrency > MaxBulkConcurrency)
        {
            Add(nameof(SiteInput.BulkConcurrency), $"Between 1 and {MaxBulkConcurrency} cameras at once.");
        }

        if (input.PoeConcurrentPorts < 1 || input.PoeConcurrentPorts > MaxPoeConcurrentPorts)
        {
            Add(nameof(SiteInput.PoeConcurrentPorts), $"Between 1 and {MaxPoeConcurrentPorts} ports of one PoE switch at once.");
        }

        if (input.BackupRetention < 1 || input.BackupRetention > MaxBackupRetention)
        {
            Add(nameof(SiteInput.BackupRetention), $"Keep between 1 and {MaxBackupRetention} backups per camera.");
        }

        var interfaces = new List<IPAddress>();
        var interfaceEntries = (input.SadpInterfaces ?? []).Select(s => s?.Trim() ?? "").Where(s => s.Length > 0).ToList();
        if (interfaceEntries.Count > MaxSadpInterfaces) Add(nameof(SiteInput.SadpInterfaces), $"At most {MaxSadpInterfaces} interfaces per site.");
        foreach (var entry in interfaceEntries.Take(MaxSadpInterfaces))
        {
            if (!IPAddress.TryParse(entry, out var address) || address.AddressFamily != AddressFamily.InterNetwork || entry.Count(c => c == '.') != 3)
            {
                Add(nameof(SiteInput.SadpInterfaces), $"'{entry}' is not an IPv4 address of this server (SADP is IPv4 only).");
            }
            else if (!interfaces.Contains(address))
            {
                interfaces.Add(address);
            }
        }

        var ranges = NormaliseProbeRanges(input.ProbeRanges ?? [], subnets, m => Add(nameof(SiteInput.ProbeRanges), m));

        if (input.ProbePort is < 1 or > 65535) Add(nameof(SiteInput.ProbePort), "The probe port must be between 1 and 65535.");
        if (input.MissingAfterRuns < 1 || input.MissingAfterRuns > MaxMissingAfterRuns)
        {
            Add(nameof(SiteInput.MissingAfterRuns), $"Missing after must be between 1 and {MaxMissingAfterRuns} discovery runs.");
        }

        if (UserNameProblem(input.DefaultUserName) is { } problem) Add(nameof(SiteInput.DefaultUserName), problem);
        if (!Enum.IsDefined(input.ReprovisionPolicy)) Add(nameof(SiteInput.ReprovisionPolicy), "Unknown reprovisioning policy.");

        foreach (var (field, messages) in more) errors[field] = [.. errors.GetValueOrDefault(field, []), .. messages];
        normalised = new Normalised(discovery, health, interfaces, ranges, backup, rotation, windowStart, windowEnd);
        return errors;
    }

    /// <summary>Parses <c>HH:mm-HH:mm</c> (24-hour, may cross midnight); empty = no window.</summary>
    public static (TimeOnly? Start, TimeOnly? End) ParseWindow(string? text, Action<string> problem)
    {
        var value = text?.Trim();
        if (string.IsNullOrEmpty(value)) return (null, null);
        var parts = value.Split('-', StringSplitOptions.TrimEntries);
        if (parts.Length != 2
            || !TimeOnly.TryParseExact(parts[0], ["HH:mm", "H:mm"], System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var start)
            || !TimeOnly.TryParseExact(parts[1], ["HH:mm", "H:mm"], System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var end))
        {
            problem($"'{value}' is not a window like 22:00-05:00 (24-hour, in the site's time zone).");
            return (null, null);
        }

        if (start == end)
        {
            problem("The window opens and closes at the same time; leave it empty for \"any time\".");
            return (null, null);
        }

        return (start, end);
    }

    /// <summary>The window as the editor shows it.</summary>
    public static string? FormatWindow(TimeOnly? start, TimeOnly? end) =>
        start is { } s && end is { } e ? $"{s:HH\\:mm}-{e:HH\\:mm}" : null;

    /// <summary>Null when the device user name is acceptable, else why not (Hikvision user names: 1-32 printable characters, no spaces).</summary>
    public static string? UserNameProblem(string? userName)
    {
        var name = userName?.Trim() ?? "";
        if (name.Length == 0) return "A device user name is needed (usually admin).";
        if (name.Length > MaxUserNameLength) return $"A device user name has at most {MaxUserNameLength} characters.";
        if (name.Any(c => char.IsControl(c) || char.IsWhiteSpace(c))) return "A device user name has no spaces or control characters.";
        return null;
    }

    private static string? NormaliseCron(string? text, string field, Action<string, string> add)
    {
        var cron = text?.Trim();
        if (string.IsNullOrEmpty(cron)) return null;
        if (cron.Length > 100)
        {
            add(field, "A schedule is at most 100 characters.");
            return null;
        }

        // Five fields (minute hour day month weekday), as Hangfire schedules them; seconds are not offered: jobs take longer than that.
        if (!CronExpression.TryParse(cron, CronFormat.Standard, out _))
        {
            add(field, $"'{cron}' is not a cron schedule of five fields (minute hour day month weekday), e.g. */15 * * * *.");
            return null;
        }

        return cron;
    }

    /// <summary>Parses probe ranges (CIDR or first-last IPv4), each inside the site's subnets, at most <see cref="MaxProbeAddresses"/> in all.</summary>
    public static List<string> NormaliseProbeRanges(IEnumerable<string> entries, IReadOnlyList<IPNetwork> subnets, Action<string> problem)
    {
        var result = new List<string>();
        var list = entries.Select(s => s?.Trim() ?? "").Where(s => s.Length > 0).ToList();
        if (list.Count > MaxProbeRanges)
        {
            problem($"At most {MaxProbeRanges} probe ranges per site.");
            return result;
        }

        long total = 0;
        foreach (var entry in list)
        {
            if (!TryParseRange(entry, out var first, out var last, out var canonical, out var why))
            {
                problem(why);
                continue;
            }

            var size = (long)last - first + 1;
            total += size;
            if (total > MaxProbeAddresses)
            {
                problem($"The probe ranges cover more than {MaxProbeAddresses} addresses; narrow them (each address is one request per run).");
                return result;
            }

            if (subnets.Count == 0)
            {
                problem($"'{entry}': declare the site's subnets first; probing never leaves them.");
                continue;
            }

            // Bounded by MaxProbeAddresses above, so walking the addresses is cheap.
            var outside = Enumerable.Range(0, (int)size).Select(i => ToAddress(first + (uint)i)).FirstOrDefault(a => !subnets.Any(n => n.Contains(a)));
            if (outside is not null)
            {
                problem($"'{entry}' reaches {outside}, outside the site's subnets; probing never leaves them.");
                continue;
            }

            if (!result.Contains(canonical)) result.Add(canonical);
        }

        return result;
    }

    private static bool TryParseRange(string text, out uint first, out uint last, out string canonical, out string problem)
    {
        first = last = 0;
        canonical = "";
        var dash = text.IndexOf('-');
        if (dash > 0)
        {
            if (!TryIPv4(text[..dash].Trim(), out first) || !TryIPv4(text[(dash + 1)..].Trim(), out last))
            {
                problem = $"'{text}' is not a range of two IPv4 addresses (e.g. 10.30.0.10-10.30.0.40).";
                return false;
            }

            if (last < first)
            {
                problem = $"'{text}': the range ends before it starts.";
                return false;
            }

            canonical = $"{ToAddress(first)}-{ToAddress(last)}";
            problem = "";
            return true;
        }

        if (!TryParseCidr(text, out var network, out problem))
        {
            problem = text.Contains('/') ? problem : $"'{text}' is neither CIDR (10.30.0.0/28) nor a range (10.30.0.10-10.30.0.40).";
            return false;
        }

        if (network.BaseAddress.AddressFamily != AddressFamily.InterNetwork)
        {
            problem = $"'{text}': probing is IPv4 only.";
            return false;
        }

        first = ToUInt(network.BaseAddress);
        last = first + (uint)((1L << (32 - network.PrefixLength)) - 1);
        canonical = network.ToString();
        problem = "";
        return true;
    }

    /// <summary>The fewest canonical CIDR blocks that cover exactly the span of the IPv4 addresses (first to last).</summary>
    public static List<IPNetwork> CoveringNetworks(IReadOnlyCollection<IPAddress> addresses)
    {
        if (addresses.Count == 0) return [];
        ulong first = addresses.Min(ToUInt), last = addresses.Max(ToUInt);
        var blocks = new List<IPNetwork>();
        while (first <= last)
        {
            // The largest aligned block starting here that does not pass the last address.
            var size = first == 0 ? 1UL << 32 : first & (~first + 1);
            while (first + size - 1 > last) size >>= 1;
            blocks.Add(new IPNetwork(ToAddress((uint)first), 32 - (int)Math.Log2(size)));
            first += size;
        }

        return blocks;
    }

    private static bool TryIPv4(string text, out uint value)
    {
        value = 0;
        if (text.Count(c => c == '.') != 3 || !IPAddress.TryParse(text, out var address) || address.AddressFamily != AddressFamily.InterNetwork)
        {
            return false;
        }

        value = ToUInt(address);
        return true;
    }

    private static uint ToUInt(IPAddress address)
    {
        var b = address.GetAddressBytes();
        return ((uint)b[0] << 24) | ((uint)b[1] << 16) | ((uint)b[2] << 8) | b[3];
    }

    private static IPAddress ToAddress(uint value) =>
        new([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]);

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
