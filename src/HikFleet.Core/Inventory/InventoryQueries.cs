using System.Linq.Expressions;
using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Security;
using Microsoft.EntityFrameworkCore;

namespace HikFleet.Core.Inventory;

/// <summary>
/// The read side of the inventory for pages and the API. Every query starts from <see cref="FleetScope"/>, so a caller never sees
/// a row outside their tenants and sites, and reads the current state kept on the camera row (never aggregates samples), so lists
/// and the dashboard stay fast at 10,000 cameras.
/// </summary>
public sealed class InventoryQueries(IDbContextFactory<FleetDbContext> contexts, TimeProvider time)
{
    /// <summary>States that need a person (the dashboard's problem list), worst first.</summary>
    public static readonly IReadOnlyList<HealthState> ProblemStates =
        [HealthState.Offline, HealthState.Critical, HealthState.Locked, HealthState.Unauthorized, HealthState.Inactive];

    public const int DefaultProblemLimit = 50;
    public const int RecentLimit = 20;
    public const int TimelineLimit = 200;
    public const int MaxHealthPoints = 5000;

    /// <summary>Higher = worse. Written out as an expression so PostgreSQL sorts by it (a CASE), not the enum's text.</summary>
    private static readonly Expression<Func<Camera, int>> HealthRank = c =>
        c.Health == HealthState.Offline ? 7
        : c.Health == HealthState.Critical ? 6
        : c.Health == HealthState.Locked ? 5
        : c.Health == HealthState.Unauthorized ? 4
        : c.Health == HealthState.Inactive ? 3
        : c.Health == HealthState.Warning ? 2
        : c.Health == HealthState.Unknown ? 1
        : 0;

    /// <summary>The same ranking as <see cref="HealthRank"/>, in memory.</summary>
    public static int RankOf(HealthState state) => state switch
    {
        HealthState.Offline => 7,
        HealthState.Critical => 6,
        HealthState.Locked => 5,
        HealthState.Unauthorized => 4,
        HealthState.Inactive => 3,
        HealthState.Warning => 2,
        HealthState.Unknown => 1,
        _ => 0,
    };

    private static readonly Expression<Func<CameraFinding, int>> SeverityRank = f =>
        f.Severity == FindingSeverity.Critical ? 2 : f.Severity == FindingSeverity.Warning ? 1 : 0;

    // ---------------------------------------------------------------- camera list

    public async Task<CameraListPage> ListCamerasAsync(FleetScope scope, CameraListQuery query, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var cameras = Filter(scope.Cameras(db).AsNoTracking(), query);
        var total = await cameras.CountAsync(cancellationToken);
        var size = Math.Clamp(query.PageSize, 1, CameraListQuery.MaxPageSize);
        var page = Math.Max(query.Page, 0);
        var items = await Sort(cameras, query.Sort, query.Descending)
            .Skip(page * size).Take(size)
            .Select(c => new CameraListItem(c.Id, c.Site!.TenantId, c.Site.Tenant!.Name, c.SiteId, c.Site.Name, c.Name, c.DeviceName,
                c.SerialNumber, c.MacAddress, c.Model, c.FirmwareVersion, c.Address == null ? null : c.Address.ToString(), c.HttpPort,
                c.Lifecycle, c.Health, c.HealthSummary, c.FindingCodes, c.HealthChangedAt, c.LastSeenAt, c.LatencyMs))
            .ToListAsync(cancellationToken);
        return new CameraListPage(items, total);
    }

    /// <summary>The ids of every camera matching a filter (bulk selection "select all N"), bounded.</summary>
    public async Task<IReadOnlyList<Guid>> ListCameraIdsAsync(FleetScope scope, CameraListQuery query, int limit = 10_000,
        CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await Filter(scope.Cameras(db).AsNoTracking(), query).OrderBy(c => c.Id).Take(limit).Select(c => c.Id).ToListAsync(cancellationToken);
    }

