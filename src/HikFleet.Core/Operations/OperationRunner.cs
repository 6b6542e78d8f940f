using System.Diagnostics;
using HikFleet.Core.Audit;
using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Devices;
using HikFleet.Isapi;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HikFleet.Core.Operations;

/// <summary>
/// Advances one operation: takes its lease, runs its current step, persists the result (with the step's audit entry, in one
/// transaction), and goes on with the next step, or reschedules itself when a step waits. A crash anywhere leaves the operation at a
/// persisted step whose lease expires; the watchdog (or the next start) resumes it there. Steps are idempotent, so a step that acted
/// on the device but whose result was not saved is run again safely.
/// </summary>
public sealed class OperationRunner(
    IDbContextFactory<FleetDbContext> contexts,
    IEnumerable<IOperationWorkflow> workflows,
    IOperationScheduler scheduler,
    AuditLog audit,
    FleetChangeFeed changes,
    IOptions<OperationOptions> options,
    TimeProvider time,
    ILogger<OperationRunner> logger)
{
    private static readonly string ProcessTag = Truncate($"{Environment.MachineName}/{Environment.ProcessId}", 90);
    private readonly Dictionary<OperationKind, IOperationWorkflow> _workflows = workflows.ToDictionary(w => w.Kind);
    private OperationOptions Options => options.Value;

    /// <summary>Runs the operation until it finishes, waits or fails. Returns quietly when another runner holds it or it is over.</summary>
    public async Task RunAsync(Guid operationId, CancellationToken cancellationToken)
    {
        // One lease per run, not per process: two jobs for the same operation in one process (a watchdog duplicate) exclude each other too.
        var runner = $"{ProcessTag}/{Guid.NewGuid():N}";
        if (!await TryLeaseAsync(operationId, runner, cancellationToken)) return;
        var rerun = false;
        // When to look again (a deferred start, a waiting step): scheduled only after the lease is released below. Scheduled
        // while this run still held it, the next job could start first, fail to take the lease and end quietly, and the
        // operation stood still until the watchdog (a loaded CI machine showed it: a bulk run's camera queued for 90 s).
        var next = new FollowUp();
        try
        {
            while (await RunOneStepAsync(operationId, runner, next, cancellationToken))
            {
            }
        }
        catch (DbUpdateConcurrencyException)
        {
            // A row changed under the step: the operation (a person cancelled it while it was queued or waiting: theirs stands, and
            // the next run finds it over) or its camera (a health check or discovery run saved it meanwhile). Either way the step's
            // result was not saved; steps are idempotent, so the operation simply runs again on fresh rows.
            logger.LogInformation("Operation {OperationId} or its camera changed while a step ran; running it again on fresh rows", operationId);
            rerun = true;
        }
        finally
        {
            await ReleaseAsync(operationId, runner);
        }

        // Queued only once the lease is released, so the next run can take it.
        if (rerun) scheduler.Schedule(operationId, Options.PollInterval);
        else if (next.After is { } after) scheduler.Schedule(operationId, after);
    }

    /// <summary>The next run a step or an admission asked for, scheduled by <see cref="RunAsync"/> after the lease is released.</summary>
    private sealed class FollowUp
    {
        public TimeSpan? After { get; set; }
    }

    private async Task<bool> TryLeaseAsync(Guid id, string runner, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var now = time.GetUtcNow();
        var taken = await db.Operations
            .Where(OperationStates.Runnable)
            .Where(o => o.Id == id && (o.LeaseUntil == null || o.LeaseUntil < now))
            .ExecuteUpdateAsync(s => s.SetProperty(o => o.LeaseOwner, runner).SetProperty(o => o.LeaseUntil, now + Options.LeaseDuration), ct);
        return taken == 1;
    }

    private async Task ReleaseAsync(Guid id, string runner)
    {
        try
        {
            await using var db = await contexts.CreateDbContextAsync();
            await db.Operations.Where(o => o.Id == id && o.LeaseOwner == runner)
                .ExecuteUpdateAsync(s => s.SetProperty(o => o.LeaseOwner, (string?)null).SetProperty(o => o.LeaseUntil, (DateTimeOffset?)null));
        }
        catch (Exception e) when (e is DbUpdateException or Npgsql.NpgsqlException or OperationCanceledException)
        {
            // The lease expires by itself.
            logger.LogWarning(e, "Could not release the lease of operation {OperationId}", id);
        }
    }

    /// <summary>One step; true when the next step should run at once.</summary>
    private async Task<bool> RunOneStepAsync(Guid id, string runner, FollowUp next, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var op = await db.Operations.Include(o => o.Steps).SingleOrDefaultAsync(o => o.Id == id, ct);
        if (op is null || !op.IsActive || op.State == OperationState.AwaitingApproval || op.LeaseOwner != runner) return false;
        var now = time.GetUtcNow();
        op.LeaseUntil = now + Options.LeaseDuration;
        op.Steps.Sort((a, b) => a.Index.CompareTo(b.Index));

        if (op.CancelRequested)
        {
            await FinishAsync(db, op, OperationState.Cancelled, "Cancelled at a step boundary.", now, ct);
            return false;
        }

        if (op.CurrentStep >= op.Steps.Count)
        {
            await FinishAsync(db, op, OperationState.Succeeded, op.Summary ?? "Done.", now, ct);
            return false;
        }

        // Gates before the first device contact (maintenance window, bulk stagger and halt), decided under a per-site lock. A deferred
        // operation of a big bulk run comes back here every poll interval: nothing else is loaded for it.
        if (op.StartedAt is null)
        {
            return await AdmitAsync(db, op.Id, next, ct);
        }

        var camera = await db.Cameras.SingleAsync(c => c.Id == op.CameraId, ct);
        var site = await db.Sites.SingleAsync(s => s.Id == op.SiteId, ct);
        var step = op.Steps[op.CurrentStep];

        var workflow = _workflows[op.Kind];
        var parameters = OperationParameters.FromJson(op.Parameters);
        var definition = workflow.Steps(parameters).FirstOrDefault(d => d.Name == step.Name)
                         ?? throw new InvalidOperationException($"Operation {op.Id}: no step '{step.Name}' in the {op.Kind} workflow.");

        if (step.State == OperationStepState.Pending)
        {
            step.StartedAt ??= now;
            step.Deadline = now + (definition.Timeout ?? Options.StepTimeout);
            op.StartedAt ??= now;
        }

        step.State = OperationStepState.Running;
        step.Attempts++;
        op.State = OperationState.Running;
        op.NextRunAt = null;
        // The attempt is persisted before the device is touched: a resumed step knows it ran before (StepContext.RanBefore).
        await db.SaveChangesAsync(ct);
        Publish(op);

        var bag = OperationBag.Parse(op.Context);
        var context = new StepContext(db, op, step, camera, site, parameters, bag, now, ct);
        StepOutcome outcome;
        try
        {
            outcome = await definition.Run(context);
        }
        catch (IsapiException e) when (e.Kind is IsapiErrorKind.Unreachable or IsapiErrorKind.Timeout or IsapiErrorKind.Busy)
        {
            outcome = new StepOutcome.Wait(Options.PollInterval, $"The camera did not answer ({e.Kind}); trying again.");
        }
        catch (Snmp.SnmpException e) when (e.Kind == Snmp.SnmpErrorKind.Timeout)
        {
            outcome = new StepOutcome.Wait(Options.PollInterval, "The PoE switch did not answer; trying again.");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Step {Step} of operation {OperationId} failed", step.Name, op.Id);
            outcome = new StepOutcome.Fail($"{step.Title} failed: {e.Message}");
        }

        if (Options.KillProcessAfterStep is { } kill && kill == step.Name)
        {
            // Crash testing (OperationOptions.KillProcessAfterStep): die after the device acted, before anything is saved.
            logger.LogWarning("Killing the process after step {Step} of operation {OperationId} (crash test)", step.Name, op.Id);
            Process.GetCurrentProcess().Kill();
        }

        now = time.GetUtcNow();
        op.Context = bag.ToJson();
        if (outcome is StepOutcome.Wait wait && now >= step.Deadline)
        {
            outcome = new StepOutcome.Fail($"{step.Title}: no result within {(definition.Timeout ?? Options.StepTimeout).TotalMinutes:0.#} min ({wait.Detail})");
        }

        switch (outcome)
        {
            case StepOutcome.Done or StepOutcome.Skipped:
                step.State = outcome is StepOutcome.Done ? OperationStepState.Succeeded : OperationStepState.Skipped;
                step.FinishedAt = now;
                step.Detail = Cut(outcome.Detail);
                op.CurrentStep++;
                if (op.CurrentStep >= op.Steps.Count)
                {
                    await FinishAsync(db, op, OperationState.Succeeded, op.Summary is { Length: > 0 } s && op.Drift is not null ? s : Cut(outcome.Detail), now, ct,
                        step);
                    return false;
                }

                await SaveWithStepAuditAsync(db, op, step, ct);
                Publish(op);
                return true;
            case StepOutcome.Wait w:
                step.State = OperationStepState.Waiting;
                step.Detail = Cut(context.Progress ?? w.Detail);
                op.State = OperationState.Waiting;
                op.NextRunAt = now + w.After;
                await db.SaveChangesAsync(ct);
                next.After = w.After;
                Publish(op);
                return false;
            default:
                step.State = OperationStepState.Failed;
                step.FinishedAt = now;
                step.Detail = Cut(outcome.Detail);
                await FinishAsync(db, op, OperationState.Failed, Cut(outcome.Detail), now, ct, step);
                return false;
        }
    }

    /// <summary>
    /// Lets an operation start, or defers/halts it, holding the site's advisory lock so that the runners of a bulk run decide one
    /// after another (otherwise all of them would see "nobody running yet" and start together). True when admitted (run on).
    /// </summary>
    private async Task<bool> AdmitAsync(FleetDbContext db, Guid id, FollowUp next, CancellationToken ct)
    {
        var verdict = await db.Database.CreateExecutionStrategy().ExecuteAsync(async token =>
        {
            db.ChangeTracker.Clear();
            await using var tx = await db.Database.BeginTransactionAsync(token);
            var op = await db.Operations.SingleAsync(o => o.Id == id, token);
            var key = SiteLockKey(op.SiteId);
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({key})", token);
            var site = await db.Sites.AsNoTracking().SingleAsync(s => s.Id == op.SiteId, token);
            var now = time.GetUtcNow();
            var gate = await OperationGates.BeforeStartAsync(db, op, site, now, Options, token);
            if (gate is null) op.StartedAt = now;
            else if (!gate.Halt)
            {
                op.State = OperationState.Queued;
                op.Summary = gate.Detail;
                op.NextRunAt = now + gate.After;
            }

            await db.SaveChangesAsync(token);
            await tx.CommitAsync(token);
            return gate;
        }, ct);

        if (verdict is null) return true;
        if (verdict.Halt)
        {
            db.ChangeTracker.Clear();
            var op = await db.Operations.Include(o => o.Steps).SingleAsync(o => o.Id == id, ct);
            await FinishAsync(db, op, OperationState.Cancelled, verdict.Detail, time.GetUtcNow(), ct);
            return false;
        }

        next.After = verdict.After;
        var deferred = await db.Operations.AsNoTracking().SingleAsync(o => o.Id == id, ct);
        Publish(deferred);
        return false;
    }

    /// <summary>The advisory lock of a site's admissions ("HFOP" + the site id's first bytes).</summary>
    private static long SiteLockKey(Guid siteId) => 0x4846_4F50_0000_0000L ^ (BitConverter.ToInt64(siteId.ToByteArray(), 8) & 0x0000_FFFF_FFFF_FFFFL);

    private async Task SaveWithStepAuditAsync(FleetDbContext db, Operation op, OperationStep step, CancellationToken ct)
    {
        await db.Database.CreateExecutionStrategy().ExecuteAsync(async token =>
        {
            await using var tx = await db.Database.BeginTransactionAsync(token);
            await audit.AppendInTransactionAsync(db, StepRecord(op, step), token);
            await tx.CommitAsync(token);
        }, ct);
    }

    private async Task FinishAsync(FleetDbContext db, Operation op, OperationState state, string? summary, DateTimeOffset now, CancellationToken ct,
        OperationStep? lastStep = null)
    {
        op.State = state;
        op.FinishedAt = now;
        op.Summary = summary;
        op.NextRunAt = null;
        op.LeaseOwner = null;
        op.LeaseUntil = null;
        foreach (var pending in op.Steps.Where(s => s.State is OperationStepState.Pending or OperationStepState.Waiting or OperationStepState.Running))
        {
            if (pending == lastStep) continue;
            pending.State = OperationStepState.Skipped;
            pending.Detail ??= state == OperationState.Cancelled ? "Not run: cancelled." : "Not run.";
        }

        await db.Database.CreateExecutionStrategy().ExecuteAsync(async token =>
        {
            await using var tx = await db.Database.BeginTransactionAsync(token);
            if (lastStep is not null) await audit.AppendInTransactionAsync(db, StepRecord(op, lastStep), token);
            await audit.AppendInTransactionAsync(db, new AuditRecord
            {
                Actor = RunnerActor(op),
                Action = OperationAudit.Action(op.Kind, "finish"),
                Result = state switch { OperationState.Succeeded => AuditResult.Succeeded, OperationState.Cancelled => AuditResult.Refused, _ => AuditResult.Failed },
                ResultDetail = summary,
                TenantId = op.TenantId, SiteId = op.SiteId, CameraId = op.CameraId,
                CorrelationId = op.Id.ToString("D"),
                Reason = op.Reason,
                Parameters = new
                {
                    operation = op.Id, kind = op.Kind.ToString(), state = state.ToString(), requestedBy = op.RequestedByName,
                    startedAt = op.StartedAt, finishedAt = now,
                    steps = op.Steps.Select(s => new { s.Name, state = s.State.ToString(), s.StartedAt, s.FinishedAt, s.Attempts }),
                    drift = op.Drift,
                },
            }, token);
            await tx.CommitAsync(token);
        }, ct);
        logger.LogInformation("Operation {OperationId} ({Kind}) of camera {CameraId} ended {State}: {Summary}", op.Id, op.Kind, op.CameraId, state, summary);
        Observability.FleetTelemetry.OperationFinished(op, state, now);
        Publish(op);
    }

    private static AuditRecord StepRecord(Operation op, OperationStep step) => new()
    {
        Actor = RunnerActor(op),
        Action = OperationAudit.Action(op.Kind, "step"),
        Result = step.State switch
        {
            OperationStepState.Succeeded or OperationStepState.Skipped => AuditResult.Succeeded,
            _ => AuditResult.Failed,
        },
        ResultDetail = step.Detail,
        TenantId = op.TenantId, SiteId = op.SiteId, CameraId = op.CameraId,
        CorrelationId = op.Id.ToString("D"),
        Parameters = new
        {
            operation = op.Id, step = step.Name, index = step.Index, state = step.State.ToString(), step.StartedAt, step.FinishedAt,
            seconds = step.StartedAt is { } a && step.FinishedAt is { } b ? Math.Round((b - a).TotalSeconds, 3) : (double?)null,
            step.Attempts,
        },
    };

    private static AuditActor RunnerActor(Operation op) => AuditActor.Job($"operation/{op.Id:D}", "Operation runner");

    private void Publish(Operation op) => changes.Publish(new FleetChange(FleetChangeKinds.Operation, op.TenantId, op.SiteId, op.CameraId));

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max];

    private static string? Cut(string? s) => s is null ? null : s.Length <= 2000 ? s : s[..1999] + "…";
}
