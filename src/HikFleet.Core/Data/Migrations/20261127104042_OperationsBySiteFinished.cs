using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace HikFleet.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class OperationsBySiteFinished : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_operations_site_id",
                table: "operations");

            migrationBuilder.CreateIndex(
                name: "ix_operations_site_id_finished_at",
                table: "operations",
                columns: new[] { "site_id", "finished_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_operations_site_id_finished_at",
                table: "operations");

            migrationBuilder.CreateIndex(
                name: "ix_operations_site_id",
                table: "operations",
                column: "site_id");
        }
    }
}
