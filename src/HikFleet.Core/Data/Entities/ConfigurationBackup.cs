namespace HikFleet.Core.Data.Entities;

/// <summary>
/// One configuration backup of a camera: the device's own export (opaque, device-encrypted, restorable only to the same device on the
/// same firmware) plus a readable snapshot of its settings (never passwords), each hashed. Numbered per camera; old ones are removed
/// by retention (the newest per camera and any an operation still refers to are kept).
/// </summary>
public sealed class ConfigurationBackup
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid TenantId { get; set; }
    public Guid SiteId { get; set; }
    public Guid CameraId { get; set; }
    /// <summary>1, 2, 3... per camera.</summary>
    public int Number { get; set; }
    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
    /// <summary>"scheduled", "before factory-reset", "manual"...</summary>
    public required string Trigger { get; set; }
    public Guid? OperationId { get; set; }
    public required string CreatedBy { get; set; }

    public string? Model { get; set; }
    public string? FirmwareVersion { get; set; }
    public string? FirmwareBuild { get; set; }

    /// <summary>The device's configurationData export; null when the device could not export (the snapshot alone is kept).</summary>
    public byte[]? DeviceExport { get; set; }
    /// <summary>Hex SHA-256 of <see cref="DeviceExport"/>.</summary>
    public string? DeviceExportSha256 { get; set; }
    /// <summary>The readable settings (<see cref="Operations.DeviceSettings"/>) as JSON.</summary>
    public required string Snapshot { get; set; }
    /// <summary>Hex SHA-256 of <see cref="Snapshot"/> as stored.</summary>
    public required string SnapshotSha256 { get; set; }
}
