using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace HikFleet.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class VaultPendingCredential : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ux_device_credentials_current_camera",
                table: "device_credentials");

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "pending_since",
                table: "device_credentials",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ux_device_credentials_pending_camera",
                table: "device_credentials",
                column: "camera_id",
                unique: true,
                filter: "superseded_at IS NULL AND pending_since IS NOT NULL AND camera_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ux_device_credentials_current_camera",
                table: "device_credentials",
                column: "camera_id",
                unique: true,
                filter: "superseded_at IS NULL AND pending_since IS NULL AND camera_id IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ux_device_credentials_pending_camera",
                table: "device_credentials");

            migrationBuilder.DropIndex(
                name: "ux_device_credentials_current_camera",
                table: "device_credentials");

            migrationBuilder.DropColumn(
                name: "pending_since",
                table: "device_credentials");

            migrationBuilder.CreateIndex(
                name: "ux_device_credentials_current_camera",
                table: "device_credentials",
                column: "camera_id",
                unique: true,
                filter: "superseded_at IS NULL AND camera_id IS NOT NULL");
        }
    }
}
