using System.Data.Common;
using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Inventory;
using HikFleet.Core.Security;
using HikFleet.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace HikFleet.Core.Tests.Inventory;

/// <summary>
/// Cameras whose searched columns each hold a word no other camera has, plus names with the characters LIKE treats specially
/// (read-only for the tests).
/// </summary>
public sealed class CameraSearchWorld : TestDatabase
{
    public Dictionary<string, Camera> Cameras { get; } = [];

    /// <summary>Every SQL command the list sent through <see cref="CapturingContexts"/>, with its parameters.</summary>
    public CommandCapture Capture { get; } = new();

    public IDbContextFactory<FleetDbContext> CapturingContexts => new Contexts(this);

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        await MigrateAsync();
        await using var db = CreateContext();
        var site = await TestFleet.CreateSiteAsync(db, "Search site", "10.5.0.0/16");

        void Add(string key, string? name, string? deviceName, string serial, string mac, string? address, string model = "DS-2CD2143G2-I")
        {
            var camera = TestFleet.NewCamera(site.Id, serial, mac, address);
            camera.Name = name;
            camera.DeviceName = deviceName;
            camera.Model = model;
            Cameras[key] = camera;
            db.Cameras.Add(camera);
        }

        // The names of the last four columns are null, so these are found by that one column or not at all.
        Add("byName", "Loading Bay Quokka", "IPC-1", "DS-2CD2143G2-I20230101AAWRA00000001", "44:19:b6:10:00:01", "10.5.0.11");
        Add("byDeviceName", null, "Wombat Gate Cam", "DS-2CD2143G2-I20230101AAWRA00000002", "44:19:b6:10:00:02", "10.5.0.12");
        Add("bySerial", null, null, "DS-2CD2387G2-LU20240101AAWRZ12345678", "44:19:b6:10:00:03", "10.5.0.13");
        Add("byMac", null, null, "DS-2CD2143G2-I20230101AAWRA00000004", "bc:ad:28:7e:5f:3a", "10.5.0.14");
        Add("byModel", null, null, "DS-2CD2143G2-I20230101AAWRA00000005", "44:19:b6:10:00:05", "10.5.0.15", model: "DS-2XS6A25G0-I/CH20S40");
        Add("byAddress", null, null, "DS-2CD2143G2-I20230101AAWRA00000006", "44:19:b6:10:00:06", "10.77.123.45");
        Add("noAddress", "Spare Platypus", null, "DS-2CD2143G2-I20230101AAWRA00000010", "44:19:b6:10:00:10", null);
        // LIKE's wildcards and its escape character, typed into a name, are literal characters of it.
        Add("percent", "Dock 50%_off", null, "DS-2CD2143G2-I20230101AAWRA00000007", "44:19:b6:10:00:07", "10.5.0.17");
        Add("decoy", "Dock 500xoff", null, "DS-2CD2143G2-I20230101AAWRA00000008", "44:19:b6:10:00:08", "10.5.0.18");
        Add("backslash", null, @"Yard\North", "DS-2CD2143G2-I20230101AAWRA00000009", "44:19:b6:10:00:09", "10.5.0.19");
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
    }

    private sealed class Contexts(CameraSearchWorld world) : IDbContextFactory<FleetDbContext>
    {
        public FleetDbContext CreateDbContext() => world.CreateContext(world.Capture);
    }
}

/// <summary>Keeps the text and parameters of every command a context sends (to EXPLAIN exactly what the application runs, or to
/// count its round trips).</summary>
public sealed class CommandCapture : DbCommandInterceptor
{
    private readonly List<(string Sql, NpgsqlParameter[] Parameters)> _commands = [];

    public IReadOnlyList<(string Sql, NpgsqlParameter[] Parameters)> Commands
    {
        get { lock (_commands) return [.. _commands]; }
    }

    public void Clear()
    {
        lock (_commands) _commands.Clear();
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Keep(command);
        return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Keep(command);
        return base.NonQueryExecutingAsync(command, eventData, result, cancellationToken);
    }

    private void Keep(DbCommand command)
    {
        lock (_commands) _commands.Add((command.CommandText, command.Parameters.Cast<NpgsqlParameter>().Select(p => p.Clone()).ToArray()));
    }
}

