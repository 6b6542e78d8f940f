namespace HikFleet.Core.Data.Entities;

/// <summary>
/// A device password in the credential vault, encrypted with AES-256-GCM under a key-encryption key that lives outside the
/// database (see <c>Vault/CredentialVault</c>). Belongs to a camera (its current password plus the last five) or to a site
/// (the default credential tried once when adopting). The plaintext never touches this row, a log or the UI.
/// </summary>
public sealed class DeviceCredential
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid? CameraId { get; set; }
    public Camera? Camera { get; set; }
    public Guid? SiteId { get; set; }
    public Site? Site { get; set; }

    public required string UserName { get; set; }
    /// <summary>Nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes); the owner and user name are bound in as associated data.</summary>
    public required byte[] Secret { get; set; }
    /// <summary>Id of the key-encryption key that sealed <see cref="Secret"/> (rotation re-seals under the new one).</summary>
    public required string KeyId { get; set; }

    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
    /// <summary>Who stored it (user name, or the job that generated it).</summary>
    public string? CreatedBy { get; set; }
    /// <summary>Set when a newer password replaced it; null = the current one.</summary>
    public DateTimeOffset? SupersededAt { get; set; }
    /// <summary>
    /// Set while the password is a rotation's new one that the device may not have yet (stored before the device sees it, so it is
    /// never lost): not the current one until the rotation verifies and promotes it. At most one pending per camera.
    /// </summary>
    public DateTimeOffset? PendingSince { get; set; }

    public bool IsPending => PendingSince != null && SupersededAt == null;
}
