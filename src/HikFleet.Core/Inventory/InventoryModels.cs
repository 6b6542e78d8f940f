using HikFleet.Core.Data.Entities;

namespace HikFleet.Core.Inventory;

/// <summary>Columns the camera list sorts by (server side, so paging stays correct at any fleet size).</summary>
public enum CameraSort
{
    Name,
    /// <summary>Worst state first (ascending = worst first), then the longest-standing.</summary>
    Health,
    Site,
    Address,
    Model,
    Firmware,
    LastSeen,
    HealthChanged,
}

/// <summary>What the camera list asks for: filters, search, one sort column and a page.</summary>
public sealed record CameraListQuery
{
    public const int MaxPageSize = 500;
    public const int MaxSearchLength = 100;

    public Guid? TenantId { get; init; }
    public Guid? SiteId { get; init; }
    /// <summary>Any of these states; empty = all.</summary>
    public IReadOnlyCollection<HealthState> States { get; init; } = [];
    /// <summary>Cameras with this open finding code.</summary>
    public string? FindingCode { get; init; }
    /// <summary>Null = every lifecycle except <see cref="CameraLifecycle.Retired"/>.</summary>
    public CameraLifecycle? Lifecycle { get; init; }
    /// <summary>Free text over name, device name, serial, MAC, address and model (case-insensitive substring).</summary>
    public string? Search { get; init; }
    public CameraSort Sort { get; init; } = CameraSort.Name;
    public bool Descending { get; init; }
    /// <summary>Zero-based page index.</summary>
    public int Page { get; init; }
    public int PageSize { get; init; } = 50;
}

public sealed record CameraListItem(
    Guid Id, Guid TenantId, string TenantName, Guid SiteId, string SiteName, string? Name, string? DeviceName, string SerialNumber,
    string MacAddress, string Model, string? FirmwareVersion, string? Address, int HttpPort, CameraLifecycle Lifecycle, HealthState Health,
    string? HealthSummary, IReadOnlyList<string> FindingCodes, DateTimeOffset? HealthChangedAt, DateTimeOffset? LastSeenAt, int? LatencyMs)
{
    /// <summary>What people call it: their name, else the device's own name, else its serial.</summary>
    public string DisplayName => Name ?? DeviceName ?? SerialNumber;
}

public sealed record CameraListPage(IReadOnlyList<CameraListItem> Items, int Total);

/// <summary>Cameras per health state (managed cameras only: discovered ones are not watched yet).</summary>
public sealed record HealthCounts(IReadOnlyDictionary<HealthState, int> ByState)
{
    public int Total => ByState.Values.Sum();

    public int this[HealthState state] => ByState.TryGetValue(state, out var n) ? n : 0;

    /// <summary>Cameras that need a person now.</summary>
    public int NeedingAttention => InventoryQueries.ProblemStates.Sum(s => this[s]);
}

public sealed record TenantHealth(Guid TenantId, string TenantName, HealthCounts Counts);

public sealed record SiteHealth(Guid SiteId, string SiteName, Guid TenantId, string TenantName, HealthCounts Counts, int AwaitingAdoption);

/// <summary>One thing on the dashboard a person should look at: a camera in a bad state, or an open critical finding.</summary>
public sealed record Problem(
    Guid CameraId, string CameraName, string? Address, string SiteName, string TenantName, HealthState Health, string? FindingCode,
    string Summary, string? Fix, DateTimeOffset? Since);

public sealed record RecentEvent(long Id, Guid CameraId, string CameraName, string SiteName, DateTimeOffset At, string Kind, string? Detail);

public sealed record RecentRun(
    Guid Id, Guid SiteId, string SiteName, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt, string TriggeredBy, DiscoveryRunStatus Status,
    int Seen, int New, int Moved, int Conflicts, int Mismatched, int FoundReset, int Missing, string? Error);

public sealed record Dashboard(
    HealthCounts Fleet, int AwaitingAdoption, IReadOnlyList<TenantHealth> Tenants, IReadOnlyList<SiteHealth> Sites,
    IReadOnlyList<Problem> Problems, int ProblemTotal, IReadOnlyList<RecentEvent> RecentEvents, IReadOnlyList<RecentRun> RecentRuns);

public sealed record FindingView(
    long Id, string Code, FindingSeverity Severity, string Summary, string? Evidence, string? Fix, DateTimeOffset FirstSeenAt, DateTimeOffset LastSeenAt);

public sealed record TimelineEntry(long Id, DateTimeOffset At, string Kind, string? Detail);

public sealed record HealthPoint(DateTimeOffset At, HealthState State, int? LatencyMs, int? CpuPercent, int? MemoryPercent);

/// <summary>Everything the camera page shows except the chart's samples (asked for separately, per time window).</summary>
/// <param name="Camera">Detached copy of the row; never saved back.</param>
public sealed record CameraDetails(
    Camera Camera, Guid TenantId, string TenantName, string SiteName, IReadOnlyList<FindingView> Findings, IReadOnlyList<TimelineEntry> Timeline,
    DateTimeOffset? SnapshotTakenAt, bool HasCredential)
{
    public bool HasSnapshot => SnapshotTakenAt is not null;
}

public sealed record SnapshotImage(byte[] Jpeg, DateTimeOffset TakenAt, string Sha256);
