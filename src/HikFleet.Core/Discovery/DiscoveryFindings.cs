using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;

namespace HikFleet.Core.Discovery;

/// <summary>
/// The finding codes discovery owns. Discovery opens and closes only these; the health job owns every other code on the camera
/// (its rows and its entries in <see cref="Camera.FindingCodes"/> are never touched here).
/// </summary>
public static class DiscoveryFindings
{
    public const string IpConflict = "ip-conflict";
    public const string SubnetMismatch = "subnet-mismatch";
    public const string FoundReset = "found-reset";
    public const string ReplacedDevice = "replaced-device";
    public const string Missing = "missing";

    public static readonly IReadOnlyList<string> All = [IpConflict, SubnetMismatch, FoundReset, ReplacedDevice, Missing];

    private static readonly Dictionary<string, (FindingSeverity Severity, string Fix)> Catalog = new(StringComparer.Ordinal)
    {
        [IpConflict] = (FindingSeverity.Critical,
            "Two devices answer for one address: give one of them another static address (or fix the DHCP reservation), then scan again."),
        [SubnetMismatch] = (FindingSeverity.Warning,
            "Move the camera into one of the site's subnets (static address or DHCP scope), or add its subnet to the site."),
        [FoundReset] = (FindingSeverity.Critical,
            "The camera was factory-reset (reset button or a failed operation): reprovision it from its backup, or adopt it again."),
        [ReplacedDevice] = (FindingSeverity.Warning,
            "The hardware behind this inventory entry changed: retire the old entry and adopt the new device, or check the labels on site."),
        [Missing] = (FindingSeverity.Critical,
            "Not seen by discovery: check power (PoE budget), cable and switch port, or whether it was moved to another network."),
    };

    /// <summary>
    /// Opens (or refreshes) a discovery finding on a tracked camera: one row per camera and code, and the code in
    /// <see cref="Camera.FindingCodes"/>. Returns true when it was newly opened. <paramref name="open"/> holds the camera's
    /// loaded rows of discovery codes, keyed by code.
    /// </summary>
    internal static bool Open(FleetDbContext db, Camera camera, Dictionary<string, CameraFinding> open, string code, string summary,
        string? evidence, DateTimeOffset now)
    {
        var (severity, fix) = Catalog[code];
        if (!camera.FindingCodes.Contains(code)) camera.FindingCodes = [.. camera.FindingCodes, code];
        if (open.TryGetValue(code, out var row))
        {
            row.LastSeenAt = now;
            row.Summary = Bound(summary, 300)!;
            row.Evidence = Bound(evidence, 2000);
            return false;
        }

        row = new CameraFinding
        {
            CameraId = camera.Id, Code = code, Severity = severity, Summary = Bound(summary, 300)!, Evidence = Bound(evidence, 2000), Fix = fix,
            FirstSeenAt = now, LastSeenAt = now,
        };
        db.CameraFindings.Add(row);
        open[code] = row;
        return true;
    }

    /// <summary>Closes a discovery finding if it is open; returns true when it was.</summary>
    internal static bool Close(FleetDbContext db, Camera camera, Dictionary<string, CameraFinding> open, string code)
    {
        var had = camera.FindingCodes.Contains(code);
        if (had) camera.FindingCodes = camera.FindingCodes.Where(c => c != code).ToList();
        if (open.Remove(code, out var row))
        {
            db.CameraFindings.Remove(row);
            return true;
        }

        return had;
    }

    internal static string? Bound(string? text, int max) => text is null || text.Length <= max ? text : text[..(max - 1)] + "…";
}
