using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using HikFleet.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace HikFleet.Core.Audit;

/// <summary>Appends entries to the hash-chained audit trail. Thread-safe; safe across processes and nodes.</summary>
/// <remarks>
/// Each append runs in its own transaction: take <c>pg_advisory_xact_lock(<see cref="ChainLockKey"/>)</c>, read the
/// hash of the newest entry, draw the next id, compute the hash, insert, commit (which releases the lock). The lock
/// serialises appenders of every process on the database, so the chain never forks; readers are not blocked.
/// The insert is the only write the table accepts: the migration <c>AuditTrail</c> adds triggers that refuse UPDATE,
/// DELETE and TRUNCATE, and a production deployment must run the application under a role that does not own
/// <c>audit_entries</c> (an owner or superuser can disable triggers), granted only SELECT and INSERT on it and USAGE on
/// its id sequence. <see cref="AuditVerifier"/> catches what a privileged hand changes anyway.
/// </remarks>
public sealed partial class AuditLog(IDbContextFactory<FleetDbContext> contexts, TimeProvider time)
{
    /// <summary>The advisory lock key that serialises appends ("HFAUDIT1" in ASCII). Shared by every HikFleet node.</summary>
    public const long ChainLockKey = 0x4846_4155_4449_5431;

    /// <summary>Limits on stored text; device-sourced detail can be arbitrarily long, the trail is not the place for it.</summary>
    public const int MaxActionLength = 64, MaxActorIdLength = 128, MaxActorNameLength = 256, MaxReasonLength = 2000,
        MaxResultDetailLength = 4000, MaxCorrelationIdLength = 128, MaxParametersBytes = 64 * 1024;

