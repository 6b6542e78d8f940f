namespace HikFleet.Core.Data.Entities;

/// <summary>
/// A firmware image in a tenant's library (issue #10): the file is stored once, content-addressed by its SHA-256 under the firmware
/// directory (never in the database: real images are 30–80 MB), and re-hashed before every upload to a camera.
/// </summary>
public sealed class FirmwareImage
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid TenantId { get; set; }
    /// <summary>The name it was uploaded as (display only; never used as a path).</summary>
    public required string FileName { get; set; }
    public long Size { get; set; }
    /// <summary>Lower-case hex SHA-256 of the file; also its name in the store.</summary>
    public required string Sha256 { get; set; }
    /// <summary>e.g. <c>V5.7.20</c>.</summary>
    public required string Version { get; set; }
    /// <summary>e.g. <c>build 250101</c>.</summary>
    public string? Build { get; set; }
    /// <summary>Hardware platform the image is built for, when known (e.g. <c>IPC_G5</c>); informational.</summary>
    public string? Platform { get; set; }
    /// <summary>Models it may be installed on: exact model strings or patterns with <c>*</c> (e.g. <c>DS-2CD2*G2*</c>).</summary>
    public List<string> Models { get; set; } = [];
    public string? Notes { get; set; }
    public required string UploadedByName { get; set; }
    public DateTimeOffset UploadedAt { get; set; } = DateTimeOffset.UtcNow;
}
