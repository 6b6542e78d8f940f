using HikFleet.Core.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace HikFleet.Core.Data.Configurations;

internal sealed class AlertChannelConfiguration : IEntityTypeConfiguration<AlertChannel>
{
    public void Configure(EntityTypeBuilder<AlertChannel> builder)
    {
        builder.ToTable("alert_channels");
        builder.Property(c => c.Name).HasMaxLength(200).IsRequired();
        builder.Property(c => c.Kind).HasConversion<string>().HasMaxLength(16);
        builder.Property(c => c.Target).HasMaxLength(2000).IsRequired();
        builder.Property(c => c.SecretKeyId).HasMaxLength(64);
        builder.HasIndex(c => new { c.TenantId, c.Name }).IsUnique();
        builder.HasOne<Tenant>().WithMany().HasForeignKey(c => c.TenantId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class AlertRuleConfiguration : IEntityTypeConfiguration<AlertRule>
{
    public void Configure(EntityTypeBuilder<AlertRule> builder)
    {
        builder.ToTable("alert_rules");
        builder.Property(r => r.Name).HasMaxLength(200).IsRequired();
        builder.Property(r => r.States).HasConversion(
                v => v.Select(s => s.ToString()).ToList(),
                v => v.Select(s => Enum.Parse<HealthState>(s)).ToList(),
                new Microsoft.EntityFrameworkCore.ChangeTracking.ValueComparer<List<HealthState>>(
                    (a, b) => a!.SequenceEqual(b!), v => v.Aggregate(0, (h, s) => HashCode.Combine(h, s)), v => v.ToList()))
            .HasColumnType("text[]");
        builder.Property(r => r.Version).IsRowVersion();
        builder.HasIndex(r => new { r.TenantId, r.Name }).IsUnique();
        builder.HasOne<Tenant>().WithMany().HasForeignKey(r => r.TenantId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Site>().WithMany().HasForeignKey(r => r.SiteId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class AlertConfiguration : IEntityTypeConfiguration<Alert>
{
    public void Configure(EntityTypeBuilder<Alert> builder)
    {
        builder.ToTable("alerts");
        builder.Property(a => a.Key).HasMaxLength(80).IsRequired();
        builder.Property(a => a.Summary).HasMaxLength(500).IsRequired();
        builder.Property(a => a.State).HasConversion<string>().HasMaxLength(16);
        builder.Property(a => a.AcknowledgedBy).HasMaxLength(256);
        builder.Property(a => a.ResolvedBy).HasMaxLength(256);
        builder.Property(a => a.Version).IsRowVersion();
        // One live alert per rule, camera and condition: the evaluator (even two nodes at once) cannot open the same alert twice.
        builder.HasIndex(a => new { a.RuleId, a.CameraId, a.Key }).IsUnique().HasFilter("state <> 'Resolved'")
            .HasDatabaseName("ux_alerts_one_live_per_condition");
        builder.HasIndex(a => new { a.TenantId, a.State, a.OpenedAt });
        builder.HasIndex(a => new { a.RuleId, a.CameraId, a.Key, a.ConditionSince });
        builder.HasOne(a => a.Camera).WithMany().HasForeignKey(a => a.CameraId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<AlertRule>().WithMany().HasForeignKey(a => a.RuleId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class AlertNotificationConfiguration : IEntityTypeConfiguration<AlertNotification>
{
    public void Configure(EntityTypeBuilder<AlertNotification> builder)
    {
        builder.ToTable("alert_notifications");
        builder.Property(n => n.Kind).HasConversion<string>().HasMaxLength(16);
        builder.Property(n => n.State).HasConversion<string>().HasMaxLength(16);
        builder.Property(n => n.Subject).HasMaxLength(500).IsRequired();
        builder.Property(n => n.Body).IsRequired();
        builder.Property(n => n.Payload).HasColumnType("jsonb").IsRequired();
        builder.Property(n => n.LastError).HasMaxLength(1000);
        builder.HasIndex(n => new { n.TenantId, n.CreatedAt });
        builder.HasOne<AlertChannel>().WithMany().HasForeignKey(n => n.ChannelId).OnDelete(DeleteBehavior.Cascade);
    }
}
