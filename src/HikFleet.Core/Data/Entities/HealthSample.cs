namespace HikFleet.Core.Data.Entities;

/// <summary>One health check of one camera: the time series behind the camera page's chart (kept for the retention period).</summary>
public sealed class HealthSample
{
    public long Id { get; set; }
    public Guid CameraId { get; set; }
    public DateTimeOffset At { get; set; }
    public HealthState State { get; set; }
    public int? LatencyMs { get; set; }
    public int? CpuPercent { get; set; }
    public int? MemoryPercent { get; set; }
    public long? UptimeSeconds { get; set; }
    public double? ClockOffsetSeconds { get; set; }
    public List<string> FindingCodes { get; set; } = [];
}
