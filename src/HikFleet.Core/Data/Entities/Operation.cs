namespace HikFleet.Core.Data.Entities;

/// <summary>
/// One device operation (reboot, factory reset, reprovision...) as a durable workflow: explicit steps persisted one by one, advanced
/// by Hangfire jobs, resumed from the current step after a crash or restart (DESIGN.md, Workflows). At most one active operation
/// per camera, enforced by the database (<c>ux_operations_one_active_per_camera</c>).
/// </summary>
public sealed class Operation
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid TenantId { get; set; }
    public Guid SiteId { get; set; }
    public Guid CameraId { get; set; }
    public Camera? Camera { get; set; }

    public OperationKind Kind { get; set; }
    public OperationState State { get; set; } = OperationState.Queued;

    /// <summary>Why (required from people; jobs say what triggered them).</summary>
    public required string Reason { get; set; }
    /// <summary>User id, or a job name for automatic operations.</summary>
    public required string RequestedById { get; set; }
    public required string RequestedByName { get; set; }
    /// <summary>The client's idempotency key (a double click sends the same key and gets the same operation).</summary>
    public string? RequestKey { get; set; }
    /// <summary>Operations started together from a bulk action share this id.</summary>
    public Guid? BatchId { get; set; }
    /// <summary>Staged rollouts: the wave this camera belongs to (0 = canary); a wave starts when every earlier one succeeded and stayed healthy.</summary>
    public int? Wave { get; set; }
    /// <summary>Who approved it (operations that wait for approval, e.g. reprovisioning under the AfterApproval policy).</summary>
    public string? ApprovedByName { get; set; }
    public DateTimeOffset? ApprovedAt { get; set; }

    /// <summary>What was asked, as JSON (<see cref="Operations.OperationParameters"/>): reset mode, backup override... Never secrets.</summary>
    public string Parameters { get; set; } = "{}";
    /// <summary>What earlier steps learned and later ones need (previous address, backup id, reboot required...), as a JSON object. Never secrets.</summary>
    public string Context { get; set; } = "{}";

    /// <summary>Index into <see cref="Steps"/> of the step to run next (== Steps.Count when finished).</summary>
    public int CurrentStep { get; set; }
    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    /// <summary>When a waiting step wants to look again; the watchdog re-enqueues operations whose time passed and whose job got lost.</summary>
    public DateTimeOffset? NextRunAt { get; set; }
    /// <summary>A person asked to cancel; the runner stops at the next step boundary (a device command in flight is not torn down).</summary>
    public bool CancelRequested { get; set; }

    /// <summary>The runner holding the operation (process id + random), and until when: a crashed runner's lease simply expires.</summary>
    public string? LeaseOwner { get; set; }
    public DateTimeOffset? LeaseUntil { get; set; }

    /// <summary>One line for lists: the failure reason, or the outcome (with drift if any).</summary>
    public string? Summary { get; set; }
    /// <summary>After a reset: what differs between the backup and the device read back, as JSON (<see cref="Operations.SettingsDifference"/> list).</summary>
    public string? Drift { get; set; }

    public List<OperationStep> Steps { get; set; } = [];

    /// <summary>PostgreSQL <c>xmin</c>.</summary>
    public uint Version { get; set; }

    public bool IsActive => State is OperationState.AwaitingApproval or OperationState.Queued or OperationState.Running or OperationState.Waiting;
}

public enum OperationKind
{
    Reboot,
    FactoryReset,
    /// <summary>A known camera found factory-reset (by hand, or after an outside reset) brought back to its previous configuration.</summary>
    Reprovision,
    /// <summary>A configuration profile pushed to the device.</summary>
    ApplyProfile,
    /// <summary>A configuration backup on its own (scheduled or by hand).</summary>
    Backup,
    /// <summary>A new unique strong password set, verified and committed to the vault (two phases: never locked out, never lost).</summary>
    PasswordRotation,
    /// <summary>A firmware image from the library installed: backup, upload, install, restart, verify the version, health check.</summary>
    FirmwareUpgrade,
    /// <summary>The camera's PoE switch port switched off, held off, switched on; the camera must answer again with its uptime reset.</summary>
    PowerCycle,
}

public enum OperationState
{
    /// <summary>Created, waiting for a person to approve it (nothing sent yet).</summary>
    AwaitingApproval,
    /// <summary>Approved or requested, waiting for a worker.</summary>
    Queued,
    /// <summary>A worker is executing a step.</summary>
    Running,
    /// <summary>A step waits for the device (going down, coming back); a job is scheduled to look again.</summary>
    Waiting,
    Succeeded,
    /// <summary>A step failed; <see cref="Operation.Summary"/> says why. It may be retried from that step.</summary>
    Failed,
    Cancelled,
}

/// <summary>One step of an <see cref="Operation"/>, with its timing and outcome: the reset history auditors read.</summary>
public sealed class OperationStep
{
    public long Id { get; set; }
    public Guid OperationId { get; set; }
    public int Index { get; set; }
    /// <summary>Stable name, e.g. <c>backup</c>, <c>wait-down</c>.</summary>
    public required string Name { get; set; }
    /// <summary>What people read, e.g. "Back up the configuration".</summary>
    public required string Title { get; set; }
    public OperationStepState State { get; set; } = OperationStepState.Pending;
    /// <summary>First time the step began (kept across retries and resumes).</summary>
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    /// <summary>The step fails when it has not finished by then.</summary>
    public DateTimeOffset? Deadline { get; set; }
    /// <summary>Executions of this step (a wait looks again, a crash resumes, a retry starts over): more than one is normal.</summary>
    public int Attempts { get; set; }
    /// <summary>The latest progress or result line.</summary>
    public string? Detail { get; set; }
}

public enum OperationStepState
{
    Pending,
    Running,
    Waiting,
    Succeeded,
    Failed,
    /// <summary>Not needed (e.g. no reboot required) or passed by an administrator's override.</summary>
    Skipped,
}
