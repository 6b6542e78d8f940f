using HikFleet.Core.Data.Entities;
using HikFleet.Core.Devices;
using HikFleet.Core.Firmware;
using HikFleet.Isapi;
using HikFleet.Isapi.Models;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace HikFleet.Core.Operations;

/// <summary>
/// Firmware upgrade (issue #10, protocol reference §2.7): the image checked against the camera's live model and its stored hash before
/// anything is sent, a backup, the upload streamed with progress, the install polled, the restart waited for, the new version verified
/// and a health check (status and a picture). Each step is idempotent: a resumed upload first asks whether the camera is already
/// installing or already restarted, so an image is never sent twice into an install in progress.
/// </summary>
public sealed class FirmwareUpgradeWorkflow(DeviceSteps steps, DeviceLink link, FirmwareStore store, FleetChangeFeed changes,
    IOptions<OperationOptions> options, TimeProvider time) : IOperationWorkflow
{
    /// <summary>Bag keys (never secrets).</summary>
    public const string Target = "firmware.target", Before = "firmware.before", AlreadyCurrent = "firmware.alreadyCurrent", UploadSent = "firmware.uploadSent";

    private OperationOptions Options => options.Value;

    public OperationKind Kind => OperationKind.FirmwareUpgrade;

    public IReadOnlyList<StepDefinition> Steps(OperationParameters parameters) =>
    [
        new("preflight", "Check the camera", steps.PreflightAsync),
        new("check-image", "Check the image fits this camera", CheckImageAsync),
        new("backup", "Back up the configuration", ctx => steps.BackupAsync(ctx, "before firmware upgrade")),
        new("upload", "Upload the image", UploadAsync, Options.UploadTimeout),
        new("install", "Wait while the camera installs it", InstallAsync, Options.InstallTimeout),
        new("wait-up", "Wait for it to come back", ctx => ctx.Bag.Has(AlreadyCurrent)
            ? Task.FromResult<StepOutcome>(new StepOutcome.Skipped("Nothing was installed.")) : steps.WaitUpAsync(ctx), Options.BootTimeout),
        new("verify", "Verify the new version", VerifyAsync),
        new("health", "Health check", HealthAsync),
    ];

    private static async Task<FirmwareImage?> ImageAsync(StepContext ctx) => ctx.Parameters.FirmwareImageId is { } id
        ? await ctx.Db.FirmwareImages.AsNoTracking().SingleOrDefaultAsync(i => i.Id == id && i.TenantId == ctx.Site.TenantId, ctx.CancellationToken)
        : null;

    private static FirmwareVersion? TargetOf(FirmwareImage image) => FirmwareVersion.Parse(image.Version, image.Build);

    /// <summary>Same version; a build is compared only when the image names one.</summary>
    private static bool Same(FirmwareVersion? running, FirmwareVersion target) =>
        running is { } r && r.Major == target.Major && r.Minor == target.Minor && r.Patch == target.Patch && (target.Build is null || r.Build == target.Build);

    /// <summary>The image is in the library, intact, made for the model the device says it is, and not older than what it runs.</summary>
    private async Task<StepOutcome> CheckImageAsync(StepContext ctx)
    {
        var image = await ImageAsync(ctx);
        if (image is null || TargetOf(image) is not { } target) return new StepOutcome.Fail("The firmware image is no longer in the library: nothing was sent.");
        var info = await link.CallAsync(ctx, c => c.GetDeviceInfoAsync(ctx.CancellationToken));
        // The device's own answer decides, not the inventory: a swapped camera may carry the old row's model.
        if (FirmwareLibrary.Incompatibility(image, info.Model ?? ctx.Camera.Model) is { } wrong) return new StepOutcome.Fail(wrong);
        if (!await store.VerifyAsync(image.Sha256, ctx.CancellationToken))
        {
            return new StepOutcome.Fail($"The stored image {image.FileName} is missing or no longer matches its SHA-256 {image.Sha256[..12]}…: nothing was sent.");
        }

        ctx.Bag.Set(Target, target.ToString());
        ctx.Bag.Set(Before, info.Firmware?.ToString() ?? info.FirmwareVersion);
        if (Same(info.Firmware, target))
        {
            ctx.Bag.Set(AlreadyCurrent, "true");
            return new StepOutcome.Done($"The camera already runs {info.Firmware}: nothing to install.");
        }

        if (info.Firmware is { } running && running > target)
        {
            return new StepOutcome.Fail($"The camera runs {running}, newer than the image's {target}: a downgrade is not done by an upgrade.");
        }

        return new StepOutcome.Done($"{image.FileName} ({target}, SHA-256 {image.Sha256[..12]}…) fits {info.Model}, which runs {info.Firmware?.ToString() ?? "an unreadable version"}.");
    }

    /// <summary>Streams the image to the camera, once, showing progress; the device refusing it (wrong type/version) ends the upgrade.</summary>
    private async Task<StepOutcome> UploadAsync(StepContext ctx)
    {
        if (ctx.Bag.Has(AlreadyCurrent)) return new StepOutcome.Skipped("Nothing to install.");
        var image = await ImageAsync(ctx);
        if (image is null) return new StepOutcome.Fail("The firmware image is no longer in the library.");
        if (ctx.Bag.Has(UploadSent))
        {
            // Resumed after the upload went out: an install in progress must not get the image again.
            var status = await link.CallAsync(ctx, c => c.GetUpgradeStatusAsync(ctx.CancellationToken));
            if (status.Upgrading) return new StepOutcome.Done("The camera is already installing the image (resumed after an interruption); not sent again.");
        }

        if (await steps.BeforeRestartCommandAsync(ctx, expectInactive: false) is { } already) return already;
        ctx.Bag.Set(UploadSent, time.GetUtcNow().ToString("O"));
        await ctx.CheckpointAsync();

        long sent = 0;
        var progress = new Common.InlineProgress<long>(b => Interlocked.Exchange(ref sent, b));
        await using var file = store.OpenRead(image.Sha256);
        var upload = link.CallAsync(ctx, c => c.UploadFirmwareAsync(file, progress, FirmwareUploadFormat.Raw, ctx.CancellationToken));
        await ReportWhileAsync(ctx, upload, () => $"Uploading: {Percent(Interlocked.Read(ref sent), image.Size)}% ({Interlocked.Read(ref sent) / 1048576.0:0.0} of {image.Size / 1048576.0:0.0} MB).");
        try
        {
            await upload;
        }
        catch (IsapiException e) when (e.Kind == IsapiErrorKind.BadRequest)
        {
            // statusCode 6 badDevType / badVersion / badLanguage (§2.7): the device itself refused the package; it installs nothing.
            return new StepOutcome.Fail($"The camera refused the image ({e.SubStatusCode ?? e.StatusString ?? "bad request"}): nothing was installed.");
        }

        return new StepOutcome.Done($"Uploaded {image.Size / 1048576.0:0.0} MB; the camera accepted the image.");
    }

    /// <summary>Polls the install (§2.7 upgradeStatus) until the camera restarts into the new firmware.</summary>
    private async Task<StepOutcome> InstallAsync(StepContext ctx)
    {
        if (ctx.Bag.Has(AlreadyCurrent)) return new StepOutcome.Skipped("Nothing to install.");
        var (answers, _) = await link.ProbeAsync(ctx.Camera, ctx.CancellationToken);
        if (answers)
        {
            UpgradeStatus? status = null;
            try
            {
                status = await link.CallAsync(ctx, c => c.GetUpgradeStatusAsync(ctx.CancellationToken));
            }
            catch (IsapiException e) when (e.Kind == IsapiErrorKind.NotSupported)
            {
                // No upgradeStatus on this firmware: the restart tells.
            }

            if (status is { Upgrading: true }) return new StepOutcome.Wait(Options.PollInterval, $"Installing: {status.Percent ?? 0}%.");
        }

        return await steps.WaitDownAsync(ctx, expectInactive: false) is StepOutcome.Done done
            ? new StepOutcome.Done($"Installed; {done.Detail[0..1].ToLowerInvariant()}{done.Detail[1..]}")
            : new StepOutcome.Wait(Options.PollInterval, "Installed; waiting for the camera to restart.");
    }

    /// <summary>The camera runs the image's version now (else the install did not take, e.g. it rolled back to its other partition).</summary>
    private async Task<StepOutcome> VerifyAsync(StepContext ctx)
    {
        var info = await link.CallAsync(ctx, c => c.GetDeviceInfoAsync(ctx.CancellationToken));
        ctx.Camera.FirmwareVersion = info.FirmwareVersion is { Length: <= 64 } v ? v : ctx.Camera.FirmwareVersion;
        ctx.Camera.FirmwareBuild = info.Firmware?.Build is { } b ? $"build {b:D6}" : ctx.Camera.FirmwareBuild;
        var image = await ImageAsync(ctx);
        var target = image is null ? null : TargetOf(image);
        if (target is null) return new StepOutcome.Fail("The firmware image is no longer in the library; the version cannot be checked.");
        if (!Same(info.Firmware, target.Value))
        {
            return new StepOutcome.Fail($"The camera came back on {info.Firmware?.ToString() ?? info.FirmwareVersion}, not {target}: the upgrade did not take.");
        }

        return new StepOutcome.Done(ctx.Bag.Has(AlreadyCurrent) ? $"Runs {target} (it did before)." : $"Runs {target} (was {ctx.Bag.Get(Before)}).");
    }

    /// <summary>After the restart the camera reports its status and gives a picture (the encoder works on the new firmware).</summary>
    private async Task<StepOutcome> HealthAsync(StepContext ctx)
    {
        var (status, snapshot) = await link.CallAsync(ctx, async c => (await c.GetStatusAsync(ctx.CancellationToken), await c.GetSnapshotAsync(101, ctx.CancellationToken)));
        if (!snapshot.IsJpeg) return new StepOutcome.Fail("After the upgrade the camera gives no picture (the snapshot is not a JPEG).");
        var target = ctx.Bag.Get(Target);
        var cpu = status.CpuUtilization?.ToString("0", System.Globalization.CultureInfo.InvariantCulture) ?? "?";
        // The last step's line is the operation's summary.
        return new StepOutcome.Done((ctx.Bag.Has(AlreadyCurrent) ? $"Already on {target}; nothing installed." : $"Upgraded from {ctx.Bag.Get(Before)} to {target}.") +
                                    $" Status answers (CPU {cpu}%), picture {snapshot.Data.Length:N0} bytes.");
    }

    /// <summary>
    /// While a long device call runs: every few seconds the step's progress line is saved and shown, and the operation's lease is
    /// extended (the step's own context is idle while the call is in flight). A row changed meanwhile (a cancel request) stops the reports.
    /// </summary>
    private async Task ReportWhileAsync(StepContext ctx, Task call, Func<string> line)
    {
        while (!call.IsCompleted)
        {
            await Task.WhenAny(call, Task.Delay(TimeSpan.FromSeconds(2), ctx.CancellationToken));
            if (call.IsCompleted) break;
            ctx.Step.Detail = line();
            ctx.Operation.LeaseUntil = time.GetUtcNow() + Options.LeaseDuration;
            try
            {
                await ctx.CheckpointAsync();
            }
            catch (DbUpdateConcurrencyException)
            {
                break;
            }

            changes.Publish(new FleetChange(FleetChangeKinds.Operation, ctx.Operation.TenantId, ctx.Operation.SiteId, ctx.Operation.CameraId));
        }
    }

    private static int Percent(long done, long total) => total <= 0 ? 0 : (int)Math.Min(100, done * 100 / total);
}
