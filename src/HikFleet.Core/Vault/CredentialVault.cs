using System.Security.Cryptography;
using System.Text;
using HikFleet.Core.Audit;
using HikFleet.Core.Common;
using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Security;
using Microsoft.EntityFrameworkCore;

namespace HikFleet.Core.Vault;

/// <summary>A device credential opened from the vault. <see cref="ToString"/> never shows the password.</summary>
public sealed record DeviceSecret(Guid CredentialId, string UserName, string Password)
{
    public override string ToString() => $"DeviceSecret {{ CredentialId = {CredentialId}, UserName = {UserName} }}";
}

/// <summary>
/// Device passwords at rest: AES-256-GCM under a key-encryption key that is not in the database (<see cref="VaultKeyRing"/>), with
/// the owner and user name bound in as associated data so a secret copied onto another camera's row does not open.
/// Keeps the current password plus the last <see cref="HistoryDepth"/>; revealing one is for administrators and always audited.
/// Stores are tracked on the caller's <see cref="FleetDbContext"/> so they commit atomically with whatever else the caller saves.
/// </summary>
public sealed class CredentialVault(VaultKeyRing keys, IDbContextFactory<FleetDbContext> contexts, AuditLog audit, TimeProvider time)
{
    public const int HistoryDepth = 5;
    public const int MaxPasswordLength = 64;
    private const int NonceSize = 12, TagSize = 16;

    public string CurrentKeyId => keys.CurrentId;

    /// <summary>Stores a new current password for a camera (the previous one joins the history); the caller saves.</summary>
    public Task<DeviceCredential> StoreForCameraAsync(FleetDbContext db, Guid cameraId, string userName, string password, string createdBy,
        CancellationToken cancellationToken = default) =>
        StoreAsync(db, cameraId, null, userName, password, createdBy, cancellationToken);

    /// <summary>Stores a site's default adoption credential (no history kept beyond the vault's depth); the caller saves.</summary>
    public Task<DeviceCredential> StoreForSiteAsync(FleetDbContext db, Guid siteId, string userName, string password, string createdBy,
        CancellationToken cancellationToken = default) =>
        StoreAsync(db, null, siteId, userName, password, createdBy, cancellationToken);

    /// <summary>The camera's current credential, or null when the vault holds none. Throws <see cref="VaultException"/> when it cannot be opened.</summary>
    public Task<DeviceSecret?> GetForCameraAsync(FleetDbContext db, Guid cameraId, CancellationToken cancellationToken = default) =>
        GetCurrentAsync(db.DeviceCredentials.Where(c => c.CameraId == cameraId), cancellationToken);

    /// <summary>The site's default adoption credential, or null.</summary>
    public Task<DeviceSecret?> GetForSiteAsync(FleetDbContext db, Guid siteId, CancellationToken cancellationToken = default) =>
        GetCurrentAsync(db.DeviceCredentials.Where(c => c.SiteId == siteId), cancellationToken);

    private async Task<DeviceSecret?> GetCurrentAsync(IQueryable<DeviceCredential> owned, CancellationToken cancellationToken)
    {
        var row = await owned.AsNoTracking().SingleOrDefaultAsync(c => c.SupersededAt == null && c.PendingSince == null, cancellationToken);
        return row is null ? null : Open(row);
    }

    // ------------------------------------------------------------------ pending credentials (password rotation)

    /// <summary>
    /// Stores a rotation's new password as the camera's PENDING credential (not the current one: the device does not have it yet);
    /// the caller saves, and must commit before the device sees the password so it is never lost. Throws when one is pending already
    /// (the database allows one per camera): reuse it with <see cref="GetPendingForCameraAsync"/> instead, the device may have it.
    /// </summary>
    public async Task<DeviceCredential> StorePendingForCameraAsync(FleetDbContext db, Guid cameraId, string userName, string password, string createdBy,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userName);
        ArgumentException.ThrowIfNullOrEmpty(password);
        if (password.Length > MaxPasswordLength) throw new ArgumentException($"A device password has at most {MaxPasswordLength} characters.", nameof(password));
        if (await db.DeviceCredentials.AnyAsync(c => c.CameraId == cameraId && c.SupersededAt == null && c.PendingSince != null, cancellationToken))
        {
            throw new InvalidOperationException($"Camera {cameraId} already has a pending credential.");
        }

