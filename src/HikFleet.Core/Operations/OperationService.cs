using HikFleet.Core.Audit;
using HikFleet.Core.Common;
using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Devices;
using HikFleet.Core.Security;
using HikFleet.Isapi;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace HikFleet.Core.Operations;

/// <summary>What a person (or the API) asks for.</summary>
/// <param name="Kind">Reboot, FactoryReset, Backup or PasswordRotation (Reprovision comes from discovery, ApplyProfile from profiles).</param>
/// <param name="Reason">Why; required.</param>
/// <param name="ResetMode">Factory reset: basic or full.</param>
/// <param name="BackupOverride">Factory reset without a backup: administrators only, audited.</param>
/// <param name="Confirmation">Factory reset: the camera's serial number, typed.</param>
/// <param name="RequestKey">Idempotency key from the client: the same key returns the same operation (a double click starts one).</param>
/// <param name="FirmwareImageId">Firmware upgrade: the library image.</param>
/// <param name="Rollout">Firmware upgrade of many cameras: canary, wave size and soak time (defaults when null).</param>
/// <param name="OffSeconds">Power-cycle: how long the port stays off (default <see cref="Poe.PoeOptions.DefaultOffTime"/>).</param>
public sealed record OperationRequest(OperationKind Kind, string? Reason, FactoryResetMode? ResetMode = null, bool BackupOverride = false,
    string? Confirmation = null, string? RequestKey = null, Guid? FirmwareImageId = null, RolloutPlan? Rollout = null, int? OffSeconds = null);

/// <summary>One camera's outcome in a bulk request.</summary>
public sealed record BulkItemResult(Guid CameraId, ResultKind Kind, Guid? OperationId, string Message);

/// <summary>A bulk request's outcome: the batch and each camera's result.</summary>
public sealed record BulkResult(Guid? BatchId, IReadOnlyList<BulkItemResult> Items, string? Error = null)
{
    public int Started => Items.Count(i => i.Kind == ResultKind.Ok);
}

