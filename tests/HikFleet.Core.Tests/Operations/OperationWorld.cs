using System.Net;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Operations;
using HikFleet.Core.Security;
using HikFleet.Core.Tests.Discovery;
using HikFleet.Isapi;
using HikFleet.Simulator;
using HikFleet.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace HikFleet.Core.Tests.Operations;

/// <summary>
/// Operations against the in-process simulator with the real host (Hangfire server, runner, watchdog). Device time runs at real speed
/// (uptimes are compared with the application's clock) with boots shortened to a fraction of a second.
/// </summary>
internal static class OperationWorld
{
    public const string Password = "Fleet#Cam-2025x";

    public static readonly Dictionary<string, string?> FastOperations = new()
    {
        ["Fleet:Operations:PollInterval"] = "00:00:00.200",
        ["Fleet:Operations:LeaseDuration"] = "00:00:15",
        ["Fleet:Operations:DownTimeout"] = "00:00:20",
        ["Fleet:Operations:BootTimeout"] = "00:00:40",
        ["Fleet:Operations:StepTimeout"] = "00:00:40",
        ["Fleet:Operations:RestartDetectionSlack"] = "00:00:01",
    };

    public static Task<InventoryWorld> StartAsync(MigratedDatabase database, CancellationToken ct, Action<SimulatorOptions>? configure = null,
        Dictionary<string, string?>? settings = null) =>
        InventoryWorld.StartAsync(database, ct, sadp: true, configure: o =>
        {
            o.TimeScale = 1;
            // A boot must shift the boot time by more than the detection slack (1 s) plus whole-second uptime rounding.
            o.RebootSeconds = 1.6;
            o.RebootDropSeconds = 0.3;
            configure?.Invoke(o);
        }, jobs: true, settings: settings is null ? FastOperations : new Dictionary<string, string?>(FastOperations.Concat(settings)
            .GroupBy(p => p.Key).Select(g => g.Last())));

    public static OperationService Operations(this InventoryWorld world) => world.Services.GetRequiredService<OperationService>();

    /// <summary>A managed camera (vault password set) for a new simulator device.</summary>
    public static async Task<(VirtualDevice Device, Camera Camera)> ManagedDeviceAsync(this InventoryWorld world, Site site, DeviceSpec? spec = null)
    {
        spec ??= new DeviceSpec();
        spec.Password ??= Password;
        var device = world.Fleet.AddDevice(spec);
        var camera = await world.ManagedAsync(site, device, password: spec.Password);
        return (device, camera);
    }

    public static IsapiClient Client(this InventoryWorld world, VirtualDevice device, IPAddress? address = null) =>
        world.Services.GetRequiredService<IIsapiClientFactory>().Create(
            new IsapiEndpoint((address ?? device.Address).ToString(), device.HttpPort, false, null), new IsapiCredentials("admin", device.AdminPassword ?? Password));

    /// <summary>Waits (bounded) until the operation is over and returns it with its steps.</summary>
    public static async Task<Operation> FinishedAsync(this InventoryWorld world, Guid operationId, CancellationToken ct, int timeoutSeconds = 60)
    {
        var until = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (true)
        {
            await using var db = world.Db();
            var op = await db.Operations.AsNoTracking().Include(o => o.Steps.OrderBy(s => s.Index)).SingleAsync(o => o.Id == operationId, ct);
            if (!op.IsActive) return op;
            if (DateTime.UtcNow > until)
            {
                File.WriteAllLines(Path.Combine(Path.GetTempPath(), $"hikfleet-world-{operationId:N}.log"), world.Logs.Lines);
                var logs = world.Logs.Lines.Where(l => l.Contains("Hangfire", StringComparison.Ordinal) || l.Contains("Operation", StringComparison.Ordinal))
                    .Where(l => !l.StartsWith("Trace", StringComparison.Ordinal) && !l.StartsWith("Debug", StringComparison.Ordinal)).TakeLast(40);
                var jobs = await db.Database.SqlQueryRaw<string>(
                    "SELECT j.id || ' ' || j.statename || ' ' || coalesce(s.reason, '') || ' ' || left(coalesce(s.data::text, ''), 300) AS \"Value\" " +
                    "FROM hangfire.job j LEFT JOIN hangfire.state s ON s.id = j.stateid ORDER BY j.id DESC LIMIT 6").ToListAsync(ct);
                Assert.Fail($"operation {op.Kind} still {op.State} at step {op.CurrentStep} after {timeoutSeconds} s: jobs: {string.Join(" / ", jobs)} " +
                            string.Join(" | ", op.Steps.Select(s => $"{s.Name}={s.State} x{s.Attempts} {s.Detail}")) + "\nlogs:\n" + string.Join("\n", logs));
            }

            await Task.Delay(100, ct);
        }
    }

    public static string Describe(Operation op) =>
        $"{op.Kind} {op.State}: {op.Summary} || " + string.Join(" | ", op.Steps.Select(s => $"{s.Name}={s.State} x{s.Attempts} {s.Detail}"));

    public static FleetScope Admin(Site site) =>
        FleetScope.ForUser(Guid.NewGuid(), "admin-" + site.Name, FleetRoles.Administrator, []);
}
