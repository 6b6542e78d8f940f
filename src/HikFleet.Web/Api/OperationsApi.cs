using System.Security.Claims;
using HikFleet.Core.Common;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Operations;
using HikFleet.Core.Security;
using HikFleet.Isapi;
using HikFleet.Web.Auth;

namespace HikFleet.Web.Api;

/// <summary>
/// Device operations under <c>/api/v1</c>: start (one camera or a bulk batch), list, inspect, cancel, retry, approve, and the
/// configuration backups. Guard rails and audit live in <see cref="OperationService"/>; the policies here are the first gate only.
/// </summary>
public static class OperationsApi
{
    public static RouteGroupBuilder MapOperationEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/cameras/{id:guid}/operations", async (Guid id, OperationRequestDto body, ClaimsPrincipal user, FleetScopeProvider scopes,
                OperationService operations, OperationQueries queries, CancellationToken ct) =>
            {
                if (!body.TryBuild(out var request, out var errors)) return Results.ValidationProblem(errors);
                var scope = await scopes.GetAsync(user, ct);
                var result = await operations.StartAsync(scope, id, request, ct);
                return await ApiResults.FromAsync(result, async operationId =>
                {
                    var details = await queries.OperationAsync(scope, operationId, ct);
                    return Results.Accepted($"/api/v1/operations/{operationId}", details is null ? new { id = operationId } : (object)OperationDto.From(details));
                });
            })
            .RequireAuthorization(FleetPermissions.Operate);

        api.MapPost("/operations/bulk", async (BulkOperationRequestDto body, ClaimsPrincipal user, FleetScopeProvider scopes, OperationService operations,
                CancellationToken ct) =>
            {
                if (!body.TryBuild(out var request, out var errors)) return Results.ValidationProblem(errors);
                var scope = await scopes.GetAsync(user, ct);
                var result = await operations.StartBulkAsync(scope, body.CameraIds ?? [], request, ct);
                if (result.Error is { } error) return Results.ValidationProblem(new Dictionary<string, string[]> { ["cameraIds"] = [error] });
                return Results.Ok(new BulkResultDto(result.BatchId, result.Started, result.Items.Count - result.Started,
                    result.Items.Select(i => new BulkItemDto(i.CameraId, i.Kind.ToString(), i.OperationId, i.Message)).ToList()));
            })
            .RequireAuthorization(FleetPermissions.Operate);

        api.MapGet("/operations", async ([AsParameters] OperationListParameters p, ClaimsPrincipal user, FleetScopeProvider scopes,
                OperationQueries queries, CancellationToken ct) =>
            {
                if (!p.TryBuild(out var query, out var errors)) return Results.ValidationProblem(errors);
                var scope = await scopes.GetAsync(user, ct);
                var page = await queries.ListAsync(scope, query, ct);
                return Results.Ok(new PageDto<OperationSummaryDto>(page.Items.Select(OperationSummaryDto.From).ToList(), page.Total, query.Page + 1,
                    Math.Clamp(query.PageSize, 1, OperationListQuery.MaxPageSize)));
            })
            .RequireAuthorization(FleetPermissions.Read);

        api.MapGet("/operations/{id:guid}", async (Guid id, ClaimsPrincipal user, FleetScopeProvider scopes, OperationQueries queries, CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                var details = await queries.OperationAsync(scope, id, ct);
                return details is null ? ApiResults.NotFound() : Results.Ok(OperationDto.From(details));
            })
            .RequireAuthorization(FleetPermissions.Read);

        MapChange(api, "cancel", (s, scope, id, ct) => s.CancelAsync(scope, id, ct));
        MapChange(api, "retry", (s, scope, id, ct) => s.RetryAsync(scope, id, ct));
        MapChange(api, "approve", (s, scope, id, ct) => s.ApproveAsync(scope, id, ct));

        api.MapGet("/cameras/{id:guid}/backups", async (Guid id, ClaimsPrincipal user, FleetScopeProvider scopes, OperationQueries queries, CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                var backups = await queries.BackupsAsync(scope, id, ct);
                return backups is null ? ApiResults.NotFound() : Results.Ok(backups.Select(BackupDto.From).ToList());
            })
            .RequireAuthorization(FleetPermissions.Read);

        // Tenant administrators hold ManageSites; the query narrows it to administrators of the backup's own tenant.
        api.MapGet("/backups/{id:guid}/export", async (Guid id, ClaimsPrincipal user, FleetScopeProvider scopes, OperationQueries queries,
                HttpResponse response, CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                var (result, export) = await queries.ExportAsync(scope, id, ct);
                if (!result.Succeeded) return ApiResults.From(result, _ => Results.Ok());
                // A device's configuration (encrypted by the device, but still its configuration): never cached, never sniffed.
                response.Headers.CacheControl = "no-store";
                response.Headers.XContentTypeOptions = "nosniff";
                response.Headers["X-Content-SHA256"] = export!.Sha256;
                return Results.File(export.Content, "application/octet-stream", export.FileName);
            })
            .RequireAuthorization(FleetPermissions.ManageSites);

        return api;
    }

    private static void MapChange(RouteGroupBuilder api, string verb, Func<OperationService, FleetScope, Guid, CancellationToken, Task<ServiceResult>> change) =>
        api.MapPost($"/operations/{{id:guid}}/{verb}", async (Guid id, ClaimsPrincipal user, FleetScopeProvider scopes, OperationService operations,
                OperationQueries queries, CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                var result = await change(operations, scope, id, ct);
                return await ApiResults.FromAsync(result, async operationId =>
                    await queries.OperationAsync(scope, operationId, ct) is { } details ? Results.Ok(OperationDto.From(details)) : ApiResults.NotFound());
            })
            .RequireAuthorization(FleetPermissions.Operate);
}