/// <summary>Starts, cancels, retries and approves device operations; every guard rail is checked here, server side, and audited.</summary>
public sealed class OperationService(
    IDbContextFactory<FleetDbContext> contexts,
    OperationCreator creator,
    IOperationScheduler scheduler,
    AuditLog audit,
    FleetChangeFeed changes,
    IOptions<OperationOptions> options,
    IOptions<Poe.PoeOptions> poeOptions,
    TimeProvider time)
{
    public const int MaxReasonLength = 1000;
    private OperationOptions Options => options.Value;

    /// <summary>Starts one operation on one camera.</summary>
    public async Task<ServiceResult> StartAsync(FleetScope scope, Guid cameraId, OperationRequest request, CancellationToken cancellationToken = default)
    {
        var result = await StartCoreAsync(scope, cameraId, request, null, null, cancellationToken);
        return result;
    }

    /// <summary>
    /// Starts the same operation on many cameras as one batch: staggered per site (the site's bulk concurrency), halted when one fails
    /// or the site's health drops. Each camera gets its own result; one refused camera does not stop the others.
    /// </summary>
    public async Task<BulkResult> StartBulkAsync(FleetScope scope, IReadOnlyCollection<Guid> cameraIds, OperationRequest request,
        CancellationToken cancellationToken = default)
    {
        var ids = cameraIds.Distinct().ToList();
        if (ids.Count == 0) return new BulkResult(null, [], "Choose at least one camera.");
        if (ids.Count > Options.MaxBulk) return new BulkResult(null, [], $"At most {Options.MaxBulk} cameras per bulk request.");
        if (request.Kind == OperationKind.FactoryReset) return new BulkResult(null, [], "Factory resets are started one camera at a time (each needs its typed confirmation).");
        // Firmware for many cameras is always a staged rollout: a canary first, then waves (issue #10).
        var plan = request.Kind == OperationKind.FirmwareUpgrade ? request.Rollout ?? new RolloutPlan() : null;
        if (plan?.Problem() is { } planProblem) return new BulkResult(null, [], planProblem);

        var batch = Guid.CreateVersion7();
        Dictionary<Guid, int> offlineBySite;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            var sites = await scope.Cameras(db).Where(c => ids.Contains(c.Id)).Select(c => c.SiteId).Distinct().ToListAsync(cancellationToken);
            offlineBySite = await db.Cameras.Where(c => sites.Contains(c.SiteId) && c.Lifecycle == CameraLifecycle.Managed && c.Health == HealthState.Offline)
                .GroupBy(c => c.SiteId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);
        }

        var items = new List<BulkItemResult>();
        foreach (var id in ids)
        {
            var key = request.RequestKey is null ? null : $"{request.RequestKey}:{id:N}"[..Math.Min(128, request.RequestKey.Length + 33)];
            // Waves are cut from the cameras actually admitted: a refused camera never leaves the canary slot empty.
            var wave = plan?.WaveOf(items.Count(i => i.Kind == ResultKind.Ok));
            var r = await StartCoreAsync(scope, id, request with { RequestKey = key, Rollout = plan }, batch, offlineBySite, cancellationToken, wave);
            items.Add(new BulkItemResult(id, r.Kind, r.Id, r.Succeeded ? wave is { } w ? (w == 0 ? "Queued (canary)." : $"Queued (wave {w}).") : "Queued." : r.Message));
        }

        return new BulkResult(batch, items);
    }

    private async Task<ServiceResult> StartCoreAsync(FleetScope scope, Guid cameraId, OperationRequest request, Guid? batch,
        IReadOnlyDictionary<Guid, int>? offlineBySite, CancellationToken ct, int? wave = null)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var camera = await scope.Cameras(db).Include(c => c.Site).AsNoTracking().SingleOrDefaultAsync(c => c.Id == cameraId, ct);
        if (camera is null) return ServiceResult.NotFound("The camera does not exist.");
        var site = camera.Site!;
        var action = OperationAudit.Action(request.Kind, "request");

        async Task<ServiceResult> Refuse(ServiceResult refusal)
        {
            await audit.RecordAsync(scope, action, refusal, site.TenantId, site.Id, camera.Id,
                new { kind = request.Kind.ToString(), mode = request.ResetMode?.ToString(), backupOverride = request.BackupOverride, refused = refusal.Message },
                ct);
            return refusal;
        }

        if (!scope.Can(FleetPermissions.Operate, site.TenantId, site.Id)) return await Refuse(ServiceResult.Forbidden("Your role may not operate cameras."));
        if (request.Kind is not (OperationKind.Reboot or OperationKind.FactoryReset or OperationKind.Backup or OperationKind.PasswordRotation
            or OperationKind.FirmwareUpgrade or OperationKind.PowerCycle))
        {
            return ServiceResult.Invalid("kind", "Only reboot, factory reset, backup, password rotation, firmware upgrade and power-cycle can be requested here.");
        }

        var reason = request.Reason?.Trim();
        if (string.IsNullOrEmpty(reason)) return ServiceResult.Invalid("reason", "Say why (the reason goes into the audit trail).");
        if (reason.Length > MaxReasonLength) return ServiceResult.Invalid("reason", $"A reason has at most {MaxReasonLength} characters.");
        if (request.RequestKey is { Length: > 128 }) return ServiceResult.Invalid("requestKey", "A request key has at most 128 characters.");

        if (request.RequestKey is { } requestKey)
        {
            var requester = RequesterId(scope);
            var same = await db.Operations.AsNoTracking().Where(o => o.RequestedById == requester && o.RequestKey == requestKey)
                .Select(o => (Guid?)o.Id).FirstOrDefaultAsync(ct);
            if (same is { } existing) return ServiceResult.Ok(existing);
        }

        if (camera.Lifecycle != CameraLifecycle.Managed) return await Refuse(ServiceResult.Conflict("camera", $"The camera is {camera.Lifecycle}; only managed cameras are operated."));
        if (camera.Address is null) return await Refuse(ServiceResult.Conflict("camera", "The camera has no address."));

        if (request.Kind == OperationKind.FactoryReset)
        {
            if (request.ResetMode is null) return ServiceResult.Invalid("mode", "Choose basic (keeps network and users) or full (back to factory state).");
            if (!string.Equals(request.Confirmation?.Trim(), camera.SerialNumber, StringComparison.OrdinalIgnoreCase))
            {
                return ServiceResult.Invalid("confirmation", "Type the camera's serial number to confirm the factory reset.");
            }

            if (request.BackupOverride && !(scope.Can(FleetPermissions.Administer) || scope.Can(FleetPermissions.ManageSites, site.TenantId)))
            {
                return await Refuse(ServiceResult.Forbidden("Only an administrator may reset a camera without a backup."));
            }
        }

        if (request.Kind == OperationKind.FirmwareUpgrade)
        {
            var image = request.FirmwareImageId is { } imageId
                ? await db.FirmwareImages.AsNoTracking().SingleOrDefaultAsync(i => i.Id == imageId && i.TenantId == site.TenantId, ct)
                : null;
            if (image is null) return ServiceResult.Invalid("image", "Choose a firmware image from this tenant's library.");
            // The wrong image is refused here, before an operation exists, and again by the device check before the upload.
            if (Firmware.FirmwareLibrary.Incompatibility(image, camera.Model) is { } wrong) return await Refuse(ServiceResult.Conflict("image", wrong));
        }

        PoePortRef? poePort = null;
        int? offSeconds = null;
        if (request.Kind == OperationKind.PowerCycle)
        {
            var poe = poeOptions.Value;
            offSeconds = request.OffSeconds ?? (int)poe.DefaultOffTime.TotalSeconds;
            if (offSeconds < poe.MinOffTime.TotalSeconds || offSeconds > poe.MaxOffTime.TotalSeconds)
            {
                return ServiceResult.Invalid("offSeconds", $"The port stays off {poe.MinOffTime.TotalSeconds:0} to {poe.MaxOffTime.TotalSeconds:0} seconds.");
            }

            var mapping = await db.PoePortMappings.AsNoTracking().Include(m => m.Switch).ThenInclude(w => w!.Ports)
                .SingleOrDefaultAsync(m => m.CameraId == camera.Id, ct);
            if (mapping is null) return await Refuse(ServiceResult.Conflict("port", Poe.CameraPoeView.NoPortKnown));
            if (!mapping.Confirmed) return await Refuse(ServiceResult.Conflict("port", $"Confirm the camera's port ({mapping.Switch!.Name} port {mapping.Port}) before power-cycling it."));
            if (mapping.Conflict is { } conflict) return await Refuse(ServiceResult.Conflict("port", $"The mapping is in doubt: {conflict} Check and set the port again."));
            var port = mapping.Switch!.Ports.SingleOrDefault(p => p.Group == mapping.Group && p.Port == mapping.Port);
            if (port?.IsUplink == true)
            {
                return await Refuse(ServiceResult.Conflict("port", $"Port {mapping.Port} of {mapping.Switch.Name} carries {port.Macs.Count} devices (an uplink): it is never power-cycled."));
            }

            poePort = new PoePortRef(mapping.SwitchId, mapping.Group, mapping.Port);
            var hourAgoPoe = time.GetUtcNow().AddHours(-1);
            var cycles = await db.Operations.AsNoTracking()
                .Where(o => o.CameraId == camera.Id && o.Kind == OperationKind.PowerCycle && o.CreatedAt > hourAgoPoe && o.State != OperationState.Cancelled)
                .OrderBy(o => o.CreatedAt).Select(o => o.CreatedAt).ToListAsync(ct);
            if (cycles.Count >= poe.MaxPowerCyclesPerHour)
            {
                var next = cycles[cycles.Count - poe.MaxPowerCyclesPerHour].AddHours(1);
                return await Refuse(ServiceResult.Conflict("rate",
                    $"This camera's port was power-cycled {cycles.Count} times in the last hour; at most {poe.MaxPowerCyclesPerHour} per rolling hour. " +
                    $"The next one is possible after {next:HH:mm} UTC."));
            }
        }

        var now = time.GetUtcNow();
        if (request.Kind is OperationKind.Reboot or OperationKind.FactoryReset or OperationKind.PowerCycle)
        {
            var hourAgo = now.AddHours(-1);
            var recent = await db.Operations.AsNoTracking()
                .Where(o => o.CameraId == camera.Id && (o.Kind == OperationKind.Reboot || o.Kind == OperationKind.FactoryReset || o.Kind == OperationKind.PowerCycle)
                            && o.CreatedAt > hourAgo && o.State != OperationState.Cancelled)
                .OrderBy(o => o.CreatedAt).Select(o => o.CreatedAt).ToListAsync(ct);
            if (recent.Count >= Options.MaxRebootsPerHour)
            {
                var next = recent[recent.Count - Options.MaxRebootsPerHour].AddHours(1);
                return await Refuse(ServiceResult.Conflict("rate",
                    $"This camera was restarted {recent.Count} times in the last hour; at most {Options.MaxRebootsPerHour} per rolling hour. " +
                    $"The next one is possible after {next:HH:mm} UTC."));
            }
        }

        var parameters = new OperationParameters
        {
            ResetMode = request.ResetMode,
            BackupOverride = request.BackupOverride,
            SiteOfflineAtStart = batch is null ? null : offlineBySite?.GetValueOrDefault(site.Id) ?? 0,
            FirmwareImageId = request.Kind == OperationKind.FirmwareUpgrade ? request.FirmwareImageId : null,
            Rollout = wave is null ? null : request.Rollout,
            HealthAtStart = wave is null ? null : camera.Health,
            PoePort = poePort,
            OffSeconds = offSeconds,
        };
        return await creator.CreateAsync(db, scope, new OperationCreator.Request(request.Kind, camera, site, reason, parameters, batch,
            RequestKey: request.RequestKey, Wave: wave), ct);
    }

    /// <summary>
    /// Discovery found a known camera factory-reset: queue its reprovisioning (the site's policy says automatically) or park it for
    /// approval. Nothing happens when the camera already has an active operation (e.g. the reset HikFleet itself is running).
    /// </summary>
    public async Task<Guid?> RequestReprovisionAsync(Guid cameraId, string trigger, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var camera = await db.Cameras.Include(c => c.Site).AsNoTracking().SingleOrDefaultAsync(c => c.Id == cameraId, cancellationToken);
        if (camera is null || camera.Lifecycle != CameraLifecycle.Managed) return null;
        if (await db.Operations.Where(OperationStates.Active).AnyAsync(o => o.CameraId == cameraId, cancellationToken))
        {
            return null;
        }

        var automatic = camera.Site!.ReprovisionPolicy == ReprovisionPolicy.Automatic;
        var created = await creator.CreateAsync(db, FleetScope.System, new OperationCreator.Request(OperationKind.Reprovision, camera, camera.Site, trigger,
                new OperationParameters(), State: automatic ? OperationState.Queued : OperationState.AwaitingApproval),
            cancellationToken, AuditActor.Job("discovery", "Discovery"), "job:discovery", "Discovery");
        return created.Succeeded ? created.Id : null;
    }

    /// <summary>Approves an operation waiting for approval (reprovisioning under the AfterApproval policy).</summary>
    public Task<ServiceResult> ApproveAsync(FleetScope scope, Guid operationId, CancellationToken cancellationToken = default) =>
        ChangeAsync(scope, operationId, "approve", cancellationToken, op =>
        {
            if (op.State != OperationState.AwaitingApproval) return "Only an operation waiting for approval can be approved.";
            op.State = OperationState.Queued;
            op.ApprovedByName = scope.UserName ?? "system";
            op.ApprovedAt = time.GetUtcNow();
            return null;
        }, enqueue: true);

    /// <summary>
    /// Cancels: a queued or waiting operation stops at once, a running one at its next step boundary (a command already sent to the
    /// camera is not torn down). A reset cancelled half-way leaves the camera reset: discovery will report it.
    /// </summary>
    public Task<ServiceResult> CancelAsync(FleetScope scope, Guid operationId, CancellationToken cancellationToken = default) =>
        ChangeAsync(scope, operationId, "cancel", cancellationToken, op =>
        {
            if (!op.IsActive) return "The operation is over already.";
            if (op.Kind == OperationKind.PowerCycle && op.CurrentStep < op.Steps.Count
                && PowerCycleWorkflow.PortOffSteps.Contains(op.Steps.Single(s => s.Index == op.CurrentStep).Name))
            {
                return "The camera's port is being switched off or is off: HikFleet switches it back on first. Cancel is possible after that.";
            }
            var now = time.GetUtcNow();
            if (op.State == OperationState.Running)
            {
                op.CancelRequested = true;
                return null;
            }

            // Queued or waiting: cancelled now. A runner that is just picking it up finds the row changed (xmin) and stops.

            op.State = OperationState.Cancelled;
            op.FinishedAt = now;
            op.Summary = $"Cancelled by {scope.UserName ?? "system"}.";
            foreach (var s in op.Steps.Where(s => s.State is OperationStepState.Pending or OperationStepState.Waiting or OperationStepState.Running))
            {
                s.State = OperationStepState.Skipped;
                s.Detail = "Not run: cancelled.";
            }

            return null;
        }, enqueue: false);

    /// <summary>Retries a failed operation from the step that failed (its earlier steps stay done).</summary>
    public Task<ServiceResult> RetryAsync(FleetScope scope, Guid operationId, CancellationToken cancellationToken = default) =>
        ChangeAsync(scope, operationId, "retry", cancellationToken, op =>
        {
            if (op.State != OperationState.Failed) return "Only a failed operation can be retried.";
            op.State = OperationState.Queued;
            op.FinishedAt = null;
            op.Summary = $"Retried by {scope.UserName ?? "system"} from step {op.CurrentStep + 1}.";
            foreach (var s in op.Steps.Where(s => s.Index >= op.CurrentStep))
            {
                s.State = OperationStepState.Pending;
                s.FinishedAt = null;
                s.Deadline = null;
            }

            return null;
        }, enqueue: true);

    private async Task<ServiceResult> ChangeAsync(FleetScope scope, Guid operationId, string verb, CancellationToken ct, Func<Operation, string?> change,
        bool enqueue)
    {
        // The runner touches the row too (its lease, its state): a change that lost that race is applied again on a fresh row.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await ChangeOnceAsync(scope, operationId, verb, ct, change, enqueue);
            }
            catch (DbUpdateConcurrencyException) when (attempt < 3)
            {
            }
            catch (DbUpdateConcurrencyException)
            {
                return ServiceResult.Conflict("state", "The operation changed meanwhile; look again.");
            }
        }
    }

    private async Task<ServiceResult> ChangeOnceAsync(FleetScope scope, Guid operationId, string verb, CancellationToken ct, Func<Operation, string?> change,
        bool enqueue)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var visible = scope.Cameras(db).Select(c => c.Id);
        var op = await db.Operations.Include(o => o.Steps).SingleOrDefaultAsync(o => o.Id == operationId && visible.Contains(o.CameraId), ct);
        if (op is null) return ServiceResult.NotFound("The operation does not exist.");
        var action = OperationAudit.Action(op.Kind, verb);
        if (!scope.Can(FleetPermissions.Operate, op.TenantId, op.SiteId))
        {
            var refused = ServiceResult.Forbidden("Your role may not operate cameras.");
            await audit.RecordAsync(scope, action, refused, op.TenantId, op.SiteId, op.CameraId, new { operation = op.Id }, ct);
            return refused;
        }

        if (change(op) is { } problem) return ServiceResult.Conflict("state", problem);
        var result = ServiceResult.Ok(op.Id);
        try
        {
            await db.Database.CreateExecutionStrategy().ExecuteAsync(async token =>
            {
                await using var tx = await db.Database.BeginTransactionAsync(token);
                await audit.AppendInTransactionAsync(db, Record(scope, action, AuditResult.Succeeded, null, op, new { operation = op.Id, state = op.State.ToString() }), token);
                await tx.CommitAsync(token);
            }, ct);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return ServiceResult.Conflict("camera", "The camera has another active operation now.");
        }

        if (enqueue) scheduler.Enqueue(op.Id);
        changes.Publish(new FleetChange(FleetChangeKinds.Operation, op.TenantId, op.SiteId, op.CameraId));
        return result;
    }

    private static AuditRecord Record(FleetScope scope, string action, AuditResult result, string? detail, Operation op, object parameters) => new()
    {
        Actor = scope.ToAuditActor(),
        Action = action,
        Result = result,
        ResultDetail = detail,
        TenantId = op.TenantId, SiteId = op.SiteId, CameraId = op.CameraId,
        Reason = op.Reason,
        CorrelationId = op.Id.ToString("D"),
        Parameters = parameters,
    };

    private static string RequesterId(FleetScope scope) => scope.UserId?.ToString("D") ?? "system";
}
