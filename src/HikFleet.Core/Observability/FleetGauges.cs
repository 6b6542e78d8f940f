using System.Diagnostics.Metrics;
using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HikFleet.Core.Observability;

public sealed class FleetGaugeOptions
{
    public const string SectionName = "Fleet:Observability:Metrics";

    /// <summary>
    /// How old the counts behind the fleet gauges may be. Every collection within this window reuses one snapshot, so a scrape (or
    /// ten scrapers) never costs more than one grouped query per window, whatever the number of series (1,000 sites × 8 states).
    /// </summary>
    public TimeSpan FleetRefreshInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>A query that takes longer is abandoned; the previous snapshot is served.</summary>
    public TimeSpan QueryTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// The fleet gauges of one host, read from its database:
/// <c>hikfleet.fleet.cameras</c> (managed cameras by health <c>state</c>) and <c>hikfleet.fleet.cameras.lifecycle</c> (every camera by
/// <c>lifecycle</c>: discovered, managed, ignored, retired; their sum is the total), both by <c>tenant_id</c>, <c>tenant</c>,
/// <c>site_id</c> and <c>site</c>. The counts come from ONE grouped query, cached for <see cref="FleetGaugeOptions.FleetRefreshInterval"/>.
/// A series that vanished (the last camera of a state left a site) is reported as 0 from then on, so no exporter keeps showing its last
/// value. The meter comes from this host's <see cref="IMeterFactory"/>: two hosts in one process never read each other's database.
/// </summary>
public sealed class FleetGauges : IDisposable
{
    private readonly IDbContextFactory<FleetDbContext> _contexts;
    private readonly TimeProvider _time;
    private readonly FleetGaugeOptions _options;
    private readonly ILogger<FleetGauges> _logger;
    private readonly Meter _meter;
    private readonly Lock _gate = new();
    private Snapshot _snapshot = Snapshot.Empty;
    private DateTimeOffset? _takenAt;
    private readonly HashSet<HealthKey> _seenHealth = [];
    private readonly HashSet<LifecycleKey> _seenLifecycle = [];

    public FleetGauges(IDbContextFactory<FleetDbContext> contexts, IMeterFactory meters, TimeProvider time, IOptions<FleetGaugeOptions> options,
        ILogger<FleetGauges> logger)
    {
        _contexts = contexts;
        _time = time;
        _options = options.Value;
        _logger = logger;
        _meter = meters.Create(FleetTelemetry.FleetMeterName);
        _meter.CreateObservableGauge("hikfleet.fleet.cameras", ObserveHealth, unit: "{camera}",
            description: "Managed cameras by health state, tenant and site.");
        _meter.CreateObservableGauge("hikfleet.fleet.cameras.lifecycle", ObserveLifecycle, unit: "{camera}",
            description: "Cameras by lifecycle (discovered, managed, ignored, retired), tenant and site.");
    }

    /// <summary>Number of snapshots taken (queries run) so far: the cache's effect, for tests and diagnostics.</summary>
    public long Refreshes { get; private set; }

    public sealed record SiteLabels(Guid TenantId, string Tenant, Guid SiteId, string Site);

    private readonly record struct HealthKey(SiteLabels Site, HealthState State);

    private readonly record struct LifecycleKey(SiteLabels Site, CameraLifecycle Lifecycle);

    private sealed record Snapshot(IReadOnlyList<Measurement<long>> Health, IReadOnlyList<Measurement<long>> Lifecycle)
    {
        public static readonly Snapshot Empty = new([], []);
    }

    private IEnumerable<Measurement<long>> ObserveHealth() => Current().Health;

    private IEnumerable<Measurement<long>> ObserveLifecycle() => Current().Lifecycle;

    private Snapshot Current()
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (_takenAt is { } taken && now - taken < _options.FleetRefreshInterval) return _snapshot;
            try
            {
                _snapshot = Take();
                Refreshes++;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A scrape must not fail because the database hiccuped: serve the last snapshot and try again next window.
                _logger.LogWarning(ex, "Fleet gauges: counting cameras failed; serving the previous counts");
            }
            _takenAt = now;
            return _snapshot;
        }
    }

    /// <summary>
    /// One grouped query (sites × lifecycles × states rows at most). Synchronous on purpose: metric callbacks are synchronous, and
    /// a sync query is better than blocking on an async one.
    /// </summary>
    private Snapshot Take()
    {
        using var db = _contexts.CreateDbContext();
        db.Database.SetCommandTimeout(_options.QueryTimeout);
        var rows = db.Cameras.AsNoTracking()
            .GroupBy(c => new { c.SiteId, SiteName = c.Site!.Name, c.Site.TenantId, TenantName = c.Site.Tenant!.Name, c.Lifecycle, c.Health })
            .Select(g => new { g.Key.SiteId, g.Key.SiteName, g.Key.TenantId, g.Key.TenantName, g.Key.Lifecycle, g.Key.Health, Count = g.LongCount() })
            .ToList();

        var health = new Dictionary<HealthKey, long>();
        var lifecycle = new Dictionary<LifecycleKey, long>();
        foreach (var row in rows)
        {
            var site = new SiteLabels(row.TenantId, row.TenantName, row.SiteId, row.SiteName);
            var l = new LifecycleKey(site, row.Lifecycle);
            lifecycle[l] = lifecycle.GetValueOrDefault(l) + row.Count;
            if (row.Lifecycle == CameraLifecycle.Managed)
            {
                var h = new HealthKey(site, row.Health);
                health[h] = health.GetValueOrDefault(h) + row.Count;
            }
        }

        // Vanished series report 0 rather than disappearing (an exporter may otherwise keep their last value).
        foreach (var key in _seenHealth) health.TryAdd(key, 0);
        foreach (var key in _seenLifecycle) lifecycle.TryAdd(key, 0);
        _seenHealth.UnionWith(health.Keys);
        _seenLifecycle.UnionWith(lifecycle.Keys);

        return new Snapshot(
            health.Select(p => Measure(p.Value, p.Key.Site, "state", FleetTelemetry.Label(p.Key.State.ToString()))).ToList(),
            lifecycle.Select(p => Measure(p.Value, p.Key.Site, "lifecycle", FleetTelemetry.Label(p.Key.Lifecycle.ToString()))).ToList());
    }

    private static Measurement<long> Measure(long value, SiteLabels site, string dimension, string label) => new(value,
        new KeyValuePair<string, object?>(dimension, label),
        new KeyValuePair<string, object?>("tenant_id", site.TenantId.ToString("D")),
        new KeyValuePair<string, object?>("tenant", site.Tenant),
        new KeyValuePair<string, object?>("site_id", site.SiteId.ToString("D")),
        new KeyValuePair<string, object?>("site", site.Site));

    public void Dispose() => _meter.Dispose();
}
