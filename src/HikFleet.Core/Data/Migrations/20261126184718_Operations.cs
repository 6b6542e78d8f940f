using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace HikFleet.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class Operations : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "backup_cron",
                table: "sites",
                type: "character varying(100)",
                maxLength: 100,
                nullable: true,
                defaultValue: "30 2 * * 0");

            migrationBuilder.AddColumn<int>(
                name: "backup_retention",
                table: "sites",
                type: "integer",
                nullable: false,
                defaultValue: 10);

            migrationBuilder.AddColumn<int>(
                name: "bulk_concurrency",
                table: "sites",
                type: "integer",
                nullable: false,
                defaultValue: 2);

            migrationBuilder.AddColumn<TimeOnly>(
                name: "maintenance_end",
                table: "sites",
                type: "time without time zone",
                nullable: true);

            migrationBuilder.AddColumn<TimeOnly>(
                name: "maintenance_start",
                table: "sites",
                type: "time without time zone",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "configuration_backups",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    tenant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    site_id = table.Column<Guid>(type: "uuid", nullable: false),
                    camera_id = table.Column<Guid>(type: "uuid", nullable: false),
                    number = table.Column<int>(type: "integer", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    trigger = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    operation_id = table.Column<Guid>(type: "uuid", nullable: true),
                    created_by = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    model = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    firmware_version = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    firmware_build = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    device_export = table.Column<byte[]>(type: "bytea", nullable: true),
                    device_export_sha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    snapshot = table.Column<string>(type: "text", nullable: false),
                    snapshot_sha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_configuration_backups", x => x.id);
                    table.ForeignKey(
                        name: "fk_configuration_backups_cameras_camera_id",
                        column: x => x.camera_id,
                        principalTable: "cameras",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "configuration_profiles",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    tenant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    site_id = table.Column<Guid>(type: "uuid", nullable: true),
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    settings = table.Column<string>(type: "jsonb", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_configuration_profiles", x => x.id);
                    table.ForeignKey(
                        name: "fk_configuration_profiles_sites_site_id",
                        column: x => x.site_id,
                        principalTable: "sites",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_configuration_profiles_tenants_tenant_id",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "operations",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    tenant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    site_id = table.Column<Guid>(type: "uuid", nullable: false),
                    camera_id = table.Column<Guid>(type: "uuid", nullable: false),
                    kind = table.Column<string>(type: "character varying(24)", maxLength: 24, nullable: false),
                    state = table.Column<string>(type: "character varying(24)", maxLength: 24, nullable: false),
                    reason = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    requested_by_id = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    requested_by_name = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    request_key = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    batch_id = table.Column<Guid>(type: "uuid", nullable: true),
                    approved_by_name = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    approved_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    parameters = table.Column<string>(type: "jsonb", nullable: false),
                    context = table.Column<string>(type: "jsonb", nullable: false),
                    current_step = table.Column<int>(type: "integer", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    finished_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    next_run_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    cancel_requested = table.Column<bool>(type: "boolean", nullable: false),
                    lease_owner = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    lease_until = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    summary = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    drift = table.Column<string>(type: "jsonb", nullable: true),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_operations", x => x.id);
                    table.ForeignKey(
                        name: "fk_operations_cameras_camera_id",
                        column: x => x.camera_id,
                        principalTable: "cameras",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_operations_sites_site_id",
                        column: x => x.site_id,
                        principalTable: "sites",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_operations_tenants_tenant_id",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "operation_steps",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    operation_id = table.Column<Guid>(type: "uuid", nullable: false),
                    index = table.Column<int>(type: "integer", nullable: false),
                    name = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    title = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    state = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    finished_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    deadline = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    detail = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_operation_steps", x => x.id);
                    table.ForeignKey(
                        name: "fk_operation_steps_operations_operation_id",
                        column: x => x.operation_id,
                        principalTable: "operations",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_configuration_backups_camera_id_number",
                table: "configuration_backups",
                columns: new[] { "camera_id", "number" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_configuration_backups_tenant_id_created_at",
                table: "configuration_backups",
                columns: new[] { "tenant_id", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_configuration_profiles_site_id",
                table: "configuration_profiles",
                column: "site_id");

            migrationBuilder.CreateIndex(
                name: "ix_configuration_profiles_tenant_id_site_id",
                table: "configuration_profiles",
                columns: new[] { "tenant_id", "site_id" },
                unique: true)
                .Annotation("Npgsql:NullsDistinct", false);

            migrationBuilder.CreateIndex(
                name: "ix_operation_steps_operation_id_index",
                table: "operation_steps",
                columns: new[] { "operation_id", "index" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_operations_batch_id",
                table: "operations",
                column: "batch_id");

            migrationBuilder.CreateIndex(
                name: "ix_operations_camera_id_created_at",
                table: "operations",
                columns: new[] { "camera_id", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_operations_next_run_at",
                table: "operations",
                column: "next_run_at",
                filter: "state IN ('Queued', 'Running', 'Waiting')");

            migrationBuilder.CreateIndex(
                name: "ix_operations_site_id",
                table: "operations",
                column: "site_id");

            migrationBuilder.CreateIndex(
                name: "ix_operations_tenant_id_state_created_at",
                table: "operations",
                columns: new[] { "tenant_id", "state", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ux_operations_one_active_per_camera",
                table: "operations",
                column: "camera_id",
                unique: true,
                filter: "state IN ('AwaitingApproval', 'Queued', 'Running', 'Waiting')");

            migrationBuilder.CreateIndex(
                name: "ux_operations_request_key",
                table: "operations",
                columns: new[] { "requested_by_id", "request_key" },
                unique: true,
                filter: "request_key IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "configuration_backups");

            migrationBuilder.DropTable(
                name: "configuration_profiles");

            migrationBuilder.DropTable(
                name: "operation_steps");

            migrationBuilder.DropTable(
                name: "operations");

            migrationBuilder.DropColumn(
                name: "backup_cron",
                table: "sites");

            migrationBuilder.DropColumn(
                name: "backup_retention",
                table: "sites");

            migrationBuilder.DropColumn(
                name: "bulk_concurrency",
                table: "sites");

            migrationBuilder.DropColumn(
                name: "maintenance_end",
                table: "sites");

            migrationBuilder.DropColumn(
                name: "maintenance_start",
                table: "sites");
        }
    }
}
