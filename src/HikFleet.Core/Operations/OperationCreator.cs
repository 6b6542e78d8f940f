using HikFleet.Core.Audit;
using HikFleet.Core.Common;
using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Devices;
using HikFleet.Core.Security;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace HikFleet.Core.Operations;

/// <summary>
/// The one place operations are created (people through <see cref="OperationService"/>, profile pushes, scheduled backups,
/// discovery's reprovisioning): the row with its steps and its audit entry in one transaction, a repeated request key answered with
/// the operation it already created, the one-active-per-camera refusal (audited), then the runner is queued.
/// </summary>
public sealed class OperationCreator(IEnumerable<IOperationWorkflow> workflows, IOperationScheduler scheduler, AuditLog audit, FleetChangeFeed changes,
    TimeProvider time)
{
    private readonly Dictionary<OperationKind, IOperationWorkflow> _workflows = workflows.ToDictionary(w => w.Kind);

    /// <summary>What to create (camera and site already checked by the caller, the camera managed and addressed).</summary>
    /// <param name="State">Queued (runs at once) or AwaitingApproval (nothing is sent before a person approves).</param>
    /// <param name="RequestKey">The client's idempotency key (a double click sends the same one).</param>
    /// <param name="Wave">Staged rollouts: the camera's wave (0 = canary).</param>
    public sealed record Request(OperationKind Kind, Camera Camera, Site Site, string Reason, OperationParameters Parameters, Guid? BatchId = null,
        OperationState State = OperationState.Queued, string? RequestKey = null, int? Wave = null);

    /// <summary>Inserts and queues one operation. <paramref name="actor"/> overrides the scope's (jobs).</summary>
    public async Task<ServiceResult> CreateAsync(FleetDbContext db, FleetScope scope, Request request, CancellationToken ct, AuditActor? actor = null,
        string? requesterId = null, string? requesterName = null)
    {
        var op = new Operation
        {
            Kind = request.Kind, TenantId = request.Site.TenantId, SiteId = request.Site.Id, CameraId = request.Camera.Id, Reason = request.Reason,
            RequestedById = requesterId ?? scope.UserId?.ToString("D") ?? "system", RequestedByName = requesterName ?? scope.UserName ?? "system",
            Parameters = request.Parameters.ToJson(), CreatedAt = time.GetUtcNow(), State = request.State, BatchId = request.BatchId,
            RequestKey = request.RequestKey, Wave = request.Wave,
        };
        op.Steps = _workflows[request.Kind].Steps(request.Parameters).Select((d, i) => new OperationStep { Index = i, Name = d.Name, Title = d.Title })
            .ToList();
        var action = OperationAudit.Action(request.Kind, "request");
        var record = new AuditRecord
        {
            Actor = actor ?? scope.ToAuditActor(),
            Action = action,
            Result = AuditResult.Succeeded,
            TenantId = op.TenantId, SiteId = op.SiteId, CameraId = op.CameraId,
            Reason = op.Reason,
            CorrelationId = op.Id.ToString("D"),
            Parameters = new
            {
                operation = op.Id, kind = op.Kind.ToString(), mode = request.Parameters.ResetMode?.ToString(), backupOverride = request.Parameters.BackupOverride,
                profile = request.Parameters.ProfileId, image = request.Parameters.FirmwareImageId, wave = op.Wave, batch = op.BatchId, state = op.State.ToString(), steps = op.Steps.Select(s => s.Name),
            },
        };
        try
        {
            await db.Database.CreateExecutionStrategy().ExecuteAsync(async token =>
            {
                await using var tx = await db.Database.BeginTransactionAsync(token);
                db.Operations.Add(op);
                await audit.AppendInTransactionAsync(db, record, token);
                await tx.CommitAsync(token);
            }, ct);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            db.ChangeTracker.Clear();
            // A double click: whichever unique index fired first, the twin request with the same key is what the caller wants.
            if (op.RequestKey is not null && await db.Operations.AsNoTracking()
                    .Where(o => o.RequestedById == op.RequestedById && o.RequestKey == op.RequestKey).Select(o => (Guid?)o.Id).FirstOrDefaultAsync(ct) is { } same)
            {
                return ServiceResult.Ok(same);
            }

            var active = await db.Operations.AsNoTracking()
                .Where(OperationStates.Active).Where(o => o.CameraId == op.CameraId)
                .Select(o => new { o.Kind, o.State, o.RequestedByName }).FirstOrDefaultAsync(ct);
            var refusal = ServiceResult.Conflict("camera", active is null
                ? "The camera has another active operation."
                : $"The camera already has an active {active.Kind} ({active.State}, asked by {active.RequestedByName}); one operation per camera at a time.");
            await audit.AppendAsync(record with { Result = AuditResult.Refused, ResultDetail = refusal.Message, CorrelationId = null }, ct);
            return refusal;
        }

        if (op.State == OperationState.Queued) scheduler.Enqueue(op.Id);
        changes.Publish(new FleetChange(FleetChangeKinds.Operation, op.TenantId, op.SiteId, op.CameraId));
        return ServiceResult.Ok(op.Id);
    }
}
