using System.Diagnostics.Metrics;
using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Observability;
using HikFleet.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace HikFleet.Core.Tests.Observability;

/// <summary>The fleet gauges against PostgreSQL: counts per (state, tenant, site), one query per refresh window, vanished series at 0.</summary>
public sealed class FleetGaugesTests(MigratedDatabase database) : IClassFixture<MigratedDatabase>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Gauges_count_the_database_and_refresh_at_most_once_per_window()
    {
        await using var services = Services();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var gauges = new FleetGauges(services.GetRequiredService<IDbContextFactory<FleetDbContext>>(), services.GetRequiredService<IMeterFactory>(),
            time, Options.Create(new FleetGaugeOptions()), NullLogger<FleetGauges>.Instance);

        Site site;
        Camera first;
        await using (var db = database.CreateContext())
        {
            site = await TestFleet.CreateSiteAsync(db);
            first = Managed(site, HealthState.Healthy);
            db.Cameras.AddRange(first, Managed(site, HealthState.Healthy), Managed(site, HealthState.Offline),
                Discovered(site)); // counted by lifecycle, not by health
            await db.SaveChangesAsync(Ct);
        }

        var (health, lifecycle) = Collect(services);
        Assert.Equal(2, health[(site.Id, "healthy")]);
        Assert.Equal(1, health[(site.Id, "offline")]);
        Assert.Equal(3, lifecycle[(site.Id, "managed")]);
        Assert.Equal(1, lifecycle[(site.Id, "discovered")]);
        Assert.Equal(1, gauges.Refreshes);

        await using (var db = database.CreateContext())
        {
            await db.Cameras.Where(c => c.Id == first.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.Health, HealthState.Critical), Ct);
        }

        // Within the window: the cached counts, no new query, however many collections.
        for (var i = 0; i < 5; i++) (health, _) = Collect(services);
        Assert.Equal(2, health[(site.Id, "healthy")]);
        Assert.Equal(1, gauges.Refreshes);

        time.Advance(TimeSpan.FromSeconds(16));
        (health, _) = Collect(services);
        Assert.Equal(2, gauges.Refreshes);
        Assert.Equal(1, health[(site.Id, "healthy")]);
        Assert.Equal(1, health[(site.Id, "critical")]);

        // The last healthy camera retired: its series reports 0 instead of keeping its last value.
        await using (var db = database.CreateContext())
        {
            await db.Cameras.Where(c => c.SiteId == site.Id && c.Health == HealthState.Healthy)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.Lifecycle, CameraLifecycle.Retired), Ct);
        }

        time.Advance(TimeSpan.FromSeconds(16));
        (health, lifecycle) = Collect(services);
        Assert.Equal(0, health[(site.Id, "healthy")]);
        Assert.Equal(2, lifecycle[(site.Id, "managed")]);
        Assert.Equal(1, lifecycle[(site.Id, "retired")]);
    }

    private static Camera Managed(Site site, HealthState state)
    {
        var camera = TestFleet.NewCamera(site.Id);
        camera.Lifecycle = CameraLifecycle.Managed;
        camera.Health = state;
        return camera;
    }

    private static Camera Discovered(Site site)
    {
        var camera = TestFleet.NewCamera(site.Id);
        camera.Lifecycle = CameraLifecycle.Discovered;
        camera.Health = HealthState.Offline;
        return camera;
    }

    private ServiceProvider Services()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Fleet:Vault:Keys"] = HikFleet.Core.Vault.VaultKeyRing.NewKeyLine(),
        }).Build());
        services.AddLogging();
        services.AddFleetCore(database.ConnectionString, runJobServer: false);
        return services.BuildServiceProvider();
    }

    /// <summary>One collection of this provider's fleet meter only (its meter factory is the scope: other hosts are not seen).</summary>
    private static (Dictionary<(Guid Site, string Value), long> Health, Dictionary<(Guid Site, string Value), long> Lifecycle) Collect(IServiceProvider services)
    {
        var scope = services.GetRequiredService<IMeterFactory>();
        var health = new Dictionary<(Guid, string), long>();
        var lifecycle = new Dictionary<(Guid, string), long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == FleetTelemetry.FleetMeterName && ReferenceEquals(instrument.Meter.Scope, scope)) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var labels = new Dictionary<string, object?>();
            foreach (var tag in tags) labels[tag.Key] = tag.Value;
            var site = Guid.Parse((string)labels["site_id"]!);
            if (instrument.Name == "hikfleet.fleet.cameras") health[(site, (string)labels["state"]!)] = value;
            else if (instrument.Name == "hikfleet.fleet.cameras.lifecycle") lifecycle[(site, (string)labels["lifecycle"]!)] = value;
        });
        listener.Start();
        listener.RecordObservableInstruments();
        return (health, lifecycle);
    }
}
