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
        // Defaults in the database too, so adding these columns to existing sites fills them sensibly.
        builder.Property(s => s.SadpInterfaces).HasColumnType("inet[]").HasDefaultValueSql("'{}'");
        builder.Property(s => s.ProbeRanges).HasColumnType("text[]").HasDefaultValueSql("'{}'");
        builder.Property(s => s.ProbePort).HasDefaultValue(80);
        builder.Property(s => s.MissingAfterRuns).HasDefaultValue(3);
        builder.Property(s => s.DefaultUserName).HasMaxLength(32).HasDefaultValue("admin");
        builder.Property(s => s.ReprovisionPolicy).HasConversion<string>().HasMaxLength(16).HasDefaultValue(ReprovisionPolicy.AfterApproval);
        builder.Property(s => s.BulkConcurrency).HasDefaultValue(2);
        // No database default: a site saved with "no scheduled backups" (null) must stay null, which EF would otherwise not send.
        builder.Property(s => s.BackupCron).HasMaxLength(100);
        builder.Property(s => s.PasswordRotationCron).HasMaxLength(100);
        builder.Property(s => s.BackupRetention).HasDefaultValue(10);
        builder.HasIndex(s => new { s.TenantId, s.Name }).IsUnique();
        builder.HasOne(s => s.Tenant).WithMany(t => t.Sites).HasForeignKey(s => s.TenantId).OnDelete(DeleteBehavior.Restrict);
    }
}
