using HikFleet.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using HikFleet.Core.Data;
using Npgsql;

namespace HikFleet.Core.Tests.Data;

/// <summary>Each test gets its own empty database: these tests are about what migrating does to one.</summary>
public sealed class MigrationTests : IAsyncLifetime
{
    private readonly TestDatabase _database = new();

    public ValueTask InitializeAsync() => _database.InitializeAsync();

    public ValueTask DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task Every_migration_applies_to_an_empty_database_and_matches_the_model()
    {
        var ct = TestContext.Current.CancellationToken;
        await using (var empty = _database.CreateContext())
        {
            Assert.Empty(await empty.Database.GetAppliedMigrationsAsync(ct));
        }

        await _database.MigrateAsync();

        await using var db = _database.CreateContext();
        Assert.Equal(db.Database.GetMigrations(), await db.Database.GetAppliedMigrationsAsync(ct));
        Assert.False(db.Database.HasPendingModelChanges(), "The model has changes no migration captures.");

        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name", connection);
        var tables = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                tables.Add(reader.GetString(0));
            }
        }

        Assert.Contains("tenants", tables);
        Assert.Contains("sites", tables);
        Assert.Contains("cameras", tables);

        // Running the migrator again on an up-to-date database is a no-op, as every restart does.
        await _database.MigrateAsync();
    }

    [Fact]
    public async Task The_default_tenant_is_created_once()
    {
        var ct = TestContext.Current.CancellationToken;
        await _database.MigrateAsync();
        var migrator = new FleetDatabaseMigrator(_database.ContextFactory, NullLogger<FleetDatabaseMigrator>.Instance);

        await migrator.EnsureDefaultTenantAsync("Acme", ct);
        await migrator.EnsureDefaultTenantAsync("Other", ct);

        await using var db = _database.CreateContext();
        var names = await db.Tenants.Select(t => t.Name).ToListAsync(ct);
        Assert.Equal(["Acme"], names);
    }
}
