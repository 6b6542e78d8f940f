using System.Text.Json;
using System.Text.RegularExpressions;
using HikFleet.Core.Audit;
using HikFleet.Core.Common;
using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Security;
using HikFleet.Isapi;
using Microsoft.EntityFrameworkCore;

namespace HikFleet.Core.Operations;

/// <summary>The groups the operations page and API filter by (each a set of <see cref="OperationState"/>s).</summary>
public enum OperationStateGroup
{
    /// <summary>Running or waiting for the device.</summary>
    Running,
    Queued,
    AwaitingApproval,
    Failed,
    /// <summary>Succeeded or cancelled.</summary>
    Finished,
}

/// <summary>Filter and page of the operations list.</summary>
public sealed record OperationListQuery
{
    public const int MaxPageSize = 200;

    public OperationStateGroup? Group { get; init; }
    public OperationKind? Kind { get; init; }
    public Guid? SiteId { get; init; }
    public Guid? CameraId { get; init; }
    public Guid? BatchId { get; init; }
    /// <summary>Zero-based.</summary>
    public int Page { get; init; }
    public int PageSize { get; init; } = 50;
}

/// <summary>One operation as lists show it.</summary>
public sealed record OperationListItem(
    Guid Id, OperationKind Kind, OperationState State, Guid TenantId, Guid SiteId, string SiteName, Guid CameraId, string CameraName,
    string CameraSerial, string RequestedBy, string Reason, Guid? BatchId, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt, int CurrentStep, int StepCount, string? CurrentStepTitle, string? CurrentStepDetail, string? Summary,
    bool CancelRequested)
{
    public bool IsActive => State is OperationState.AwaitingApproval or OperationState.Queued or OperationState.Running or OperationState.Waiting;
}

public sealed record OperationListPage(IReadOnlyList<OperationListItem> Items, int Total);

/// <summary>One step with its timing and outcome.</summary>
public sealed record OperationStepView(int Index, string Name, string Title, OperationStepState State, DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt, DateTimeOffset? Deadline, int Attempts, string? Detail);

/// <summary>One operation with its steps and, after a reset or reprovisioning, its drift.</summary>
/// <param name="Drift">Null when nothing was compared (yet); empty when every setting matched the backup.</param>
public sealed record OperationDetails(OperationListItem Operation, FactoryResetMode? ResetMode, bool BackupOverride, string? ApprovedBy,
    DateTimeOffset? ApprovedAt, IReadOnlyList<OperationStepView> Steps, IReadOnlyList<SettingsDifference>? Drift);

/// <summary>A configuration backup as lists show it: never its bytes.</summary>
/// <param name="ExportBytes">Size of the device's own export; null when the device could not export.</param>
/// <param name="SnapshotLength">Characters of the readable snapshot (JSON).</param>
public sealed record BackupListItem(Guid Id, Guid CameraId, int Number, DateTimeOffset CreatedAt, string Trigger, string CreatedBy, Guid? OperationId,
    string? Model, string? FirmwareVersion, string? FirmwareBuild, int? ExportBytes, string? ExportSha256, int SnapshotLength, string SnapshotSha256);

/// <summary>A backup's device export, for download.</summary>
public sealed record BackupExport(string FileName, byte[] Content, string Sha256);

/// <summary>
/// The read side of operations and backups for pages and the API. Every query starts from <see cref="FleetScope.Cameras"/>: an
/// operation or backup of a camera outside the caller's scope is "not found", exactly like one that does not exist.
/// </summary>
public sealed partial class OperationQueries(IDbContextFactory<FleetDbContext> contexts, AuditLog audit)
{
    public const int MaxBackupsListed = 200;
    public const string DownloadAction = "camera.backup.download";

    /// <summary>The states of a group.</summary>
    public static IReadOnlyList<OperationState> StatesOf(OperationStateGroup group) => group switch
    {
        OperationStateGroup.Running => [OperationState.Running, OperationState.Waiting],
        OperationStateGroup.Queued => [OperationState.Queued],
        OperationStateGroup.AwaitingApproval => [OperationState.AwaitingApproval],
        OperationStateGroup.Failed => [OperationState.Failed],
        _ => [OperationState.Succeeded, OperationState.Cancelled],
    };

    /// <summary>The group a state belongs to.</summary>
    public static OperationStateGroup GroupOf(OperationState state) => state switch
    {
        OperationState.Running or OperationState.Waiting => OperationStateGroup.Running,
        OperationState.Queued => OperationStateGroup.Queued,
        OperationState.AwaitingApproval => OperationStateGroup.AwaitingApproval,
        OperationState.Failed => OperationStateGroup.Failed,
        _ => OperationStateGroup.Finished,
    };

