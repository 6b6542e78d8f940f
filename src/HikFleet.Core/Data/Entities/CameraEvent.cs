namespace HikFleet.Core.Data.Entities;

/// <summary>
/// Something observed about a camera (moved address, restarted, replaced, state changed, found reset): the camera page's timeline.
/// What people and jobs did is in the audit trail; this is what the devices did.
/// </summary>
public sealed class CameraEvent
{
    public long Id { get; set; }
    public Guid CameraId { get; set; }
    public DateTimeOffset At { get; set; }
    /// <summary>Stable kind, see <see cref="CameraEventKinds"/>.</summary>
    public required string Kind { get; set; }
    /// <summary>Human-readable detail; device-supplied parts are data, rendered escaped.</summary>
    public string? Detail { get; set; }
}

public static class CameraEventKinds
{
    public const string Discovered = "discovered";
    public const string Adopted = "adopted";
    public const string Moved = "moved";
    public const string Restarted = "restarted";
    /// <summary>Restarted by a HikFleet operation (reboot, reset, restore): expected, never counted as a reboot loop.</summary>
    public const string PlannedRestart = "planned-restart";
    public const string Replaced = "replaced";
    public const string FoundReset = "found-reset";
    public const string Missing = "missing";
    public const string Returned = "returned";
    public const string HealthChanged = "health-changed";
    public const string FindingOpened = "finding-opened";
    public const string FindingResolved = "finding-resolved";
    public const string CredentialChanged = "credential-changed";
}