/// <summary>
/// The camera list's free-text search: a case-insensitive substring of each searched column finds its camera (a null name does
/// not hide a camera), what a person types is matched literally, and the query is one the trigram indexes can serve.
/// </summary>
public sealed class CameraSearchTests(CameraSearchWorld world) : IClassFixture<CameraSearchWorld>
{
    private readonly InventoryQueries _queries = new(world.ContextFactory, TimeProvider.System);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<string[]> SearchAsync(string term)
    {
        var page = await _queries.ListCamerasAsync(FleetScope.System, new CameraListQuery { Search = term, PageSize = 500 }, Ct);
        Assert.Equal(page.Total, page.Items.Count);
        return [.. page.Items.Select(i => world.Cameras.Single(c => c.Value.Id == i.Id).Key).Order(StringComparer.Ordinal)];
    }

    [Theory]
    [InlineData("bay quOKKA", "byName")]
    [InlineData("WOMBAT gate", "byDeviceName")]
    [InlineData("aawrz1234", "bySerial")]
    [InlineData("7E-5F-3A", "byMac")]
    [InlineData("AD:28:7e", "byMac")]
    [InlineData("2xs6a25G0-i/ch", "byModel")]
    [InlineData("77.123.", "byAddress")]
    [InlineData("PLATYPUS", "noAddress")]
    public async Task A_substring_of_each_searched_column_finds_its_camera_whatever_the_case(string term, string expected)
    {
        Assert.Equal([expected], await SearchAsync(term));
    }

    [Theory]
    [InlineData("50%", "percent")] // as a wildcard, "500xoff" would match too
    [InlineData("_off", "percent")] // as a wildcard, "0xoff" would match too
    [InlineData("50%_O", "percent")]
    [InlineData(@"d\n", "backslash")] // the escape character itself, escaped
    [InlineData("500X", "decoy")]
    public async Task Wildcards_and_the_escape_character_typed_by_a_person_are_literal(string term, string expected)
    {
        Assert.Equal([expected], await SearchAsync(term));
    }

    [Fact]
    public async Task A_term_found_nowhere_finds_nothing()
    {
        Assert.Empty(await SearchAsync("%%"));
        Assert.Empty(await SearchAsync("__off"));
        Assert.Empty(await SearchAsync("quokka wombat"));
    }

    [Fact]
    public async Task The_search_as_sent_can_be_served_by_the_trigram_indexes()
    {
        var queries = new InventoryQueries(world.CapturingContexts, TimeProvider.System);
        world.Capture.Clear();
        var page = await queries.ListCamerasAsync(FleetScope.System, new CameraListQuery { Search = "Quokka" }, Ct);
        Assert.Equal(1, page.Total);
        var (sql, parameters) = world.Capture.Commands.First(c => c.Sql.Contains("count(*)", StringComparison.Ordinal));

        // A table this small is scanned whatever indexes exist; with the scans that need no usable index switched off, the
        // planner has to combine the six trigram indexes, and falls back to a (disabled) sequential scan if any arm of the
        // search cannot use its index (a COALESCE around a column, an expression other than the indexed one).
        await using var connection = new NpgsqlConnection(world.ConnectionString);
        await connection.OpenAsync(Ct);
        await using (var off = new NpgsqlCommand("SET enable_seqscan = off; SET enable_indexscan = off; SET enable_indexonlyscan = off", connection))
        {
            await off.ExecuteNonQueryAsync(Ct);
        }

        await using var explain = new NpgsqlCommand("EXPLAIN (COSTS OFF) " + sql, connection);
        explain.Parameters.AddRange(parameters);
        var plan = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync(Ct))
        {
            while (await reader.ReadAsync(Ct)) plan.Add(reader.GetString(0));
        }

        var text = string.Join('\n', plan);
        Assert.DoesNotContain("Seq Scan", text, StringComparison.Ordinal);
        Assert.Contains("BitmapOr", text, StringComparison.Ordinal);
        foreach (var index in new[]
                 {
                     "ix_cameras_name_trgm", "ix_cameras_device_name_trgm", "ix_cameras_serial_number_trgm", "ix_cameras_mac_address_trgm",
                     "ix_cameras_model_trgm", "ix_cameras_address_host_trgm",
                 })
        {
            Assert.True(text.Contains($"Bitmap Index Scan on {index}", StringComparison.Ordinal), $"{index} unused:\n{text}");
        }
    }
}
