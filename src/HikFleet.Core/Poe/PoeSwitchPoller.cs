using HikFleet.Core.Audit;
using HikFleet.Core.Common;
using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Security;
using HikFleet.Snmp.Poe;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HikFleet.Core.Poe;

/// <summary>What one poll of a switch found.</summary>
public sealed record PoePollResult(bool Succeeded, string? Error, int Ports, int MappedCameras, int RestoredPorts);

/// <summary>
/// Reads a switch (system group, PSEs, PSE ports, forwarding table) and brings the inventory in line: port states, power drops
/// (RFC 3621 counters rising, or a port that stopped delivering without being asked), camera → port mappings by MAC, and a port an
/// operation left switched off is switched back on. Switch answers are hostile input: bounded, and a poll never throws.
/// </summary>
public sealed class PoeSwitchPoller(IDbContextFactory<FleetDbContext> contexts, PoeSwitchAccess access, AuditLog audit, IOptions<PoeOptions> options,
    TimeProvider time, ILogger<PoeSwitchPoller> logger)
{
    private PoeOptions Options => options.Value;

    public async Task<PoePollResult> PollAsync(Guid switchId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var sw = await db.PoeSwitches.Include(s => s.Ports).SingleOrDefaultAsync(s => s.Id == switchId, ct);
        if (sw is null) return new PoePollResult(false, "The switch does not exist.", 0, 0, 0);
        var now = time.GetUtcNow();
        SwitchIdentity identity;
        IReadOnlyList<MainPse> pses;
        IReadOnlyList<PsePort> ports;
        IReadOnlyList<ForwardingEntry> fdb;
        try
        {
            var target = access.Target(sw);
            identity = await access.Mib.ReadIdentityAsync(target, ct);
            pses = await access.Mib.ReadPsesAsync(target, ct);
            ports = await access.Mib.ReadPortsAsync(target, ct);
            fdb = await access.Mib.ReadForwardingTableAsync(target, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            sw.PollError = PoeSwitchAccess.Describe(e);
            sw.PolledAt = now;
            await db.SaveChangesAsync(ct);
            logger.LogWarning("PoE switch {Switch} ({Address}) poll failed: {Error}", sw.Name, sw.Address, sw.PollError);
            return new PoePollResult(false, sw.PollError, 0, 0, 0);
        }

        sw.SystemName = Bound(identity.Name, 255);
        sw.SystemDescription = Bound(identity.Description, 500);
        sw.PowerBudgetWatts = pses.Count == 0 ? null : pses.Sum(p => Math.Max(0, p.PowerWatts));
        sw.PowerConsumptionWatts = pses.Count == 0 ? null : pses.Sum(p => Math.Max(0, p.ConsumptionWatts));
        sw.UsageThresholdPercent = pses.Select(p => p.UsageThresholdPercent).FirstOrDefault(t => t is > 0 and <= 100);
        sw.PollError = null;
        sw.PolledAt = now;

        var macsByPort = fdb.Where(f => f.Learned).GroupBy(f => f.BridgePort)
            .ToDictionary(g => g.Key, g => g.Select(f => f.Mac).Distinct(StringComparer.Ordinal).ToList());
        var seen = new HashSet<(int, int)>();
        foreach (var p in ports.Take(1024))
        {
            if (!seen.Add((p.Group, p.Port))) continue;
            var row = sw.Ports.SingleOrDefault(r => r.Group == p.Group && r.Port == p.Port);
            var detection = p.Detection.ToString();
            var counter = p.MpsAbsentCounter + p.OverLoadCounter + p.ShortCounter;
            if (row is null)
            {
                row = new PoeSwitchPort { SwitchId = sw.Id, Group = p.Group, Port = p.Port, Detection = detection, DropCounter = counter };
                sw.Ports.Add(row);
            }
            else if (row.HeldOffByOperationId is null)
            {
                // Power lost without HikFleet asking: a counter rose, or a powered port stopped delivering while still enabled.
                var drops = counter > row.DropCounter ? (int)Math.Min(counter - row.DropCounter, 10)
                    : row.Detection == nameof(PseDetectionStatus.DeliveringPower) && p.AdminEnabled && p.Detection != PseDetectionStatus.DeliveringPower ? 1 : 0;
                for (var i = 0; i < drops; i++) row.Drops.Add(now);
            }

            row.DropCounter = counter;
            row.Drops = row.Drops.Where(d => d > now - Options.DropWindow).TakeLast(50).ToList();
            row.AdminEnabled = p.AdminEnabled;
            row.Detection = detection;
            row.PowerClass = p.PowerClass;
            var macs = macsByPort.GetValueOrDefault(p.Port) ?? [];
            row.Macs = macs.Take(Math.Max(2, Options.MaxMacsPerPort)).ToList();
            row.UpdatedAt = now;
        }

        db.PoeSwitchPorts.RemoveRange(sw.Ports.Where(r => !seen.Contains((r.Group, r.Port))));

        var restored = await RestoreHeldPortsAsync(db, sw, ct);
        var mapped = await MapCamerasAsync(db, sw, now, ct);
        await db.SaveChangesAsync(ct);
        return new PoePollResult(true, null, seen.Count, mapped, restored);
    }

    /// <summary>
    /// A port a power-cycle switched off whose operation is over (failed, cancelled, crashed past its deadline) is switched back on:
    /// HikFleet never leaves a camera unpowered.
    /// </summary>
    private async Task<int> RestoreHeldPortsAsync(FleetDbContext db, PoeSwitch sw, CancellationToken ct)
    {
        var held = sw.Ports.Where(p => p.HeldOffByOperationId is not null).ToList();
        var restored = 0;
        foreach (var port in held)
        {
            var op = await db.Operations.AsNoTracking().Where(o => o.Id == port.HeldOffByOperationId)
                .Select(o => new { o.State, o.CameraId }).SingleOrDefaultAsync(ct);
            if (op is not null && op.State is OperationState.Queued or OperationState.Running or OperationState.Waiting) continue;
            if (!port.AdminEnabled)
            {
                try
                {
                    await access.Mib.SetPortPowerAsync(access.Target(sw), port.Group, port.Port, true, ct);
                    port.AdminEnabled = true;
                    restored++;
                    await audit.RecordAsync(FleetScope.System, "poe.port.restore", ServiceResult.Ok(sw.Id), sw.TenantId, sw.SiteId, op?.CameraId,
                        new { @switch = sw.Name, group = port.Group, port = port.Port, operation = port.HeldOffByOperationId,
                            why = "the power-cycle that switched it off is over" }, ct);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogError("PoE switch {Switch} port {Port} was left off by operation {Operation} and could not be switched on: {Error}",
                        sw.Name, port.Port, port.HeldOffByOperationId, PoeSwitchAccess.Describe(e));
                    continue;
                }
            }

            port.HeldOffByOperationId = null;
        }

        return restored;
    }

    /// <summary>
    /// Each camera of the site whose MAC is the only one learned on a port of this switch is mapped to that port. A discovered mapping
    /// that moves loses its confirmation; a manual one is kept and marked with the conflict.
    /// </summary>
    private async Task<int> MapCamerasAsync(FleetDbContext db, PoeSwitch sw, DateTimeOffset now, CancellationToken ct)
    {
        var access = sw.Ports.Where(p => p.Macs.Count == 1).ToDictionary(p => p.Macs[0], p => p, StringComparer.Ordinal);
        if (access.Count == 0) return 0;
        var macs = access.Keys.ToList();
        var cameras = await db.Cameras.Where(c => c.SiteId == sw.SiteId && macs.Contains(c.MacAddress) && c.Lifecycle != CameraLifecycle.Retired)
            .Select(c => new { c.Id, c.MacAddress }).ToListAsync(ct);
        var ids = cameras.Select(c => c.Id).ToList();
        var mappings = await db.PoePortMappings.Where(m => ids.Contains(m.CameraId)).ToDictionaryAsync(m => m.CameraId, ct);
        foreach (var camera in cameras)
        {
            var port = access[camera.MacAddress];
            if (!mappings.TryGetValue(camera.Id, out var mapping))
            {
                db.PoePortMappings.Add(new PoePortMapping
                {
                    CameraId = camera.Id, SwitchId = sw.Id, Group = port.Group, Port = port.Port, Source = PoePortMappingSource.Discovered,
                    FoundAt = now, SeenAt = now,
                });
                continue;
            }

            if (mapping.SwitchId == sw.Id && mapping.Group == port.Group && mapping.Port == port.Port)
            {
                mapping.SeenAt = now;
                mapping.Conflict = null;
            }
            else if (mapping.Source == PoePortMappingSource.Discovered)
            {
                (mapping.SwitchId, mapping.Group, mapping.Port, mapping.FoundAt, mapping.SeenAt) = (sw.Id, port.Group, port.Port, now, now);
                mapping.ConfirmedAt = null;
                mapping.ConfirmedBy = null;
                mapping.Conflict = null;
            }
            else
            {
                mapping.Conflict = Bound($"Its MAC was seen alone on {sw.Name} port {port.Port} at {now:yyyy-MM-dd HH:mm} UTC.", 300);
            }
        }

        return cameras.Count;
    }

    private static string? Bound(string? s, int max)
    {
        if (s is null) return null;
        var clean = new string(s.Where(ch => !char.IsControl(ch)).ToArray()).Trim();
        return clean.Length <= max ? clean : clean[..max];
    }
}
