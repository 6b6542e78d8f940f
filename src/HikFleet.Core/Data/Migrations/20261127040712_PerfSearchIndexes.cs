using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace HikFleet.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class PerfSearchIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterDatabase()
                .Annotation("Npgsql:PostgresExtension:pg_trgm", ",,");

            // Room for HOT updates of the per-check health columns (CameraConfiguration). It shapes pages written from now on;
            // existing pages fill up no further and the table settles there as rows are updated (no rewrite needed).
            migrationBuilder.AlterTable(
                name: "cameras")
                .Annotation("Npgsql:StorageParameter:fillfactor", 80);

            migrationBuilder.CreateIndex(
                name: "ix_cameras_device_name_trgm",
                table: "cameras",
                column: "device_name")
                .Annotation("Npgsql:IndexMethod", "gin")
                .Annotation("Npgsql:IndexOperators", new[] { "gin_trgm_ops" })
                .Annotation("Npgsql:StorageParameter:gin_pending_list_limit", 128);

            migrationBuilder.CreateIndex(
                name: "ix_cameras_mac_address_trgm",
                table: "cameras",
                column: "mac_address")
                .Annotation("Npgsql:IndexMethod", "gin")
                .Annotation("Npgsql:IndexOperators", new[] { "gin_trgm_ops" })
                .Annotation("Npgsql:StorageParameter:gin_pending_list_limit", 128);

            migrationBuilder.CreateIndex(
                name: "ix_cameras_model_trgm",
                table: "cameras",
                column: "model")
                .Annotation("Npgsql:IndexMethod", "gin")
                .Annotation("Npgsql:IndexOperators", new[] { "gin_trgm_ops" })
                .Annotation("Npgsql:StorageParameter:gin_pending_list_limit", 128);

            migrationBuilder.CreateIndex(
                name: "ix_cameras_name_trgm",
                table: "cameras",
                column: "name")
                .Annotation("Npgsql:IndexMethod", "gin")
                .Annotation("Npgsql:IndexOperators", new[] { "gin_trgm_ops" })
                .Annotation("Npgsql:StorageParameter:gin_pending_list_limit", 128);

            migrationBuilder.CreateIndex(
                name: "ix_cameras_serial_number_trgm",
                table: "cameras",
                column: "serial_number")
                .Annotation("Npgsql:IndexMethod", "gin")
                .Annotation("Npgsql:IndexOperators", new[] { "gin_trgm_ops" })
                .Annotation("Npgsql:StorageParameter:gin_pending_list_limit", 128);

            // The list searches the address as host(address) (InventoryQueries.Filter); EF cannot model an expression index, so it
            // is written here (name: CameraConfiguration.AddressHostIndex). host(inet) is immutable, as an index expression must be.
            migrationBuilder.Sql(
                "CREATE INDEX ix_cameras_address_host_trgm ON cameras USING gin (host(address) gin_trgm_ops) WITH (gin_pending_list_limit = 128);");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP INDEX IF EXISTS ix_cameras_address_host_trgm;");

            migrationBuilder.DropIndex(
                name: "ix_cameras_device_name_trgm",
                table: "cameras");

            migrationBuilder.DropIndex(
                name: "ix_cameras_mac_address_trgm",
                table: "cameras");

            migrationBuilder.DropIndex(
                name: "ix_cameras_model_trgm",
                table: "cameras");

            migrationBuilder.DropIndex(
                name: "ix_cameras_name_trgm",
                table: "cameras");

            migrationBuilder.DropIndex(
                name: "ix_cameras_serial_number_trgm",
                table: "cameras");

            migrationBuilder.AlterDatabase()
                .OldAnnotation("Npgsql:PostgresExtension:pg_trgm", ",,");

            migrationBuilder.AlterTable(
                name: "cameras")
                .OldAnnotation("Npgsql:StorageParameter:fillfactor", 80);
        }
    }
}
