using HikFleet.Core.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace HikFleet.Core.Data.Configurations;

internal sealed class CameraConfiguration : IEntityTypeConfiguration<Camera>
{
    /// <summary>Columns the camera list searches by substring, with the name of each one's trigram index.</summary>
    internal static readonly IReadOnlyList<(string Property, string Index)> SearchedColumns =
    [
        (nameof(Camera.Name), "ix_cameras_name_trgm"),
        (nameof(Camera.DeviceName), "ix_cameras_device_name_trgm"),
        (nameof(Camera.SerialNumber), "ix_cameras_serial_number_trgm"),
        (nameof(Camera.MacAddress), "ix_cameras_mac_address_trgm"),
        (nameof(Camera.Model), "ix_cameras_model_trgm"),
    ];

    /// <summary>The trigram index over <c>host(address)</c>, created in SQL by migration PerfSearchIndexes.</summary>
    internal const string AddressHostIndex = "ix_cameras_address_host_trgm";

    /// <summary>The trigram indexes' <c>gin_pending_list_limit</c> in kB (see <see cref="Configure"/>).</summary>
    internal const int SearchIndexPendingListKb = 128;

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
        // The camera list's substring search (InventoryQueries.Filter: ILIKE '%term%' over these columns, OR'ed) is served by one
        // trigram index per column, combined by a BitmapOr; pg_trgm folds case, so they serve ILIKE too. The sixth column, the
        // address, is searched as host(address): an expression index, which EF cannot model, so migration PerfSearchIndexes
        // creates ix_cameras_address_host_trgm in SQL. None of these columns changes in a routine health check.
        // A GIN index queues new entries in a pending list that every search reads through; at the default 4 MB per index, a
        // sweep of state changes (non-HOT updates) left each list ~3 MB long and the search fell back to a sequential scan
        // (65 ms at 10,000 cameras) until the next vacuum. Capped at 128 kB it stays ~10 ms, and the writes cost the same.
        foreach (var (column, name) in SearchedColumns)
        {
            builder.HasIndex([column], name).HasDatabaseName(name).HasMethod("gin").HasOperators("gin_trgm_ops")
                .HasStorageParameter("gin_pending_list_limit", SearchIndexPendingListKb);
        }

        // Every camera row is rewritten at each health check, but no indexed column changes in a routine one (time stamps,
        // latency, uptime): with room left on the page PostgreSQL writes the new row version there without touching any index
        // (a HOT update). Measured at 10,000 cameras (issue #13), after a few sweeps and vacuums: 80 % kept ~97 % of a sweep's
        // updates HOT where 100 % (the default) kept ~91 %, and the table settled smaller (less space lost to moved rows).
        builder.HasStorageParameter("fillfactor", 80);
        builder.HasOne(c => c.Site).WithMany(s => s.Cameras).HasForeignKey(c => c.SiteId).OnDelete(DeleteBehavior.Restrict);
    }
}