/// <summary>Start request: what to do and why; a reset also needs its mode and the typed serial number.</summary>
/// <param name="Kind">reboot, factoryReset (or factory-reset) or backup.</param>
/// <param name="Mode">Factory reset: basic or full.</param>
/// <param name="RequestKey">Idempotency key: the same key (per user) returns the same operation.</param>
/// <param name="ImageId">Firmware upgrade: the library image.</param>
/// <param name="Rollout">Firmware upgrade of many cameras: canary size, wave size and soak minutes (defaults 1, 10, 10).</param>
/// <param name="OffSeconds">Power-cycle: how long the PoE port stays off (default 30 s).</param>
public sealed record OperationRequestDto(string? Kind, string? Reason, string? Mode, bool BackupOverride, string? Confirmation, string? RequestKey,
    Guid? ImageId = null, RolloutPlan? Rollout = null, int? OffSeconds = null)
{
    internal bool TryBuild(out OperationRequest request, out Dictionary<string, string[]> errors)
    {
        errors = [];
        request = null!;
        var kindText = Kind?.Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal).Trim();
        if (!Enum.TryParse<OperationKind>(kindText, ignoreCase: true, out var kind) || int.TryParse(kindText, out _) || !Enum.IsDefined(kind))
        {
            errors["kind"] = ["Say what to do: reboot, powerCycle, factoryReset, backup, passwordRotation or firmwareUpgrade."];
        }

        FactoryResetMode? mode = null;
        if (!string.IsNullOrWhiteSpace(Mode))
        {
            if (Enum.TryParse<FactoryResetMode>(Mode.Trim(), ignoreCase: true, out var m) && !int.TryParse(Mode, out _) && Enum.IsDefined(m)) mode = m;
            else errors["mode"] = ["A factory reset is basic or full."];
        }

        if (Rollout?.Problem() is { } rolloutProblem) errors["rollout"] = [rolloutProblem];
        if (OffSeconds is not null && kind != OperationKind.PowerCycle) errors["offSeconds"] = ["Only a power-cycle has an off time."];
        if (errors.Count > 0) return false;
        request = new OperationRequest(kind, Reason, mode, BackupOverride, Confirmation, string.IsNullOrWhiteSpace(RequestKey) ? null : RequestKey.Trim(),
            ImageId, Rollout, OffSeconds);
        return true;
    }
}

/// <summary>Bulk start: the same request for many cameras (resets go one camera at a time; firmware goes as a staged rollout).</summary>
public sealed record BulkOperationRequestDto(IReadOnlyList<Guid>? CameraIds, string? Kind, string? Reason, string? Mode, bool BackupOverride,
    string? Confirmation, string? RequestKey, Guid? ImageId = null, RolloutPlan? Rollout = null, int? OffSeconds = null)
{
    internal bool TryBuild(out OperationRequest request, out Dictionary<string, string[]> errors) =>
        new OperationRequestDto(Kind, Reason, Mode, BackupOverride, Confirmation, RequestKey, ImageId, Rollout, OffSeconds).TryBuild(out request, out errors);
}

public sealed record BulkItemDto(Guid CameraId, string Result, Guid? OperationId, string Message);

public sealed record BulkResultDto(Guid? BatchId, int Started, int Refused, IReadOnlyList<BulkItemDto> Items);

/// <summary>Query string of <c>GET /operations</c>.</summary>
public sealed class OperationListParameters
{
    /// <summary>running, queued, awaiting-approval (or waiting-approval), failed or finished.</summary>
    public string? State { get; init; }
    public string? Kind { get; init; }
    public Guid? SiteId { get; init; }
    public Guid? CameraId { get; init; }
    public Guid? BatchId { get; init; }
    /// <summary>One-based.</summary>
    public int? Page { get; init; }
    public int? PageSize { get; init; }