    /// <summary>
    /// Appends one entry and returns it with its id and hashes. Secrets in <see cref="AuditRecord.Parameters"/> are
    /// redacted first. Throws <see cref="ArgumentException"/> for a malformed record (an audit that cannot be written
    /// must fail loudly, never be dropped); an over-long result detail is cut with a marker instead, because it is
    /// usually an error text the caller does not control.
    /// </summary>
    public async Task<AuditEntry> AppendAsync(AuditRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        var template = CreateEntry(record);

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async ct =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var (previous, id) = await LockAndReadTailAsync(db, transaction, ct);

            var entry = Copy(template);
            entry.Id = id;
            // Taken under the lock too, so occurred_at never runs backwards along the chain (on one clock).
            entry.OccurredAt = AuditChain.TruncateToMicroseconds(time.GetUtcNow());
            entry.PreviousHash = previous ?? AuditChain.GenesisHash.ToArray();
            entry.Hash = AuditChain.ComputeHash(entry);

            db.AuditEntries.Add(entry);
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            return entry;
        }, cancellationToken);
    }

    /// <summary>
    /// Appends one entry inside the caller's open transaction on <paramref name="db"/>, so the business change and its audit entry
    /// commit together or not at all (a crash between the two can lose neither). Saves the caller's pending changes too. The
    /// chain lock is held until the caller commits: keep such transactions short.
    /// </summary>
    public async Task<AuditEntry> AppendInTransactionAsync(FleetDbContext db, AuditRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(record);
        var transaction = db.Database.CurrentTransaction
            ?? throw new InvalidOperationException("AppendInTransactionAsync needs an open transaction on the context (BeginTransactionAsync).");
        var entry = CreateEntry(record);
        // An execution-strategy retry re-runs the caller's block: an entry left from the failed attempt must not be inserted twice.
        foreach (var stale in db.ChangeTracker.Entries<AuditEntry>().Where(e => e.State == EntityState.Added).ToList())
        {
            stale.State = EntityState.Detached;
        }

        var (previous, id) = await LockAndReadTailAsync(db, transaction, cancellationToken);
        entry.Id = id;
        entry.OccurredAt = AuditChain.TruncateToMicroseconds(time.GetUtcNow());
        entry.PreviousHash = previous ?? AuditChain.GenesisHash.ToArray();
        entry.Hash = AuditChain.ComputeHash(entry);
        db.AuditEntries.Add(entry);
        await db.SaveChangesAsync(cancellationToken);
        return entry;
    }

    // Three statements, one round trip (the lock is held until commit, so every saved round trip is throughput). They
    // must stay separate statements: under READ COMMITTED each takes its own snapshot, so the tail is read AFTER the
    // lock is granted and sees the previous appender's committed entry. In one statement the snapshot would predate
    // the lock and the chain could fork.
    private static async Task<(byte[]? PreviousHash, long Id)> LockAndReadTailAsync(
        FleetDbContext db, IDbContextTransaction transaction, CancellationToken ct)
    {
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await using var batch = new NpgsqlBatch(connection, (NpgsqlTransaction)transaction.GetDbTransaction())
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock($1)") { Parameters = { new() { Value = ChainLockKey } } },
                new NpgsqlBatchCommand("SELECT hash FROM audit_entries ORDER BY id DESC LIMIT 1"),
                // Drawn under the lock, so id order is chain order although the sequence itself is not transactional.
                new NpgsqlBatchCommand("SELECT nextval(pg_get_serial_sequence('audit_entries', 'id'))"),
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(ct);
        await reader.NextResultAsync(ct);
        var previous = await reader.ReadAsync(ct) ? await reader.GetFieldValueAsync<byte[]>(0, ct) : null;
        await reader.NextResultAsync(ct);
        await reader.ReadAsync(ct);
        var id = reader.GetInt64(0);
        return (previous, id);
    }

    private static AuditEntry CreateEntry(AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(record.Actor);
        if (!Enum.IsDefined(record.Actor.Kind) || !Enum.IsDefined(record.Result))
        {
            throw new ArgumentException("Unknown actor kind or result.", nameof(record));
        }

        var action = record.Action ?? "";
        if (action.Length > MaxActionLength || !ActionPattern().IsMatch(action))
        {
            throw new ArgumentException(
                $"Audit action '{action}' must be dotted lower-case words like 'camera.reboot' (at most {MaxActionLength} characters).",
                nameof(record));
        }

        string? parameters = null;
        var redacted = AuditRedactor.Redact(record.Parameters);
        if (redacted is not null)
        {
            parameters = AuditChain.CanonicalJson(redacted);
            if (Encoding.UTF8.GetByteCount(parameters) > MaxParametersBytes)
            {
                throw new ArgumentException($"Audit parameters exceed {MaxParametersBytes} bytes.", nameof(record));
            }
        }

        return new AuditEntry
        {
            ActorKind = record.Actor.Kind,
            ActorId = Required(record.Actor.Id, MaxActorIdLength, "actor id"),
            ActorName = Required(record.Actor.Name, MaxActorNameLength, "actor name"),
            ClientAddress = WithoutZone(record.ClientAddress),
            TenantId = record.TenantId,
            SiteId = record.SiteId,
            CameraId = record.CameraId,
            Action = action,
            Parameters = parameters,
            Reason = Optional(record.Reason, MaxReasonLength, "reason"),
            Result = record.Result,
            ResultDetail = Truncated(AuditChain.CleanText(record.ResultDetail), MaxResultDetailLength),
            CorrelationId = Optional(record.CorrelationId, MaxCorrelationIdLength, "correlation id"),
        };
    }

    private static AuditEntry Copy(AuditEntry e) => new()
    {
        ActorKind = e.ActorKind, ActorId = e.ActorId, ActorName = e.ActorName, ClientAddress = e.ClientAddress,
        TenantId = e.TenantId, SiteId = e.SiteId, CameraId = e.CameraId, Action = e.Action, Parameters = e.Parameters,
        Reason = e.Reason, Result = e.Result, ResultDetail = e.ResultDetail, CorrelationId = e.CorrelationId,
    };

    private static string Required(string? value, int maxLength, string what) =>
        Optional(value, maxLength, what) is { Length: > 0 } text
            ? text
            : throw new ArgumentException($"The audit {what} is required.", nameof(value));

    private static string? Optional(string? value, int maxLength, string what)
    {
        var text = AuditChain.CleanText(value);
        return text is { Length: > 0 } && text.Length > maxLength
            ? throw new ArgumentException($"The audit {what} exceeds {maxLength} characters.", nameof(value))
            : text;
    }

    private static string? Truncated(string? value, int maxLength) =>
        value is { } text && text.Length > maxLength
            ? string.Concat(text.AsSpan(0, char.IsHighSurrogate(text[maxLength - 2]) ? maxLength - 2 : maxLength - 1), "…")
            : value;

    // PostgreSQL's inet has no IPv6 zone id ("fe80::1%eth0"); drop it here so the hashed text is the stored text.
    private static IPAddress? WithoutZone(IPAddress? address) =>
        address is { AddressFamily: System.Net.Sockets.AddressFamily.InterNetworkV6, ScopeId: not 0 }
            ? new IPAddress(address.GetAddressBytes())
            : address;

    [GeneratedRegex("^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$", RegexOptions.CultureInvariant)]
    private static partial Regex ActionPattern();
}
