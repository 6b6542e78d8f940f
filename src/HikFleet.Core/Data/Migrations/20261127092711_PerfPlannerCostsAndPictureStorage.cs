using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace HikFleet.Core.Data.Migrations
{
    /// <summary>
    /// Issue #13 (decision 0019). The planner's cost of a random page read for this database: 1.1 (an SSD, or pages in memory, as
    /// the fleet's hot tables are) instead of the default 4 (a spinning disk). With 4, the health batch's reads of 200 cameras'
    /// pictures, findings and events scanned the whole tables (index scans 10–30× cheaper in fact), and these tables grow. Only the
    /// database's owner may set it: elsewhere a warning says to set it on the server, and nothing else changes.
    /// The picture column is stored out of line without compression attempts (a JPEG does not compress; PostgreSQL tried on every
    /// write of a thumbnail).
    /// </summary>
    public partial class PerfPlannerCostsAndPictureStorage : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DO $$
                BEGIN
                    EXECUTE format('ALTER DATABASE %I SET random_page_cost = 1.1', current_database());
                EXCEPTION WHEN insufficient_privilege THEN
                    RAISE WARNING 'HikFleet: random_page_cost of database % not set (the migrating role does not own it); set random_page_cost = 1.1 on the server (docs/performance.md)', current_database();
                END $$;
                """);
            migrationBuilder.Sql("ALTER TABLE camera_snapshots ALTER COLUMN jpeg SET STORAGE EXTERNAL;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("ALTER TABLE camera_snapshots ALTER COLUMN jpeg SET STORAGE EXTENDED;");
            migrationBuilder.Sql("""
                DO $$
                BEGIN
                    EXECUTE format('ALTER DATABASE %I RESET random_page_cost', current_database());
                EXCEPTION WHEN insufficient_privilege THEN
                    NULL;
                END $$;
                """);
        }
    }
}
