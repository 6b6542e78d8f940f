using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace HikFleet.Core.Security;

/// <summary>
/// Who is asking and what they may see: the one place where queries are narrowed to a caller's tenants and sites.
/// Pages, API endpoints and jobs get their rows through <see cref="Tenants"/>, <see cref="Sites"/> and
/// <see cref="Cameras"/>, never straight from the <see cref="FleetDbContext"/> sets.
/// </summary>
public sealed class FleetScope
{
    private readonly Guid[] _wholeTenants;
    private readonly Guid[] _allTenants;
    private readonly Guid[] _sites;

    private FleetScope(Guid? userId, string? userName, string? role, IReadOnlyList<TenantMembership> memberships)
    {
        UserId = userId;
        UserName = userName;
        Role = role;
        Memberships = memberships;
        _wholeTenants = memberships.Where(m => m.SiteIds.Count == 0).Select(m => m.TenantId).Distinct().ToArray();
        _allTenants = memberships.Select(m => m.TenantId).Distinct().ToArray();
        _sites = memberships.SelectMany(m => m.SiteIds).Distinct().ToArray();
    }

    /// <summary>Background jobs acting for the installation itself (discovery, health checks).</summary>
    public static FleetScope System { get; } = new(null, "system", FleetRoles.Administrator, []);

    /// <summary>Nobody: sees nothing, may do nothing. What an unknown or disabled caller gets.</summary>
    public static FleetScope Nobody { get; } = new(null, null, null, []);

    public static FleetScope ForUser(Guid userId, string userName, string? role, IReadOnlyList<TenantMembership> memberships) =>
        new(userId, userName, FleetRoles.All.Contains(role) ? role : null, memberships);

    public Guid? UserId { get; }
    public string? UserName { get; }
    public string? Role { get; }
    public IReadOnlyList<TenantMembership> Memberships { get; }
    public bool IsAdministrator => Role == FleetRoles.Administrator;

    public bool Can(string permission) => FleetPermissions.RoleGrants(Role, permission);

    /// <summary>True when the caller's scope covers the whole tenant (not just some of its sites).</summary>
    public bool CoversTenant(Guid tenantId) => IsAdministrator || _wholeTenants.Contains(tenantId);

    /// <summary>True when the caller sees the tenant at all (whole or through some of its sites).</summary>
    public bool SeesTenant(Guid tenantId) => IsAdministrator || _allTenants.Contains(tenantId);

    public bool CoversSite(Guid tenantId, Guid siteId) => CoversTenant(tenantId) || _sites.Contains(siteId);

    /// <summary>True when the caller may do <paramref name="permission"/> for the whole tenant.</summary>
    public bool Can(string permission, Guid tenantId) => Can(permission) && CoversTenant(tenantId);

    /// <summary>True when the caller may do <paramref name="permission"/> on one site.</summary>
    public bool Can(string permission, Guid tenantId, Guid siteId) => Can(permission) && CoversSite(tenantId, siteId);

    public IQueryable<Tenant> Tenants(FleetDbContext db)
    {
        if (Role is null)
        {
            return db.Tenants.Where(_ => false);
        }

        if (IsAdministrator)
        {
            return db.Tenants;
        }

        var tenants = _allTenants;
        return db.Tenants.Where(t => tenants.Contains(t.Id));
    }

    public IQueryable<Site> Sites(FleetDbContext db)
    {
        if (Role is null)
        {
            return db.Sites.Where(_ => false);
        }

        if (IsAdministrator)
        {
            return db.Sites;
        }

        var tenants = _wholeTenants;
        var sites = _sites;
        return db.Sites.Where(s => tenants.Contains(s.TenantId) || sites.Contains(s.Id));
    }

    public IQueryable<Camera> Cameras(FleetDbContext db)
    {
        if (Role is null)
        {
            return db.Cameras.Where(_ => false);
        }

        if (IsAdministrator)
        {
            return db.Cameras;
        }

        var tenants = _wholeTenants;
        var sites = _sites;
        return db.Cameras.Where(c => tenants.Contains(c.Site!.TenantId) || sites.Contains(c.SiteId));
    }

    /// <summary>
    /// Audit entries the caller may read: administrators all; others (with <see cref="FleetPermissions.ReadAudit"/>) the entries of
    /// their whole tenants and of their sites. Installation-wide entries (no tenant) are for administrators only.
    /// </summary>
    public IQueryable<Audit.AuditEntry> AuditEntries(FleetDbContext db)
    {
        if (!Can(FleetPermissions.ReadAudit))
        {
            return db.AuditEntries.Where(_ => false);
        }

        if (IsAdministrator)
        {
            return db.AuditEntries;
        }

        var tenants = _wholeTenants;
        var sites = _sites;
        return db.AuditEntries.Where(e => (e.TenantId != null && tenants.Contains(e.TenantId.Value)) || (e.SiteId != null && sites.Contains(e.SiteId.Value)));
    }

    /// <summary>Loads the current role and memberships of a user; a locked-out or unknown user gets <see cref="Nobody"/>.</summary>
    public static async Task<FleetScope> LoadAsync(FleetDbContext db, Guid userId, CancellationToken cancellationToken = default)
    {
        var user = await db.Users.AsNoTracking()
            .Where(u => u.Id == userId)
            .Select(u => new { u.Id, u.UserName, u.LockoutEnd, u.Memberships })
            .SingleOrDefaultAsync(cancellationToken);
        if (user is null || user.LockoutEnd > DateTimeOffset.UtcNow)
        {
            return Nobody;
        }

        var role = await db.UserRoles.Where(ur => ur.UserId == userId)
            .Join(db.Roles, ur => ur.RoleId, r => r.Id, (_, r) => r.Name)
            .FirstOrDefaultAsync(cancellationToken);
        return ForUser(user.Id, user.UserName ?? "", role, user.Memberships);
    }
}