        var now = time.GetUtcNow();
        var row = new DeviceCredential
        {
            CameraId = cameraId, UserName = userName, KeyId = keys.CurrentId, CreatedAt = now, CreatedBy = createdBy, PendingSince = now,
            Secret = Seal(cameraId, null, userName, password),
        };
        db.DeviceCredentials.Add(row);
        return row;
    }

    /// <summary>The camera's pending credential (a rotation's new password, not yet verified), or null.</summary>
    public async Task<DeviceSecret?> GetPendingForCameraAsync(FleetDbContext db, Guid cameraId, CancellationToken cancellationToken = default)
    {
        var row = await db.DeviceCredentials.AsNoTracking()
            .SingleOrDefaultAsync(c => c.CameraId == cameraId && c.SupersededAt == null && c.PendingSince != null, cancellationToken);
        return row is null ? null : Open(row);
    }

    /// <summary>
    /// The device takes the pending password: it becomes the current one (a fresh current row; the previous current joins the
    /// history, the pending row goes), tracked on the caller's context so it commits with the caller's other changes. Returns the
    /// new current row, or null when nothing is pending.
    /// </summary>
    public async Task<DeviceCredential?> PromotePendingAsync(FleetDbContext db, Guid cameraId, string createdBy, CancellationToken cancellationToken = default)
    {
        var pending = await db.DeviceCredentials.SingleOrDefaultAsync(c => c.CameraId == cameraId && c.SupersededAt == null && c.PendingSince != null,
            cancellationToken);
        if (pending is null) return null;
        var secret = Open(pending);
        // A new row instead of flipping the flag: the update order of one SaveChanges is not guaranteed, and the old current must
        // leave the "one current per camera" index before the new one enters it (a delete and an insert are ordered after updates).
        db.DeviceCredentials.Remove(pending);
        return await StoreAsync(db, cameraId, null, secret.UserName, secret.Password, createdBy, cancellationToken);
    }

    /// <summary>
    /// The device kept the current password: the pending one is retired into the history (kept, not deleted, in case the device
    /// took it after all). The caller saves.
    /// </summary>
    public async Task<bool> DiscardPendingAsync(FleetDbContext db, Guid cameraId, CancellationToken cancellationToken = default)
    {
        var pending = await db.DeviceCredentials.SingleOrDefaultAsync(c => c.CameraId == cameraId && c.SupersededAt == null && c.PendingSince != null,
            cancellationToken);
        if (pending is null) return false;
        pending.SupersededAt = time.GetUtcNow();
        return true;
    }

    /// <summary>Current credentials of many cameras at once (health sweeps): one query, opened in memory.</summary>
    public async Task<Dictionary<Guid, DeviceSecret>> GetForCamerasAsync(FleetDbContext db, IReadOnlyCollection<Guid> cameraIds,
        CancellationToken cancellationToken = default)
    {
        var rows = await db.DeviceCredentials.AsNoTracking()
            .Where(c => c.CameraId != null && cameraIds.Contains(c.CameraId.Value) && c.SupersededAt == null && c.PendingSince == null)
            .ToListAsync(cancellationToken);
        return rows.ToDictionary(r => r.CameraId!.Value, Open);
    }

    /// <summary>Opens a stored credential. A wrong or missing key, or a changed byte, fails closed with <see cref="VaultException"/>.</summary>
    public DeviceSecret Open(DeviceCredential row)
    {
        if (!keys.TryGet(row.KeyId, out var key))
        {
            throw new VaultException($"Credential {row.Id} was sealed with vault key '{row.KeyId}', which is not configured.");
        }

        var secret = row.Secret;
        if (secret.Length < NonceSize + TagSize) throw new VaultException($"Credential {row.Id} is damaged.");
        var plain = new byte[secret.Length - NonceSize - TagSize];
        try
        {
            using var aes = new AesGcm(key, TagSize);
            aes.Decrypt(secret.AsSpan(0, NonceSize), secret.AsSpan(NonceSize, plain.Length), secret.AsSpan(NonceSize + plain.Length),
                plain, AssociatedData(row.CameraId, row.SiteId, row.UserName));
        }
        catch (CryptographicException ex)
        {
            throw new VaultException($"Credential {row.Id} cannot be opened with vault key '{row.KeyId}' (wrong key or altered data).", ex);
        }

        return new DeviceSecret(row.Id, row.UserName, Encoding.UTF8.GetString(plain));
    }

    /// <summary>
    /// Shows a camera's current password to an administrator. Audited whether it succeeds or is refused; the entry never holds the
    /// password.
    /// </summary>
    public async Task<(ServiceResult Result, DeviceSecret? Secret)> RevealAsync(FleetScope scope, Guid cameraId, string? reason,
        CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var camera = await scope.Cameras(db).Include(c => c.Site).SingleOrDefaultAsync(c => c.Id == cameraId, cancellationToken);
        if (camera is null) return (ServiceResult.NotFound("The camera does not exist."), null);
        if (!scope.Can(FleetPermissions.Administer))
        {
            var refused = ServiceResult.Forbidden("Only administrators may reveal device passwords.");
            await audit.RecordAsync(scope, "credential.reveal", refused, camera.Site!.TenantId, camera.SiteId, camera.Id, new { reason }, cancellationToken);
            return (refused, null);
        }

        if (string.IsNullOrWhiteSpace(reason))
        {
            return (ServiceResult.Invalid("reason", "Say why the password is needed; it goes into the audit trail."), null);
        }

        var secret = await GetForCameraAsync(db, cameraId, cancellationToken);
        var result = secret is null ? ServiceResult.NotFound("The vault holds no password for this camera.") : ServiceResult.Ok(secret.CredentialId);
        await audit.RecordAsync(scope, "credential.reveal", result, camera.Site!.TenantId, camera.SiteId, camera.Id,
            new { reason = reason.Trim(), credentialId = secret?.CredentialId, user = secret?.UserName }, cancellationToken);
        return (result, secret);
    }

    /// <summary>Re-seals every stored credential under the current key (after a key was added); returns how many changed.</summary>
    public async Task<int> ResealAllAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await db.DeviceCredentials.Where(c => c.KeyId != keys.CurrentId).ToListAsync(cancellationToken);
        foreach (var row in rows)
        {
            var open = Open(row);
            row.Secret = Seal(row.CameraId, row.SiteId, row.UserName, open.Password);
            row.KeyId = keys.CurrentId;
        }

        await db.SaveChangesAsync(cancellationToken);
        return rows.Count;
    }

    private async Task<DeviceCredential> StoreAsync(FleetDbContext db, Guid? cameraId, Guid? siteId, string userName, string password,
        string createdBy, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userName);
        ArgumentException.ThrowIfNullOrEmpty(password);
        if (password.Length > MaxPasswordLength) throw new ArgumentException($"A device password has at most {MaxPasswordLength} characters.", nameof(password));

        var now = time.GetUtcNow();
        var owned = db.DeviceCredentials.Where(c => cameraId != null ? c.CameraId == cameraId : c.SiteId == siteId);
        var current = await owned.Where(c => c.SupersededAt == null && c.PendingSince == null).ToListAsync(cancellationToken);
        foreach (var c in current) c.SupersededAt = now;

        // Keep the last HistoryDepth superseded ones (including the one just superseded); older ones are removed.
        var history = await owned.Where(c => c.SupersededAt != null).OrderByDescending(c => c.SupersededAt).ThenByDescending(c => c.CreatedAt)
            .Select(c => c.Id).ToListAsync(cancellationToken);
        var keep = HistoryDepth - current.Count;
        var stale = history.Skip(Math.Max(keep, 0)).ToList();
        if (stale.Count > 0) await owned.Where(c => stale.Contains(c.Id)).ExecuteDeleteAsync(cancellationToken);

        var row = new DeviceCredential
        {
            CameraId = cameraId, SiteId = siteId, UserName = userName, KeyId = keys.CurrentId, CreatedAt = now, CreatedBy = createdBy,
            Secret = Seal(cameraId, siteId, userName, password),
        };
        db.DeviceCredentials.Add(row);
        return row;
    }

    private byte[] Seal(Guid? cameraId, Guid? siteId, string userName, string password)
    {
        var plain = Encoding.UTF8.GetBytes(password);
        var secret = new byte[NonceSize + plain.Length + TagSize];
        RandomNumberGenerator.Fill(secret.AsSpan(0, NonceSize));
        using var aes = new AesGcm(keys.Current, TagSize);
        aes.Encrypt(secret.AsSpan(0, NonceSize), plain, secret.AsSpan(NonceSize, plain.Length), secret.AsSpan(NonceSize + plain.Length),
            AssociatedData(cameraId, siteId, userName));
        CryptographicOperations.ZeroMemory(plain);
        return secret;
    }

    /// <summary>
    /// Seals a secret that is not a device password (a webhook's signing key) with the current vault key, bound to
    /// <paramref name="context"/> (e.g. the channel id): a sealed value copied onto another row does not open.
    /// </summary>
    public (string KeyId, byte[] Sealed) SealSecret(string secret, string context)
    {
        var plain = Encoding.UTF8.GetBytes(secret);
        var sealedBytes = new byte[NonceSize + plain.Length + TagSize];
        RandomNumberGenerator.Fill(sealedBytes.AsSpan(0, NonceSize));
        using var aes = new AesGcm(keys.Current, TagSize);
        aes.Encrypt(sealedBytes.AsSpan(0, NonceSize), plain, sealedBytes.AsSpan(NonceSize, plain.Length), sealedBytes.AsSpan(NonceSize + plain.Length),
            Encoding.UTF8.GetBytes($"hikfleet-secret|{context}"));
        CryptographicOperations.ZeroMemory(plain);
        return (keys.CurrentId, sealedBytes);
    }

    /// <summary>Opens what <see cref="SealSecret"/> sealed; fails closed with <see cref="VaultException"/>.</summary>
    public string OpenSecret(string keyId, byte[] sealedBytes, string context)
    {
        if (!keys.TryGet(keyId, out var key)) throw new VaultException($"A secret was sealed with vault key '{keyId}', which is not configured.");
        if (sealedBytes.Length < NonceSize + TagSize) throw new VaultException("A sealed secret is damaged.");
        var plain = new byte[sealedBytes.Length - NonceSize - TagSize];
        try
        {
            using var aes = new AesGcm(key, TagSize);
            aes.Decrypt(sealedBytes.AsSpan(0, NonceSize), sealedBytes.AsSpan(NonceSize, plain.Length), sealedBytes.AsSpan(NonceSize + plain.Length), plain,
                Encoding.UTF8.GetBytes($"hikfleet-secret|{context}"));
        }
        catch (CryptographicException ex)
        {
            throw new VaultException("A sealed secret cannot be opened (wrong key or altered data).", ex);
        }

        return Encoding.UTF8.GetString(plain);
    }

    private static byte[] AssociatedData(Guid? cameraId, Guid? siteId, string userName) =>
        Encoding.UTF8.GetBytes($"hikfleet-credential|camera:{cameraId}|site:{siteId}|user:{userName}");
}
