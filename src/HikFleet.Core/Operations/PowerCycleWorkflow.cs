using HikFleet.Core.Data.Entities;
using HikFleet.Core.Poe;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace HikFleet.Core.Operations;

/// <summary>
/// Power-cycle through the camera's PoE switch port (issue #14), what a technician does by pulling the cable: check the port is the
/// camera's alone, switch it off, keep it off, switch it on, wait for the camera to answer with its uptime reset. The port is marked
/// held by the operation before it goes off: a run that dies with the port off is put right by the switch poll
/// (<see cref="PoeSwitchPoller"/>), and a person cannot cancel while the port is off.
/// </summary>
public sealed class PowerCycleWorkflow(DeviceSteps steps, PoeSwitchAccess access, IOptions<OperationOptions> options, TimeProvider time) : IOperationWorkflow
{
    public const string OffAt = "poe.offAt", OnAt = "poe.onAt";

    /// <summary>Steps during which the port may be off: a cancel waits until it is on again.</summary>
    public static readonly IReadOnlySet<string> PortOffSteps = new HashSet<string>(StringComparer.Ordinal) { "port-off", "hold-off", "port-on" };

    public OperationKind Kind => OperationKind.PowerCycle;

    public IReadOnlyList<StepDefinition> Steps(OperationParameters parameters)
    {
        var o = options.Value;
        return
        [
            new("check-port", "Check the switch port is the camera's alone", CheckPortAsync),
            new("port-off", "Switch the port's power off", PortOffAsync),
            new("hold-off", $"Keep it off for {parameters.OffSeconds ?? 30} s", HoldOffAsync, TimeSpan.FromSeconds((parameters.OffSeconds ?? 30) * 3 + 60)),
            // Switching back on is retried (Wait) until this deadline: a camera is never left unpowered because of one lost datagram.
            new("port-on", "Switch the port's power on", PortOnAsync, o.StepTimeout),
            new("wait-up", "Wait for the camera to answer with its uptime reset", ctx => steps.WaitUpAsync(ctx), o.BootTimeout),
        ];
    }

    private async Task<(PoeSwitch Switch, PoeSwitchPort? Port, PoePortRef Ref)> LoadAsync(StepContext ctx)
    {
        var r = ctx.Parameters.PoePort ?? throw new InvalidOperationException("A power-cycle without its port.");
        var sw = await ctx.Db.PoeSwitches.Include(s => s.Ports).SingleOrDefaultAsync(s => s.Id == r.SwitchId, ctx.CancellationToken)
                 ?? throw new DeviceRefusedException("The switch was removed from the inventory.");
        return (sw, sw.Ports.SingleOrDefault(p => p.Group == r.Group && p.Port == r.Port), r);
    }

    private async Task<StepOutcome> CheckPortAsync(StepContext ctx)
    {
        var (sw, _, r) = await LoadAsync(ctx);
        var mapping = await ctx.Db.PoePortMappings.AsNoTracking().SingleOrDefaultAsync(m => m.CameraId == ctx.Camera.Id, ctx.CancellationToken);
        if (mapping is null || mapping.SwitchId != r.SwitchId || mapping.Group != r.Group || mapping.Port != r.Port)
        {
            return new StepOutcome.Fail("The camera's port mapping changed since the power-cycle was asked for: nothing was switched.");
        }

        if (!mapping.Confirmed) return new StepOutcome.Fail("The camera's port is not confirmed: nothing was switched.");
        var target = access.Target(sw);
        // Live, not the last poll: a port that carries another device now (a hub, a moved uplink) is never switched.
        var fdb = await access.Mib.ReadForwardingTableAsync(target, ctx.CancellationToken);
        var others = fdb.Where(f => f.Learned && f.BridgePort == r.Port && !string.Equals(f.Mac, ctx.Camera.MacAddress, StringComparison.OrdinalIgnoreCase))
            .Select(f => f.Mac).Distinct().ToList();
        if (others.Count > 0)
        {
            return new StepOutcome.Fail($"Port {r.Port} of {sw.Name} carries {others.Count} other device(s) ({string.Join(", ", others.Take(3))}): it is never power-cycled.");
        }

        var ports = await access.Mib.ReadPortsAsync(target, ctx.CancellationToken);
        var port = ports.SingleOrDefault(p => p.Group == r.Group && p.Port == r.Port);
        if (port is null) return new StepOutcome.Fail($"{sw.Name} has no PoE port {r.Port} (group {r.Group}).");
        var camera = fdb.Any(f => f.BridgePort == r.Port) ? "the camera's MAC is the only one on it" : "no MAC is learned on it (a frozen camera sends nothing)";
        return new StepOutcome.Done($"{sw.Name} port {r.Port}: {(port.AdminEnabled ? "on" : "off")}, {port.Detection}{(port.PowerClass is { } c ? $", class {c}" : "")}; {camera}.");
    }

