using HikFleet.Core.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace HikFleet.Core.Data.Configurations;

internal sealed class PoeSwitchConfiguration : IEntityTypeConfiguration<PoeSwitch>
{
    public void Configure(EntityTypeBuilder<PoeSwitch> builder)
    {
        builder.ToTable("poe_switches");
        builder.Property(s => s.Name).HasMaxLength(200).IsRequired();
        builder.Property(s => s.SnmpVersion).HasConversion<string>().HasMaxLength(8);
        builder.Property(s => s.SnmpUser).HasMaxLength(64);
        builder.Property(s => s.SecretKeyId).HasMaxLength(64).IsRequired();
        builder.Property(s => s.SystemName).HasMaxLength(255);
        builder.Property(s => s.SystemDescription).HasMaxLength(500);
        builder.Property(s => s.PollError).HasMaxLength(500);
        builder.Property(s => s.Version).IsRowVersion();
        builder.HasIndex(s => new { s.SiteId, s.Name }).IsUnique();
        builder.HasOne(s => s.Site).WithMany().HasForeignKey(s => s.SiteId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Tenant>().WithMany().HasForeignKey(s => s.TenantId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(s => s.Ports).WithOne().HasForeignKey(p => p.SwitchId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class PoeSwitchPortConfiguration : IEntityTypeConfiguration<PoeSwitchPort>
{
    public void Configure(EntityTypeBuilder<PoeSwitchPort> builder)
    {
        builder.ToTable("poe_switch_ports");
        builder.Property(p => p.Detection).HasMaxLength(32).IsRequired();
        builder.Property(p => p.Macs).HasColumnType("text[]");
        builder.Property(p => p.Drops).HasColumnType("timestamptz[]");
        builder.HasIndex(p => new { p.SwitchId, p.Group, p.Port }).IsUnique();
        builder.Ignore(p => p.IsUplink);
    }
}

internal sealed class PoePortMappingConfiguration : IEntityTypeConfiguration<PoePortMapping>
{
    public void Configure(EntityTypeBuilder<PoePortMapping> builder)
    {
        builder.ToTable("poe_port_mappings");
        builder.HasKey(m => m.CameraId);
        builder.Property(m => m.Source).HasConversion<string>().HasMaxLength(16);
        builder.Property(m => m.ConfirmedBy).HasMaxLength(256);
        builder.Property(m => m.Conflict).HasMaxLength(300);
        builder.Ignore(m => m.Confirmed);
        builder.HasIndex(m => new { m.SwitchId, m.Group, m.Port });
        builder.HasOne<Camera>().WithOne().HasForeignKey<PoePortMapping>(m => m.CameraId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne(m => m.Switch).WithMany().HasForeignKey(m => m.SwitchId).OnDelete(DeleteBehavior.Cascade);
    }
}
