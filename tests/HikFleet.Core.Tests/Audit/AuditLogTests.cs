using System.Net;
using System.Text.Json.Nodes;
using HikFleet.Core.Audit;
using HikFleet.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace HikFleet.Core.Tests.Audit;

/// <summary>
/// The audit trail on real PostgreSQL. Every test gets its own migrated database: the chain is one per database, and
/// the tampering tests break it on purpose.
/// </summary>
public sealed class AuditLogTests : IAsyncLifetime
{
    private readonly MigratedDatabase _database = new();
    private AuditLog _log = null!;
    private AuditVerifier _verifier = null!;

    public async ValueTask InitializeAsync()
    {
        await _database.InitializeAsync();
        _log = new AuditLog(_database.ContextFactory, TimeProvider.System);
        _verifier = new AuditVerifier(_database.ContextFactory);
    }

    public ValueTask DisposeAsync() => _database.DisposeAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static AuditRecord Reboot(int n) => new()
    {
        Actor = AuditActor.User(Guid.CreateVersion7(), $"operator {n}"),
        ClientAddress = IPAddress.Parse("192.0.2.10"),
        TenantId = Guid.CreateVersion7(),
        SiteId = Guid.CreateVersion7(),
        CameraId = Guid.CreateVersion7(),
        Action = "camera.reboot",
        Parameters = new { attempt = n, mode = "web" },
        Reason = $"stream frozen #{n}",
        Result = AuditResult.Succeeded,
        CorrelationId = $"op-{n}",
    };

    private async Task<List<AuditEntry>> AppendAsync(int count)
    {
        var entries = new List<AuditEntry>();
        for (var i = 1; i <= count; i++)
        {
            entries.Add(await _log.AppendAsync(Reboot(i), Ct));
        }

        return entries;
    }

    /// <summary>What a superuser with a psql prompt can do: switch the trigger off inside a transaction and edit rows.</summary>
    private async Task TamperAsSuperuserAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var transaction = await connection.BeginTransactionAsync(Ct);
        async Task<int> RunAsync(string statement)
        {
            await using var command = new NpgsqlCommand(statement, connection, transaction);
            return await command.ExecuteNonQueryAsync(Ct);
        }