    /// <summary>Finding codes open anywhere in the caller's scope (the list's filter choices).</summary>
    public async Task<IReadOnlyList<string>> FindingCodesAsync(FleetScope scope, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var cameraIds = scope.Cameras(db).Select(c => c.Id);
        return await db.CameraFindings.Where(f => cameraIds.Contains(f.CameraId)).Select(f => f.Code).Distinct().OrderBy(c => c)
            .Take(200).ToListAsync(cancellationToken);
    }

    internal static IQueryable<Camera> Filter(IQueryable<Camera> cameras, CameraListQuery query)
    {
        if (query.TenantId is { } tenant) cameras = cameras.Where(c => c.Site!.TenantId == tenant);
        if (query.SiteId is { } site) cameras = cameras.Where(c => c.SiteId == site);
        cameras = query.Lifecycle is { } lifecycle
            ? cameras.Where(c => c.Lifecycle == lifecycle)
            : cameras.Where(c => c.Lifecycle != CameraLifecycle.Retired);
        if (query.States.Count > 0)
        {
            var states = query.States.Distinct().ToList();
            cameras = cameras.Where(c => states.Contains(c.Health));
        }

        if (!string.IsNullOrWhiteSpace(query.FindingCode))
        {
            // Written as "all of [code] are in finding_codes" so Npgsql emits finding_codes @> ARRAY[code], which the GIN index serves.
            var codes = new[] { query.FindingCode.Trim() };
            cameras = cameras.Where(c => codes.All(code => c.FindingCodes.Contains(code)));
        }

        var term = query.Search?.Trim();
        if (!string.IsNullOrEmpty(term))
        {
            if (term.Length > CameraListQuery.MaxSearchLength) term = term[..CameraListQuery.MaxSearchLength];
            var pattern = Like(term);
            // People type MACs as 44-19-B6-..., 4419.b6.. or with colons; the column holds aa:bb:.. lower case.
            var macPattern = Like(term.ToLowerInvariant().Replace('-', ':').Replace('.', ':'));
            // Each arm is a bare column (or host(address)) against a pattern, so PostgreSQL serves the OR with a BitmapOr of the
            // trigram indexes (CameraConfiguration, migration PerfSearchIndexes) instead of a sequential scan; a COALESCE around a
            // column would hide it from its index, and an "address IS NOT NULL AND" arm lets the planner pick the address's btree
            // (every camera) for it. A NULL column simply does not match. The escape character must be given: without
            // one the provider writes ESCAPE '' and a typed % or _ would be a wildcard.
            cameras = cameras.Where(c =>
                EF.Functions.ILike(c.Name!, pattern, LikeEscape)
                || EF.Functions.ILike(c.DeviceName!, pattern, LikeEscape)
                || EF.Functions.ILike(c.SerialNumber, pattern, LikeEscape)
                || EF.Functions.Like(c.MacAddress, macPattern, LikeEscape)
                || EF.Functions.ILike(c.Model, pattern, LikeEscape)
                || EF.Functions.Like(EF.Functions.Host(c.Address!), pattern, LikeEscape));
        }

        return cameras;
    }

    private const string LikeEscape = "\\";

    /// <summary>A substring pattern matching <paramref name="term"/> literally (escape character <see cref="LikeEscape"/>).</summary>
    private static string Like(string term) =>
        "%" + term.Replace(LikeEscape, LikeEscape + LikeEscape).Replace("%", LikeEscape + "%").Replace("_", LikeEscape + "_") + "%";

