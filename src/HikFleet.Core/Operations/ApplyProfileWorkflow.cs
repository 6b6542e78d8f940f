using HikFleet.Core.Data.Entities;
using HikFleet.Core.Profiles;
using Microsoft.Extensions.Options;

namespace HikFleet.Core.Operations;

/// <summary>
/// Pushes the site's effective configuration profile to a camera: preflight, a backup ("before profile"), write the profile's
/// fields that differ, reboot when the device asks for it, then read back and report what still differs (the operation's drift).
/// </summary>
public sealed class ApplyProfileWorkflow(DeviceSteps steps, DeviceLink link, IOptions<OperationOptions> options) : IOperationWorkflow
{
    /// <summary>Bag keys: the profile settings applied (JSON) and the device settings they asked for, so verify compares with the same.</summary>
    public const string ProfileSettingsKey = "profile.settings", DesiredKey = "profile.desired";

    public OperationKind Kind => OperationKind.ApplyProfile;

    public IReadOnlyList<StepDefinition> Steps(OperationParameters parameters) =>
    [
        new("preflight", "Check the camera", steps.PreflightAsync),
        new("backup", "Back up the configuration", ctx => steps.BackupAsync(ctx, "before profile")),
        new("apply", "Write the profile's settings", ApplyAsync),
        new("reboot-if-required", "Reboot if the device asks for it", steps.RebootIfRequiredAsync, options.Value.BootTimeout),
        new("verify", "Read the settings back and compare", VerifyAsync),
    ];

    /// <summary>Idempotent: it reads first and writes only what differs, so a resumed or retried step writes nothing twice.</summary>
    private async Task<StepOutcome> ApplyAsync(StepContext ctx)
    {
        var effective = await ProfileService.EffectiveAsync(ctx.Db, ctx.Site, ctx.CancellationToken);
        var profile = effective.Settings;
        if (profile.IsEmptyForDevices) return new StepOutcome.Fail("No configuration profile sets anything for this camera's site (it was removed meanwhile).");
        var current = await link.CallAsync(ctx, c => DeviceSettingsIo.ReadAsync(c, ctx.CancellationToken));
        var desired = ProfileService.ToDesiredSettings(profile, ctx.Camera, ctx.Site, current);
        ctx.Bag.Set(ProfileSettingsKey, profile.ToJson());
        ctx.Bag.Set(DesiredKey, desired);
        var differences = ProfileService.Differences(profile, current, desired);
        if (differences.Count == 0) return new StepOutcome.Done("The camera already has the profile's settings; nothing written.");

        var write = await link.CallAsync(ctx, c => DeviceSettingsIo.WriteAsync(c, desired, current, ctx.CancellationToken));
        if (write.RebootRequired) ctx.Bag.Set(DeviceSteps.RebootRequired, "true");
        if (write.Problems.Count > 0) ctx.Bag.Set(DeviceSteps.RestoreProblems, string.Join("; ", write.Problems));
        return new StepOutcome.Done($"{differences.Count} setting(s) to change ({string.Join(", ", differences.Take(6).Select(d => d.Field))}" +
                                    $"{(differences.Count > 6 ? ", …" : "")}); wrote {string.Join(", ", write.Applied)}" +
                                    (write.RebootRequired ? "; the device asks for a reboot" : "") +
                                    (write.Problems.Count > 0 ? $"; refused: {string.Join("; ", write.Problems)}" : "."));
    }

    /// <summary>Reads back and compares the profile's fields with what was asked; the remaining differences are the drift.</summary>
    private async Task<StepOutcome> VerifyAsync(StepContext ctx)
    {
        var profile = ProfileSettings.FromJson(ctx.Bag.Get(ProfileSettingsKey));
        var desired = ctx.Bag.Get<DeviceSettings>(DesiredKey);
        if (desired is null) return new StepOutcome.Fail("The apply step left no record of what it asked for; retry from the apply step.");
        var now = await link.CallAsync(ctx, c => DeviceSettingsIo.ReadAsync(c, ctx.CancellationToken));
        var drift = ProfileService.Differences(profile, now, desired);
        ctx.Operation.Drift = System.Text.Json.JsonSerializer.Serialize(drift, DeviceSettings.Json);
        var problems = ctx.Bag.Get(DeviceSteps.RestoreProblems);
        ctx.Operation.Summary = drift.Count == 0
            ? $"Profile applied and verified: all {ProfileService.GovernedFields(profile).Count} field(s) of the profile match."
            : $"Profile applied with drift: {drift.Count} field(s) differ ({string.Join(", ", drift.Take(5).Select(d => $"{d.Field} is {d.Before ?? "unset"}, wanted {d.After ?? "unset"}"))}" +
              $"{(drift.Count > 5 ? ", …" : "")})." + (problems is null ? "" : $" {problems}");
        return new StepOutcome.Done(ctx.Operation.Summary);
    }
}
