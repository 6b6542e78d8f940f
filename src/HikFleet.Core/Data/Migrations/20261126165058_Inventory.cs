using System;
using System.Collections.Generic;
using System.Net;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace HikFleet.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class Inventory : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Health states were renamed to the vocabulary operators use (offline, locked, inactive...).
            migrationBuilder.Sql("""
                UPDATE cameras SET health = CASE health
                    WHEN 'Degraded' THEN 'Warning' WHEN 'Unreachable' THEN 'Offline'
                    WHEN 'LockedOut' THEN 'Locked' WHEN 'NotActivated' THEN 'Inactive' ELSE health END;
                """);

            migrationBuilder.AddColumn<string>(
                name: "default_user_name",
                table: "sites",
                type: "character varying(32)",
                maxLength: 32,
                nullable: false,
                defaultValue: "admin");

            migrationBuilder.AddColumn<string>(
                name: "discovery_cron",
                table: "sites",
                type: "character varying(100)",
                maxLength: 100,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "health_cron",
                table: "sites",
                type: "character varying(100)",
                maxLength: 100,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "missing_after_runs",
                table: "sites",
                type: "integer",
                nullable: false,
                defaultValue: 3);

            migrationBuilder.AddColumn<int>(
                name: "probe_port",
                table: "sites",
                type: "integer",
                nullable: false,
                defaultValue: 80);

            migrationBuilder.AddColumn<List<string>>(
                name: "probe_ranges",
                table: "sites",
                type: "text[]",
                nullable: false,
                defaultValueSql: "'{}'");

            migrationBuilder.AddColumn<string>(
                name: "reprovision_policy",
                table: "sites",
                type: "character varying(16)",
                maxLength: 16,
                nullable: false,
                defaultValue: "AfterApproval");

            migrationBuilder.AddColumn<List<IPAddress>>(
                name: "sadp_interfaces",
                table: "sites",
                type: "inet[]",
                nullable: false,
                defaultValueSql: "'{}'");

            migrationBuilder.AddColumn<bool>(
                name: "activated",
                table: "cameras",
                type: "boolean",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "auth_attempts_left",
                table: "cameras",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "auth_rejected_at",
                table: "cameras",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "auth_rejected_credential_id",
                table: "cameras",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "booted_at",
                table: "cameras",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "certificate_pin",
                table: "cameras",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "device_name",
                table: "cameras",
                type: "character varying(128)",
                maxLength: 128,
                nullable: true);

            migrationBuilder.AddColumn<List<string>>(
                name: "finding_codes",
                table: "cameras",
                type: "text[]",
                nullable: false,
                defaultValueSql: "'{}'");

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "health_changed_at",
                table: "cameras",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "health_checked_at",
                table: "cameras",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "health_summary",
                table: "cameras",
                type: "character varying(300)",
                maxLength: 300,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "https_port",
                table: "cameras",
                type: "integer",
                nullable: false,
                defaultValue: 443);

            migrationBuilder.AddColumn<int>(
                name: "latency_ms",
                table: "cameras",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "locked_until",
                table: "cameras",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "missed_discovery_runs",
                table: "cameras",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "pending_health",
                table: "cameras",
                type: "character varying(16)",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "pending_health_count",
                table: "cameras",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<long>(
                name: "uptime_seconds",
                table: "cameras",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "use_https",
                table: "cameras",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.CreateTable(
                name: "camera_events",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    camera_id = table.Column<Guid>(type: "uuid", nullable: false),
                    at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    detail = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_camera_events", x => x.id);
                    table.ForeignKey(
                        name: "fk_camera_events_cameras_camera_id",
                        column: x => x.camera_id,
                        principalTable: "cameras",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "camera_findings",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    camera_id = table.Column<Guid>(type: "uuid", nullable: false),
                    code = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    severity = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    summary = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    evidence = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    fix = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    first_seen_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    last_seen_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_camera_findings", x => x.id);
                    table.ForeignKey(
                        name: "fk_camera_findings_cameras_camera_id",
                        column: x => x.camera_id,
                        principalTable: "cameras",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "camera_snapshots",
                columns: table => new
                {
                    camera_id = table.Column<Guid>(type: "uuid", nullable: false),
                    taken_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    sha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    mean_luma = table.Column<double>(type: "double precision", nullable: true),
                    unchanged_count = table.Column<int>(type: "integer", nullable: false),
                    jpeg = table.Column<byte[]>(type: "bytea", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_camera_snapshots", x => x.camera_id);
                    table.ForeignKey(
                        name: "fk_camera_snapshots_cameras_camera_id",
                        column: x => x.camera_id,
                        principalTable: "cameras",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "device_credentials",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    camera_id = table.Column<Guid>(type: "uuid", nullable: true),
                    site_id = table.Column<Guid>(type: "uuid", nullable: true),
                    user_name = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    secret = table.Column<byte[]>(type: "bytea", nullable: false),
                    key_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    created_by = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    superseded_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_device_credentials", x => x.id);
                    table.CheckConstraint("ck_device_credentials_one_owner", "(camera_id IS NULL) <> (site_id IS NULL)");
                    table.ForeignKey(
                        name: "fk_device_credentials_cameras_camera_id",
                        column: x => x.camera_id,
                        principalTable: "cameras",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_device_credentials_sites_site_id",
                        column: x => x.site_id,
                        principalTable: "sites",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "discovery_runs",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    site_id = table.Column<Guid>(type: "uuid", nullable: false),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    finished_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    triggered_by = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    seen = table.Column<int>(type: "integer", nullable: false),
                    @new = table.Column<int>(name: "new", type: "integer", nullable: false),
                    moved = table.Column<int>(type: "integer", nullable: false),
                    conflicts = table.Column<int>(type: "integer", nullable: false),
                    mismatched = table.Column<int>(type: "integer", nullable: false),
                    found_reset = table.Column<int>(type: "integer", nullable: false),
                    missing = table.Column<int>(type: "integer", nullable: false),
                    error = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_discovery_runs", x => x.id);
                    table.ForeignKey(
                        name: "fk_discovery_runs_sites_site_id",
                        column: x => x.site_id,
                        principalTable: "sites",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "firmware_releases",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    model = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    version = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    build = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_firmware_releases", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "health_samples",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    camera_id = table.Column<Guid>(type: "uuid", nullable: false),
                    at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    state = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    latency_ms = table.Column<int>(type: "integer", nullable: true),
                    cpu_percent = table.Column<int>(type: "integer", nullable: true),
                    memory_percent = table.Column<int>(type: "integer", nullable: true),
                    uptime_seconds = table.Column<long>(type: "bigint", nullable: true),
                    clock_offset_seconds = table.Column<double>(type: "double precision", nullable: true),
                    finding_codes = table.Column<List<string>>(type: "text[]", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_health_samples", x => x.id);
                    table.ForeignKey(
                        name: "fk_health_samples_cameras_camera_id",
                        column: x => x.camera_id,
                        principalTable: "cameras",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "discovery_sightings",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    run_id = table.Column<Guid>(type: "uuid", nullable: false),
                    site_id = table.Column<Guid>(type: "uuid", nullable: false),
                    mac_address = table.Column<string>(type: "character varying(17)", maxLength: 17, nullable: false),
                    serial_number = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    model = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    address = table.Column<IPAddress>(type: "inet", nullable: true),
                    http_port = table.Column<int>(type: "integer", nullable: true),
                    firmware_version = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    activated = table.Column<bool>(type: "boolean", nullable: true),
                    source = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    outcome = table.Column<string>(type: "character varying(24)", maxLength: 24, nullable: false),
                    camera_id = table.Column<Guid>(type: "uuid", nullable: true),
                    detail = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    seen_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_discovery_sightings", x => x.id);
                    table.CheckConstraint("ck_discovery_sightings_mac_normalised", "mac_address ~ '^([0-9a-f]{2}:){5}[0-9a-f]{2}$'");
                    table.ForeignKey(
                        name: "fk_discovery_sightings_discovery_runs_run_id",
                        column: x => x.run_id,
                        principalTable: "discovery_runs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_cameras_address",
                table: "cameras",
                column: "address");

            migrationBuilder.CreateIndex(
                name: "ix_cameras_finding_codes",
                table: "cameras",
                column: "finding_codes")
                .Annotation("Npgsql:IndexMethod", "gin");

            migrationBuilder.CreateIndex(
                name: "ix_camera_events_at",
                table: "camera_events",
                column: "at");

            migrationBuilder.CreateIndex(
                name: "ix_camera_events_camera_id_at",
                table: "camera_events",
                columns: new[] { "camera_id", "at" });

            migrationBuilder.CreateIndex(
                name: "ix_camera_findings_camera_id_code",
                table: "camera_findings",
                columns: new[] { "camera_id", "code" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_camera_findings_severity",
                table: "camera_findings",
                column: "severity");

            migrationBuilder.CreateIndex(
                name: "ix_device_credentials_camera_id_created_at",
                table: "device_credentials",
                columns: new[] { "camera_id", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_device_credentials_key_id",
                table: "device_credentials",
                column: "key_id");

            migrationBuilder.CreateIndex(
                name: "ux_device_credentials_current_camera",
                table: "device_credentials",
                column: "camera_id",
                unique: true,
                filter: "superseded_at IS NULL AND camera_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ux_device_credentials_current_site",
                table: "device_credentials",
                column: "site_id",
                unique: true,
                filter: "superseded_at IS NULL AND site_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_discovery_runs_site_id_started_at",
                table: "discovery_runs",
                columns: new[] { "site_id", "started_at" });

            migrationBuilder.CreateIndex(
                name: "ux_discovery_runs_one_running",
                table: "discovery_runs",
                column: "site_id",
                unique: true,
                filter: "status = 'Running'");

            migrationBuilder.CreateIndex(
                name: "ix_discovery_sightings_camera_id",
                table: "discovery_sightings",
                column: "camera_id");

            migrationBuilder.CreateIndex(
                name: "ix_discovery_sightings_run_id",
                table: "discovery_sightings",
                column: "run_id");

            migrationBuilder.CreateIndex(
                name: "ix_discovery_sightings_site_id_outcome",
                table: "discovery_sightings",
                columns: new[] { "site_id", "outcome" });

            migrationBuilder.CreateIndex(
                name: "ix_firmware_releases_model_version_build",
                table: "firmware_releases",
                columns: new[] { "model", "version", "build" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_health_samples_at",
                table: "health_samples",
                column: "at");

            migrationBuilder.CreateIndex(
                name: "ix_health_samples_camera_id_at",
                table: "health_samples",
                columns: new[] { "camera_id", "at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "camera_events");

            migrationBuilder.DropTable(
                name: "camera_findings");

            migrationBuilder.DropTable(
                name: "camera_snapshots");

            migrationBuilder.DropTable(
                name: "device_credentials");

            migrationBuilder.DropTable(
                name: "discovery_sightings");

            migrationBuilder.DropTable(
                name: "firmware_releases");

            migrationBuilder.DropTable(
                name: "health_samples");

            migrationBuilder.DropTable(
                name: "discovery_runs");

            migrationBuilder.DropIndex(
                name: "ix_cameras_address",
                table: "cameras");

            migrationBuilder.DropIndex(
                name: "ix_cameras_finding_codes",
                table: "cameras");

            migrationBuilder.DropColumn(
                name: "default_user_name",
                table: "sites");

            migrationBuilder.DropColumn(
                name: "discovery_cron",
                table: "sites");

            migrationBuilder.DropColumn(
                name: "health_cron",
                table: "sites");

            migrationBuilder.DropColumn(
                name: "missing_after_runs",
                table: "sites");

            migrationBuilder.DropColumn(
                name: "probe_port",
                table: "sites");

            migrationBuilder.DropColumn(
                name: "probe_ranges",
                table: "sites");

            migrationBuilder.DropColumn(
                name: "reprovision_policy",
                table: "sites");

            migrationBuilder.DropColumn(
                name: "sadp_interfaces",
                table: "sites");

            migrationBuilder.DropColumn(
                name: "activated",
                table: "cameras");

            migrationBuilder.DropColumn(
                name: "auth_attempts_left",
                table: "cameras");

            migrationBuilder.DropColumn(
                name: "auth_rejected_at",
                table: "cameras");

            migrationBuilder.DropColumn(
                name: "auth_rejected_credential_id",
                table: "cameras");

            migrationBuilder.DropColumn(
                name: "booted_at",
                table: "cameras");

            migrationBuilder.DropColumn(
                name: "certificate_pin",
                table: "cameras");

            migrationBuilder.DropColumn(
                name: "device_name",
                table: "cameras");

            migrationBuilder.DropColumn(
                name: "finding_codes",
                table: "cameras");

            migrationBuilder.DropColumn(
                name: "health_changed_at",
                table: "cameras");

            migrationBuilder.DropColumn(
                name: "health_checked_at",
                table: "cameras");

            migrationBuilder.DropColumn(
                name: "health_summary",
                table: "cameras");

            migrationBuilder.DropColumn(
                name: "https_port",
                table: "cameras");

            migrationBuilder.DropColumn(
                name: "latency_ms",
                table: "cameras");

            migrationBuilder.DropColumn(
                name: "locked_until",
                table: "cameras");

            migrationBuilder.DropColumn(
                name: "missed_discovery_runs",
                table: "cameras");

            migrationBuilder.DropColumn(
                name: "pending_health",
                table: "cameras");

            migrationBuilder.DropColumn(
                name: "pending_health_count",
                table: "cameras");

            migrationBuilder.DropColumn(
                name: "uptime_seconds",
                table: "cameras");

            migrationBuilder.DropColumn(
                name: "use_https",
                table: "cameras");
        }
    }
}
