using HikFleet.Core.Audit;
using HikFleet.Core.Data;
using HikFleet.Testing;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace HikFleet.Core.Tests.Audit;

/// <summary>
/// The production arrangement: the application connects as a role that neither owns audit_entries nor is a superuser,
/// with only SELECT and INSERT on it. Such a role can append and verify, and can neither change rows nor switch the
/// append-only trigger off.
/// </summary>
public sealed class AuditRoleTests : IAsyncLifetime
{
    private readonly MigratedDatabase _database = new();
    // Roles are cluster-wide and other test processes share the cluster: a unique name, dropped afterwards.
    private readonly string _role = $"hf_app_{Guid.NewGuid():N}";
    private readonly string _password = Convert.ToHexString(Guid.NewGuid().ToByteArray());
    private string _appConnectionString = "";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await _database.InitializeAsync();
        await ExecuteAsync(_database.ConnectionString, $"""
            CREATE ROLE {_role} LOGIN PASSWORD '{_password}';
            GRANT CONNECT ON DATABASE {_database.Name} TO {_role};
            GRANT USAGE ON SCHEMA public TO {_role};
            GRANT SELECT, INSERT ON audit_entries TO {_role};
            GRANT SELECT ON audit_archives TO {_role};
            GRANT USAGE ON SEQUENCE audit_entries_id_seq TO {_role};
            """);
        _appConnectionString = new NpgsqlConnectionStringBuilder(_database.ConnectionString)
        {
            Username = _role,
            Password = _password,
        }.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await ExecuteAsync(_database.ConnectionString, $"DROP OWNED BY {_role}");
        await _database.DisposeAsync();
        await TestDatabase.ExecuteAdminAsync($"DROP ROLE IF EXISTS {_role}");
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task A_non_owner_app_role_appends_and_verifies_but_cannot_alter_the_table_or_its_triggers()
    {
        var contexts = new AppRoleContexts(_appConnectionString);
        var log = new AuditLog(contexts, TimeProvider.System);
        for (var i = 0; i < 3; i++)
        {
            await log.AppendAsync(new AuditRecord
            {
                Actor = AuditActor.System(),
                Action = "camera.reboot",
                Result = AuditResult.Succeeded,
                Parameters = new { attempt = i },
            }, Ct);
        }

        var verification = await new AuditVerifier(contexts).VerifyAsync(Ct);
        Assert.True(verification.IsIntact, verification.Detail);
        Assert.Equal(3, verification.VerifiedCount);

        await using var connection = new NpgsqlConnection(_appConnectionString);
        await connection.OpenAsync(Ct);
        foreach (var (sql, message) in new[]
                 {
                     ("UPDATE audit_entries SET reason = 'x'", "permission denied for table audit_entries"),
                     ("DELETE FROM audit_entries", "permission denied for table audit_entries"),
                     ("TRUNCATE audit_entries", "permission denied for table audit_entries"),
                     ("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only", "must be owner of"),
                     ("DROP TRIGGER audit_entries_append_only ON audit_entries", "must be owner of"),
                     ("SET session_replication_role = replica", "permission denied to set parameter"),
                 })
        {
            await using var command = new NpgsqlCommand(sql, connection);
            var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync(Ct));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
            // Prefixes only: PostgreSQL words the object differently across versions ("table" / "relation").
            Assert.StartsWith(message, refused.MessageText);
        }

        Assert.True((await new AuditVerifier(contexts).VerifyAsync(Ct)).IsIntact);
    }

    private sealed class AppRoleContexts(string connectionString) : IDbContextFactory<FleetDbContext>
    {
        public FleetDbContext CreateDbContext()
        {
            var options = new DbContextOptionsBuilder<FleetDbContext>();
            FleetDatabase.Configure(options, connectionString);
            return new FleetDbContext(options.Options);
        }
    }
}