    private static IQueryable<Operation> Visible(FleetScope scope, FleetDbContext db)
    {
        var cameras = scope.Cameras(db).Select(c => c.Id);
        return db.Operations.AsNoTracking().Where(o => cameras.Contains(o.CameraId));
    }

    private static IQueryable<OperationListItem> Project(IQueryable<Operation> operations) => operations.Select(o => new OperationListItem(
        o.Id, o.Kind, o.State, o.TenantId, o.SiteId, o.Camera!.Site!.Name, o.CameraId, o.Camera.Name ?? o.Camera.DeviceName ?? o.Camera.SerialNumber,
        o.Camera.SerialNumber, o.RequestedByName, o.Reason, o.BatchId, o.CreatedAt, o.StartedAt, o.FinishedAt, o.CurrentStep, o.Steps.Count,
        o.Steps.Where(s => s.Index == o.CurrentStep).Select(s => s.Title).FirstOrDefault(),
        o.Steps.Where(s => s.Index == o.CurrentStep).Select(s => s.Detail).FirstOrDefault(),
        o.Summary, o.CancelRequested));

    /// <summary>Operations in scope, newest first, filtered and paged.</summary>
    public async Task<OperationListPage> ListAsync(FleetScope scope, OperationListQuery query, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var operations = Visible(scope, db);
        if (query.Group is { } group)
        {
            var states = StatesOf(group).ToList();
            operations = operations.Where(o => states.Contains(o.State));
        }

        if (query.Kind is { } kind) operations = operations.Where(o => o.Kind == kind);
        if (query.SiteId is { } site) operations = operations.Where(o => o.SiteId == site);
        if (query.CameraId is { } camera) operations = operations.Where(o => o.CameraId == camera);
        if (query.BatchId is { } batch) operations = operations.Where(o => o.BatchId == batch);

        var total = await operations.CountAsync(cancellationToken);
        var size = Math.Clamp(query.PageSize, 1, OperationListQuery.MaxPageSize);
        var page = Math.Max(query.Page, 0);
        // Ids are version-7 Guids (time-ordered): the tie-breaker keeps paging stable among operations created in the same tick.
        var items = await Project(operations.OrderByDescending(o => o.CreatedAt).ThenByDescending(o => o.Id).Skip(page * size).Take(size))
            .ToListAsync(cancellationToken);
        return new OperationListPage(items, total);
    }

    /// <summary>Counts per group in scope (the page's tab badges).</summary>
    public async Task<IReadOnlyDictionary<OperationStateGroup, int>> CountsAsync(FleetScope scope, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var byState = await Visible(scope, db).GroupBy(o => o.State).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(cancellationToken);
        return Enum.GetValues<OperationStateGroup>().ToDictionary(g => g, g => byState.Where(s => GroupOf(s.Key) == g).Sum(s => s.Count));
    }

    /// <summary>The camera's operation that is not over yet, if any (at most one: the database allows no second).</summary>
    public async Task<OperationDetails?> ActiveForCameraAsync(FleetScope scope, Guid cameraId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var id = await Visible(scope, db)
            .Where(OperationStates.Active).Where(o => o.CameraId == cameraId)
            .OrderByDescending(o => o.CreatedAt).Select(o => (Guid?)o.Id).FirstOrDefaultAsync(cancellationToken);
        return id is null ? null : await OperationAsync(scope, id.Value, cancellationToken);
    }

    /// <summary>One operation with its steps and drift; null when missing or out of scope.</summary>
    public async Task<OperationDetails?> OperationAsync(FleetScope scope, Guid operationId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var visible = Visible(scope, db).Where(o => o.Id == operationId);
        var item = await Project(visible).SingleOrDefaultAsync(cancellationToken);
        if (item is null) return null;
        var extra = await visible.Select(o => new { o.Parameters, o.ApprovedByName, o.ApprovedAt, o.Drift }).SingleAsync(cancellationToken);
        var steps = await db.OperationSteps.AsNoTracking().Where(s => s.OperationId == operationId).OrderBy(s => s.Index)
            .Select(s => new OperationStepView(s.Index, s.Name, s.Title, s.State, s.StartedAt, s.FinishedAt, s.Deadline, s.Attempts, s.Detail))
            .ToListAsync(cancellationToken);
        var parameters = ParseParameters(extra.Parameters);
        return new OperationDetails(item, parameters.ResetMode, parameters.BackupOverride, extra.ApprovedByName, extra.ApprovedAt, steps,
            ParseDrift(extra.Drift));
    }