    private static IQueryable<Camera> Sort(IQueryable<Camera> cameras, CameraSort sort, bool descending)
    {
        // Every order ends with the id, so paging through equal keys neither repeats nor skips a camera.
        IOrderedQueryable<Camera> ordered = sort switch
        {
            CameraSort.Health => descending
                ? cameras.OrderBy(HealthRank).ThenByDescending(c => c.HealthChangedAt)
                : cameras.OrderByDescending(HealthRank).ThenBy(c => c.HealthChangedAt),
            CameraSort.Site => Direction(cameras, c => c.Site!.Name, descending).ThenBy(c => c.Name ?? c.DeviceName ?? c.SerialNumber),
            CameraSort.Address => Direction(cameras, c => c.Address, descending),
            CameraSort.Model => Direction(cameras, c => c.Model, descending),
            CameraSort.Firmware => Direction(cameras, c => c.FirmwareVersion, descending),
            CameraSort.LastSeen => Direction(cameras, c => c.LastSeenAt, descending),
            CameraSort.HealthChanged => Direction(cameras, c => c.HealthChangedAt, descending),
            _ => Direction(cameras, c => c.Name ?? c.DeviceName ?? c.SerialNumber, descending),
        };
        return ordered.ThenBy(c => c.Id);
    }

    private static IOrderedQueryable<Camera> Direction<TKey>(IQueryable<Camera> cameras, Expression<Func<Camera, TKey>> key, bool descending) =>
        descending ? cameras.OrderByDescending(key) : cameras.OrderBy(key);

    // ---------------------------------------------------------------- dashboard

    public async Task<Dashboard> DashboardAsync(FleetScope scope, int problemLimit = DefaultProblemLimit, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var cameras = scope.Cameras(db).AsNoTracking();

        // One grouped scan for every count on the page (served by the site+health index).
        var groups = await cameras.Where(c => c.Lifecycle == CameraLifecycle.Managed || c.Lifecycle == CameraLifecycle.Discovered)
            .GroupBy(c => new { c.SiteId, c.Lifecycle, c.Health })
            .Select(g => new { g.Key.SiteId, g.Key.Lifecycle, g.Key.Health, Count = g.Count() })
            .ToListAsync(cancellationToken);
        var sites = await scope.Sites(db).AsNoTracking()
            .OrderBy(s => s.Tenant!.Name).ThenBy(s => s.Name)
            .Select(s => new { s.Id, s.Name, s.TenantId, Tenant = s.Tenant!.Name })
            .ToListAsync(cancellationToken);

        var managed = groups.Where(g => g.Lifecycle == CameraLifecycle.Managed).ToList();
        HealthCounts Count(IEnumerable<Guid> siteIds)
        {
            var set = siteIds.ToHashSet();
            return new HealthCounts(managed.Where(g => set.Contains(g.SiteId)).GroupBy(g => g.Health)
                .ToDictionary(g => g.Key, g => g.Sum(x => x.Count)));
        }

        var siteHealth = sites.Select(s => new SiteHealth(s.Id, s.Name, s.TenantId, s.Tenant, Count([s.Id]),
            groups.Where(g => g.SiteId == s.Id && g.Lifecycle == CameraLifecycle.Discovered).Sum(g => g.Count))).ToList();
        var tenantHealth = sites.GroupBy(s => new { s.TenantId, s.Tenant })
            .Select(t => new TenantHealth(t.Key.TenantId, t.Key.Tenant, Count(t.Select(s => s.Id)))).ToList();
        var fleet = new HealthCounts(managed.GroupBy(g => g.Health).ToDictionary(g => g.Key, g => g.Sum(x => x.Count)));
        var awaiting = groups.Where(g => g.Lifecycle == CameraLifecycle.Discovered).Sum(g => g.Count);

        var (problems, problemTotal) = await ProblemsAsync(db, cameras, Math.Clamp(problemLimit, 1, 500), cancellationToken);
        var events = await RecentEventsAsync(db, cameras, cancellationToken);

        var siteIds = scope.Sites(db).Select(s => s.Id);
        var runs = await db.DiscoveryRuns.AsNoTracking().Where(r => siteIds.Contains(r.SiteId))
            .OrderByDescending(r => r.StartedAt).Take(RecentLimit)
            .Select(r => new RecentRun(r.Id, r.SiteId, r.Site!.Name, r.StartedAt, r.FinishedAt, r.TriggeredBy, r.Status, r.Seen, r.New, r.Moved,
                r.Conflicts, r.Mismatched, r.FoundReset, r.Missing, r.Error))
            .ToListAsync(cancellationToken);

        return new Dashboard(fleet, awaiting, tenantHealth, siteHealth, problems, problemTotal, events, runs);
    }