    internal bool TryBuild(out OperationListQuery query, out Dictionary<string, string[]> errors)
    {
        errors = [];
        OperationStateGroup? group = null;
        OperationKind? kind = null;
        if (!string.IsNullOrWhiteSpace(State))
        {
            var text = State.Replace("-", "", StringComparison.Ordinal).Trim();
            if (text.Equals("waitingapproval", StringComparison.OrdinalIgnoreCase)) text = nameof(OperationStateGroup.AwaitingApproval);
            if (Enum.TryParse<OperationStateGroup>(text, true, out var g) && !int.TryParse(text, out _) && Enum.IsDefined(g)) group = g;
            else errors["state"] = ["One of running, queued, awaitingApproval, failed, finished."];
        }

        if (!string.IsNullOrWhiteSpace(Kind))
        {
            var text = Kind.Replace("-", "", StringComparison.Ordinal).Trim();
            if (Enum.TryParse<OperationKind>(text, true, out var k) && !int.TryParse(text, out _) && Enum.IsDefined(k)) kind = k;
            else errors["kind"] = [$"One of {string.Join(", ", Enum.GetNames<OperationKind>())}."];
        }

        if (Page is < 1) errors["page"] = ["Pages start at 1."];
        if (PageSize is < 1 or > OperationListQuery.MaxPageSize) errors["pageSize"] = [$"Between 1 and {OperationListQuery.MaxPageSize}."];
        query = new OperationListQuery
        {
            Group = group, Kind = kind, SiteId = SiteId, CameraId = CameraId, BatchId = BatchId, Page = (Page ?? 1) - 1, PageSize = PageSize ?? 50,
        };
        return errors.Count == 0;
    }
}

public sealed record OperationSummaryDto(Guid Id, string Kind, string State, string StateGroup, Guid TenantId, Guid SiteId, string SiteName, Guid CameraId,
    string CameraName, string CameraSerial, string RequestedBy, string Reason, Guid? BatchId, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt, int CurrentStep, int StepCount, string? CurrentStepTitle, string? CurrentStepDetail, string? Summary, bool CancelRequested)
{
    public static OperationSummaryDto From(OperationListItem o) => new(o.Id, o.Kind.ToString(), o.State.ToString(), OperationQueries.GroupOf(o.State).ToString(),
        o.TenantId, o.SiteId, o.SiteName, o.CameraId, o.CameraName, o.CameraSerial, o.RequestedBy, o.Reason, o.BatchId, o.CreatedAt, o.StartedAt,
        o.FinishedAt, o.CurrentStep, o.StepCount, o.CurrentStepTitle, o.CurrentStepDetail, o.Summary, o.CancelRequested);
}

public sealed record OperationStepDto(int Index, string Name, string Title, string State, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt,
    DateTimeOffset? Deadline, int Attempts, string? Detail);

public sealed record SettingsDifferenceDto(string Field, string? Before, string? After);

/// <summary>One operation with its steps; <c>Drift</c> is null when nothing was compared, empty when every setting matched.</summary>
public sealed record OperationDto(OperationSummaryDto Operation, string? ResetMode, bool BackupOverride, string? ApprovedBy, DateTimeOffset? ApprovedAt,
    IReadOnlyList<OperationStepDto> Steps, IReadOnlyList<SettingsDifferenceDto>? Drift)
{
    public Guid Id => Operation.Id;

    public static OperationDto From(OperationDetails d) => new(OperationSummaryDto.From(d.Operation), d.ResetMode?.ToString(), d.BackupOverride,
        d.ApprovedBy, d.ApprovedAt,
        d.Steps.Select(s => new OperationStepDto(s.Index, s.Name, s.Title, s.State.ToString(), s.StartedAt, s.FinishedAt, s.Deadline, s.Attempts, s.Detail)).ToList(),
        d.Drift?.Select(x => new SettingsDifferenceDto(x.Field, x.Before, x.After)).ToList());
}

public sealed record BackupDto(Guid Id, Guid CameraId, int Number, DateTimeOffset CreatedAt, string Trigger, string CreatedBy, Guid? OperationId, string? Model,
    string? FirmwareVersion, string? FirmwareBuild, int? ExportBytes, string? ExportSha256, int SnapshotLength, string SnapshotSha256)
{
    public static BackupDto From(BackupListItem b) => new(b.Id, b.CameraId, b.Number, b.CreatedAt, b.Trigger, b.CreatedBy, b.OperationId, b.Model,
        b.FirmwareVersion, b.FirmwareBuild, b.ExportBytes, b.ExportSha256, b.SnapshotLength, b.SnapshotSha256);
}