    private async Task<StepOutcome> PortOffAsync(StepContext ctx)
    {
        var (sw, row, r) = await LoadAsync(ctx);
        var target = access.Target(sw);
        if (ctx.Bag.Get(OffAt) is not null)
        {
            return new StepOutcome.Done("The port was already switched off (resumed after an interruption); not sent again.");
        }

        // Held before it goes off, committed: whatever happens next, the poll knows this port must come back on.
        if (row is null)
        {
            row = new PoeSwitchPort { SwitchId = sw.Id, Group = r.Group, Port = r.Port, Detection = "Unknown", UpdatedAt = time.GetUtcNow() };
            sw.Ports.Add(row);
        }

        row.HeldOffByOperationId = ctx.Operation.Id;
        var now = time.GetUtcNow();
        ctx.Bag.Set(DeviceSteps.BootBefore, now.ToString("O"));
        await ctx.CheckpointAsync();
        await access.Mib.SetPortPowerAsync(target, r.Group, r.Port, false, ctx.CancellationToken);
        var port = (await access.Mib.ReadPortsAsync(target, ctx.CancellationToken)).SingleOrDefault(p => p.Group == r.Group && p.Port == r.Port);
        if (port is { AdminEnabled: true }) return new StepOutcome.Wait(options.Value.PollInterval, "The switch still reports the port on; asking again.");
        row.AdminEnabled = false;
        row.Detection = port?.Detection.ToString() ?? row.Detection;
        ctx.Bag.Set(OffAt, time.GetUtcNow().ToString("O"));
        return new StepOutcome.Done($"Port {r.Port} of {sw.Name} switched off ({port?.Detection.ToString() ?? "state unread"}).");
    }

    private Task<StepOutcome> HoldOffAsync(StepContext ctx)
    {
        var offAt = DateTimeOffset.Parse(ctx.Bag.Get(OffAt)!, System.Globalization.CultureInfo.InvariantCulture);
        var until = offAt.AddSeconds(ctx.Parameters.OffSeconds ?? 30);
        var left = until - time.GetUtcNow();
        if (left <= TimeSpan.Zero) return Task.FromResult<StepOutcome>(new StepOutcome.Done($"Off for {(time.GetUtcNow() - offAt).TotalSeconds:0} s."));
        ctx.Progress = $"Power off; back on at {until:HH:mm:ss} UTC.";
        return Task.FromResult<StepOutcome>(new StepOutcome.Wait(left, ctx.Progress));
    }

    private async Task<StepOutcome> PortOnAsync(StepContext ctx)
    {
        var (sw, row, r) = await LoadAsync(ctx);
        try
        {
            var target = access.Target(sw);
            await access.Mib.SetPortPowerAsync(target, r.Group, r.Port, true, ctx.CancellationToken);
            var port = (await access.Mib.ReadPortsAsync(target, ctx.CancellationToken)).SingleOrDefault(p => p.Group == r.Group && p.Port == r.Port);
            if (port is { AdminEnabled: false }) return new StepOutcome.Wait(options.Value.PollInterval, "The switch still reports the port off; asking again.");
            if (row is not null)
            {
                row.AdminEnabled = true;
                row.HeldOffByOperationId = null;
                row.Detection = port?.Detection.ToString() ?? row.Detection;
            }
        }
        catch (Snmp.SnmpException e) when (e.Kind is Snmp.SnmpErrorKind.Timeout)
        {
            ctx.Progress = "The switch did not answer; switching the port on again shortly.";
            return new StepOutcome.Wait(options.Value.PollInterval, ctx.Progress);
        }

        ctx.Bag.Set(OnAt, time.GetUtcNow().ToString("O"));
        ctx.Bag.Set(DeviceSteps.CommandSentAt, time.GetUtcNow().ToString("O"));
        return new StepOutcome.Done($"Port {r.Port} of {sw.Name} switched on.");
    }
}
