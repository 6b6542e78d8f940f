using HikFleet.Core.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace HikFleet.Core.Data.Configurations;

internal sealed class DeviceCredentialConfiguration : IEntityTypeConfiguration<DeviceCredential>
{
    public void Configure(EntityTypeBuilder<DeviceCredential> builder)
    {
        builder.ToTable("device_credentials", t =>
            t.HasCheckConstraint("ck_device_credentials_one_owner", "(camera_id IS NULL) <> (site_id IS NULL)"));
        builder.Property(c => c.UserName).HasMaxLength(32).IsRequired();
        builder.Property(c => c.Secret).IsRequired();
        builder.Property(c => c.KeyId).HasMaxLength(64).IsRequired();
        builder.Property(c => c.CreatedBy).HasMaxLength(256);
        builder.Ignore(c => c.IsPending);
        // One current password per camera (and per site default), enforced by the database.
        builder.HasIndex(c => c.CameraId).IsUnique().HasFilter("superseded_at IS NULL AND pending_since IS NULL AND camera_id IS NOT NULL")
            .HasDatabaseName("ux_device_credentials_current_camera");
        // One pending (rotation's new, not yet verified) password per camera.
        builder.HasIndex(c => c.CameraId, "ux_device_credentials_pending_camera").IsUnique()
            .HasFilter("superseded_at IS NULL AND pending_since IS NOT NULL AND camera_id IS NOT NULL")
            .HasDatabaseName("ux_device_credentials_pending_camera");
        builder.HasIndex(c => c.SiteId).IsUnique().HasFilter("superseded_at IS NULL AND site_id IS NOT NULL")
            .HasDatabaseName("ux_device_credentials_current_site");
        builder.HasIndex(c => new { c.CameraId, c.CreatedAt });
        builder.HasIndex(c => c.KeyId);
        builder.HasOne(c => c.Camera).WithMany().HasForeignKey(c => c.CameraId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne(c => c.Site).WithMany().HasForeignKey(c => c.SiteId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class HealthSampleConfiguration : IEntityTypeConfiguration<HealthSample>
{
    public void Configure(EntityTypeBuilder<HealthSample> builder)
    {
        builder.ToTable("health_samples");
        builder.Property(s => s.Id).UseIdentityAlwaysColumn();
        builder.Property(s => s.State).HasConversion<string>().HasMaxLength(16);
        builder.Property(s => s.FindingCodes).HasColumnType("text[]");
        builder.HasIndex(s => new { s.CameraId, s.At });
        builder.HasIndex(s => s.At);
        builder.HasOne<Camera>().WithMany().HasForeignKey(s => s.CameraId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class CameraFindingConfiguration : IEntityTypeConfiguration<CameraFinding>
{
    public void Configure(EntityTypeBuilder<CameraFinding> builder)
    {
        builder.ToTable("camera_findings");
        builder.Property(f => f.Id).UseIdentityAlwaysColumn();
        builder.Property(f => f.Code).HasMaxLength(64).IsRequired();
        builder.Property(f => f.Severity).HasConversion<string>().HasMaxLength(16);
        builder.Property(f => f.Summary).HasMaxLength(300).IsRequired();
        builder.Property(f => f.Evidence).HasMaxLength(2000);
        builder.Property(f => f.Fix).HasMaxLength(1000);
        builder.HasIndex(f => new { f.CameraId, f.Code }).IsUnique();
        builder.HasIndex(f => f.Severity);
        // Every open finding's last_seen_at is rewritten at each check; room on the page keeps those updates HOT (no index write),
        // as for cameras (CameraConfiguration). Measured at 10,000 cameras (issue #13): 61 % HOT at the default 100.
        builder.HasStorageParameter("fillfactor", 80);
        builder.HasOne(f => f.Camera).WithMany().HasForeignKey(f => f.CameraId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class CameraEventConfiguration : IEntityTypeConfiguration<CameraEvent>
{
    public void Configure(EntityTypeBuilder<CameraEvent> builder)
    {
        builder.ToTable("camera_events");
        builder.Property(e => e.Id).UseIdentityAlwaysColumn();
        builder.Property(e => e.Kind).HasMaxLength(32).IsRequired();
        builder.Property(e => e.Detail).HasMaxLength(2000);
        builder.HasIndex(e => new { e.CameraId, e.At });
        builder.HasIndex(e => e.At);
        builder.HasOne<Camera>().WithMany().HasForeignKey(e => e.CameraId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class DiscoveryRunConfiguration : IEntityTypeConfiguration<DiscoveryRun>
{
    public void Configure(EntityTypeBuilder<DiscoveryRun> builder)
    {
        builder.ToTable("discovery_runs");
        builder.Property(r => r.TriggeredBy).HasMaxLength(256).IsRequired();
        builder.Property(r => r.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(r => r.Error).HasMaxLength(1000);
        builder.HasIndex(r => new { r.SiteId, r.StartedAt });
        // At most one run per site at a time: a "scan now" during a scheduled run is refused, not doubled.
        builder.HasIndex(r => r.SiteId).IsUnique().HasFilter("status = 'Running'").HasDatabaseName("ux_discovery_runs_one_running");
        builder.HasOne(r => r.Site).WithMany().HasForeignKey(r => r.SiteId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(r => r.Sightings).WithOne().HasForeignKey(s => s.RunId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class DiscoverySightingConfiguration : IEntityTypeConfiguration<DiscoverySighting>
{
    public void Configure(EntityTypeBuilder<DiscoverySighting> builder)
    {
        builder.ToTable("discovery_sightings", t => t.HasCheckConstraint("ck_discovery_sightings_mac_normalised",
            "mac_address ~ '^([0-9a-f]{2}:){5}[0-9a-f]{2}$'"));
        builder.Property(s => s.Id).UseIdentityAlwaysColumn();
        builder.Property(s => s.MacAddress).HasMaxLength(17);
        builder.Property(s => s.SerialNumber).HasMaxLength(64);
        builder.Property(s => s.Model).HasMaxLength(64);
        builder.Property(s => s.Address).HasColumnType("inet");
        builder.Property(s => s.FirmwareVersion).HasMaxLength(64);
        builder.Property(s => s.Source).HasConversion<string>().HasMaxLength(16);
        builder.Property(s => s.Outcome).HasConversion<string>().HasMaxLength(24);
        builder.Property(s => s.Detail).HasMaxLength(500);
        builder.HasIndex(s => new { s.SiteId, s.Outcome });
        builder.HasIndex(s => s.CameraId);
    }
}

internal sealed class CameraSnapshotConfiguration : IEntityTypeConfiguration<CameraSnapshot>
{
    public void Configure(EntityTypeBuilder<CameraSnapshot> builder)
    {
        builder.ToTable("camera_snapshots");
        builder.HasKey(s => s.CameraId);
        builder.Property(s => s.Sha256).HasMaxLength(64).IsRequired();
        // Rewritten at every check (hash, time; the thumbnail at each decode), ~1 KB a row with its thumbnail: at the default
        // fillfactor 100 only 37 % of those updates found room on their page (the others wrote a new index entry and left the
        // table three times its live size, issue #13). 70 leaves room for two new versions of a row on its page.
        builder.HasStorageParameter("fillfactor", 70);
        builder.HasOne<Camera>().WithOne().HasForeignKey<CameraSnapshot>(s => s.CameraId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class FirmwareReleaseConfiguration : IEntityTypeConfiguration<FirmwareRelease>
{
    public void Configure(EntityTypeBuilder<FirmwareRelease> builder)
    {
        builder.ToTable("firmware_releases");
        builder.Property(f => f.Model).HasMaxLength(64).IsRequired();
        builder.Property(f => f.Version).HasMaxLength(32).IsRequired();
        builder.Property(f => f.Build).HasMaxLength(32);
        builder.HasIndex(f => new { f.Model, f.Version, f.Build }).IsUnique();
    }
}
