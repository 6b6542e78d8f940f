using HikFleet.Core.Data.Entities;
using HikFleet.Core.Devices;
using HikFleet.Core.Health;
using HikFleet.Core.Vault;
using HikFleet.Isapi;
using HikFleet.Isapi.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace HikFleet.Core.Operations;

/// <summary>
/// Password rotation (issue #10): a unique strong password per camera, in two phases so HikFleet never locks itself out and never
/// loses a password (docs/operations.md, "Password rotation"). The new password is committed to the vault as PENDING before the
/// device sees it; the vault's CURRENT credential (what health checks and every other step use) stays the old one until the new one
/// is verified on the device; when a verify finds the device kept the old one, the pending one is retired instead.
/// </summary>
public sealed class PasswordRotationWorkflow(DeviceSteps steps, DeviceLink link, CredentialVault vault, IIsapiClientFactory factory,
    IOptions<OperationOptions> options) : IOperationWorkflow
{
    /// <summary>Bag key: the change was sent to the device at least once (a resumed step looks before sending it again). Never a secret.</summary>
    public const string ChangeSent = "rotation.changeSent";

    public OperationKind Kind => OperationKind.PasswordRotation;

    public IReadOnlyList<StepDefinition> Steps(OperationParameters parameters) =>
    [
        new("preflight", "Check the camera", steps.PreflightAsync),
        new("prepare", "Generate the new password and keep it in the vault (pending)", PrepareAsync),
        new("set", "Set the new password on the camera", SetAsync, options.Value.BootTimeout),
        new("verify-new", "Log in with the new password", VerifyNewAsync, options.Value.BootTimeout),
        new("verify-old", "Check the old password is refused", VerifyOldAsync, options.Value.BootTimeout),
        new("commit", "Make the new password the vault's current one", CommitAsync),
    ];

    private string CreatedBy(StepContext ctx) => $"operation {ctx.Operation.Id:D}: password rotation";

    /// <summary>Generates the password and commits it (pending) before anything is sent; a pending one left by an earlier run is reused.</summary>
    private async Task<StepOutcome> PrepareAsync(StepContext ctx)
    {
        if (await vault.GetPendingForCameraAsync(ctx.Db, ctx.Camera.Id, ctx.CancellationToken) is not null)
        {
            // An earlier rotation may have set it on the device before it stopped: reusing it (not replacing it) loses nothing.
            return new StepOutcome.Done("A pending password from an earlier, unfinished rotation is reused (the camera may have it already).");
        }

        var current = await link.SecretAsync(ctx);
        if (current is null) return new StepOutcome.Fail("The vault holds no password for this camera.");
        // Hikvision's rules (PasswordRules, protocol reference §2.5): 8-16 characters, three classes, not containing the user name.
        await vault.StorePendingForCameraAsync(ctx.Db, ctx.Camera.Id, current.UserName, PasswordRules.Generate(14), CreatedBy(ctx), ctx.CancellationToken);
        // Committed now, before the device sees it: a crash after the change must not leave the device with a password nobody knows.
        await ctx.CheckpointAsync();
        return new StepOutcome.Done("A new 14-character password is in the vault as pending; the current one stays in use until it is verified.");
    }

    /// <summary>Changes the password with the current credential. Resumed after the change went out, it first tries the pending one once.</summary>
    private async Task<StepOutcome> SetAsync(StepContext ctx)
    {
        var pending = await vault.GetPendingForCameraAsync(ctx.Db, ctx.Camera.Id, ctx.CancellationToken);
        if (pending is null) return new StepOutcome.Fail("No pending password in the vault (the rotation was settled meanwhile); start a new rotation.");
        if (ctx.RanBefore && ctx.Bag.Get(ChangeSent) is not null)
        {
            var probe = await LoginAsync(ctx, pending);
            if (probe == Login.Accepted) return new StepOutcome.Done("The camera already takes the new password (resumed after the change went out).");
            if (probe == Login.Locked) return new StepOutcome.Fail("The camera locked its login; nothing more is sent. The vault's current password is unchanged.");
        }

        var current = await link.SecretAsync(ctx);
        if (current is null) return new StepOutcome.Fail("The vault holds no password for this camera.");
        ctx.Bag.Set(ChangeSent, "true");
        await ctx.CheckpointAsync();
        try
        {
            await link.CallAsync(ctx, async c =>
            {
                var users = await c.GetUsersAsync(ctx.CancellationToken);
                var id = users.FirstOrDefault(u => string.Equals(u.UserName, current.UserName, StringComparison.Ordinal))?.Id ?? 1;
                return await c.ChangePasswordAsync(id, current.UserName, pending.Password, ctx.CancellationToken);
            });
        }
        catch (IsapiException e) when (e.Kind is IsapiErrorKind.BadRequest or IsapiErrorKind.NotSupported or IsapiErrorKind.DeviceError)
        {
            // The device answered and refused: it still has the old password, so the pending one is retired.
            await vault.DiscardPendingAsync(ctx.Db, ctx.Camera.Id, ctx.CancellationToken);
            return new StepOutcome.Fail($"The camera refused the new password ({e.Kind}); it keeps the old one, which stays the vault's current one.");
        }

        return new StepOutcome.Done("The camera accepted the password change.");
    }

    /// <summary>The new password must work. When the camera refuses it, the old one is tried (the only other candidate) and kept.</summary>
    private async Task<StepOutcome> VerifyNewAsync(StepContext ctx)
    {
        var pending = await vault.GetPendingForCameraAsync(ctx.Db, ctx.Camera.Id, ctx.CancellationToken);
        if (pending is null) return new StepOutcome.Fail("No pending password in the vault (the rotation was settled meanwhile).");
        switch (await LoginAsync(ctx, pending))
        {
            case Login.Accepted:
                return new StepOutcome.Done("The camera accepts the new password.");
            case Login.Locked:
                return new StepOutcome.Fail("The camera locked its login; HikFleet sends nothing until it unlocks. The pending password stays in the vault.");
        }

        // Refused: the change did not take. One failed login is spent; the old password is the only other one the camera can have.
        var current = await link.SecretAsync(ctx);
        if (current is not null && await LoginAsync(ctx, current) == Login.Accepted)
        {
            DeviceAccess.RecordSuccess(ctx.Camera);
            await vault.DiscardPendingAsync(ctx.Db, ctx.Camera.Id, ctx.CancellationToken);
            return new StepOutcome.Fail("The camera refuses the new password and still takes the old one, which stays the vault's current password.");
        }

        return new StepOutcome.Fail("The camera refuses both the new and the old password: a person must check it. Both stay in the vault.");
    }

    /// <summary>
    /// The old password must be refused: one deliberate failed login, never when the camera says at most one attempt is left or it is
    /// locked, and recorded against nothing (the new credential is the one that works).
    /// </summary>
    private async Task<StepOutcome> VerifyOldAsync(StepContext ctx)
    {
        if (ctx.Camera.LockedUntil is { } until && until > ctx.Now)
        {
            return new StepOutcome.Skipped($"Not tried: the camera's login is locked until {until:u}.");
        }

        if (ctx.Camera.AuthAttemptsLeft is <= 1)
        {
            return new StepOutcome.Skipped("Not tried: the camera allows at most one more failed login.");
        }

        var old = await link.SecretAsync(ctx);
        if (old is null) return new StepOutcome.Skipped("The vault held no previous password to try.");
        return await LoginAsync(ctx, old) switch
        {
            Login.Rejected => new StepOutcome.Done("The camera refuses the old password."),
            Login.Accepted => new StepOutcome.Fail("The camera still accepts the old password as well as the new one; nothing committed, a person must check its users."),
            _ => new StepOutcome.Skipped("The camera locked its login after the check; the new password was verified before."),
        };
    }

    /// <summary>Pending becomes current in the same transaction as this step's result (the runner saves).</summary>
    private async Task<StepOutcome> CommitAsync(StepContext ctx)
    {
        var promoted = await vault.PromotePendingAsync(ctx.Db, ctx.Camera.Id, CreatedBy(ctx), ctx.CancellationToken);
        if (promoted is null) return new StepOutcome.Fail("No pending password in the vault to commit.");
        DeviceAccess.RecordSuccess(ctx.Camera);
        // The weak-password findings were about the password just replaced by a generated strong one: they close now, not only
        // after the health check's flap suppression has seen enough checks agree (a later check reopens them if the device disagrees).
        var weak = await ctx.Db.CameraFindings
            .Where(f => f.CameraId == ctx.Camera.Id && (f.Code == HealthFindings.DefaultPassword || f.Code == HealthFindings.RiskyPassword))
            .ToListAsync(ctx.CancellationToken);
        ctx.Db.CameraFindings.RemoveRange(weak);
        ctx.Operation.Summary = "Password rotated: the camera takes the new password, refuses the old one, and the vault holds the new one.";
        return new StepOutcome.Done("The new password is the vault's current one; the old one is kept in the vault's history." +
                                    (weak.Count > 0 ? $" Closed: {string.Join(", ", weak.Select(f => f.Code))}." : ""));
    }

    private enum Login { Accepted, Rejected, Locked }

    /// <summary>
    /// One userCheck with exactly <paramref name="secret"/> (not the vault's current one), recorded against nothing: the lockout
    /// guard tracks the current credential. Unreachable/timeout propagate (the runner waits and looks again).
    /// </summary>
    private async Task<Login> LoginAsync(StepContext ctx, DeviceSecret secret)
    {
        using var client = factory.Create(DeviceAccess.EndpointOf(ctx.Camera), new IsapiCredentials(secret.UserName, secret.Password));
        try
        {
            await client.CheckUserAsync(ctx.CancellationToken);
            return Login.Accepted;
        }
        catch (IsapiException e) when (e.Kind == IsapiErrorKind.Unauthorized)
        {
            if (e.AttemptsLeft is { } left) ctx.Camera.AuthAttemptsLeft = left;
            return Login.Rejected;
        }
        catch (IsapiException e) when (e.Kind == IsapiErrorKind.LockedOut)
        {
            return Login.Locked;
        }
    }
}
