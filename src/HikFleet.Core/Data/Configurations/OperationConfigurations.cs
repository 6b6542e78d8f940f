using HikFleet.Core.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace HikFleet.Core.Data.Configurations;

internal sealed class OperationConfiguration : IEntityTypeConfiguration<Operation>
{
    public void Configure(EntityTypeBuilder<Operation> builder)
    {
        builder.ToTable("operations");
        builder.Property(o => o.Kind).HasConversion<string>().HasMaxLength(24);
        builder.Property(o => o.State).HasConversion<string>().HasMaxLength(24);
        builder.Property(o => o.Reason).HasMaxLength(1000).IsRequired();
        builder.Property(o => o.RequestedById).HasMaxLength(128).IsRequired();
        builder.Property(o => o.RequestedByName).HasMaxLength(256).IsRequired();
        builder.Property(o => o.RequestKey).HasMaxLength(128);
        builder.Property(o => o.ApprovedByName).HasMaxLength(256);
        builder.Property(o => o.Parameters).HasColumnType("jsonb").IsRequired();
        builder.Property(o => o.Context).HasColumnType("jsonb").IsRequired();
        builder.Property(o => o.Drift).HasColumnType("jsonb");
        builder.Property(o => o.LeaseOwner).HasMaxLength(128);
        builder.Property(o => o.Summary).HasMaxLength(2000);
        builder.Property(o => o.Version).IsRowVersion();
        // One active operation per camera, by the database: two clicks, two nodes or a job and a person can never both start one.
        builder.HasIndex(o => o.CameraId).IsUnique()
            .HasFilter("state IN ('AwaitingApproval', 'Queued', 'Running', 'Waiting')")
            .HasDatabaseName("ux_operations_one_active_per_camera");
        // A retried request (double click, network retry) with the same key finds the operation it already created.
        builder.HasIndex(o => new { o.RequestedById, o.RequestKey }).IsUnique().HasFilter("request_key IS NOT NULL")
            .HasDatabaseName("ux_operations_request_key");
        builder.HasIndex(o => new { o.CameraId, o.CreatedAt });
        // Every site's health sweep reads the operations of its cameras that finished in the last settings interval (a finished
        // operation makes the next settings read due): without it, a scan of the whole history per site and minute.
        builder.HasIndex(o => new { o.SiteId, o.FinishedAt });
        builder.HasIndex(o => new { o.TenantId, o.State, o.CreatedAt });
        builder.HasIndex(o => new { o.BatchId, o.Wave });
        builder.HasIndex(o => o.NextRunAt).HasFilter("state IN ('Queued', 'Running', 'Waiting')");
        builder.HasOne(o => o.Camera).WithMany().HasForeignKey(o => o.CameraId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Site>().WithMany().HasForeignKey(o => o.SiteId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Tenant>().WithMany().HasForeignKey(o => o.TenantId).OnDelete(DeleteBehavior.Restrict);
        builder.HasMany(o => o.Steps).WithOne().HasForeignKey(s => s.OperationId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class OperationStepConfiguration : IEntityTypeConfiguration<OperationStep>
{
    public void Configure(EntityTypeBuilder<OperationStep> builder)
    {
        builder.ToTable("operation_steps");
        builder.Property(s => s.Id).UseIdentityAlwaysColumn();
        builder.Property(s => s.Name).HasMaxLength(64).IsRequired();
        builder.Property(s => s.Title).HasMaxLength(200).IsRequired();
        builder.Property(s => s.State).HasConversion<string>().HasMaxLength(16);
        builder.Property(s => s.Detail).HasMaxLength(2000);
        builder.HasIndex(s => new { s.OperationId, s.Index }).IsUnique();
    }
}

internal sealed class ConfigurationBackupConfiguration : IEntityTypeConfiguration<ConfigurationBackup>
{
    public void Configure(EntityTypeBuilder<ConfigurationBackup> builder)
    {
        builder.ToTable("configuration_backups");
        builder.Property(b => b.Trigger).HasMaxLength(64).IsRequired();
        builder.Property(b => b.CreatedBy).HasMaxLength(256).IsRequired();
        builder.Property(b => b.Model).HasMaxLength(64);
        builder.Property(b => b.FirmwareVersion).HasMaxLength(64);
        builder.Property(b => b.FirmwareBuild).HasMaxLength(64);
        builder.Property(b => b.DeviceExportSha256).HasMaxLength(64);
        // text, not jsonb: jsonb normalises key order and spacing, and the stored bytes must still match SnapshotSha256.
        builder.Property(b => b.Snapshot).HasColumnType("text").IsRequired();
        builder.Property(b => b.SnapshotSha256).HasMaxLength(64).IsRequired();
        builder.HasIndex(b => new { b.CameraId, b.Number }).IsUnique();
        builder.HasIndex(b => new { b.TenantId, b.CreatedAt });
        builder.HasOne<Camera>().WithMany().HasForeignKey(b => b.CameraId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ConfigurationProfileConfiguration : IEntityTypeConfiguration<ConfigurationProfile>
{
    public void Configure(EntityTypeBuilder<ConfigurationProfile> builder)
    {
        builder.ToTable("configuration_profiles");
        builder.Property(p => p.Name).HasMaxLength(200).IsRequired();
        builder.Property(p => p.Settings).HasColumnType("jsonb").IsRequired();
        builder.Property(p => p.Version).IsRowVersion();
        // One profile per tenant (site null) and one per site.
        builder.HasIndex(p => new { p.TenantId, p.SiteId }).IsUnique().AreNullsDistinct(false);
        builder.HasOne<Tenant>().WithMany().HasForeignKey(p => p.TenantId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Site>().WithMany().HasForeignKey(p => p.SiteId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class FirmwareImageConfiguration : IEntityTypeConfiguration<FirmwareImage>
{
    public void Configure(EntityTypeBuilder<FirmwareImage> builder)
    {
        builder.ToTable("firmware_images");
        builder.Property(f => f.FileName).HasMaxLength(255).IsRequired();
        builder.Property(f => f.Sha256).HasMaxLength(64).IsFixedLength().IsRequired();
        builder.Property(f => f.Version).HasMaxLength(32).IsRequired();
        builder.Property(f => f.Build).HasMaxLength(32);
        builder.Property(f => f.Platform).HasMaxLength(64);
        builder.Property(f => f.Notes).HasMaxLength(2000);
        builder.Property(f => f.UploadedByName).HasMaxLength(256).IsRequired();
        // The same file once per tenant (uploading it again finds the existing entry).
        builder.HasIndex(f => new { f.TenantId, f.Sha256 }).IsUnique();
        builder.HasOne<Tenant>().WithMany().HasForeignKey(f => f.TenantId).OnDelete(DeleteBehavior.Cascade);
    }
}
