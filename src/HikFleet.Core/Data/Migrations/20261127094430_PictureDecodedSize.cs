using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace HikFleet.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class PictureDecodedSize : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "decoded_bytes",
                table: "camera_snapshots",
                type: "integer",
                nullable: true);

            // The pictures kept so far are the last decoded ones: their size is known (read from the TOAST pointer, not the data).
            migrationBuilder.Sql("UPDATE camera_snapshots SET decoded_bytes = octet_length(jpeg) WHERE jpeg IS NOT NULL;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "decoded_bytes",
                table: "camera_snapshots");
        }
    }
}