        await RunAsync("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only");
        // A tampering statement that touches nothing would make the test below pass for the wrong reason.
        Assert.True(await RunAsync(sql) > 0, sql);
        await RunAsync("ALTER TABLE audit_entries ENABLE ALWAYS TRIGGER audit_entries_append_only");
        await transaction.CommitAsync(Ct);
    }

    [Fact]
    public async Task An_empty_trail_verifies_as_intact()
    {
        var result = await _verifier.VerifyAsync(Ct);

        Assert.True(result.IsIntact);
        Assert.Equal(0, result.VerifiedCount);
        Assert.Null(result.LastVerifiedId);
        Assert.Equal(new byte[32], result.LastHash);
    }

    [Fact]
    public async Task Appended_entries_are_stored_as_given_linked_and_verify()
    {
        var userId = Guid.CreateVersion7();
        var tenant = Guid.CreateVersion7();
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        var first = await _log.AppendAsync(new AuditRecord
        {
            Actor = AuditActor.User(userId, "Dana Ødegård"),
            ClientAddress = IPAddress.Parse("fe80::1%2"),
            TenantId = tenant,
            Action = "site.create",
            // Key order, whitespace and number spelling all change in jsonb; the hash must not care.
            Parameters = JsonNode.Parse("""{ "name": "Lager Süd", "subnets": ["10.20.0.0/24"], "zeta": 1e2, "alpha": 1.50, "neg": -0, "tiny": 1e-40, "pi": 3.14159265358979323846264338327950288, "huge": 123456789012345678901234567890123, "nested": { "b": [true, null, {"y": 2, "x": 1}], "a": "😀" } }"""),
            Reason = "new warehouse",
            Result = AuditResult.Succeeded,
            ResultDetail = "created",
        }, Ct);
        var second = await _log.AppendAsync(new AuditRecord
        {
            Actor = AuditActor.Job("hangfire-981", "HealthCheckJob"),
            Action = "camera.factory_reset",
            Result = AuditResult.Refused,
            ResultDetail = "3 reboots in the last hour",
            CorrelationId = "op-0192",
        }, Ct);
        var third = await _log.AppendAsync(new AuditRecord
        {
            Actor = AuditActor.System(),
            Action = "system.start",
            Result = AuditResult.Failed,
            ResultDetail = new string('x', 5000),
        }, Ct);

        Assert.Equal(new byte[32], first.PreviousHash);
        Assert.Equal(first.Hash, second.PreviousHash);
        Assert.Equal(second.Hash, third.PreviousHash);
        Assert.True(first.Id < second.Id && second.Id < third.Id);
        Assert.True(first.OccurredAt >= before && first.OccurredAt <= second.OccurredAt && second.OccurredAt <= third.OccurredAt);

        await using (var db = _database.CreateContext())
        {
            var stored = await db.AuditEntries.AsNoTracking().OrderBy(e => e.Id).ToListAsync(Ct);
            Assert.Equal(3, stored.Count);
            var row = stored[0];
            Assert.Equal(first.OccurredAt, row.OccurredAt);
            Assert.Equal(AuditActorKind.User, row.ActorKind);
            Assert.Equal(userId.ToString(), row.ActorId);
            Assert.Equal("Dana Ødegård", row.ActorName);
            Assert.Equal(IPAddress.Parse("fe80::1"), row.ClientAddress);
            Assert.Equal(tenant, row.TenantId);
            Assert.Null(row.SiteId);
            Assert.Equal("site.create", row.Action);
            Assert.Equal(AuditResult.Succeeded, row.Result);
            Assert.Equal(first.Hash, row.Hash);
            Assert.Equal(AuditChain.CanonicalJson(row.Parameters!), first.Parameters);
            Assert.Equal(first.Hash, AuditChain.ComputeHash(row));
            Assert.Equal(AuditResult.Refused, stored[1].Result);
            Assert.Equal("op-0192", stored[1].CorrelationId);
            Assert.Equal(AuditLog.MaxResultDetailLength, stored[2].ResultDetail!.Length);
            Assert.EndsWith("…", stored[2].ResultDetail);
        }

        var result = await _verifier.VerifyAsync(Ct);
        Assert.True(result.IsIntact, result.Detail);
        Assert.Equal(3, result.VerifiedCount);
        Assert.Equal(third.Id, result.LastVerifiedId);
        Assert.Equal(third.Hash, result.LastHash);
    }

    [Fact]
    public async Task Malformed_records_are_refused_and_nothing_is_written()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _log.AppendAsync(Reboot(1) with { Action = "Camera Reboot" }, Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => _log.AppendAsync(Reboot(1) with { Actor = AuditActor.Job("", "x") }, Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => _log.AppendAsync(Reboot(1) with { Reason = new string('r', 2001) }, Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => _log.AppendAsync(Reboot(1) with { Parameters = new { blob = new string('b', 70_000) } }, Ct));

        await using var db = _database.CreateContext();
        Assert.False(await db.AuditEntries.AnyAsync(Ct));
    }

    [Fact]
    public async Task Fifty_parallel_appends_form_one_valid_chain()
    {
        var entries = await Task.WhenAll(Enumerable.Range(1, 50).Select(n => Task.Run(() => _log.AppendAsync(Reboot(n), Ct), Ct)));

        Assert.Equal(50, entries.Select(e => e.Id).Distinct().Count());
        // No fork: every link is used once, and exactly one entry starts the chain.
        Assert.Equal(50, entries.Select(e => Convert.ToHexString(e.PreviousHash)).Distinct().Count());
        Assert.Single(entries, e => e.PreviousHash.SequenceEqual(new byte[32]));
        var result = await _verifier.VerifyAsync(Ct);
        Assert.True(result.IsIntact, result.Detail);
        Assert.Equal(50, result.VerifiedCount);
        Assert.Equal(entries.MaxBy(e => e.Id)!.Hash, result.LastHash);
    }

    [Fact]
    public async Task The_database_refuses_update_delete_and_truncate_through_the_apps_connection()
    {
        var entries = await AppendAsync(2);
        await using var db = _database.CreateContext();

        var update = await Assert.ThrowsAnyAsync<Exception>(() =>
            db.AuditEntries.Where(e => e.Id == entries[0].Id).ExecuteUpdateAsync(s => s.SetProperty(e => e.Reason, "nothing happened"), Ct));
        AssertRefused(update, "UPDATE");

        var delete = await Assert.ThrowsAnyAsync<Exception>(() => db.AuditEntries.Where(e => e.Id == entries[1].Id).ExecuteDeleteAsync(Ct));
        AssertRefused(delete, "DELETE");

        // Even a statement that matches no row is refused: nobody probes the table with "harmless" writes.
        var none = await Assert.ThrowsAnyAsync<Exception>(() => db.AuditEntries.Where(e => e.Id == -1).ExecuteDeleteAsync(Ct));
        AssertRefused(none, "DELETE");

        var truncate = await Assert.ThrowsAnyAsync<Exception>(() => db.Database.ExecuteSqlRawAsync("TRUNCATE audit_entries", Ct));
        AssertRefused(truncate, "TRUNCATE");

        // session_replication_role = replica silences ordinary triggers; these are ENABLE ALWAYS.
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var replica = new NpgsqlCommand(
            $"SET session_replication_role = replica; DELETE FROM audit_entries WHERE id = {entries[0].Id}", connection);
        AssertRefused(await Assert.ThrowsAsync<PostgresException>(() => replica.ExecuteNonQueryAsync(Ct)), "DELETE");

        Assert.Equal(2, await db.AuditEntries.CountAsync(Ct));
        var result = await _verifier.VerifyAsync(Ct);
        Assert.True(result.IsIntact, result.Detail);
        Assert.Equal(2, result.VerifiedCount);
    }

    private static void AssertRefused(Exception exception, string operation)
    {
        var postgres = exception as PostgresException ?? exception.InnerException as PostgresException;
        Assert.NotNull(postgres);
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, postgres.SqlState);
        Assert.Equal($"audit_entries is append-only: {operation} refused", postgres.MessageText);
    }

    public static TheoryData<string, string> Tampering => new()
    {
        { "reason", "SET reason = 'routine maintenance'" },
        { "actor", "SET actor_name = 'someone else'" },
        { "result", "SET result = 'failed'" },
        { "time by one microsecond", "SET occurred_at = occurred_at + interval '1 microsecond'" },
        { "client address", "SET client_address = '192.0.2.11'" },
        { "parameters", "SET parameters = jsonb_set(parameters, '{mode}', '\"hard\"')" },
        { "camera", "SET camera_id = NULL" },
    };

    [Theory]
    [MemberData(nameof(Tampering))]
    public async Task An_entry_altered_by_a_superuser_bypassing_the_trigger_is_named_by_verification(string what, string set)
    {
        var entries = await AppendAsync(5);
        var victim = entries[2];
        Assert.True((await _verifier.VerifyAsync(Ct)).IsIntact);

        await TamperAsSuperuserAsync($"UPDATE audit_entries {set} WHERE id = {victim.Id}");

        var result = await _verifier.VerifyAsync(Ct);
        Assert.False(result.IsIntact, what);
        Assert.Equal(victim.Id, result.BrokenEntryId);
        Assert.Equal(AuditChainBreak.ContentHashMismatch, result.Break);
        Assert.Contains($"Entry {victim.Id}", result.Detail);
        Assert.Equal(2, result.VerifiedCount);
        Assert.Equal(entries[1].Hash, result.LastHash);
    }

    [Fact]
    public async Task A_deleted_middle_entry_is_detected_as_a_broken_link_at_the_next_entry()
    {
        var entries = await AppendAsync(5);

        await TamperAsSuperuserAsync($"DELETE FROM audit_entries WHERE id = {entries[2].Id}");

        var result = await _verifier.VerifyAsync(Ct);
        Assert.False(result.IsIntact);
        Assert.Equal(entries[3].Id, result.BrokenEntryId);
        Assert.Equal(AuditChainBreak.BrokenLink, result.Break);
        Assert.Contains($"entry {entries[1].Id}", result.Detail);
        Assert.Equal(2, result.VerifiedCount);
    }

    [Fact]
    public async Task A_deleted_first_entry_is_detected()
    {
        var entries = await AppendAsync(3);

        await TamperAsSuperuserAsync($"DELETE FROM audit_entries WHERE id = {entries[0].Id}");

        var result = await _verifier.VerifyAsync(Ct);
        Assert.Equal(entries[1].Id, result.BrokenEntryId);
        Assert.Equal(AuditChainBreak.BrokenLink, result.Break);
        Assert.Contains("the start of the trail", result.Detail);
    }

    [Fact]
    public async Task An_entry_altered_and_rehashed_breaks_the_link_of_the_next_entry()
    {
        var entries = await AppendAsync(4);
        var forged = entries[1];
        forged.Reason = "approved by the customer";
        var forgedHash = Convert.ToHexStringLower(AuditChain.ComputeHash(forged));

        await TamperAsSuperuserAsync(
            $"UPDATE audit_entries SET reason = '{forged.Reason}', hash = '\\x{forgedHash}'::bytea WHERE id = {forged.Id}");

        var result = await _verifier.VerifyAsync(Ct);
        Assert.Equal(entries[2].Id, result.BrokenEntryId);
        Assert.Equal(AuditChainBreak.BrokenLink, result.Break);
        Assert.Equal(2, result.VerifiedCount);
    }

    [Fact]
    public async Task Entries_cut_off_the_end_are_caught_only_against_a_checkpoint()
    {
        var entries = await AppendAsync(5);
        var checkpoint = (await _verifier.VerifyAsync(Ct)).Checkpoint!;
        Assert.Equal(entries[4].Id, checkpoint.Id);
        Assert.True((await _verifier.VerifyAsync(checkpoint, Ct)).IsIntact);

        await TamperAsSuperuserAsync($"DELETE FROM audit_entries WHERE id > {entries[2].Id}");
        // Life goes on: a new entry links to what is left, so the chain alone looks whole.
        await _log.AppendAsync(Reboot(6), Ct);

        Assert.True((await _verifier.VerifyAsync(Ct)).IsIntact);
        var result = await _verifier.VerifyAsync(checkpoint, Ct);
        Assert.False(result.IsIntact);
        Assert.Equal(AuditChainBreak.CheckpointMismatch, result.Break);
        Assert.Equal(entries[4].Id, result.BrokenEntryId);
    }

    [Fact]
    public async Task A_checkpoint_with_another_hash_is_reported_at_its_entry()
    {
        var entries = await AppendAsync(3);

        var result = await _verifier.VerifyAsync(new AuditCheckpoint(entries[1].Id, entries[0].Hash), Ct);

        Assert.Equal(entries[1].Id, result.BrokenEntryId);
        Assert.Equal(AuditChainBreak.CheckpointMismatch, result.Break);
        Assert.Equal(1, result.VerifiedCount);
    }

    [Fact]
    public async Task No_secret_reaches_the_table()
    {
        await _log.AppendAsync(new AuditRecord
        {
            Actor = AuditActor.User(Guid.CreateVersion7(), "Dana"),
            Action = "camera.activate",
            Result = AuditResult.Succeeded,
            Parameters = new
            {
                serial = "DS-2CD2386G2-IU20230101AAWRJ12345678",
                credentials = new { user = "admin", password = "Str0ng!Passw0rd" },
                network = new { snmp = new { readCommunity = "c0mmun1ty" }, ddns = new[] { new { host = "h", Token = "t0k3n-abc" } } },
                activation = new { rsaPrivateKey = "MIIEvQIBADANBg", aesKey = "00112233" },
            },
        }, Ct);

        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("SELECT row_to_json(a)::text FROM audit_entries a", connection);
        var row = (string)(await command.ExecuteScalarAsync(Ct))!;

        foreach (var secret in new[] { "Str0ng!Passw0rd", "c0mmun1ty", "t0k3n-abc", "MIIEvQIBADANBg", "00112233" })
        {
            Assert.DoesNotContain(secret, row);
        }

        Assert.Contains("DS-2CD2386G2-IU20230101AAWRJ12345678", row);
        Assert.True((await _verifier.VerifyAsync(Ct)).IsIntact);
    }

    [Fact]
    public async Task The_verification_job_logs_the_verdict()
    {
        var entries = await AppendAsync(3);
        var logger = new RecordingLogger();
        var job = new AuditChainVerificationJob(new AuditChainMonitor(_verifier,
            Microsoft.Extensions.Options.Options.Create(new AuditOptions()), TimeProvider.System, logger));

        Assert.True((await job.ExecuteAsync(Ct)).IsIntact);
        Assert.Contains(logger.Messages, m => m.Level == LogLevel.Information && m.Text.Contains("intact: 3 entries"));

        await TamperAsSuperuserAsync($"UPDATE audit_entries SET reason = 'edited' WHERE id = {entries[1].Id}");
        var broken = await job.ExecuteAsync(Ct);

        Assert.Equal(entries[1].Id, broken.BrokenEntryId);
        Assert.Contains(logger.Messages, m => m.Level == LogLevel.Critical && m.Text.Contains($"BROKEN at entry {entries[1].Id}"));
    }

    private sealed class RecordingLogger : ILogger<AuditChainMonitor>
    {
        public List<(LogLevel Level, string Text)> Messages { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Messages.Add((logLevel, formatter(state, exception)));
    }
}
