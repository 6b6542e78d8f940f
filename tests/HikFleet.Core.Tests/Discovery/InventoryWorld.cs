using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using HikFleet.Core.Adoption;
using HikFleet.Core.Audit;
using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Discovery;
using HikFleet.Core.Security;
using HikFleet.Core.Vault;
using HikFleet.Simulator;
using HikFleet.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HikFleet.Core.Tests.Discovery;

/// <summary>
/// One test's world: a fresh in-process simulator fleet on a random 127.x.y.0/24 (its own SADP port, its own seed, so serials and
/// MACs never collide with another test's), and the real Core services (AddFleetCore) on the class's migrated database, with every
/// log line captured.
/// </summary>
internal sealed class InventoryWorld : IAsyncDisposable
{
    private readonly IHost? _host;

    private InventoryWorld(VirtualFleet fleet, IServiceProvider services, IHost? host, MigratedDatabase database, IPAddress subnetBase, CapturedLogs logs)
    {
        Fleet = fleet;
        Services = services;
        _host = host;
        Database = database;
        SubnetBase = subnetBase;
        Logs = logs;
    }

    public VirtualFleet Fleet { get; }
    public IServiceProvider Services { get; }
    public MigratedDatabase Database { get; }
    /// <summary>127.x.y.0: the fleet's devices live in 127.x.y.0/24, its factory address is 127.x.(y+1).64.</summary>
    public IPAddress SubnetBase { get; }
    public CapturedLogs Logs { get; }
    public string Subnet => $"{SubnetBase}/24";
    public IPAddress FactoryAddress => Next(SubnetBase, 64);

    public DiscoveryService Discovery => Services.GetRequiredService<DiscoveryService>();
    public AdoptionService Adoption => Services.GetRequiredService<AdoptionService>();
    public CredentialVault Vault => Services.GetRequiredService<CredentialVault>();
    public InventoryCsv Csv => Services.GetRequiredService<InventoryCsv>();

