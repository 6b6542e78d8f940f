using System;
using System.Net;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace HikFleet.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class AuditTrail : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "audit_entries",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    occurred_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    actor_kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    actor_id = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    actor_name = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    client_address = table.Column<IPAddress>(type: "inet", nullable: true),
                    tenant_id = table.Column<Guid>(type: "uuid", nullable: true),
                    site_id = table.Column<Guid>(type: "uuid", nullable: true),
                    camera_id = table.Column<Guid>(type: "uuid", nullable: true),
                    action = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    parameters = table.Column<string>(type: "jsonb", nullable: true),
                    reason = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    result = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    result_detail = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true),
                    correlation_id = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    previous_hash = table.Column<byte[]>(type: "bytea", nullable: false),
                    hash = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_audit_entries", x => x.id);
                    table.CheckConstraint("ck_audit_entries_actor_kind", "actor_kind IN ('user', 'job', 'system')");
                    table.CheckConstraint("ck_audit_entries_hash_lengths", "octet_length(hash) = 32 AND octet_length(previous_hash) = 32");
                    table.CheckConstraint("ck_audit_entries_result", "result IN ('succeeded', 'failed', 'refused')");
                });

            migrationBuilder.CreateIndex(
                name: "ix_audit_entries_actor_id_id",
                table: "audit_entries",
                columns: new[] { "actor_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_audit_entries_camera_id_id",
                table: "audit_entries",
                columns: new[] { "camera_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_audit_entries_correlation_id",
                table: "audit_entries",
                column: "correlation_id");

            migrationBuilder.CreateIndex(
                name: "ix_audit_entries_occurred_at",
                table: "audit_entries",
                column: "occurred_at");

            migrationBuilder.CreateIndex(
                name: "ix_audit_entries_site_id_id",
                table: "audit_entries",
                columns: new[] { "site_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_audit_entries_tenant_id_id",
                table: "audit_entries",
                columns: new[] { "tenant_id", "id" });

            // Append-only, enforced by the database and not only by the application (issue 8). Statement-level
            // triggers refuse even an UPDATE or DELETE that matches no row, and TRUNCATE (which fires no row triggers).
            // ENABLE ALWAYS keeps them firing under session_replication_role = replica, the usual way to skip triggers.
            // What stays possible for the table's OWNER or a superuser: ALTER TABLE ... DISABLE TRIGGER, or dropping the
            // trigger. Hence in production the application's role must not own audit_entries (nor be a superuser): let
            // a separate migration role own it and grant the app role only SELECT, INSERT on the table and USAGE on
            // its sequence. AuditVerifier detects what a privileged hand changes anyway.
            migrationBuilder.Sql("""
                CREATE FUNCTION audit_entries_refuse_change() RETURNS trigger
                LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'audit_entries is append-only: % refused', TG_OP
                        USING ERRCODE = 'insufficient_privilege',
                              HINT = 'Audit entries are never changed or removed; retention archives them.';
                END
                $$;

                CREATE TRIGGER audit_entries_append_only
                    BEFORE UPDATE OR DELETE ON audit_entries
                    FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_refuse_change();
                CREATE TRIGGER audit_entries_no_truncate
                    BEFORE TRUNCATE ON audit_entries
                    FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_refuse_change();
                ALTER TABLE audit_entries ENABLE ALWAYS TRIGGER audit_entries_append_only;
                ALTER TABLE audit_entries ENABLE ALWAYS TRIGGER audit_entries_no_truncate;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // DROP TABLE fires none of the triggers; it drops them with the table.
            migrationBuilder.DropTable(
                name: "audit_entries");

            migrationBuilder.Sql("DROP FUNCTION audit_entries_refuse_change();");
        }
    }
}
