namespace HikFleet.Core.Data.Entities;

/// <summary>An open problem of a camera found by a health check or discovery: what, the evidence, and what a technician would try.</summary>
public sealed class CameraFinding
{
    public long Id { get; set; }
    public Guid CameraId { get; set; }
    public Camera? Camera { get; set; }
    /// <summary>Stable code (e.g. <c>clock-drift</c>, <c>reboot-loop</c>); one open finding per code per camera.</summary>
    public required string Code { get; set; }
    public FindingSeverity Severity { get; set; }
    /// <summary>One line a person reads in a list.</summary>
    public required string Summary { get; set; }
    /// <summary>What was measured (values, thresholds); never a secret.</summary>
    public string? Evidence { get; set; }
    /// <summary>The fix a technician would try.</summary>
    public string? Fix { get; set; }
    public DateTimeOffset FirstSeenAt { get; set; }
    public DateTimeOffset LastSeenAt { get; set; }
}

public enum FindingSeverity
{
    Info,
    Warning,
    Critical,
}
