using HikFleet.Core.Audit;
using HikFleet.Core.Common;
using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Security;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace HikFleet.Core.Sites;

/// <summary>Creates, changes and removes sites; the rules live here so the UI and the API behave the same.</summary>
public sealed class SiteService(IDbContextFactory<FleetDbContext> contexts, AuditLog audit)
{
    public async Task<ServiceResult> CreateAsync(FleetScope scope, SiteInput input, CancellationToken cancellationToken = default)
    {
        var result = await CreateCoreAsync(scope, input, cancellationToken);
        await audit.RecordAsync(scope, "site.create", result, input.TenantId, parameters: Describe(input), cancellationToken: cancellationToken);
        return result;
    }

    private async Task<ServiceResult> CreateCoreAsync(FleetScope scope, SiteInput input, CancellationToken cancellationToken)
    {
        if (!scope.SeesTenant(input.TenantId))
        {
            return ServiceResult.Invalid(nameof(SiteInput.TenantId), "No such tenant.");
        }

        if (!scope.Can(FleetPermissions.ManageSites, input.TenantId))
        {
            return ServiceResult.Forbidden("Your role may not create sites in this tenant.");
        }

        var errors = SiteValidator.Validate(input, out var subnets);
        if (errors.Count > 0)
        {
            return ServiceResult.Invalid(errors);
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (!await db.Tenants.AnyAsync(t => t.Id == input.TenantId, cancellationToken))
        {
            return ServiceResult.Invalid(nameof(SiteInput.TenantId), "No such tenant.");
        }

        var site = new Site
        {
            TenantId = input.TenantId,
            Name = input.Name.Trim(),
            TimeZone = input.TimeZone,
            Subnets = subnets,
            NtpServer = string.IsNullOrWhiteSpace(input.NtpServer) ? null : input.NtpServer.Trim(),
        };
        db.Sites.Add(site);
        return await SaveAsync(db, site.Id, cancellationToken);
    }

    /// <summary>Changes a site. The tenant of a site never changes; <see cref="SiteInput.TenantId"/> is ignored here.</summary>
    public async Task<ServiceResult> UpdateAsync(FleetScope scope, Guid siteId, SiteInput input, CancellationToken cancellationToken = default)
    {
        var (result, tenantId) = await UpdateCoreAsync(scope, siteId, input, cancellationToken);
        await audit.RecordAsync(scope, "site.update", result, tenantId, siteId, parameters: Describe(input), cancellationToken: cancellationToken);
        return result;
    }

    private async Task<(ServiceResult, Guid?)> UpdateCoreAsync(FleetScope scope, Guid siteId, SiteInput input, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var site = await scope.Sites(db).SingleOrDefaultAsync(s => s.Id == siteId, cancellationToken);
        if (site is null)
        {
            return (ServiceResult.NotFound("The site does not exist."), null);
        }

        if (!scope.Can(FleetPermissions.ManageSites, site.TenantId))
        {
            return (ServiceResult.Forbidden("Your role may not change this site."), site.TenantId);
        }

        var errors = SiteValidator.Validate(input, out var subnets);
        if (errors.Count > 0)
        {
            return (ServiceResult.Invalid(errors), site.TenantId);
        }

        if (input.Version is { } version)
        {
            // Compare against the version the editor loaded, not the one just read.
            db.Entry(site).Property(s => s.Version).OriginalValue = version;
        }

        site.Name = input.Name.Trim();
        site.TimeZone = input.TimeZone;
        site.Subnets = subnets;
        site.NtpServer = string.IsNullOrWhiteSpace(input.NtpServer) ? null : input.NtpServer.Trim();
        site.UpdatedAt = DateTimeOffset.UtcNow;
        return (await SaveAsync(db, site.Id, cancellationToken), site.TenantId);
    }

    /// <summary>Deletes an empty site. A site that still has cameras is refused: retire or move them first.</summary>
    public async Task<ServiceResult> DeleteAsync(FleetScope scope, Guid siteId, CancellationToken cancellationToken = default)
    {
        var (result, tenantId, name) = await DeleteCoreAsync(scope, siteId, cancellationToken);
        await audit.RecordAsync(scope, "site.delete", result, tenantId, siteId, parameters: new { name }, cancellationToken: cancellationToken);
        return result;
    }

    private async Task<(ServiceResult, Guid?, string?)> DeleteCoreAsync(FleetScope scope, Guid siteId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var site = await scope.Sites(db).SingleOrDefaultAsync(s => s.Id == siteId, cancellationToken);
        if (site is null)
        {
            return (ServiceResult.NotFound("The site does not exist."), null, null);
        }

        if (!scope.Can(FleetPermissions.ManageSites, site.TenantId))
        {
            return (ServiceResult.Forbidden("Your role may not delete this site."), site.TenantId, site.Name);
        }

        var cameras = await db.Cameras.CountAsync(c => c.SiteId == siteId, cancellationToken);
        if (cameras > 0)
        {
            return (ServiceResult.Conflict("", $"The site still has {cameras} camera(s); move or retire them before deleting it."), site.TenantId, site.Name);
        }

        db.Sites.Remove(site);
        return (await SaveAsync(db, siteId, cancellationToken), site.TenantId, site.Name);
    }

    /// <summary>What an audit entry keeps of a site edit (all of it: sites hold no secrets).</summary>
    private static object Describe(SiteInput input) =>
        new { name = input.Name?.Trim(), timeZone = input.TimeZone, subnets = input.Subnets, ntpServer = input.NtpServer };

    private static async Task<ServiceResult> SaveAsync(FleetDbContext db, Guid id, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return ServiceResult.Ok(id);
        }
        catch (DbUpdateConcurrencyException)
        {
            return ServiceResult.Conflict("", "Someone else changed this site meanwhile; reload it and apply your change again.");
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return ServiceResult.Conflict(nameof(SiteInput.Name), "This tenant already has a site with that name.");
        }
    }
}
