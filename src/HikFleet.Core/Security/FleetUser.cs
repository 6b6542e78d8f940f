using Microsoft.AspNetCore.Identity;

namespace HikFleet.Core.Security;

/// <summary>A person (or an integration) who signs in to HikFleet.</summary>
public sealed class FleetUser : IdentityUser<Guid>
{
    public FleetUser()
    {
        Id = Guid.CreateVersion7();
        SecurityStamp = Guid.NewGuid().ToString();
    }

    public string? DisplayName { get; set; }
    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;

    /// <summary>The tenants this user works in (ignored for Administrators, who see every tenant).</summary>
    public List<TenantMembership> Memberships { get; set; } = [];
}

/// <summary>A user's access to one tenant, optionally narrowed to some of its sites.</summary>
public sealed class TenantMembership
{
    public Guid UserId { get; set; }
    public Guid TenantId { get; set; }

    /// <summary>Empty: every site of the tenant. Otherwise only these sites (and nothing tenant-wide, like creating sites).</summary>
    public List<Guid> SiteIds { get; set; } = [];
}

/// <summary>A bearer token for the REST API. Only a SHA-256 hash is stored; the token is shown once.</summary>
public sealed class ApiToken
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid UserId { get; set; }
    public FleetUser? User { get; set; }
    public required string Name { get; set; }

    /// <summary>The first characters of the token, to recognise it in lists and logs without revealing it.</summary>
    public required string Prefix { get; set; }
    public required byte[] Hash { get; set; }
    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
    public DateTimeOffset? LastUsedAt { get; set; }

    public bool IsActive(DateTimeOffset now) => RevokedAt is null && ExpiresAt > now;
}
