extern alias simulator;

using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using HikFleet.Core;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Operations;
using HikFleet.Core.Security;
using HikFleet.Core.Vault;
using HikFleet.Isapi;
using simulator::HikFleet.Simulator;
using HikFleet.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HikFleet.Web.Tests;

/// <summary>
/// The crash test of issue #9: the real app process (HikFleet.Web.dll, its Hangfire server advancing the operation) is killed after
/// the device action of every step of a full factory reset, before that step's result is saved; the harness starts it again each
/// time. The reset must still complete, exactly once: one reset on the device, one audit entry per step, the camera restored.
/// </summary>
public sealed class CrashRecoveryTests(MigratedDatabase database) : IClassFixture<MigratedDatabase>
{
    private const string Password = "Crash#Test-4471";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task FullReset_KilledAtEveryStep_StillCompletesExactlyOnce()
    {
        var subnet = new IPAddress([127, (byte)RandomNumberGenerator.GetInt32(32, 250), (byte)RandomNumberGenerator.GetInt32(1, 249), 0]);
        var b = subnet.GetAddressBytes();
        await using var fleet = await VirtualFleet.StartAsync(new SimulatorOptions
        {
            Cameras = 0, BaseAddress = new IPAddress([b[0], b[1], b[2], 10]), HttpPort = 0, SadpPort = 0, Sadp = true, TimeScale = 1,
            RebootSeconds = 1.6, RebootDropSeconds = 0.3, FactoryAddress = new IPAddress([b[0], b[1], (byte)(b[2] + 1), 64]),
            Seed = RandomNumberGenerator.GetInt32(1, int.MaxValue), Control = null,
        }, Ct);
        var device = fleet.AddDevice(new DeviceSpec { Password = Password });
        var address = device.Address;

        var settings = new Dictionary<string, string?>
        {
            ["Fleet:Vault:Keys"] = VaultKeyRing.NewKeyLine(),
            ["Sadp:Port"] = fleet.SadpPort!.Value.ToString(),
            ["Sadp:QuietWindow"] = "00:00:00.800",
            ["Sadp:ProbeRounds"] = "2",
            ["Sadp:ProbeInterval"] = "00:00:00.200",
            ["Sadp:MaxDuration"] = "00:00:04",
            ["Sadp:CommandTimeout"] = "00:00:02",
            ["Isapi:RequestTimeout"] = "00:00:05",
            ["Fleet:Operations:PollInterval"] = "00:00:00.200",
            // A killed runner's lease expires quickly, so the restarted app takes the operation over without a long wait.
            ["Fleet:Operations:LeaseDuration"] = "00:00:03",
            ["Fleet:Operations:RestartDetectionSlack"] = "00:00:01",
            ["Fleet:Operations:BootTimeout"] = "00:01:00",
            ["Fleet:Operations:StepTimeout"] = "00:01:00",
        };
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        services.AddFleetCore(database.ConnectionString, runJobServer: false);
        await using var provider = services.BuildServiceProvider();

        // Inventory: a site and the managed camera, its password in the vault.
        Camera camera;
        Site site;
        await using (var db = database.CreateContext())
        {
            site = await TestFleet.CreateSiteAsync(db, null, $"{subnet}/24");
            camera = TestFleet.NewCamera(site.Id, device.Serial, device.Mac, device.Address.ToString(), device.HttpPort);
            camera.Activated = true;
            db.Cameras.Add(camera);
            await provider.GetRequiredService<CredentialVault>().StoreForCameraAsync(db, camera.Id, "admin", Password, "test", Ct);
            await db.SaveChangesAsync(Ct);
        }

        using (var client = provider.GetRequiredService<IIsapiClientFactory>().Create(new IsapiEndpoint(address.ToString(), device.HttpPort, false, null),
                   new IsapiCredentials("admin", Password)))
        {
            await client.SetDeviceNameAsync("Crash test gate", Ct);
            await client.SetOsdNameAsync("Gate OSD", 1, Ct);
        }

        var admin = FleetScope.ForUser(Guid.NewGuid(), "crash-admin", FleetRoles.Administrator, []);
        var started = await provider.GetRequiredService<OperationService>().StartAsync(admin, camera.Id,
            new OperationRequest(OperationKind.FactoryReset, "Crash test", FactoryResetMode.Full, Confirmation: device.Serial), Ct);
        Assert.True(started.Succeeded, started.Message);
        var operationId = started.Id!.Value;
        string[] steps;
        await using (var db = database.CreateContext())
        {
            steps = await db.OperationSteps.Where(s => s.OperationId == operationId).OrderBy(s => s.Index).Select(s => s.Name).ToArrayAsync(Ct);
        }

        // Kill the app after each step in turn; each killed process is restarted with the next step as its fatal one.
        var kills = new List<string>();
        foreach (var step in steps)
        {
            var (exited, output) = await RunAppAsync(settings, step, TimeSpan.FromSeconds(90));
            Assert.True(exited, $"the app was not killed after step {step} within 90 s:\n{output}");
            kills.Add(step);
        }

        // The last start without a fatal step finishes whatever is left.
        var operation = await RunUntilFinishedAsync(settings, operationId, TimeSpan.FromSeconds(120));

        Assert.True(operation.State == OperationState.Succeeded, $"{operation.State}: {operation.Summary} || " +
                                                                 string.Join(" | ", operation.Steps.OrderBy(s => s.Index).Select(s => $"{s.Name}={s.State} x{s.Attempts} {s.Detail}")));
        Assert.Equal(steps.Length, kills.Count);
        Assert.Equal(1, device.FactoryResetCount);
        Assert.Equal(address, device.Address);
        Assert.Equal(Password, device.AdminPassword);
        Assert.Equal("Crash test gate", device.Name);
        Assert.Equal("Gate OSD", device.OsdName);
        // Every step ran at least twice (killed once, resumed), and is recorded exactly once.
        Assert.All(operation.Steps, s => Assert.True(s.Attempts >= 2, $"{s.Name} ran {s.Attempts} time(s)"));
        await using (var db = database.CreateContext())
        {
            var actions = await db.AuditEntries.AsNoTracking().Where(e => e.CorrelationId == operationId.ToString("D")).Select(e => e.Action).ToListAsync(Ct);
            Assert.Equal(steps.Length, actions.Count(a => a == "camera.factory_reset.step"));
            Assert.Equal(1, actions.Count(a => a == "camera.factory_reset.finish"));
        }
    }

