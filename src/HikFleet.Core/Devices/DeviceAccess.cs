using HikFleet.Core.Data.Entities;
using HikFleet.Core.Vault;
using HikFleet.Isapi;
using Microsoft.Extensions.Options;

namespace HikFleet.Core.Devices;

/// <summary>Settings of the persisted lockout guard.</summary>
public sealed class DeviceAccessOptions
{
    public const string SectionName = "Fleet:DeviceAccess";

    /// <summary>
    /// How long a credential the device rejected is held back before one more attempt is allowed (someone may have fixed the
    /// password on the device). At least the device's lock time (Hikvision default 30 min), so a wrong password costs at most one
    /// failed login per lockout window. Never retried when the device said only one attempt is left.
    /// </summary>
    public TimeSpan RejectedCredentialRetryAfter { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Assumed lock duration when the device says "locked" without an unlock time.</summary>
    public TimeSpan DefaultLockDuration { get; set; } = TimeSpan.FromMinutes(30);
}

/// <summary>Whether HikFleet may send a credential to a camera now.</summary>
public enum AccessVerdict
{
    /// <summary>Send it.</summary>
    Allowed,
    /// <summary>The vault holds no credential for the camera.</summary>
    NoCredential,
    /// <summary>The device rejected exactly this credential and its hold has not passed (or only one attempt is left): a person must act.</summary>
    CredentialRejected,
    /// <summary>The device is locked; nothing is sent before <see cref="AccessDecision.Until"/>.</summary>
    Locked,
}

/// <param name="Verdict">What to do.</param>
/// <param name="Until">For <see cref="AccessVerdict.Locked"/> (and a held rejected credential): when it may be tried again; null = only after a person acts.</param>
/// <param name="Reason">One line for a person.</param>
public sealed record AccessDecision(AccessVerdict Verdict, DateTimeOffset? Until, string Reason)
{
    public bool Allowed => Verdict == AccessVerdict.Allowed;
}

/// <summary>
/// The lockout guard persisted on the camera row, shared by every job, node and restart: "never lock a camera out" (DESIGN.md,
/// protocol reference §1.5). Every Core path that authenticates to a camera asks <see cref="Decide"/> first and reports each
/// outcome with <see cref="RecordSuccess"/> / <see cref="RecordFailure"/> (they change the tracked camera row; the caller saves).
/// The ISAPI client's in-memory guard stays underneath as a second line within one process.
/// </summary>
public sealed class DeviceAccess(IIsapiClientFactory factory, IOptions<DeviceAccessOptions> options, TimeProvider time)
{
    private DeviceAccessOptions Options => options.Value;

    /// <summary>May <paramref name="secret"/> be sent to <paramref name="camera"/> now?</summary>
    public AccessDecision Decide(Camera camera, DeviceSecret? secret)
    {
        var now = time.GetUtcNow();
        if (camera.LockedUntil is { } until && until > now)
        {
            return new(AccessVerdict.Locked, until, $"The device locked its login until {until:u}; HikFleet waits it out.");
        }

        if (secret is null) return new(AccessVerdict.NoCredential, null, "The vault holds no password for this camera.");
        if (camera.AuthRejectedCredentialId == secret.CredentialId)
        {
            if (camera.AuthAttemptsLeft is <= 1)
            {
                return new(AccessVerdict.CredentialRejected, null,
                    "The device rejected the stored password and allows at most one more failed login: enter the right password.");
            }

            var retryAt = (camera.AuthRejectedAt ?? now) + Options.RejectedCredentialRetryAfter;
            if (retryAt > now)
            {
                return new(AccessVerdict.CredentialRejected, retryAt,
                    $"The device rejected the stored password; HikFleet tries it once more after {retryAt:u} or when a new one is entered.");
            }
        }

        return new(AccessVerdict.Allowed, null, "");
    }

    /// <summary>The ISAPI endpoint of a camera (HTTPS with its pinned certificate when configured).</summary>
    public static IsapiEndpoint EndpointOf(Camera camera) =>
        camera.Address is null
            ? throw new InvalidOperationException($"Camera {camera.Id} has no address.")
            : new IsapiEndpoint(camera.Address.ToString(), camera.UseHttps ? camera.HttpsPort : camera.HttpPort, camera.UseHttps, camera.CertificatePin);

    /// <summary>A client for the camera with the vault's credential. Ask <see cref="Decide"/> first.</summary>
    public IsapiClient CreateClient(Camera camera, DeviceSecret? secret) =>
        factory.Create(EndpointOf(camera), secret is null ? null : new IsapiCredentials(secret.UserName, secret.Password));

    /// <summary>An authenticated answer came: the credential works, forget rejections and locks.</summary>
    public static void RecordSuccess(Camera camera)
    {
        camera.AuthRejectedAt = null;
        camera.AuthRejectedCredentialId = null;
        camera.AuthAttemptsLeft = null;
        camera.LockedUntil = null;
    }

    /// <summary>
    /// Records what an ISAPI failure means for the lockout guard. Returns true when it was about authentication (rejected or
    /// locked), false for anything else (unreachable, timeout...), which leaves the guard as it was.
    /// </summary>
    public bool RecordFailure(Camera camera, DeviceSecret? secret, IsapiException exception)
    {
        var now = time.GetUtcNow();
        switch (exception.Kind)
        {
            case IsapiErrorKind.LockedOut:
                camera.LockedUntil = now + (exception.UnlockAfter ?? Options.DefaultLockDuration);
                camera.AuthAttemptsLeft = exception.AttemptsLeft ?? camera.AuthAttemptsLeft;
                return true;
            case IsapiErrorKind.Unauthorized:
                // A fail-fast from the in-memory guard sent nothing: it does not restart the hold.
                if (!exception.FailedFast || camera.AuthRejectedCredentialId != secret?.CredentialId)
                {
                    camera.AuthRejectedAt = now;
                }

                camera.AuthRejectedCredentialId = secret?.CredentialId;
                camera.AuthAttemptsLeft = exception.AttemptsLeft ?? camera.AuthAttemptsLeft;
                return true;
            default:
                return false;
        }
    }
}
