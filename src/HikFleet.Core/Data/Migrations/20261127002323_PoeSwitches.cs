using System;
using System.Collections.Generic;
using System.Net;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace HikFleet.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class PoeSwitches : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "poe_concurrent_ports",
                table: "sites",
                type: "integer",
                nullable: false,
                defaultValue: 1);

            migrationBuilder.CreateTable(
                name: "poe_switches",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    tenant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    site_id = table.Column<Guid>(type: "uuid", nullable: false),
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    address = table.Column<IPAddress>(type: "inet", nullable: false),
                    snmp_port = table.Column<int>(type: "integer", nullable: false),
                    snmp_version = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: false),
                    snmp_user = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    secret_sealed = table.Column<byte[]>(type: "bytea", nullable: false),
                    secret_key_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    system_name = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    system_description = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    power_budget_watts = table.Column<int>(type: "integer", nullable: true),
                    power_consumption_watts = table.Column<int>(type: "integer", nullable: true),
                    usage_threshold_percent = table.Column<int>(type: "integer", nullable: true),
                    polled_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    poll_error = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_poe_switches", x => x.id);
                    table.ForeignKey(
                        name: "fk_poe_switches_sites_site_id",
                        column: x => x.site_id,
                        principalTable: "sites",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_poe_switches_tenants_tenant_id",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "poe_port_mappings",
                columns: table => new
                {
                    camera_id = table.Column<Guid>(type: "uuid", nullable: false),
                    switch_id = table.Column<Guid>(type: "uuid", nullable: false),
                    group = table.Column<int>(type: "integer", nullable: false),
                    port = table.Column<int>(type: "integer", nullable: false),
                    source = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    found_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    seen_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    confirmed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    confirmed_by = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    conflict = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_poe_port_mappings", x => x.camera_id);
                    table.ForeignKey(
                        name: "fk_poe_port_mappings_cameras_camera_id",
                        column: x => x.camera_id,
                        principalTable: "cameras",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_poe_port_mappings_poe_switches_switch_id",
                        column: x => x.switch_id,
                        principalTable: "poe_switches",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "poe_switch_ports",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    switch_id = table.Column<Guid>(type: "uuid", nullable: false),
                    group = table.Column<int>(type: "integer", nullable: false),
                    port = table.Column<int>(type: "integer", nullable: false),
                    admin_enabled = table.Column<bool>(type: "boolean", nullable: false),
                    detection = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    power_class = table.Column<int>(type: "integer", nullable: true),
                    drop_counter = table.Column<long>(type: "bigint", nullable: false),
                    drops = table.Column<List<DateTimeOffset>>(type: "timestamptz[]", nullable: false),
                    macs = table.Column<List<string>>(type: "text[]", nullable: false),
                    held_off_by_operation_id = table.Column<Guid>(type: "uuid", nullable: true),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_poe_switch_ports", x => x.id);
                    table.ForeignKey(
                        name: "fk_poe_switch_ports_poe_switches_switch_id",
                        column: x => x.switch_id,
                        principalTable: "poe_switches",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_poe_port_mappings_switch_id_group_port",
                table: "poe_port_mappings",
                columns: new[] { "switch_id", "group", "port" });

            migrationBuilder.CreateIndex(
                name: "ix_poe_switch_ports_switch_id_group_port",
                table: "poe_switch_ports",
                columns: new[] { "switch_id", "group", "port" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_poe_switches_site_id_name",
                table: "poe_switches",
                columns: new[] { "site_id", "name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_poe_switches_tenant_id",
                table: "poe_switches",
                column: "tenant_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "poe_port_mappings");

            migrationBuilder.DropTable(
                name: "poe_switch_ports");

            migrationBuilder.DropTable(
                name: "poe_switches");

            migrationBuilder.DropColumn(
                name: "poe_concurrent_ports",
                table: "sites");
        }
    }
}
