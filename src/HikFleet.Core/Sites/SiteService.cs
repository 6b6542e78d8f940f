using HikFleet.Core.Devices;
using HikFleet.Core.Audit;
using HikFleet.Core.Common;
using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Security;
using HikFleet.Core.Vault;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace HikFleet.Core.Sites;

/// <summary>Creates, changes and removes sites; the rules live here so the UI and the API behave the same.</summary>
public sealed class SiteService(IDbContextFactory<FleetDbContext> contexts, AuditLog audit, CredentialVault vault, FleetChangeFeed? changes = null)
{
    public async Task<ServiceResult> CreateAsync(FleetScope scope, SiteInput input, CancellationToken cancellationToken = default)
    {
        var result = await CreateCoreAsync(scope, input, cancellationToken);
        await audit.RecordAsync(scope, "site.create", result, input.TenantId, parameters: Describe(input), cancellationToken: cancellationToken);
        Published(result, input.TenantId, result.Id);
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

        var errors = SiteValidator.Validate(input, out var subnets, out var normalised);
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
        Apply(site, input, normalised);
        db.Sites.Add(site);
        return await SaveAsync(db, site.Id, cancellationToken);
    }

    /// <summary>Changes a site. The tenant of a site never changes; <see cref="SiteInput.TenantId"/> is ignored here.</summary>
    public async Task<ServiceResult> UpdateAsync(FleetScope scope, Guid siteId, SiteInput input, CancellationToken cancellationToken = default)
    {
        var (result, tenantId) = await UpdateCoreAsync(scope, siteId, input, cancellationToken);
        await audit.RecordAsync(scope, "site.update", result, tenantId, siteId, parameters: Describe(input), cancellationToken: cancellationToken);
        Published(result, tenantId, siteId);
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

        var errors = SiteValidator.Validate(input, out var subnets, out var normalised);
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
        Apply(site, input, normalised);
        site.UpdatedAt = DateTimeOffset.UtcNow;
        return (await SaveAsync(db, site.Id, cancellationToken), site.TenantId);
    }

