using HikFleet.Core.Audit;
using HikFleet.Core.Data;
using HikFleet.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace HikFleet.Core.Tests.Data;

/// <summary>
/// Migrating with a separate schema-owner role leaves the application role with data rights only: it appends to and reads the
/// audit trail, works with the inventory, and cannot update, delete, truncate or un-trigger the audit trail.
/// </summary>
public sealed class DatabaseRoleSplitTests : IAsyncLifetime
{
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..10];
    private string Db => $"hf_split_{_suffix}";
    private string Owner => $"hf_owner_{_suffix}";
    private string App => $"hf_app_{_suffix}";
    private const string Password = "Split-Roles-9x";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await TestDatabase.ExecuteAdminAsync($"CREATE ROLE {Owner} LOGIN PASSWORD '{Password}'");
        await TestDatabase.ExecuteAdminAsync($"CREATE ROLE {App} LOGIN PASSWORD '{Password}'");
        await TestDatabase.ExecuteAdminAsync($"CREATE DATABASE {Db} OWNER {Owner}");
        await using var connection = new NpgsqlConnection(Connection(null));
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand($"ALTER SCHEMA public OWNER TO {Owner}", connection);
        await command.ExecuteNonQueryAsync(Ct);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await TestDatabase.ExecuteAdminAsync($"DROP DATABASE IF EXISTS {Db} WITH (FORCE)");
        await TestDatabase.ExecuteAdminAsync($"DROP ROLE IF EXISTS {App}");
        await TestDatabase.ExecuteAdminAsync($"DROP ROLE IF EXISTS {Owner}");
    }

    private string Connection(string? user) => new NpgsqlConnectionStringBuilder(TestDatabase.AdminConnectionString)
    {
        Database = Db, Username = user ?? new NpgsqlConnectionStringBuilder(TestDatabase.AdminConnectionString).Username,
        Password = user is null ? new NpgsqlConnectionStringBuilder(TestDatabase.AdminConnectionString).Password : Password,
    }.ConnectionString;

    private sealed class Factory(string connectionString) : IDbContextFactory<FleetDbContext>
    {
        public FleetDbContext CreateDbContext()
        {
            var options = new DbContextOptionsBuilder<FleetDbContext>();
            FleetDatabase.Configure(options, connectionString);
            return new FleetDbContext(options.Options);
        }
    }

    private async Task<string> FailsAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(Connection(App));
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        var ex = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync(Ct));
        return ex.SqlState;
    }

    [Fact]
    public async Task TheApplicationRole_AppendsAndReads_ButCannotAlterTheAuditTrail()
    {
        var appContexts = new Factory(Connection(App));
        var migrator = new FleetDatabaseMigrator(appContexts, NullLogger<FleetDatabaseMigrator>.Instance, new FleetDatabaseRoles(Connection(Owner)));
        await migrator.MigrateAsync(Ct);
        // A second start re-applies the grants idempotently.
        await migrator.MigrateAsync(Ct);

        var log = new AuditLog(appContexts, TimeProvider.System);
        var entry = await log.AppendAsync(new AuditRecord
        {
            Actor = AuditActor.System(), Action = "test.append", Result = AuditResult.Succeeded,
        }, Ct);
        Assert.True((await new AuditVerifier(appContexts).VerifyAsync(Ct)).IsIntact);

        await using (var db = appContexts.CreateDbContext())
        {
            var site = await TestFleet.CreateSiteAsync(db);
            db.Cameras.Add(TestFleet.NewCamera(site.Id));
            await db.SaveChangesAsync(Ct);
            Assert.Equal(1, await db.Cameras.ExecuteDeleteAsync(Ct));
        }

        const string denied = PostgresErrorCodes.InsufficientPrivilege;
        Assert.Equal(denied, await FailsAsync($"UPDATE audit_entries SET reason = 'edited' WHERE id = {entry.Id}"));
        Assert.Equal(denied, await FailsAsync($"DELETE FROM audit_entries WHERE id = {entry.Id}"));
        Assert.Equal(denied, await FailsAsync("TRUNCATE audit_entries"));
        Assert.Equal(denied, await FailsAsync("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only"));
        Assert.Equal(denied, await FailsAsync("DROP TABLE audit_entries"));
        Assert.Equal(denied, await FailsAsync("DELETE FROM __ef_migrations_history"));
        Assert.Equal(denied, await FailsAsync("INSERT INTO audit_archives (up_to_id, up_to_hash, first_id, entries, file_name, file_sha256, archived_at, archived_by) VALUES (1, decode(repeat('00', 32), 'hex'), 1, 1, 'f', 'x', now(), 'me')"));
    }
}
