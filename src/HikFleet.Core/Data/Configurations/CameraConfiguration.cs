using HikFleet.Core.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace HikFleet.Core.Data.Configurations;

internal sealed class CameraConfiguration : IEntityTypeConfiguration<Camera>
{
    public void Configure(EntityTypeBuilder<Camera> builder)
    {
        builder.ToTable("cameras", t => t.HasCheckConstraint("ck_cameras_mac_normalised", "mac_address ~ '^([0-9a-f]{2}:){5}[0-9a-f]{2}$'"));
        builder.Property(c => c.SerialNumber).HasMaxLength(64).IsRequired();
        builder.Property(c => c.MacAddress).HasMaxLength(17).IsRequired();
        builder.Property(c => c.Model).HasMaxLength(64).IsRequired();
        builder.Property(c => c.FirmwareVersion).HasMaxLength(32);
        builder.Property(c => c.FirmwareBuild).HasMaxLength(32);
        builder.Property(c => c.Address).HasColumnType("inet");
        builder.Property(c => c.Name).HasMaxLength(128);
        builder.Property(c => c.Lifecycle).HasConversion<string>().HasMaxLength(16);
        builder.Property(c => c.Health).HasConversion<string>().HasMaxLength(16);
        builder.Property(c => c.PendingHealth).HasConversion<string>().HasMaxLength(16);
        builder.Property(c => c.DeviceName).HasMaxLength(128);
        builder.Property(c => c.CertificatePin).HasMaxLength(64);
        builder.Property(c => c.HealthSummary).HasMaxLength(300);
        // Defaults in the database too, so adding these columns to an existing inventory fills its rows sensibly.
        builder.Property(c => c.FindingCodes).HasColumnType("text[]").HasDefaultValueSql("'{}'");
        builder.Property(c => c.HttpsPort).HasDefaultValue(443);
        builder.Property(c => c.Version).IsRowVersion();
        // Hardware identity is unique across the whole installation: one physical camera can't belong to two tenants.
        builder.HasIndex(c => c.SerialNumber).IsUnique();
        builder.HasIndex(c => c.MacAddress).IsUnique();
        builder.HasIndex(c => new { c.SiteId, c.Health });
        builder.HasIndex(c => c.Address);
        builder.HasIndex(c => c.FindingCodes).HasMethod("gin");
        builder.HasOne(c => c.Site).WithMany(s => s.Cameras).HasForeignKey(c => c.SiteId).OnDelete(DeleteBehavior.Restrict);
    }
}
