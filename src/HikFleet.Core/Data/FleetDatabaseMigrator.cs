using HikFleet.Core.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace HikFleet.Core.Data;

/// <summary>
/// The one place migrations are applied: at start, before any job server or page touches the database.
/// Several nodes starting together are safe: EF Core 9+ takes a database-wide migration lock.
/// </summary>
/// <remarks>
/// With an owner connection (<c>ConnectionStrings:FleetOwner</c>) the schema is created by that role and the application role (the
/// one in <c>ConnectionStrings:Fleet</c>) only gets data rights: on <c>audit_entries</c> SELECT and INSERT, nothing else, so the
/// application cannot update, delete, truncate, disable the append-only trigger or drop the table, whatever runs inside it
/// (DESIGN.md, issue #8). Without one, the application role owns everything and a warning says so at every start.
/// </remarks>
public sealed class FleetDatabaseMigrator(IDbContextFactory<FleetDbContext> contexts, ILogger<FleetDatabaseMigrator> logger,
    FleetDatabaseRoles? roles = null)
{
    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        var owner = roles?.OwnerConnectionString;
        await using (var db = owner is null ? await contexts.CreateDbContextAsync(cancellationToken) : CreateOwnerContext(owner))
        {
            var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
            if (pending.Count > 0)
            {
                logger.LogInformation("Applying {Count} database migration(s): {Migrations}", pending.Count, string.Join(", ", pending));
            }

            await db.Database.MigrateAsync(cancellationToken);
            if (owner is not null)
            {
                await GrantApplicationRightsAsync(db, cancellationToken);
            }

            // A migration may change the database's settings (ALTER DATABASE … SET), which only sessions opened afterwards see:
            // connections pooled before it (this process's) are not reused.
            if (pending.Count > 0) Npgsql.NpgsqlConnection.ClearAllPools();
        }

        await WarnIfApplicationOwnsTheAuditTrailAsync(cancellationToken);
    }

    private static FleetDbContext CreateOwnerContext(string ownerConnectionString)
    {
        var options = new DbContextOptionsBuilder<FleetDbContext>();
        FleetDatabase.Configure(options, FleetDatabase.WithApplicationName(ownerConnectionString, "hikfleet-migrations"));
        return new FleetDbContext(options.Options);
    }

    /// <summary>Data rights for the application role, re-applied after every migration run so new tables are covered.</summary>
    private async Task GrantApplicationRightsAsync(FleetDbContext owner, CancellationToken cancellationToken)
    {
        await using var app = await contexts.CreateDbContextAsync(cancellationToken);
        var appRole = new Npgsql.NpgsqlConnectionStringBuilder(app.Database.GetConnectionString()).Username
            ?? throw new InvalidOperationException("ConnectionStrings:Fleet names no user.");
        var ownerRole = new Npgsql.NpgsqlConnectionStringBuilder(owner.Database.GetConnectionString()).Username;
        if (string.Equals(appRole, ownerRole, StringComparison.Ordinal))
        {
            throw new InvalidOperationException("ConnectionStrings:FleetOwner and ConnectionStrings:Fleet must use different roles.");
        }

        var role = QuoteIdentifier(appRole);
        var database = QuoteIdentifier(owner.Database.GetDbConnection().Database);
        // Identifiers cannot be bound parameters; they are quoted (and come from configuration, not from users).
        var statements = new[]
        {
            $"GRANT CONNECT, CREATE ON DATABASE {database} TO {role}", // CREATE: Hangfire installs its own schema at first start
            $"GRANT USAGE ON SCHEMA public TO {role}",
            $"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
            $"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
            $"REVOKE ALL ON audit_entries FROM {role}",
            $"GRANT SELECT, INSERT ON audit_entries TO {role}",
            $"REVOKE ALL ON audit_archives FROM {role}",
            $"GRANT SELECT ON audit_archives TO {role}",
            $"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON __ef_migrations_history FROM {role}",
        };
        foreach (var sql in statements)
        {
#pragma warning disable EF1002 // identifiers are quoted above; they cannot be parameters
            await owner.Database.ExecuteSqlRawAsync(sql, cancellationToken);
#pragma warning restore EF1002
        }

        logger.LogInformation("Database roles split: {Owner} owns the schema, {App} has data rights only (audit trail: read and append)", ownerRole, appRole);
    }

    private async Task WarnIfApplicationOwnsTheAuditTrailAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var owns = await db.Database.SqlQueryRaw<bool>(
            "SELECT pg_has_role(current_user, tableowner, 'USAGE') OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS \"Value\" FROM pg_tables WHERE schemaname = 'public' AND tablename = 'audit_entries'")
            .SingleAsync(cancellationToken);
        if (owns)
        {
            logger.LogWarning(
                "The application's database role owns (or is superuser over) the audit trail, so it could switch off the append-only trigger. "
                + "Set ConnectionStrings:FleetOwner to a separate schema-owner role (deploy/pg.sh and docker-compose do).");
        }
    }

    private static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>
    /// Makes sure at least one tenant exists so a fresh install can create its first site.
    /// Idempotent; a unique index on the name settles a race between two nodes.
    /// </summary>
    public async Task EnsureDefaultTenantAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (await db.Tenants.AnyAsync(cancellationToken))
        {
            return;
        }

        db.Tenants.Add(new Tenant { Name = name });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            logger.LogInformation("Created the default tenant {Tenant}", name);
        }
        catch (DbUpdateException ex) when (ex.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation })
        {
            // Another node created it first.
        }
    }
}
