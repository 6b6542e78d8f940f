using Xunit;
using HikFleet.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace HikFleet.Testing;

/// <summary>
/// A fresh, empty PostgreSQL database on the private test cluster that <c>deploy/test.sh</c> starts, created for one
/// test class and dropped after it. Never an in-memory provider: the tests run against what production runs.
/// </summary>
public class TestDatabase : IAsyncLifetime
{
    /// <summary>Superuser connection string of the test cluster (set by deploy/test.sh).</summary>
    public const string AdminVariable = "HIKFLEET_TEST_PG";

    public string Name { get; } = $"hf_test_{Guid.NewGuid():N}";

    public string ConnectionString { get; private set; } = "";

    public static string AdminConnectionString =>
        Environment.GetEnvironmentVariable(AdminVariable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{AdminVariable} is not set. Run the tests with deploy/test.sh, which starts a private PostgreSQL cluster, " +
                $"or set {AdminVariable} to a superuser connection string of a disposable cluster.");

    public virtual async ValueTask InitializeAsync()
    {
        await ExecuteAdminAsync($"CREATE DATABASE {Name}");
        ConnectionString = new NpgsqlConnectionStringBuilder(AdminConnectionString)
        {
            Database = Name,
            // Small pools: many test classes share one cluster.
            MaxPoolSize = 20,
        }.ConnectionString;
    }

    public virtual async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await ExecuteAdminAsync($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)");
        GC.SuppressFinalize(this);
    }

    /// <summary>Applies every migration, as the application does at start.</summary>
    public async Task MigrateAsync()
    {
        await new FleetDatabaseMigrator(new SingleContextFactory(this), NullLogger<FleetDatabaseMigrator>.Instance).MigrateAsync();
    }

    /// <summary>A context on this database, configured as the application configures it, with the given interceptors (to capture,
    /// explain or interrupt what it sends).</summary>
    public FleetDbContext CreateContext(params IInterceptor[] interceptors)
    {
        var options = new DbContextOptionsBuilder<FleetDbContext>();
        FleetDatabase.Configure(options, ConnectionString);
        if (interceptors.Length > 0) options.AddInterceptors(interceptors);
        return new FleetDbContext(options.Options);
    }

    public IDbContextFactory<FleetDbContext> ContextFactory => new SingleContextFactory(this);

    /// <summary>Runs SQL as the cluster's superuser in the maintenance database.</summary>
    public static async Task ExecuteAdminAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private sealed class SingleContextFactory(TestDatabase database) : IDbContextFactory<FleetDbContext>
    {
        public FleetDbContext CreateDbContext() => database.CreateContext();
    }
}

/// <summary>A test database with every migration applied.</summary>
public sealed class MigratedDatabase : TestDatabase
{
    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        await MigrateAsync();
    }
}
