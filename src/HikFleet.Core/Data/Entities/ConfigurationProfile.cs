namespace HikFleet.Core.Data.Entities;

/// <summary>
/// The settings a tenant (or one of its sites) wants every camera to have: time zone, NTP, OSD name, streams, motion, cloud access,
/// password policy. A site's own profile wins over its tenant's. Applied as an operation after a dry-run difference.
/// </summary>
public sealed class ConfigurationProfile
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid TenantId { get; set; }
    /// <summary>Null: the tenant-wide profile.</summary>
    public Guid? SiteId { get; set; }
    public required string Name { get; set; }
    /// <summary>The settings as JSON (<see cref="Profiles.ProfileSettings"/>).</summary>
    public string Settings { get; set; } = "{}";
    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
    public DateTimeOffset UpdatedAt { get; set; } = DateTimeOffset.UtcNow;
    public uint Version { get; set; }
}
