using System.Linq.Expressions;
using HikFleet.Core.Data.Entities;

namespace HikFleet.Core.Operations;

/// <summary>The state groups queries filter on, written once (EF translates them; chain them with <c>.Where</c>).</summary>
public static class OperationStates
{
    /// <summary>Not over yet: exactly the states the unique index <c>ux_operations_one_active_per_camera</c> covers.</summary>
    public static readonly Expression<Func<Operation, bool>> Active = o =>
        o.State == OperationState.AwaitingApproval || o.State == OperationState.Queued || o.State == OperationState.Running
        || o.State == OperationState.Waiting;

    /// <summary>Active and approved: what a runner may advance.</summary>
    public static readonly Expression<Func<Operation, bool>> Runnable = o =>
        o.State == OperationState.Queued || o.State == OperationState.Running || o.State == OperationState.Waiting;
}
