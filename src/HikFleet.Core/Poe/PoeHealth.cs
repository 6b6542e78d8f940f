using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Health;
using Microsoft.EntityFrameworkCore;

namespace HikFleet.Core.Poe;

/// <summary>What a camera's switch says about its power, for the health check (one query per site sweep).</summary>
/// <param name="DropsInWindow">Times the port lost power without being asked within the window.</param>
/// <param name="Window">The drop window.</param>
/// <param name="DropsForFinding">Drops that make the port unstable.</param>
/// <param name="NearBudgetPercent">The share of its budget the PSE draws, when that is at or above its threshold; else null.</param>
public sealed record PoePortHealth(string SwitchName, int Port, int DropsInWindow, TimeSpan Window, int DropsForFinding, int? NearBudgetPercent,
    int? ConsumptionWatts, int? BudgetWatts)
{
    /// <summary>"switch sw-1 port 5", for findings that name where the power comes from.</summary>
    public string Where => $"switch {SwitchName} port {Port}";
}

/// <summary>PoE findings of a camera (issue #14): the switch's view joins the camera's own.</summary>
public static class PoeHealth
{
    public const string PortUnstable = "poe-port-unstable";
    public const string BudgetNear = "poe-budget-near";

    /// <summary>The PoE view of every mapped camera of a site.</summary>
    public static async Task<IReadOnlyDictionary<Guid, PoePortHealth>> LoadForSiteAsync(FleetDbContext db, Guid siteId, PoeOptions options, DateTimeOffset now,
        CancellationToken ct)
    {
        var rows = await db.PoePortMappings.AsNoTracking()
            .Where(m => m.Switch!.SiteId == siteId)
            .Select(m => new
            {
                m.CameraId, m.Port, m.Group, SwitchName = m.Switch!.Name, m.Switch.PowerBudgetWatts, m.Switch.PowerConsumptionWatts, m.Switch.UsageThresholdPercent,
                Drops = m.Switch.Ports.Where(p => p.Group == m.Group && p.Port == m.Port).Select(p => p.Drops).FirstOrDefault(),
            })
            .ToListAsync(ct);
        var since = now - options.DropWindow;
        return rows.ToDictionary(r => r.CameraId, r =>
        {
            int? near = null;
            if (r.PowerBudgetWatts is > 0 and var budget && r.PowerConsumptionWatts is { } used)
            {
                var percent = (int)Math.Round(100.0 * used / budget);
                if (percent >= (r.UsageThresholdPercent ?? options.BudgetWarnPercent)) near = percent;
            }

            return new PoePortHealth(r.SwitchName, r.Port, r.Drops?.Count(d => d > since) ?? 0, options.DropWindow, Math.Max(1, options.DropsForFinding), near,
                r.PowerConsumptionWatts, r.PowerBudgetWatts);
        });
    }

    /// <summary>The PoE findings of one camera.</summary>
    public static IEnumerable<HealthFinding> Findings(PoePortHealth poe)
    {
        if (poe.DropsInWindow >= poe.DropsForFinding)
        {
            yield return new HealthFinding(PortUnstable, FindingSeverity.Warning,
                $"Its PoE port keeps dropping power ({poe.Where}: {poe.DropsInWindow} times in {poe.Window.TotalHours:0} h)",
                $"The switch counted {poe.DropsInWindow} losses of power on {poe.Where} within {poe.Window.TotalHours:0} h that nobody asked for (RFC 3621 counters or the port leaving deliveringPower).",
                "Check the cable and the connectors; move the camera to another port; check the switch's power budget and the camera's class (IR and heaters draw more at night).");
        }

        if (poe.NearBudgetPercent is { } percent)
        {
            yield return new HealthFinding(BudgetNear, FindingSeverity.Warning,
                $"Its PoE switch is near its power budget ({poe.SwitchName}: {percent} %)",
                $"{poe.SwitchName} delivers {poe.ConsumptionWatts} W of its {poe.BudgetWatts} W budget ({percent} %).",
                "A PSE at its budget refuses or drops the lowest-priority ports first: move cameras to another switch, raise port priorities of the important ones, or add power.");
        }
    }
}
