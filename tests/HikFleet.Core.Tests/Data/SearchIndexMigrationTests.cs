using HikFleet.Core.Data;
using HikFleet.Core.Inventory;
using HikFleet.Core.Security;
using HikFleet.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace HikFleet.Core.Tests.Data;

/// <summary>
/// Migration PerfSearchIndexes as production runs it: the schema owner is the database's owner but no superuser (deploy/pg.sh),
/// so pg_trgm must install as a trusted extension; the application role, with data rights only, then writes and searches cameras
/// through the trigram indexes.
/// </summary>
public sealed class SearchIndexMigrationTests : IAsyncLifetime
{
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..10];
    private string Db => $"hf_trgm_{_suffix}";
    private string Owner => $"hf_trgm_owner_{_suffix}";
    private string App => $"hf_trgm_app_{_suffix}";
    private const string Password = "Trigram-Roles-7q";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await TestDatabase.ExecuteAdminAsync($"CREATE ROLE {Owner} LOGIN NOSUPERUSER PASSWORD '{Password}'");
        await TestDatabase.ExecuteAdminAsync($"CREATE ROLE {App} LOGIN NOSUPERUSER PASSWORD '{Password}'");
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

    private string Connection(string? user)
    {
        var admin = new NpgsqlConnectionStringBuilder(TestDatabase.AdminConnectionString);
        return new NpgsqlConnectionStringBuilder(TestDatabase.AdminConnectionString)
        {
            Database = Db, Username = user ?? admin.Username, Password = user is null ? admin.Password : Password,
        }.ConnectionString;
    }

    private sealed class Factory(string connectionString) : IDbContextFactory<FleetDbContext>
    {
        public FleetDbContext CreateDbContext()
        {
            var options = new DbContextOptionsBuilder<FleetDbContext>();
            FleetDatabase.Configure(options, connectionString);
            return new FleetDbContext(options.Options);
        }
    }

    private async Task<List<string>> ColumnAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(Connection(App));
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        var values = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct)) values.Add(reader.GetString(0));
        return values;
    }

    [Fact]
    public async Task A_non_superuser_owner_installs_pg_trgm_and_the_search_indexes_and_the_application_role_uses_them()
    {
        var appContexts = new Factory(Connection(App));
        await new FleetDatabaseMigrator(appContexts, NullLogger<FleetDatabaseMigrator>.Instance, new FleetDatabaseRoles(Connection(Owner)))
            .MigrateAsync(Ct);

        Assert.Equal(["pg_trgm"], await ColumnAsync("SELECT extname::text FROM pg_extension WHERE extname = 'pg_trgm'"));
        var indexes = (await ColumnAsync("SELECT indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'cameras'"))
            .ToDictionary(line => line[..line.IndexOf(' ', StringComparison.Ordinal)], line => line[(line.IndexOf(' ', StringComparison.Ordinal) + 1)..]);
        foreach (var (index, expression) in new[]
                 {
                     ("ix_cameras_name_trgm", "(name gin_trgm_ops)"), ("ix_cameras_device_name_trgm", "(device_name gin_trgm_ops)"),
                     ("ix_cameras_serial_number_trgm", "(serial_number gin_trgm_ops)"), ("ix_cameras_mac_address_trgm", "(mac_address gin_trgm_ops)"),
                     ("ix_cameras_model_trgm", "(model gin_trgm_ops)"), ("ix_cameras_address_host_trgm", "(host(address) gin_trgm_ops)"),
                 })
        {
            Assert.True(indexes.TryGetValue(index, out var definition), $"{index} is missing; cameras has {string.Join(", ", indexes.Keys)}");
            Assert.Equal($"CREATE INDEX {index} ON public.cameras USING gin {expression} WITH (gin_pending_list_limit='128')", definition);
        }

        Assert.Equal(["fillfactor=80"], await ColumnAsync("SELECT unnest(reloptions) FROM pg_class WHERE oid = 'public.cameras'::regclass"));

        // The application role (no ownership, default EXECUTE on the extension's functions) maintains and reads the indexes.
        await using (var db = appContexts.CreateDbContext())
        {
            var site = await TestFleet.CreateSiteAsync(db);
            var camera = TestFleet.NewCamera(site.Id, serial: "DS-2CD2143G2-I20230101AAWRT00000042");
            camera.Name = "Trigram Loading Dock";
            db.Cameras.Add(camera);
            await db.SaveChangesAsync(Ct);
        }

        var page = await new InventoryQueries(appContexts, TimeProvider.System)
            .ListCamerasAsync(FleetScope.System, new CameraListQuery { Search = "loading DOCK" }, Ct);
        Assert.Equal("Trigram Loading Dock", Assert.Single(page.Items).Name);

        // Running the migrator again (every start) leaves it as it is.
        await new FleetDatabaseMigrator(appContexts, NullLogger<FleetDatabaseMigrator>.Instance, new FleetDatabaseRoles(Connection(Owner)))
            .MigrateAsync(Ct);
    }
}
