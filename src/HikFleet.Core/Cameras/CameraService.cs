using HikFleet.Core.Audit;
using HikFleet.Core.Common;
using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Security;
using Microsoft.EntityFrameworkCore;

namespace HikFleet.Core.Cameras;

/// <summary>Changes to a camera's inventory record (not to the device itself: that is an operation).</summary>
public sealed class CameraService(IDbContextFactory<FleetDbContext> contexts, AuditLog audit)
{
    public const int MaxNameLength = 128;

    /// <summary>Renames a camera in the inventory. Operators may, within scope.</summary>
    public async Task<ServiceResult> RenameAsync(FleetScope scope, Guid cameraId, string? name, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var camera = await scope.Cameras(db).Include(c => c.Site).SingleOrDefaultAsync(c => c.Id == cameraId, cancellationToken);
        if (camera is null)
        {
            return ServiceResult.NotFound("The camera does not exist.");
        }

        if (!scope.Can(FleetPermissions.Operate, camera.Site!.TenantId, camera.SiteId))
        {
            var refused = ServiceResult.Forbidden("Your role may not change cameras.");
            await audit.RecordAsync(scope, "camera.rename", refused, camera.Site.TenantId, camera.SiteId, camera.Id, cancellationToken: cancellationToken);
            return refused;
        }

        var trimmed = name?.Trim();
        if (trimmed is { Length: > MaxNameLength })
        {
            return ServiceResult.Invalid("name", $"A camera name has at most {MaxNameLength} characters.");
        }

        var before = camera.Name;
        camera.Name = string.IsNullOrEmpty(trimmed) ? null : trimmed;
        camera.UpdatedAt = DateTimeOffset.UtcNow;
        var result = ServiceResult.Ok(camera.Id);
        await CommitWithAuditAsync(db, scope, "camera.rename", result, camera, new { from = before, to = camera.Name }, cancellationToken);
        return result;
    }

    /// <summary>
    /// Takes a camera out of service. The row stays (lifecycle Retired) so its history and audit trail remain provable;
    /// nothing is sent to the device.
    /// </summary>
    public async Task<ServiceResult> RetireAsync(FleetScope scope, Guid cameraId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var camera = await scope.Cameras(db).Include(c => c.Site).SingleOrDefaultAsync(c => c.Id == cameraId, cancellationToken);
        if (camera is null)
        {
            return ServiceResult.NotFound("The camera does not exist.");
        }

        if (!scope.Can(FleetPermissions.ManageSites, camera.Site!.TenantId))
        {
            var refused = ServiceResult.Forbidden("Your role may not retire cameras.");
            await audit.RecordAsync(scope, "camera.retire", refused, camera.Site.TenantId, camera.SiteId, camera.Id, cancellationToken: cancellationToken);
            return refused;
        }

        camera.Lifecycle = CameraLifecycle.Retired;
        camera.UpdatedAt = DateTimeOffset.UtcNow;
        var result = ServiceResult.Ok(camera.Id);
        await CommitWithAuditAsync(db, scope, "camera.retire", result, camera, new { serial = camera.SerialNumber, mac = camera.MacAddress }, cancellationToken);
        return result;
    }

    /// <summary>Saves the change and its audit entry in one transaction: both land, or neither.</summary>
    private Task CommitWithAuditAsync(FleetDbContext db, FleetScope scope, string action, ServiceResult result, Camera camera, object parameters,
        CancellationToken cancellationToken) =>
        db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            await audit.RecordInTransactionAsync(db, scope, action, result, camera.Site!.TenantId, camera.SiteId, camera.Id, parameters, ct);
            await transaction.CommitAsync(ct);
        }, cancellationToken);
}
