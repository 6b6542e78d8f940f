using HikFleet.Core.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace HikFleet.Core.Data;

/// <summary>
/// The one place migrations are applied: at start, before any job server or page touches the database.
/// Several nodes starting together are safe: EF Core 9+ takes a database-wide migration lock.
/// </summary>
public sealed class FleetDatabaseMigrator(IDbContextFactory<FleetDbContext> contexts, ILogger<FleetDatabaseMigrator> logger)
{
    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        if (pending.Count > 0)
        {
            logger.LogInformation("Applying {Count} database migration(s): {Migrations}", pending.Count, string.Join(", ", pending));
        }

        await db.Database.MigrateAsync(cancellationToken);
    }

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