    private static async Task<(List<Problem>, int)> ProblemsAsync(FleetDbContext db, IQueryable<Camera> cameras, int limit,
        CancellationToken cancellationToken)
    {
        var states = ProblemStates.ToList();
        var sick = cameras.Where(c => c.Lifecycle == CameraLifecycle.Managed && states.Contains(c.Health));
        var sickCount = await sick.CountAsync(cancellationToken);
        var byState = await sick.OrderByDescending(HealthRank).ThenBy(c => c.HealthChangedAt ?? c.CreatedAt).ThenBy(c => c.Id)
            .Take(limit)
            .Select(c => new Problem(c.Id, c.Name ?? c.DeviceName ?? c.SerialNumber, c.Address == null ? null : c.Address.ToString(), c.Site!.Name,
                c.Site.Tenant!.Name, c.Health,
                db.CameraFindings.Where(f => f.CameraId == c.Id).OrderByDescending(SeverityRank).ThenBy(f => f.FirstSeenAt).Select(f => f.Code).FirstOrDefault(),
                c.HealthSummary ?? c.Health.ToString(),
                db.CameraFindings.Where(f => f.CameraId == c.Id).OrderByDescending(SeverityRank).ThenBy(f => f.FirstSeenAt).Select(f => f.Fix).FirstOrDefault(),
                c.HealthChangedAt ?? c.CreatedAt))
            .ToListAsync(cancellationToken);

        // Critical findings of cameras whose state does not show it yet (flap suppression holds the state back for a few checks).
        var findings = db.CameraFindings.AsNoTracking()
            .Where(f => f.Severity == FindingSeverity.Critical)
            .Join(cameras.Where(c => c.Lifecycle == CameraLifecycle.Managed && !states.Contains(c.Health)), f => f.CameraId, c => c.Id, (f, c) => new { f, c });
        var findingCount = await findings.CountAsync(cancellationToken);
        var byFinding = await findings.OrderBy(x => x.f.FirstSeenAt).ThenBy(x => x.f.Id).Take(limit)
            .Select(x => new Problem(x.c.Id, x.c.Name ?? x.c.DeviceName ?? x.c.SerialNumber, x.c.Address == null ? null : x.c.Address.ToString(),
                x.c.Site!.Name, x.c.Site.Tenant!.Name, x.c.Health, x.f.Code, x.f.Summary, x.f.Fix, x.f.FirstSeenAt))
            .ToListAsync(cancellationToken);

        var merged = byState.Concat(byFinding)
            .OrderByDescending(p => p.FindingCode is not null && !states.Contains(p.Health) ? RankOf(HealthState.Critical) : RankOf(p.Health))
            .ThenBy(p => p.Since)
            .Take(limit)
            .ToList();
        return (merged, sickCount + findingCount);
    }

    private static Task<List<RecentEvent>> RecentEventsAsync(FleetDbContext db, IQueryable<Camera> cameras, CancellationToken cancellationToken) =>
        db.CameraEvents.AsNoTracking()
            .Join(cameras, e => e.CameraId, c => c.Id, (e, c) => new { e, c })
            .OrderByDescending(x => x.e.At).ThenByDescending(x => x.e.Id)
            .Take(RecentLimit)
            .Select(x => new RecentEvent(x.e.Id, x.c.Id, x.c.Name ?? x.c.DeviceName ?? x.c.SerialNumber, x.c.Site!.Name, x.e.At, x.e.Kind, x.e.Detail))
            .ToListAsync(cancellationToken);

    // ---------------------------------------------------------------- camera page

