using System.Text.Json;

namespace HikFleet.Simulator;

/// <summary>
/// A scenario file (JSON): per-device overrides (by index or serial) and rules applied to a seeded fraction of the fleet.
/// See docs/simulator.md for the format.
/// </summary>
internal sealed class Scenario
{
    private readonly List<JsonElement> _devices = [];
    private readonly List<JsonElement> _fractions = [];
    private readonly Dictionary<int, List<JsonElement>> _byIndex = [];

    public static Scenario Load(string path)
    {
        var info = new FileInfo(path);
        if (info.Length > 16 * 1024 * 1024)
            throw new InvalidDataException("scenario file too large");
        using var doc = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var s = new Scenario();
        var root = doc.RootElement.Clone();
        if (root.TryGetProperty("devices", out var devices))
            s._devices.AddRange(devices.EnumerateArray());
        if (root.TryGetProperty("fractions", out var fractions))
            s._fractions.AddRange(fractions.EnumerateArray());
        return s;
    }

    public DeviceSpec SpecFor(int index, SimulatorOptions options)
    {
        var rules = new List<JsonElement>();
        // Fraction rules draw one number per device per rule, in a fixed order, so the same seed picks the same devices.
        foreach (var f in _fractions)
        {
            var fraction = f.TryGetProperty("fraction", out var fr) ? fr.GetDouble() : 0;
            var pick = new Random(unchecked(options.Seed * 7_919 + index * 104_729 + _fractions.IndexOf(f) * 31)).NextDouble();
            if (pick < fraction)
                rules.Add(f);
        }
        rules.AddRange(_devices.Where(d => d.TryGetProperty("index", out var i) && i.GetInt32() == index));
        var spec = new DeviceSpec();
        foreach (var rule in rules)
            Apply(spec, rule);
        if (rules.Count > 0)
            _byIndex[index] = rules;
        return spec;
    }

    private static void Apply(DeviceSpec spec, JsonElement rule)
    {
        foreach (var p in rule.EnumerateObject())
        {
            switch (p.Name.ToLowerInvariant())
            {
                case "model": spec.Model = p.Value.GetString(); break;
                case "firmwareversion": spec.FirmwareVersion = p.Value.GetString(); break;
                case "firmwarebuild": spec.FirmwareBuild = p.Value.GetString(); break;
                case "serial": spec.Serial = p.Value.GetString(); break;
                case "mac": spec.Mac = p.Value.GetString(); break;
                case "name": spec.Name = p.Value.GetString(); break;
                case "site": spec.Site = p.Value.GetString(); break;
                case "password": spec.Password = p.Value.GetString(); break;
                case "activated": spec.Activated = p.Value.GetBoolean(); break;
                case "https": spec.Https = p.Value.GetBoolean(); break;
                case "uptimeseconds": spec.UptimeSeconds = p.Value.GetDouble(); break;
                case "cloudenabled": spec.CloudEnabled = p.Value.GetBoolean(); break;
                case "loginlockenabled": spec.LoginLockEnabled = p.Value.GetBoolean(); break;
                case "httpsaccessenabled": spec.HttpsAccessEnabled = p.Value.GetBoolean(); break;
                case "timemode": spec.TimeMode = p.Value.GetString(); break;
                case "faults":
                    spec.Faults ??= new DeviceFaults();
                    FaultPatch.Apply(spec.Faults, p.Value);
                    break;
            }
        }
    }

    /// <summary>Timed actions: resetButtonAfterSeconds, powerCycleAfterSeconds (+ powerOffSeconds), rebootAfterSeconds (simulated).</summary>
    public void ScheduleActions(VirtualFleet fleet)
    {
        foreach (var (index, rules) in _byIndex)
        {
            if (index >= fleet.Devices.Count)
                continue;
            var device = fleet.Devices[index];
            foreach (var rule in rules)
            {
                if (rule.TryGetProperty("resetButtonAfterSeconds", out var rb))
                    _ = After(fleet, rb.GetDouble(), device.PressResetButton);
                if (rule.TryGetProperty("rebootAfterSeconds", out var ra))
                    _ = After(fleet, ra.GetDouble(), () => _ = device.RebootAsync());
                if (rule.TryGetProperty("powerCycleAfterSeconds", out var pc))
                {
                    var off = rule.TryGetProperty("powerOffSeconds", out var po) ? po.GetDouble() : 10;
                    _ = After(fleet, pc.GetDouble(), () => _ = device.PowerCycleAsync(TimeSpan.FromSeconds(off)));
                }
            }
        }
    }

    private static async Task After(VirtualFleet fleet, double seconds, Action action)
    {
        await fleet.Clock.Delay(seconds).ConfigureAwait(false);
        action();
    }
}

/// <summary>Applies a JSON object of fault values (camelCase or PascalCase) onto <see cref="DeviceFaults"/>.</summary>
internal static class FaultPatch
{
    public static IReadOnlyList<string> Apply(DeviceFaults faults, JsonElement patch)
    {
        var unknown = new List<string>();
        if (patch.ValueKind != JsonValueKind.Object)
            throw new ArgumentException("faults must be a JSON object");
        foreach (var p in patch.EnumerateObject())
        {
            var prop = typeof(DeviceFaults).GetProperty(p.Name, System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.IgnoreCase);
            if (prop is null || !prop.CanWrite)
            {
                unknown.Add(p.Name);
                continue;
            }
            object? value = prop.PropertyType switch
            {
                var t when t == typeof(bool) => p.Value.GetBoolean(),
                var t when t == typeof(int) => p.Value.GetInt32(),
                var t when t == typeof(double) => p.Value.GetDouble(),
                var t when t == typeof(string) => p.Value.ValueKind == JsonValueKind.Null ? null : p.Value.GetString(),
                _ => throw new ArgumentException($"unsupported fault type {prop.Name}"),
            };
            prop.SetValue(faults, value);
        }
        return unknown;
    }

    public static Dictionary<string, object?> Describe(DeviceFaults faults) =>
        typeof(DeviceFaults).GetProperties().Where(p => p.CanWrite)
            .ToDictionary(p => char.ToLowerInvariant(p.Name[0]) + p.Name[1..], p => p.GetValue(faults));
}
