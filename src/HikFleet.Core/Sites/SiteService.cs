using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace HikFleet.Core.Sites;

/// <summary>Creates, changes and removes sites; the rules live here so the UI and the API behave the same.</summary>
public sealed class SiteService(IDbContextFactory<FleetDbContext> contexts)
{
    public async Task<SiteResult> CreateAsync(SiteInput input, CancellationToken cancellationToken = default)
    {
        var errors = SiteValidator.Validate(input, out var subnets);
        if (errors.Count > 0)
        {
            return new SiteResult(null, errors);
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (!await db.Tenants.AnyAsync(t => t.Id == input.TenantId, cancellationToken))
        {
            return SiteResult.Invalid(nameof(SiteInput.TenantId), "The tenant does not exist.");
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

    public async Task<SiteResult> UpdateAsync(Guid siteId, SiteInput input, CancellationToken cancellationToken = default)
    {
        var errors = SiteValidator.Validate(input, out var subnets);
        if (errors.Count > 0)
        {
            return new SiteResult(null, errors);
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var site = await db.Sites.SingleOrDefaultAsync(s => s.Id == siteId, cancellationToken);
        if (site is null)
        {
            return SiteResult.Invalid("", "The site no longer exists.");
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
        return await SaveAsync(db, site.Id, cancellationToken);
    }

    /// <summary>Deletes an empty site. A site that still has cameras is refused: retire or move them first.</summary>
    public async Task<SiteResult> DeleteAsync(Guid siteId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var site = await db.Sites.SingleOrDefaultAsync(s => s.Id == siteId, cancellationToken);
        if (site is null)
        {
            return SiteResult.Invalid("", "The site no longer exists.");
        }

        var cameras = await db.Cameras.CountAsync(c => c.SiteId == siteId, cancellationToken);
        if (cameras > 0)
        {
            return SiteResult.Invalid("", $"The site still has {cameras} camera(s); move or retire them before deleting it.");
        }

        db.Sites.Remove(site);
        return await SaveAsync(db, siteId, cancellationToken);
    }

    private static async Task<SiteResult> SaveAsync(FleetDbContext db, Guid id, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return SiteResult.Ok(id);
        }
        catch (DbUpdateConcurrencyException)
        {
            return SiteResult.Invalid("", "Someone else changed this site meanwhile; reload it and apply your change again.");
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return SiteResult.Invalid(nameof(SiteInput.Name), "This tenant already has a site with that name.");
        }
    }
}
