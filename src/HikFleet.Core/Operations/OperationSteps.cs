using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;

namespace HikFleet.Core.Operations;

/// <summary>How one execution of a step ended.</summary>
public abstract record StepOutcome(string Detail)
{
    /// <summary>The step is done; the next one starts at once.</summary>
    public sealed record Done(string Detail) : StepOutcome(Detail);

    /// <summary>Not needed here (e.g. no reboot required); the next one starts at once.</summary>
    public sealed record Skipped(string Detail) : StepOutcome(Detail);

    /// <summary>Look again after <paramref name="After"/> (a rescheduled job); the step fails when its deadline passes first.</summary>
    public sealed record Wait(TimeSpan After, string Detail) : StepOutcome(Detail);

    /// <summary>The operation stops here with this reason; a person may retry from this step.</summary>
    public sealed record Fail(string Detail) : StepOutcome(Detail);
}

/// <summary>One step of a workflow: a stable name, a title for people, its code and its time limit.</summary>
/// <param name="Run">Must be idempotent: a crash after the device acted and before the result was saved runs it again.</param>
public sealed record StepDefinition(string Name, string Title, Func<StepContext, Task<StepOutcome>> Run, TimeSpan? Timeout = null);

/// <summary>A kind of operation and its steps.</summary>
public interface IOperationWorkflow
{
    OperationKind Kind { get; }

    /// <summary>The steps for these parameters, in order (persisted on the operation when it is created).</summary>
    IReadOnlyList<StepDefinition> Steps(OperationParameters parameters);
}

/// <summary>What a step sees: the operation, its camera and site (tracked: changes are saved with the step's result), the bag.</summary>
public sealed class StepContext
{
    internal StepContext(FleetDbContext db, Operation operation, OperationStep step, Camera camera, Site site, OperationParameters parameters,
        OperationBag bag, DateTimeOffset now, CancellationToken cancellationToken)
    {
        Db = db;
        Operation = operation;
        Step = step;
        Camera = camera;
        Site = site;
        Parameters = parameters;
        Bag = bag;
        Now = now;
        CancellationToken = cancellationToken;
    }

    public FleetDbContext Db { get; }
    public Operation Operation { get; }
    public OperationStep Step { get; }
    public Camera Camera { get; }
    public Site Site { get; }
    public OperationParameters Parameters { get; }
    public OperationBag Bag { get; }
    public DateTimeOffset Now { get; }
    public CancellationToken CancellationToken { get; }

    /// <summary>True when this step ran before (a wait looking again, a resume after a crash, a retry): check before acting twice.</summary>
    public bool RanBefore => Step.Attempts > 1;

    /// <summary>A line of progress shown while the step waits or runs.</summary>
    public string? Progress { get; set; }

    /// <summary>
    /// Saves the bag (and any tracked change) now, before the step acts on the device: a resumed step then knows what it saw before
    /// acting (e.g. the boot time before a reboot command), even when the process died before the step's result was saved.
    /// </summary>
    public async Task CheckpointAsync()
    {
        Operation.Context = Bag.ToJson();
        await Db.SaveChangesAsync(CancellationToken);
    }
}
