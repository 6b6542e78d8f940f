using HikFleet.Core.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace HikFleet.Core.Data.Configurations;

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> builder)
    {
        builder.ToTable("audit_entries", t =>
        {
            t.HasCheckConstraint("ck_audit_entries_actor_kind", "actor_kind IN ('user', 'job', 'system')");
            t.HasCheckConstraint("ck_audit_entries_result", "result IN ('succeeded', 'failed', 'refused')");
            t.HasCheckConstraint("ck_audit_entries_hash_lengths", "octet_length(hash) = 32 AND octet_length(previous_hash) = 32");
        });
        builder.Property(e => e.Id).UseIdentityByDefaultColumn();
        builder.Property(e => e.ActorKind).HasMaxLength(16)
            .HasConversion(v => v.ToWire(), v => AuditWire.ParseActorKind(v));
        builder.Property(e => e.ActorId).HasMaxLength(AuditLog.MaxActorIdLength);
        builder.Property(e => e.ActorName).HasMaxLength(AuditLog.MaxActorNameLength);
        builder.Property(e => e.ClientAddress).HasColumnType("inet");
        builder.Property(e => e.Action).HasMaxLength(AuditLog.MaxActionLength);
        builder.Property(e => e.Parameters).HasColumnType("jsonb");
        builder.Property(e => e.Reason).HasMaxLength(AuditLog.MaxReasonLength);
        builder.Property(e => e.Result).HasMaxLength(16)
            .HasConversion(v => v.ToWire(), v => AuditWire.ParseResult(v));
        builder.Property(e => e.ResultDetail).HasMaxLength(AuditLog.MaxResultDetailLength);
        builder.Property(e => e.CorrelationId).HasMaxLength(AuditLog.MaxCorrelationIdLength);
        builder.Property(e => e.PreviousHash).IsRequired();
        builder.Property(e => e.Hash).IsRequired();

        // What auditors filter by; every index leads with the thing filtered and ends in id (chain order).
        builder.HasIndex(e => e.OccurredAt);
        builder.HasIndex(e => new { e.TenantId, e.Id });
        builder.HasIndex(e => new { e.SiteId, e.Id });
        builder.HasIndex(e => new { e.CameraId, e.Id });
        builder.HasIndex(e => new { e.ActorId, e.Id });
        builder.HasIndex(e => e.CorrelationId);
    }
}

internal sealed class AuditArchiveConfiguration : IEntityTypeConfiguration<AuditArchive>
{
    public void Configure(EntityTypeBuilder<AuditArchive> builder)
    {
        builder.ToTable("audit_archives", t => t.HasCheckConstraint("ck_audit_archives_hash_length", "octet_length(up_to_hash) = 32"));
        builder.Property(a => a.FileName).HasMaxLength(260);
        builder.Property(a => a.FileSha256).HasMaxLength(64);
        builder.Property(a => a.ArchivedBy).HasMaxLength(256);
        builder.HasIndex(a => a.UpToId).IsUnique();
    }
}
