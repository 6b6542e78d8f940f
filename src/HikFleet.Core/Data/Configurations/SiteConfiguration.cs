using HikFleet.Core.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace HikFleet.Core.Data.Configurations;

internal sealed class SiteConfiguration : IEntityTypeConfiguration<Site>
{
    public void Configure(EntityTypeBuilder<Site> builder)
    {
        builder.ToTable("sites");
        builder.Property(s => s.Name).HasMaxLength(200).IsRequired();
        builder.Property(s => s.TimeZone).HasMaxLength(64).IsRequired();
        builder.Property(s => s.NtpServer).HasMaxLength(253);
        // A native cidr[]: PostgreSQL validates every entry and can answer "which site owns this address" with >>=.
        builder.Property(s => s.Subnets).HasColumnType("cidr[]");
        builder.Property(s => s.Version).IsRowVersion();
        builder.Property(s => s.DiscoveryCron).HasMaxLength(100);
        builder.Property(s => s.HealthCron).HasMaxLength(100);
        builder.Property(s => s.SadpInterfaces).HasColumnType("inet[]");
        builder.Property(s => s.ProbeRanges).HasColumnType("text[]");
        builder.Property(s => s.DefaultUserName).HasMaxLength(32);
        builder.Property(s => s.ReprovisionPolicy).HasConversion<string>().HasMaxLength(16);
        builder.HasIndex(s => new { s.TenantId, s.Name }).IsUnique();
        builder.HasOne(s => s.Tenant).WithMany(t => t.Sites).HasForeignKey(s => s.TenantId).OnDelete(DeleteBehavior.Restrict);
    }
}
