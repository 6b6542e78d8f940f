using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Operations;
using HikFleet.Core.Profiles;
using HikFleet.Core.Security;
using HikFleet.Core.Vault;
using HikFleet.Simulator;
using HikFleet.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace HikFleet.Core.Tests.Profiles;

/// <summary>
/// A migrated database, an in-process simulator fleet on a random 127.x.y.0/24 (1000× time) and the real Core services
/// (AddFleetCore + AddFleetProfiles). Operations are advanced by calling the real <see cref="OperationRunner"/> until they finish,
/// instead of by a Hangfire server (the scheduler only records what it was asked).
/// </summary>
public sealed class ProfileWorld : IAsyncLifetime
{
    public const string Password = "Fleet#Profile2026";

    public MigratedDatabase Database { get; } = new();
    public VirtualFleet Fleet { get; private set; } = null!;
    public ServiceProvider Services { get; private set; } = null!;
    public RecordingScheduler Scheduler { get; } = new();

    public ProfileService Profiles => Services.GetRequiredService<ProfileService>();
    public OperationRunner Runner => Services.GetRequiredService<OperationRunner>();
    public CredentialVault Vault => Services.GetRequiredService<CredentialVault>();

    public async ValueTask InitializeAsync()
    {
        await Database.InitializeAsync();
        var b = RandomNumberGenerator.GetInt32(32, 250);
        var c = RandomNumberGenerator.GetInt32(1, 249);
        Fleet = await VirtualFleet.StartAsync(new SimulatorOptions
        {
            Cameras = 0,
            HttpPort = 0,
            HttpsPort = 0,
            TimeScale = 0.001,
            Sadp = false,
            RebootSeconds = 5,
            BaseAddress = IPAddress.Parse($"127.{b}.{c}.10"),
            FactoryAddress = IPAddress.Parse($"127.{b}.{c + 1}.64"),
            Seed = RandomNumberGenerator.GetInt32(1, int.MaxValue),
            Control = null,
        });
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Fleet:Vault:Keys"] = VaultKeyRing.NewKeyLine(),
            ["Isapi:RequestTimeout"] = "00:00:05",
            ["Fleet:Operations:PollInterval"] = "00:00:00.100",
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddFleetCore(Database.ConnectionString, runJobServer: false);
        services.AddFleetProfiles();
        services.AddSingleton<IOperationScheduler>(Scheduler);
        Services = services.BuildServiceProvider();
    }

    public async ValueTask DisposeAsync()
    {
        if (Services is not null) await Services.DisposeAsync();
        if (Fleet is not null) await Fleet.DisposeAsync();
        await Database.DisposeAsync();
    }

    public FleetDbContext Db() => Database.CreateContext();

    public async Task<Site> SiteAsync(string? name = null)
    {
        await using var db = Db();
        return await TestFleet.CreateSiteAsync(db, name);
    }

    /// <summary>A new simulated camera with a managed row and its password in the vault.</summary>
    public async Task<(VirtualDevice Device, Camera Camera)> CameraAsync(Site site, string? name = null, Action<VirtualDevice>? configure = null)
    {
        var device = Fleet.AddDevice(new DeviceSpec { Password = Password, Model = "DS-2CD2386G2-IU" });
        {
            // Known starting values (a fleet's devices come with varied names and settings); nobody talks to the device yet.
            var c = device.Config;
            c.Time.TimeZone = "CST-8:00:00";
            c.Time.TimeMode = "NTP";
            c.NtpServers = [new NtpServer { Id = 1, HostName = "time.windows.com" }];
            c.OsdName = "Camera 01";
            c.Motion.Enabled = false;
            c.Motion.SensitivityLevel = 60;
            c.Cloud.Enabled = false;
            configure?.Invoke(device);
        }

        await using var db = Db();
        var camera = TestFleet.NewCamera(site.Id, device.Serial, device.Mac, device.Address.ToString(), device.HttpPort);
        camera.Activated = true;
        camera.Name = name;
        camera.Model = device.Model;
        db.Cameras.Add(camera);
        await Vault.StoreForCameraAsync(db, camera.Id, "admin", Password, "test");
        await db.SaveChangesAsync();
        return (device, camera);
    }

    /// <summary>Advances an operation with the real runner until it is over (bounded), as the Hangfire job would.</summary>
    public async Task<Operation> RunToEndAsync(Guid operationId, CancellationToken ct, TimeSpan? limit = null)
    {
        var deadline = DateTime.UtcNow + (limit ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            await Runner.RunAsync(operationId, ct);
            await using var db = Db();
            var op = await db.Operations.AsNoTracking().Include(o => o.Steps).SingleAsync(o => o.Id == operationId, ct);
            if (!op.IsActive)
            {
                op.Steps.Sort((x, y) => x.Index.CompareTo(y.Index));
                return op;
            }

            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Operation {operationId} still {op.State} at step {op.CurrentStep}: {op.Summary}");
            await Task.Delay(50, ct);
        }
    }

    public static FleetScope Operator(Site site) =>
        FleetScope.ForUser(Guid.NewGuid(), "op-" + site.Name, FleetRoles.Operator, [new TenantMembership { TenantId = site.TenantId }]);

    public static FleetScope Viewer(Site site) =>
        FleetScope.ForUser(Guid.NewGuid(), "viewer-" + site.Name, FleetRoles.Viewer, [new TenantMembership { TenantId = site.TenantId }]);

    public static FleetScope TenantAdmin(Site site) =>
        FleetScope.ForUser(Guid.NewGuid(), "ta-" + site.Name, FleetRoles.TenantAdmin, [new TenantMembership { TenantId = site.TenantId }]);
}

/// <summary>Records what the engine asked to be run (the tests run it themselves with the real runner).</summary>
public sealed class RecordingScheduler : IOperationScheduler
{
    public ConcurrentQueue<Guid> Enqueued { get; } = new();

    public void Enqueue(Guid operationId) => Enqueued.Enqueue(operationId);

    public void Schedule(Guid operationId, TimeSpan after) => Enqueued.Enqueue(operationId);
}
