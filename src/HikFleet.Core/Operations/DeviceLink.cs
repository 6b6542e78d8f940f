using HikFleet.Core.Data.Entities;
using HikFleet.Core.Devices;
using HikFleet.Core.Vault;
using HikFleet.Isapi;

namespace HikFleet.Core.Operations;

/// <summary>Raised inside a step when the lockout guard forbids (or the device refused) the login: the step fails, nothing is retried.</summary>
public sealed class DeviceRefusedException(string message) : Exception(message);

/// <summary>
/// How operation steps talk to a camera: the vault's credential, asked of the persisted lockout guard first, every authentication
/// outcome recorded on the camera row (saved with the step), a fresh client per step (the address may change under a reset).
/// </summary>
public sealed class DeviceLink(IIsapiClientFactory factory, DeviceAccess access, CredentialVault vault)
{
    /// <summary>The vault's current credential for the camera (null when it holds none).</summary>
    public Task<DeviceSecret?> SecretAsync(StepContext ctx) => vault.GetForCameraAsync(ctx.Db, ctx.Camera.Id, ctx.CancellationToken);

    /// <summary>Runs <paramref name="call"/> with an authenticated client; throws <see cref="DeviceRefusedException"/> when the login may not or did not work.</summary>
    public async Task<T> CallAsync<T>(StepContext ctx, Func<IsapiClient, Task<T>> call)
    {
        var secret = await SecretAsync(ctx);
        var decision = access.Decide(ctx.Camera, secret);
        if (!decision.Allowed) throw new DeviceRefusedException(decision.Reason);
        using var client = access.CreateClient(ctx.Camera, secret);
        try
        {
            var result = await call(client);
            DeviceAccess.RecordSuccess(ctx.Camera);
            return result;
        }
        catch (IsapiException e) when (access.RecordFailure(ctx.Camera, secret, e))
        {
            throw new DeviceRefusedException(e.Kind == IsapiErrorKind.LockedOut
                ? "The camera locked its login; HikFleet sends nothing until it unlocks."
                : "The camera rejected the vault's password; HikFleet will not try it again until a person enters the right one.");
        }
    }

    /// <summary>Is anything answering at the camera's address, and is it activated? (Unauthenticated: costs no login attempt.)</summary>
    public async Task<(bool Answers, bool? Activated)> ProbeAsync(Camera camera, CancellationToken ct)
    {
        using var client = factory.Create(DeviceAccess.EndpointOf(camera), null);
        try
        {
            var status = await client.GetActivationStatusAsync(ct);
            return (true, status.Activated);
        }
        catch (IsapiException e) when (e.Kind is IsapiErrorKind.Unreachable or IsapiErrorKind.Timeout or IsapiErrorKind.CertificateChanged)
        {
            return (false, null);
        }
        catch (IsapiException)
        {
            // Something answers, but not the activation question (older firmware without /SDK/activateStatus).
            return (true, null);
        }
    }
}