    /// <param name="jobs">Run the real host (Hangfire server, hosted services) instead of a bare service provider.</param>
    /// <param name="settings">Extra configuration (e.g. Fleet:Operations timings).</param>
    public static async Task<InventoryWorld> StartAsync(MigratedDatabase database, CancellationToken ct, bool sadp = true,
        Action<SimulatorOptions>? configure = null, bool jobs = false, IDictionary<string, string?>? settings = null)
    {
        var baseAddress = new IPAddress([127, (byte)RandomNumberGenerator.GetInt32(32, 250), (byte)RandomNumberGenerator.GetInt32(1, 249), 0]);
        var options = new SimulatorOptions
        {
            Cameras = 0,
            BaseAddress = new IPAddress([.. baseAddress.GetAddressBytes()[..3], 10]),
            HttpPort = 0,
            SadpPort = 0,
            Sadp = sadp,
            TimeScale = 0.001,
            FactoryAddress = Next(baseAddress, 64),
            Seed = RandomNumberGenerator.GetInt32(1, int.MaxValue),
            Control = null,
        };
        configure?.Invoke(options);
        var fleet = await VirtualFleet.StartAsync(options, ct);

        var logs = new CapturedLogs();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Fleet:Vault:Keys"] = VaultKeyRing.NewKeyLine(),
            ["Sadp:Port"] = (fleet.SadpPort ?? FreeUdpPort()).ToString(),
            ["Sadp:QuietWindow"] = "00:00:00.800", // generous: the build machine is often heavily loaded
            ["Sadp:ProbeRounds"] = "2",
            ["Sadp:ProbeInterval"] = "00:00:00.200",
            ["Sadp:MaxDuration"] = "00:00:04",
            ["Sadp:CommandTimeout"] = "00:00:02",
            ["Isapi:RequestTimeout"] = "00:00:05",
            ["Fleet:Discovery:ProbeConnectTimeout"] = "00:00:01",
            ["Fleet:Discovery:ProbeRequestTimeout"] = "00:00:03",
        }).AddInMemoryCollection(settings ?? new Dictionary<string, string?>()).Build();
        if (jobs)
        {
            // Each job host gets a database of its own: a stopping host's Hangfire server (slow to stop on a loaded machine) must not
            // fetch the next test's jobs from a shared database and fail them with a disposed container.
            var own = new MigratedDatabase();
            await own.InitializeAsync();
            database = own;
            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            builder.Configuration.AddConfiguration(configuration);
            builder.Logging.SetMinimumLevel(LogLevel.Trace).AddProvider(logs);
            builder.Services.AddFleetCore(database.ConnectionString, runJobServer: true);
            var host = builder.Build();
            await host.StartAsync(ct);
            return new InventoryWorld(fleet, host.Services, host, database, baseAddress, logs);
        }

        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        services.AddFleetCore(database.ConnectionString, runJobServer: false);
        return new InventoryWorld(fleet, services.BuildServiceProvider(), null, database, baseAddress, logs);
    }

    /// <summary>127.x.(y+1).<paramref name="last"/>: outside the world's /24 (the factory address, "another" subnet).</summary>
    public static IPAddress Next(IPAddress subnetBase, byte last)
    {
        var b = subnetBase.GetAddressBytes();
        return new IPAddress([b[0], b[1], (byte)(b[2] + 1), last]);
    }

    /// <summary>An address of this world's subnet (127.x.y.<paramref name="last"/>).</summary>
    public IPAddress Address(byte last) => new([.. SubnetBase.GetAddressBytes()[..3], last]);

    public FleetDbContext Db() => Database.CreateContext();

    /// <summary>A site of a new tenant on this world's subnet.</summary>
    public async Task<Site> SiteAsync(Action<Site>? configure = null, params string[] subnets)
    {
        await using var db = Db();
        var site = await TestFleet.CreateSiteAsync(db, null, subnets.Length == 0 ? [Subnet] : subnets);
        if (configure is not null)
        {
            configure(site);
            await db.SaveChangesAsync();
        }

        return site;
    }

    /// <summary>A managed camera row for a simulator device (its identity, the given or its current address).</summary>
    public async Task<Camera> ManagedAsync(Site site, VirtualDevice device, IPAddress? address = null, string? password = null, Action<Camera>? configure = null)
    {
        await using var db = Db();
        var camera = TestFleet.NewCamera(site.Id, device.Serial, device.Mac, (address ?? device.Address).ToString(), device.HttpPort);
        camera.Activated = true;
        configure?.Invoke(camera);
        db.Cameras.Add(camera);
        if (password is not null) await Vault.StoreForCameraAsync(db, camera.Id, "admin", password, "test");
        await db.SaveChangesAsync();
        return camera;
    }

    public static FleetScope Operator(Site site) =>
        FleetScope.ForUser(Guid.NewGuid(), "op-" + site.Name, FleetRoles.Operator, [new TenantMembership { TenantId = site.TenantId }]);

    public static FleetScope Viewer(Site site) =>
        FleetScope.ForUser(Guid.NewGuid(), "viewer-" + site.Name, FleetRoles.Viewer, [new TenantMembership { TenantId = site.TenantId }]);

    /// <summary>A TCP port free on loopback right now (devices bind it on their own 127.x.y.z addresses).</summary>
    public static int FreeTcpPort() => TestNetwork.FreeTcpPort();

    private static int FreeUdpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>Waits (bounded) for a simulator condition that changes asynchronously.</summary>
    public static Task EventuallyAsync(Func<bool> condition, string what, CancellationToken ct, int timeoutMs = 8000) =>
        EventuallyAsync(() => Task.FromResult(condition()), what, ct, timeoutMs);

    /// <summary>Waits (bounded) for a condition read asynchronously (a database row).</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what, CancellationToken ct, int timeoutMs = 8000)
    {
        var until = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < until, $"timed out waiting for: {what}");
            await Task.Delay(20, ct);
        }
    }

    /// <summary>Every audit entry's text (action, actor, detail, parameters) and every log line, for "no password anywhere" checks.</summary>
    public async Task<string> EverythingWrittenAsync()
    {
        await using var db = Db();
        var entries = (await db.AuditEntries.AsNoTracking().Select(e => new { e.Action, e.ActorName, e.ResultDetail, e.Parameters }).ToListAsync())
            .Select(e => $"{e.Action} {e.ActorName} {e.ResultDetail} {e.Parameters}");
        var events = await db.CameraEvents.AsNoTracking().Select(e => e.Kind + " " + e.Detail).ToListAsync();
        var sightings = await db.DiscoverySightings.AsNoTracking().Select(s => s.Detail).ToListAsync();
        return string.Join("\n", entries.Concat(events).Concat(sightings.Where(s => s != null)!).Concat(Logs.Lines));
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync(TimeSpan.FromSeconds(30));
            _host.Dispose();
            await Database.DisposeAsync();
        }
        else if (Services is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }

        await Fleet.DisposeAsync();
    }
}

/// <summary>Captures every log line (message and exception) of the services under test.</summary>
internal sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IEnumerable<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner._lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}
