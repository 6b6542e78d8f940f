namespace HikFleet.Core.Data.Entities;

/// <summary>The latest picture of a camera, as a small thumbnail with what the image check measured (one row per camera).</summary>
public sealed class CameraSnapshot
{
    public Guid CameraId { get; set; }
    public DateTimeOffset TakenAt { get; set; }
    /// <summary>SHA-256 of the full JPEG the device sent: identical across checks means a frozen encoder.</summary>
    public required string Sha256 { get; set; }
    /// <summary>Mean brightness 0–255 (near 0 = black: covered lens, dead sensor, night without IR).</summary>
    public double? MeanLuma { get; set; }
    /// <summary>Consecutive checks with an identical image.</summary>
    public int UnchangedCount { get; set; }
    /// <summary>The JPEG (bounded in size), served to people who may read the camera.</summary>
    public byte[]? Jpeg { get; set; }
    /// <summary>Size in bytes of the last decoded picture (kept even when the picture is too large to keep): a picture far smaller
    /// than it is decoded at once (<see cref="Health.HealthOptions.SnapshotShrinkRatio"/>).</summary>
    public int? DecodedBytes { get; set; }
}

/// <summary>Newest firmware known for a model (entered by administrators or imported); health compares cameras against it.</summary>
public sealed class FirmwareRelease
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    /// <summary>Model, or a prefix ending in '*' (e.g. <c>DS-2CD2*</c>).</summary>
    public required string Model { get; set; }
    public required string Version { get; set; }
    public string? Build { get; set; }
    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
}
