using System.Collections.Concurrent;
using System.Net;
using HikFleet.Core.Audit;
using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Devices;
using HikFleet.Core.Health;
using HikFleet.Core.Vault;
using HikFleet.Isapi;
using HikFleet.Isapi.Security;
using HikFleet.Simulator;
using HikFleet.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HikFleet.Core.Tests.Health;

/// <summary>A migrated database plus an in-process simulator fleet on a random 127.x block (1000× time), shared by a test class.</summary>
public sealed class HealthTestFleet : IAsyncLifetime
{
    public const string Password = "Fleet#Health2026";

    public MigratedDatabase Database { get; } = new();
    public VirtualFleet Fleet { get; private set; } = null!;
    public VaultKeyRing Keys { get; } = VaultKeyRing.CreateNew(out _);

    public async ValueTask InitializeAsync()
    {
        await Database.InitializeAsync();
        var b = Random.Shared.Next(32, 250);
        Fleet = await VirtualFleet.StartAsync(new SimulatorOptions
        {
            Cameras = 0,
            HttpPort = 0,
            HttpsPort = 0,
            TimeScale = 0.001,
            Sadp = false,
            // Short reboots: a reboot-looping camera is up most of the time, so the test can catch each boot.
            RebootSeconds = 5,
            BaseAddress = IPAddress.Parse($"127.{b}.{Random.Shared.Next(1, 250)}.10"),
            FactoryAddress = IPAddress.Parse($"127.{b}.251.64"),
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (Fleet is not null) await Fleet.DisposeAsync();
        await Database.DisposeAsync();
    }

    /// <summary>Test timeouts: short, but generous for a loaded 2-core machine.</summary>
    public static IsapiOptions IsapiOptions => new()
    {
        RequestTimeout = TimeSpan.FromSeconds(2),
        ReadIdleTimeout = TimeSpan.FromSeconds(1),
        ConnectTimeout = TimeSpan.FromSeconds(2),
    };

    public HealthCheckService NewService(HealthOptions options, TimeProvider? time = null, ILoggerFactory? logs = null, FleetChangeFeed? feed = null) =>
        NewService(options, out _, time, logs, feed);

    public HealthCheckService NewService(HealthOptions options, out DeviceClientCache clients, TimeProvider? time = null, ILoggerFactory? logs = null,
        FleetChangeFeed? feed = null, IDbContextFactory<FleetDbContext>? contexts = null)
    {
        time ??= TimeProvider.System;
        logs ??= LoggerFactory.Create(_ => { });
        var factory = new IsapiClientFactory(Options.Create(IsapiOptions), new IsapiLockoutGuard(time));
        var access = new DeviceAccess(factory, Options.Create(new DeviceAccessOptions()), time);
        var vault = new CredentialVault(Keys, Database.ContextFactory, new AuditLog(Database.ContextFactory, time), time);
        clients = new DeviceClientCache(access, time);
        return new HealthCheckService(contexts ?? Database.ContextFactory, vault, access, clients, feed ?? new FleetChangeFeed(),
            Options.Create(options), time, logs.CreateLogger<HealthCheckService>());
    }

    /// <summary>A managed camera row for a simulated device (its identity and address), with a password in the vault (null = none).</summary>
    public async Task<Camera> AdoptAsync(Site site, VirtualDevice device, string? password, string? serial = null, string? mac = null)
    {
        await using var db = Database.CreateContext();
        var camera = TestFleet.NewCamera(site.Id, serial ?? device.Serial, mac ?? device.Mac, device.Address.ToString(), device.HttpPort);
        camera.Model = device.Model;
        db.Cameras.Add(camera);
        await db.SaveChangesAsync();
        if (password is not null)
        {
            var vault = new CredentialVault(Keys, Database.ContextFactory, new AuditLog(Database.ContextFactory, TimeProvider.System), TimeProvider.System);
            await vault.StoreForCameraAsync(db, camera.Id, "admin", password, "test");
            await db.SaveChangesAsync();
        }

        return camera;
    }
}

/// <summary>A clock the test moves by hand (the application's notion of "now").</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;
    public override DateTimeOffset GetUtcNow() => _now;
    public void Advance(TimeSpan by) => _now += by;
}

/// <summary>Every log line (message and exception text) of the loggers it creates.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<string> Lines { get; } = new();
    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);
    public void Dispose() { }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}