    /// <summary>The camera page's data, or null when the camera does not exist or is outside the caller's scope.</summary>
    public async Task<CameraDetails?> CameraAsync(FleetScope scope, Guid cameraId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var camera = await scope.Cameras(db).AsNoTracking().Include(c => c.Site).ThenInclude(s => s!.Tenant)
            .SingleOrDefaultAsync(c => c.Id == cameraId, cancellationToken);
        if (camera is null) return null;

        var findings = await db.CameraFindings.AsNoTracking().Where(f => f.CameraId == cameraId)
            .OrderByDescending(SeverityRank).ThenBy(f => f.FirstSeenAt)
            .Select(f => new FindingView(f.Id, f.Code, f.Severity, f.Summary, f.Evidence, f.Fix, f.FirstSeenAt, f.LastSeenAt))
            .ToListAsync(cancellationToken);
        var timeline = await db.CameraEvents.AsNoTracking().Where(e => e.CameraId == cameraId)
            .OrderByDescending(e => e.At).ThenByDescending(e => e.Id).Take(TimelineLimit)
            .Select(e => new TimelineEntry(e.Id, e.At, e.Kind, e.Detail))
            .ToListAsync(cancellationToken);
        var snapshotAt = await db.CameraSnapshots.Where(s => s.CameraId == cameraId && s.Jpeg != null)
            .Select(s => (DateTimeOffset?)s.TakenAt).SingleOrDefaultAsync(cancellationToken);
        var hasCredential = await db.DeviceCredentials.AnyAsync(c => c.CameraId == cameraId && c.SupersededAt == null, cancellationToken);
        var site = camera.Site!;
        return new CameraDetails(camera, site.TenantId, site.Tenant!.Name, site.Name, findings, timeline, snapshotAt, hasCredential);
    }

    /// <summary>Health samples of one camera within [from, to] (default: the last 24 h), oldest first, at most <see cref="MaxHealthPoints"/> (the newest).</summary>
    public async Task<IReadOnlyList<HealthPoint>> HealthHistoryAsync(FleetScope scope, Guid cameraId, DateTimeOffset? from = null,
        DateTimeOffset? to = null, CancellationToken cancellationToken = default)
    {
        var end = to ?? time.GetUtcNow();
        var start = from ?? end.AddHours(-24);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var inScope = scope.Cameras(db).Where(c => c.Id == cameraId).Select(c => c.Id);
        var points = await db.HealthSamples.AsNoTracking()
            .Where(s => inScope.Contains(s.CameraId) && s.At >= start && s.At <= end)
            .OrderByDescending(s => s.At).Take(MaxHealthPoints)
            .Select(s => new HealthPoint(s.At, s.State, s.LatencyMs, s.CpuPercent, s.MemoryPercent))
            .ToListAsync(cancellationToken);
        points.Reverse();
        return points;
    }

    /// <summary>The latest snapshot of a camera in the caller's scope, or null.</summary>
    public async Task<SnapshotImage?> SnapshotAsync(FleetScope scope, Guid cameraId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var inScope = scope.Cameras(db).Where(c => c.Id == cameraId).Select(c => c.Id);
        return await db.CameraSnapshots.AsNoTracking()
            .Where(s => inScope.Contains(s.CameraId) && s.Jpeg != null)
            .Select(s => new SnapshotImage(s.Jpeg!, s.TakenAt, s.Sha256))
            .SingleOrDefaultAsync(cancellationToken);
    }

    /// <summary>True when a change published on the feed concerns something this scope can see (live pages ignore the rest).</summary>
    public static bool Concerns(FleetScope scope, Devices.FleetChange change)
    {
        if (scope.Role is null) return false;
        if (scope.IsAdministrator) return true;
        if (change.TenantId is not { } tenant) return false;
        return change.SiteId is { } site ? scope.CoversSite(tenant, site) : scope.SeesTenant(tenant);
    }
}
