using HikFleet.Core.Common;
using HikFleet.Core.Security;

namespace HikFleet.Core.Audit;

/// <summary>Records what a person (or job) did through a Core service, with the outcome the caller saw.</summary>
public static class AuditScopeExtensions
{
    public static AuditActor ToAuditActor(this FleetScope scope) =>
        scope.UserId is { } id ? AuditActor.User(id, scope.UserName ?? "") : AuditActor.System(scope.UserName ?? "system");

    /// <summary>Appends an entry for a service call: refusals and failures are recorded too, not only successes.</summary>
    public static Task<AuditEntry> RecordAsync(this AuditLog log, FleetScope scope, string action, ServiceResult result,
        Guid? tenantId = null, Guid? siteId = null, Guid? cameraId = null, object? parameters = null, CancellationToken cancellationToken = default) =>
        log.AppendAsync(ToRecord(scope, action, result, tenantId, siteId, cameraId, parameters), cancellationToken);

    /// <summary>As <see cref="RecordAsync"/>, inside the caller's open transaction: the change and its entry commit together.</summary>
    public static Task<AuditEntry> RecordInTransactionAsync(this AuditLog log, Data.FleetDbContext db, FleetScope scope, string action,
        ServiceResult result, Guid? tenantId = null, Guid? siteId = null, Guid? cameraId = null, object? parameters = null,
        CancellationToken cancellationToken = default) =>
        log.AppendInTransactionAsync(db, ToRecord(scope, action, result, tenantId, siteId, cameraId, parameters), cancellationToken);

    private static AuditRecord ToRecord(FleetScope scope, string action, ServiceResult result, Guid? tenantId, Guid? siteId, Guid? cameraId,
        object? parameters) =>
        new AuditRecord
        {
            Actor = scope.ToAuditActor(),
            Action = action,
            Result = result.Kind switch
            {
                ResultKind.Ok => AuditResult.Succeeded,
                ResultKind.Forbidden or ResultKind.NotFound => AuditResult.Refused,
                _ => AuditResult.Failed,
            },
            ResultDetail = result.Succeeded ? null : result.Message,
            TenantId = tenantId,
            SiteId = siteId ?? (action.StartsWith("site.", StringComparison.Ordinal) ? result.Id : null),
            CameraId = cameraId,
            Parameters = parameters,
        };
}
