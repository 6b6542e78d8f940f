using HikFleet.Core.Data.Entities;
using HikFleet.Isapi;
using Microsoft.Extensions.Options;

namespace HikFleet.Core.Operations;

/// <summary>Reboot: what the web UI's button does, verified by the camera going down and returning with its uptime reset.</summary>
public sealed class RebootWorkflow(DeviceSteps steps, IOptions<OperationOptions> options) : IOperationWorkflow
{
    public OperationKind Kind => OperationKind.Reboot;

    public IReadOnlyList<StepDefinition> Steps(OperationParameters parameters) =>
    [
        new("preflight", "Check the camera", steps.PreflightAsync),
        new("reboot", "Send the reboot", steps.RebootAsync),
        new("wait-down", "Wait for it to go down", ctx => steps.WaitDownAsync(ctx, expectInactive: false), options.Value.DownTimeout),
        new("wait-up", "Wait for it to come back", ctx => steps.WaitUpAsync(ctx), options.Value.BootTimeout),
    ];
}

/// <summary>
/// Factory reset (DESIGN.md, Workflows): preflight, mandatory backup, reset, wait until down, find it again (by MAC over SADP after a
/// full reset), activate with the vault's password, restore its network, restore its configuration, reboot if asked, verify.
/// </summary>
public sealed class FactoryResetWorkflow(DeviceSteps steps, IOptions<OperationOptions> options) : IOperationWorkflow
{
    public OperationKind Kind => OperationKind.FactoryReset;

    public IReadOnlyList<StepDefinition> Steps(OperationParameters parameters)
    {
        var full = parameters.ResetMode == FactoryResetMode.Full;
        var o = options.Value;
        var list = new List<StepDefinition>
        {
            new("preflight", "Check the camera", steps.PreflightAsync),
            new("backup", "Back up the configuration", ctx => steps.BackupAsync(ctx, "before factory reset")),
            new("reset", full ? "Send the full factory reset" : "Send the basic factory reset", steps.ResetAsync),
            new("wait-down", "Wait for it to go down", ctx => steps.WaitDownAsync(ctx, expectInactive: full), o.DownTimeout),
        };
        if (full)
        {
            list.Add(new("find", "Find it again by MAC (SADP)", steps.FindAsync, o.BootTimeout));
            list.Add(new("activate", "Activate it with its password", steps.ActivateAsync));
            list.Add(new("restore-network", "Restore its network settings", steps.RestoreNetworkAsync, o.BootTimeout));
        }
        else
        {
            list.Add(new("wait-up", "Wait for it to come back", ctx => steps.WaitUpAsync(ctx), o.BootTimeout));
        }

        list.Add(new("restore-config", "Restore its configuration", steps.RestoreConfigurationAsync));
        list.Add(new("reboot-if-required", "Reboot if the device asks for it", steps.RebootIfRequiredAsync, o.BootTimeout));
        list.Add(new("verify", "Read everything back and compare", steps.VerifyAsync));
        return list;
    }
}

/// <summary>A known camera found factory-reset (the paperclip on site): the restore half of a full reset, from its newest backup.</summary>
public sealed class ReprovisionWorkflow(DeviceSteps steps, IOptions<OperationOptions> options) : IOperationWorkflow
{
    public OperationKind Kind => OperationKind.Reprovision;

    public IReadOnlyList<StepDefinition> Steps(OperationParameters parameters)
    {
        var o = options.Value;
        return
        [
            new("plan", "Choose the backup and address to restore", steps.PlanReprovisionAsync),
            new("find", "Find it by MAC (SADP)", steps.FindAsync, o.BootTimeout),
            new("activate", "Activate it with its password", steps.ActivateAsync),
            new("restore-network", "Restore its network settings", steps.RestoreNetworkAsync, o.BootTimeout),
            new("restore-config", "Restore its configuration", steps.RestoreConfigurationAsync),
            new("reboot-if-required", "Reboot if the device asks for it", steps.RebootIfRequiredAsync, o.BootTimeout),
            new("verify", "Read everything back and compare", steps.VerifyAsync),
        ];
    }
}

/// <summary>A configuration backup on its own (scheduled or by hand).</summary>
public sealed class BackupWorkflow(DeviceSteps steps) : IOperationWorkflow
{
    public OperationKind Kind => OperationKind.Backup;

    public IReadOnlyList<StepDefinition> Steps(OperationParameters parameters) =>
    [
        new("backup", "Back up the configuration", ctx => steps.BackupAsync(ctx, ctx.Operation.RequestedById.StartsWith("job:", StringComparison.Ordinal) ? "scheduled" : "manual")),
    ];
}
