using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using HikFleet.Isapi;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace HikFleet.Core.Operations;

/// <summary>Takes, numbers, hashes and prunes configuration backups.</summary>
public sealed class ConfigurationBackups(IOptions<OperationOptions> options, TimeProvider time)
{
    /// <summary>
    /// Reads the device's export (when it supports one) and its readable settings, and adds a numbered backup row (the caller saves).
    /// A device that refuses the export still gets a snapshot-only backup; one that cannot be read at all throws.
    /// </summary>
    public async Task<ConfigurationBackup> TakeAsync(FleetDbContext db, Camera camera, IsapiClient client, string trigger, string createdBy,
        Guid? operationId, CancellationToken ct)
    {
        var info = await client.GetDeviceInfoAsync(ct);
        var settings = await DeviceSettingsIo.ReadAsync(client, ct);
        byte[]? export = null;
        try
        {
            using var buffer = new MemoryStream();
            await client.ExportConfigurationAsync(buffer, null, ct);
            export = buffer.ToArray();
        }
        catch (IsapiException e) when (e.Kind is IsapiErrorKind.NotSupported or IsapiErrorKind.BadRequest or IsapiErrorKind.MalformedAnswer
                                           or IsapiErrorKind.DeviceError)
        {
            // Restored from the snapshot (and the profile) instead.
        }

        var number = (await db.ConfigurationBackups.Where(b => b.CameraId == camera.Id).MaxAsync(b => (int?)b.Number, ct) ?? 0) + 1;
        var json = settings.ToJson();
        var backup = new ConfigurationBackup
        {
            CameraId = camera.Id, TenantId = (await db.Sites.Where(s => s.Id == camera.SiteId).Select(s => s.TenantId).SingleAsync(ct)),
            SiteId = camera.SiteId, Number = number, CreatedAt = time.GetUtcNow(), Trigger = trigger, CreatedBy = createdBy, OperationId = operationId,
            Model = info.Model?[..Math.Min(64, info.Model.Length)], FirmwareVersion = Cut(info.FirmwareVersion), FirmwareBuild = Cut(info.FirmwareReleasedDate),
            DeviceExport = export, DeviceExportSha256 = export is null ? null : Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(export)),
            Snapshot = json, SnapshotSha256 = DeviceSettings.Sha256(json),
        };
        db.ConfigurationBackups.Add(backup);
        return backup;
    }

    /// <summary>Deletes a camera's backups beyond the site's retention: never the newest, never one an unfinished operation refers to.</summary>
    public async Task<int> PruneAsync(FleetDbContext db, Guid cameraId, int keep, CancellationToken ct)
    {
        keep = Math.Max(keep, options.Value.MinBackupsKept);
        var referenced = await db.Operations.Where(o => o.CameraId == cameraId && (o.State == OperationState.Queued || o.State == OperationState.Running
                                                                                    || o.State == OperationState.Waiting || o.State == OperationState.AwaitingApproval
                                                                                    || o.State == OperationState.Failed))
            .Select(o => o.Context).ToListAsync(ct);
        var ids = await db.ConfigurationBackups.Where(b => b.CameraId == cameraId).OrderByDescending(b => b.Number).Skip(keep).Select(b => b.Id).ToListAsync(ct);
        var doomed = ids.Where(id => !referenced.Any(c => c.Contains(id.ToString("D"), StringComparison.Ordinal))).ToList();
        if (doomed.Count == 0) return 0;
        return await db.ConfigurationBackups.Where(b => doomed.Contains(b.Id)).ExecuteDeleteAsync(ct);
    }

    private static string? Cut(string? s) => s is null ? null : s.Length <= 64 ? s : s[..64];
}