    /// <summary>Deletes an empty site. A site that still has cameras is refused: retire or move them first.</summary>
    public async Task<ServiceResult> DeleteAsync(FleetScope scope, Guid siteId, CancellationToken cancellationToken = default)
    {
        var (result, tenantId, name) = await DeleteCoreAsync(scope, siteId, cancellationToken);
        await audit.RecordAsync(scope, "site.delete", result, tenantId, siteId, parameters: new { name }, cancellationToken: cancellationToken);
        Published(result, tenantId, siteId);
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

    /// <summary>Tells live pages and the schedule keeper (per-site discovery/health jobs) that a site changed.</summary>
    private void Published(ServiceResult result, Guid? tenantId, Guid? siteId)
    {
        if (result.Succeeded && siteId is not null) changes?.Publish(new FleetChange(FleetChangeKinds.Site, tenantId, siteId));
    }

    private static void Apply(Site site, SiteInput input, SiteValidator.Normalised normalised)
    {
        site.DiscoveryCron = normalised.DiscoveryCron;
        site.HealthCron = normalised.HealthCron;
        site.SadpInterfaces = normalised.SadpInterfaces;
        site.ProbeRanges = normalised.ProbeRanges;
        site.ProbePort = input.ProbePort;
        site.MissingAfterRuns = input.MissingAfterRuns;
        site.DefaultUserName = input.DefaultUserName.Trim();
        site.ReprovisionPolicy = input.ReprovisionPolicy;
        site.MaintenanceStart = normalised.MaintenanceStart;
        site.MaintenanceEnd = normalised.MaintenanceEnd;
        site.BulkConcurrency = input.BulkConcurrency;
        site.PoeConcurrentPorts = input.PoeConcurrentPorts;
        site.BackupCron = normalised.BackupCron;
        site.BackupRetention = input.BackupRetention;
        site.PasswordRotationCron = normalised.PasswordRotationCron;
    }

    /// <summary>
    /// Sets the site's default device credential (tried once when adopting cameras of the site). Stored in the vault; the password is
    /// never audited, logged or returned. Needs <see cref="FleetPermissions.ManageSites"/> for the site's tenant.
    /// </summary>
    public async Task<ServiceResult> SetDefaultCredentialAsync(FleetScope scope, Guid siteId, string? userName, string? password,
        CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var site = await scope.Sites(db).SingleOrDefaultAsync(s => s.Id == siteId, cancellationToken);
        if (site is null)
        {
            return ServiceResult.NotFound("The site does not exist.");
        }

        var user = userName?.Trim() ?? "";
        ServiceResult result;
        if (!scope.Can(FleetPermissions.ManageSites, site.TenantId))
        {
            result = ServiceResult.Forbidden("Your role may not change this site's credentials.");
        }
        else if (SiteValidator.UserNameProblem(user) is { } userProblem)
        {
            result = ServiceResult.Invalid("userName", userProblem);
        }
        else if (string.IsNullOrEmpty(password))
        {
            result = ServiceResult.Invalid("password", "Enter the password the site's cameras use.");
        }
        else if (password.Length > CredentialVault.MaxPasswordLength)
        {
            result = ServiceResult.Invalid("password", $"A device password has at most {CredentialVault.MaxPasswordLength} characters.");
        }
        else if (password.Any(char.IsControl))
        {
            result = ServiceResult.Invalid("password", "A device password has no control characters.");
        }
        else
        {
            await vault.StoreForSiteAsync(db, site.Id, user, password, scope.UserName ?? "system", cancellationToken);
            site.DefaultUserName = user;
            site.UpdatedAt = DateTimeOffset.UtcNow;
            await db.SaveChangesAsync(cancellationToken);
            result = ServiceResult.Ok(site.Id);
        }

        // The user name is kept; the password never is (nor its length).
        await audit.RecordAsync(scope, "site.credential.set", result, site.TenantId, site.Id, parameters: new { userName = user }, cancellationToken: cancellationToken);
        return result;
    }

    /// <summary>Who set the site's default credential and when (never the password); null when none is set or the site is not in scope.</summary>
    public async Task<DefaultCredentialInfo?> DefaultCredentialAsync(FleetScope scope, Guid siteId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var inScope = scope.Sites(db).Where(s => s.Id == siteId).Select(s => s.Id);
        return await db.DeviceCredentials.AsNoTracking()
            .Where(c => c.SiteId != null && inScope.Contains(c.SiteId.Value) && c.SupersededAt == null)
            .Select(c => new DefaultCredentialInfo(c.UserName, c.CreatedAt, c.CreatedBy))
            .SingleOrDefaultAsync(cancellationToken);
    }

    /// <summary>What an audit entry keeps of a site edit (all of it: sites hold no secrets).</summary>
    private static object Describe(SiteInput input) =>
        new
        {
            name = input.Name?.Trim(), timeZone = input.TimeZone, subnets = input.Subnets, ntpServer = input.NtpServer,
            discoveryCron = input.DiscoveryCron, healthCron = input.HealthCron, sadpInterfaces = input.SadpInterfaces,
            probeRanges = input.ProbeRanges, probePort = input.ProbePort, missingAfterRuns = input.MissingAfterRuns,
            defaultUserName = input.DefaultUserName, reprovisionPolicy = input.ReprovisionPolicy.ToString(),
            maintenanceWindow = input.MaintenanceWindow, bulkConcurrency = input.BulkConcurrency,
            poeConcurrentPorts = input.PoeConcurrentPorts, backupCron = input.BackupCron,
            backupRetention = input.BackupRetention, passwordRotationCron = input.PasswordRotationCron,
        };

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

/// <summary>What the UI shows about a site's default credential: never the password.</summary>
public sealed record DefaultCredentialInfo(string UserName, DateTimeOffset SetAt, string? SetBy);
