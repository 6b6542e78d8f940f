using System;
using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace HikFleet.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class FirmwareLibrary : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_operations_batch_id",
                table: "operations");

            migrationBuilder.AlterColumn<string>(
                name: "backup_cron",
                table: "sites",
                type: "character varying(100)",
                maxLength: 100,
                nullable: true,
                oldClrType: typeof(string),
                oldType: "character varying(100)",
                oldMaxLength: 100,
                oldNullable: true,
                oldDefaultValue: "30 2 * * 0");

            migrationBuilder.AddColumn<string>(
                name: "password_rotation_cron",
                table: "sites",
                type: "character varying(100)",
                maxLength: 100,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "wave",
                table: "operations",
                type: "integer",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "firmware_images",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    tenant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    file_name = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    size = table.Column<long>(type: "bigint", nullable: false),
                    sha256 = table.Column<string>(type: "character(64)", fixedLength: true, maxLength: 64, nullable: false),
                    version = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    build = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    platform = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    models = table.Column<List<string>>(type: "text[]", nullable: false),
                    notes = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    uploaded_by_name = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    uploaded_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_firmware_images", x => x.id);
                    table.ForeignKey(
                        name: "fk_firmware_images_tenants_tenant_id",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_operations_batch_id_wave",
                table: "operations",
                columns: new[] { "batch_id", "wave" });

            migrationBuilder.CreateIndex(
                name: "ix_firmware_images_tenant_id_sha256",
                table: "firmware_images",
                columns: new[] { "tenant_id", "sha256" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "firmware_images");

            migrationBuilder.DropIndex(
                name: "ix_operations_batch_id_wave",
                table: "operations");

            migrationBuilder.DropColumn(
                name: "password_rotation_cron",
                table: "sites");

            migrationBuilder.DropColumn(
                name: "wave",
                table: "operations");

            migrationBuilder.AlterColumn<string>(
                name: "backup_cron",
                table: "sites",
                type: "character varying(100)",
                maxLength: 100,
                nullable: true,
                defaultValue: "30 2 * * 0",
                oldClrType: typeof(string),
                oldType: "character varying(100)",
                oldMaxLength: 100,
                oldNullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_operations_batch_id",
                table: "operations",
                column: "batch_id");
        }
    }
}