    private async Task<(bool Exited, string Output)> RunAppAsync(Dictionary<string, string?> settings, string? killAfter, TimeSpan timeout)
    {
        using var process = StartApp(settings, killAfter, out var output);
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
            return (true, output.ToString());
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (false, output.ToString());
        }
    }

    private async Task<Operation> RunUntilFinishedAsync(Dictionary<string, string?> settings, Guid operationId, TimeSpan timeout)
    {
        using var process = StartApp(settings, null, out var output);
        try
        {
            var until = DateTime.UtcNow + timeout;
            while (true)
            {
                await using var db = database.CreateContext();
                var op = await db.Operations.AsNoTracking().Include(o => o.Steps).SingleAsync(o => o.Id == operationId, Ct);
                if (!op.IsActive) return op;
                Assert.True(DateTime.UtcNow < until, $"operation still {op.State} at step {op.CurrentStep}:\n{output}");
                Assert.False(process.HasExited, $"the app stopped:\n{output}");
                await Task.Delay(200, Ct);
            }
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
        }
    }

    private Process StartApp(Dictionary<string, string?> settings, string? killAfter, out System.Text.StringBuilder output)
    {
        var start = FleetWebFactory.AppProcess(database.ConnectionString);
        start.Environment["Urls"] = "http://127.0.0.1:0"; // "Urls" (appsettings sets it, so ASPNETCORE_URLS would lose)
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        start.Environment["Fleet__DefaultTenant"] = "Crash tenant";
        start.Environment["Serilog__MinimumLevel__Default"] = "Warning";
        foreach (var (key, value) in settings) start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        if (killAfter is not null) start.Environment["Fleet__Operations__KillProcessAfterStep"] = killAfter;
        var process = Process.Start(start)!;
        var log = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        output = log;
        return process;
    }
}