    /// <summary>The drift JSON as rows; null when absent, and when unreadable (a row is shown as "not compared" rather than a crash).</summary>
    public static IReadOnlyList<SettingsDifference>? ParseDrift(string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) return null;
        try
        {
            return JsonSerializer.Deserialize<List<SettingsDifference>>(json, DeviceSettings.Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static OperationParameters ParseParameters(string json)
    {
        try
        {
            return OperationParameters.FromJson(json);
        }
        catch (JsonException)
        {
            return new OperationParameters();
        }
    }

    /// <summary>A camera's backups, newest first (never their bytes); null when the camera is missing or out of scope.</summary>
    public async Task<IReadOnlyList<BackupListItem>?> BackupsAsync(FleetScope scope, Guid cameraId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (!await scope.Cameras(db).AnyAsync(c => c.Id == cameraId, cancellationToken)) return null;
        var rows = await db.ConfigurationBackups.AsNoTracking().Where(b => b.CameraId == cameraId)
            .OrderByDescending(b => b.Number).Take(MaxBackupsListed)
            .Select(b => new
            {
                b.Id, b.CameraId, b.Number, b.CreatedAt, b.Trigger, b.CreatedBy, b.OperationId, b.Model, b.FirmwareVersion, b.FirmwareBuild,
                HasExport = b.DeviceExport != null, ExportBytes = b.DeviceExport != null ? b.DeviceExport.Length : 0, b.DeviceExportSha256,
                SnapshotLength = b.Snapshot.Length, b.SnapshotSha256,
            })
            .ToListAsync(cancellationToken);
        return rows.Select(b => new BackupListItem(b.Id, b.CameraId, b.Number, b.CreatedAt, b.Trigger, b.CreatedBy, b.OperationId, b.Model,
            b.FirmwareVersion, b.FirmwareBuild, b.HasExport ? b.ExportBytes : null, b.DeviceExportSha256, b.SnapshotLength, b.SnapshotSha256)).ToList();
    }

    /// <summary>May this caller download backups of cameras of this tenant? (Administrators, and tenant administrators of it.)</summary>
    public static bool CanDownload(FleetScope scope, Guid tenantId) =>
        scope.Can(FleetPermissions.Administer) || scope.Can(FleetPermissions.ManageSites, tenantId);

    /// <summary>
    /// One backup's device export for download: administrators only, every download (and every refusal) in the audit trail. Out of
    /// scope is "not found"; a backup whose device could not export has nothing to download (its snapshot was kept instead).
    /// </summary>
    public async Task<(ServiceResult Result, BackupExport? Export)> ExportAsync(FleetScope scope, Guid backupId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var cameras = scope.Cameras(db);
        var meta = await (from b in db.ConfigurationBackups.AsNoTracking()
                          join c in cameras on b.CameraId equals c.Id
                          where b.Id == backupId
                          select new { b.TenantId, b.SiteId, b.CameraId, b.Number, b.DeviceExportSha256, HasExport = b.DeviceExport != null, c.SerialNumber })
            .SingleOrDefaultAsync(cancellationToken);
        if (meta is null) return (ServiceResult.NotFound("The backup does not exist."), null);

        var parameters = new { backup = backupId, number = meta.Number, sha256 = meta.DeviceExportSha256 };
        if (!CanDownload(scope, meta.TenantId))
        {
            var refused = ServiceResult.Forbidden("Only administrators may download configuration backups.");
            await audit.RecordAsync(scope, DownloadAction, refused, meta.TenantId, meta.SiteId, meta.CameraId, parameters, cancellationToken);
            return (refused, null);
        }

        if (!meta.HasExport)
        {
            return (ServiceResult.Conflict("backup", "This backup holds no device export (the camera could not export); only its settings snapshot was kept."), null);
        }

        var bytes = await db.ConfigurationBackups.AsNoTracking().Where(b => b.Id == backupId).Select(b => b.DeviceExport!).SingleAsync(cancellationToken);
        var ok = ServiceResult.Ok(backupId);
        await audit.RecordAsync(scope, DownloadAction, ok, meta.TenantId, meta.SiteId, meta.CameraId, parameters, cancellationToken);
        // The serial came from a device: only safe characters reach a Content-Disposition header.
        var serial = UnsafeFileNameCharacters().Replace(meta.SerialNumber, "");
        if (serial.Length > 48) serial = serial[..48];
        return (ok, new BackupExport($"{(serial.Length == 0 ? "camera" : serial)}-backup-{meta.Number}.bin", bytes, meta.DeviceExportSha256 ?? ""));
    }

    [GeneratedRegex("[^A-Za-z0-9_-]")]
    private static partial Regex UnsafeFileNameCharacters();
}
