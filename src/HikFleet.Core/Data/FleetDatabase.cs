using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace HikFleet.Core.Data;

/// <summary>Registration of the fleet database: one data source, a context factory for long-lived Blazor circuits.</summary>
public static class FleetDatabase
{
    /// <summary>The connection string name; <c>ConnectionStrings__Fleet</c> in the environment overrides appsettings.</summary>
    public const string ConnectionStringName = "Fleet";

    public static string GetFleetConnectionString(this IConfiguration configuration) =>
        configuration.GetConnectionString(ConnectionStringName)
        ?? throw new InvalidOperationException(
            "No database configured: set ConnectionStrings:Fleet in appsettings or ConnectionStrings__Fleet in the environment.");

    /// <summary>The schema owner's connection string name (optional; see <see cref="FleetDatabaseRoles"/>).</summary>
    public const string OwnerConnectionStringName = "FleetOwner";

    public static IServiceCollection AddFleetDatabase(this IServiceCollection services, string connectionString, string? ownerConnectionString = null)
    {
        services.AddSingleton(new FleetDatabaseRoles(string.IsNullOrWhiteSpace(ownerConnectionString) ? null : ownerConnectionString));
        services.AddDbContextFactory<FleetDbContext>(options => Configure(options, connectionString));
        services.AddSingleton<FleetDatabaseMigrator>();
        return services;
    }

    public static void Configure(DbContextOptionsBuilder options, string connectionString)
    {
        options.UseNpgsql(connectionString, npgsql =>
        {
            npgsql.MigrationsHistoryTable("__ef_migrations_history");
            npgsql.EnableRetryOnFailure(3);
        });
        // PostgreSQL folds unquoted identifiers to lower case; snake_case names make hand-written SQL (audit, reports) sane.
        options.UseSnakeCaseNamingConvention();
    }

    /// <summary>Connection string with the application name set, so <c>pg_stat_activity</c> tells HikFleet's sessions apart.</summary>
    public static string WithApplicationName(string connectionString, string applicationName) =>
        new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = applicationName }.ConnectionString;
}

/// <summary>
/// The schema owner's connection, used only to migrate and grant; null when the application role owns the schema itself
/// (development convenience, warned about at start).
/// </summary>
public sealed record FleetDatabaseRoles(string? OwnerConnectionString);
