using HikFleet.Core.Audit;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Security;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace HikFleet.Core.Data;

/// <summary>The fleet inventory on PostgreSQL.</summary>
/// <remarks>
/// Entities are mapped by one <c>IEntityTypeConfiguration</c> each under <c>Data/Configurations</c>.
/// Add a migration (PostgreSQL only) from the repository root with:
/// <code>dotnet tool restore &amp;&amp; dotnet ef migrations add &lt;Name&gt; --project src/HikFleet.Core --startup-project src/HikFleet.Core --output-dir Data/Migrations</code>
/// Migrations are applied at start by <see cref="FleetDatabaseMigrator"/>, never by creating the schema straight from the model.
/// </remarks>
public sealed class FleetDbContext(DbContextOptions<FleetDbContext> options)
    : IdentityDbContext<FleetUser, IdentityRole<Guid>, Guid>(options)
{
    public DbSet<Tenant> Tenants => Set<Tenant>();
    public DbSet<Site> Sites => Set<Site>();
    public DbSet<Camera> Cameras => Set<Camera>();
    public DbSet<TenantMembership> TenantMemberships => Set<TenantMembership>();
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();
    public DbSet<DeviceCredential> DeviceCredentials => Set<DeviceCredential>();
    public DbSet<HealthSample> HealthSamples => Set<HealthSample>();
    public DbSet<CameraFinding> CameraFindings => Set<CameraFinding>();
    public DbSet<CameraEvent> CameraEvents => Set<CameraEvent>();
    public DbSet<CameraSnapshot> CameraSnapshots => Set<CameraSnapshot>();
    public DbSet<DiscoveryRun> DiscoveryRuns => Set<DiscoveryRun>();
    public DbSet<DiscoverySighting> DiscoverySightings => Set<DiscoverySighting>();
    public DbSet<FirmwareRelease> FirmwareReleases => Set<FirmwareRelease>();
    public DbSet<FirmwareImage> FirmwareImages => Set<FirmwareImage>();
    public DbSet<AlertChannel> AlertChannels => Set<AlertChannel>();
    public DbSet<AlertRule> AlertRules => Set<AlertRule>();
    public DbSet<Alert> Alerts => Set<Alert>();
    public DbSet<AlertNotification> AlertNotifications => Set<AlertNotification>();
    public DbSet<PoeSwitch> PoeSwitches => Set<PoeSwitch>();
    public DbSet<PoeSwitchPort> PoeSwitchPorts => Set<PoeSwitchPort>();
    public DbSet<PoePortMapping> PoePortMappings => Set<PoePortMapping>();
    public DbSet<Operation> Operations => Set<Operation>();
    public DbSet<OperationStep> OperationSteps => Set<OperationStep>();
    public DbSet<ConfigurationBackup> ConfigurationBackups => Set<ConfigurationBackup>();
    public DbSet<ConfigurationProfile> ConfigurationProfiles => Set<ConfigurationProfile>();

    /// <summary>The append-only, hash-chained audit trail: append through <see cref="AuditLog"/>, never through this set.</summary>
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();

    /// <summary>Prefixes of the trail moved to archive files; the chain continues from the newest one's anchor.</summary>
    public DbSet<AuditArchive> AuditArchives => Set<AuditArchive>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        // Trigram indexes for the camera list's substring search. A trusted extension (PostgreSQL 13+): the database owner that
        // runs the migrations may create it without being superuser; it ships with PostgreSQL (contrib).
        modelBuilder.HasPostgresExtension("pg_trgm");
        // Identity names its tables AspNet*; keep the schema in one (snake_case) style.
        modelBuilder.Entity<FleetUser>().ToTable("users");
        modelBuilder.Entity<IdentityRole<Guid>>().ToTable("roles");
        modelBuilder.Entity<IdentityUserRole<Guid>>().ToTable("user_roles");
        modelBuilder.Entity<IdentityUserClaim<Guid>>().ToTable("user_claims");
        modelBuilder.Entity<IdentityUserLogin<Guid>>().ToTable("user_logins");
        modelBuilder.Entity<IdentityUserToken<Guid>>().ToTable("user_tokens");
        modelBuilder.Entity<IdentityRoleClaim<Guid>>().ToTable("role_claims");
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(FleetDbContext).Assembly);
    }
}
