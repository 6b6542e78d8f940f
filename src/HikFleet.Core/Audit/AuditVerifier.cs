using System.Data;
using System.Data.Common;
using System.Net;
using System.Security.Cryptography;
using HikFleet.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace HikFleet.Core.Audit;

/// <summary>Walks the audit chain and reports whether it is intact, or the first entry where it is not.</summary>
public sealed class AuditVerifier(IDbContextFactory<FleetDbContext> contexts)
{
    // One plain ADO.NET reader rather than an EF query: EF buffers every row when a retrying execution strategy is on
    // (FleetDatabase enables one), and the trail grows without bound. A single statement also reads one consistent
    // snapshot, so appends during the walk neither break nor extend it.
    private const string WalkSql = """
        SELECT id, occurred_at, actor_kind, actor_id, actor_name, client_address, tenant_id, site_id, camera_id,
               action, parameters::text, reason, result, result_detail, correlation_id, previous_hash, hash
        FROM audit_entries
        ORDER BY id
        """;

    /// <summary>
    /// Recomputes every entry's hash in id order and checks each entry's link to the one before it. Streams rows;
    /// memory use does not grow with the trail.
    /// </summary>
    /// <remarks>
    /// Altering an entry's content is reported at that entry (<see cref="AuditChainBreak.ContentHashMismatch"/>);
    /// deleting an entry, or altering one and recomputing its hash, is reported at the next entry
    /// (<see cref="AuditChainBreak.BrokenLink"/>). Removing entries from the END of the trail leaves a shorter valid chain;
    /// only a checkpoint recorded earlier reveals that (<see cref="VerifyAsync(AuditCheckpoint?, CancellationToken)"/>).
    /// </remarks>
    public Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken = default) =>
        VerifyAsync(checkpoint: null, cancellationToken);

    /// <summary>
    /// As <see cref="VerifyAsync(CancellationToken)"/>, and also requires that the trail still contains
    /// <paramref name="checkpoint"/> (an id and hash recorded earlier outside the database, e.g. from a previous
    /// verification or an export) unchanged. That catches entries cut off the end, which the chain alone cannot show.
    /// </summary>
    public async Task<AuditVerification> VerifyAsync(AuditCheckpoint? checkpoint, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync(cancellationToken);
        // After an archive the chain continues from its anchor (the hash of the last archived entry), not from genesis.
        var anchor = await db.AuditArchives.AsNoTracking().OrderByDescending(a => a.UpToId).Select(a => new { a.UpToId, a.UpToHash })
            .FirstOrDefaultAsync(cancellationToken);
        var expectedPrevious = anchor?.UpToHash ?? AuditChain.GenesisHash.ToArray();
        long count = 0;
        long? lastId = anchor?.UpToId;
        // A checkpoint inside the archived prefix is vouched for by the archive (its file is verifiable on its own).
        var checkpointSeen = checkpoint is not null && anchor is not null && checkpoint.Id <= anchor.UpToId
            && (checkpoint.Id != anchor.UpToId || CryptographicOperations.FixedTimeEquals(checkpoint.Hash, anchor.UpToHash));
        await using var command = connection.CreateCommand();
        command.CommandText = WalkSql;
        // An audit trail walk on a big table legitimately takes a while; the caller's token bounds it instead.
        command.CommandTimeout = 0;
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken);

        while (await reader.ReadAsync(cancellationToken))
        {
            var id = reader.GetInt64(0);
            AuditEntry entry;
            try
            {
                entry = await ReadAsync(reader, id, cancellationToken);
            }
            catch (FormatException ex)
            {
                return AuditVerification.Broken(count, lastId, expectedPrevious, id, AuditChainBreak.ContentHashMismatch,
                    $"Entry {id} cannot be read: {ex.Message}");
            }

            if (!CryptographicOperations.FixedTimeEquals(entry.Hash, AuditChain.ComputeHash(entry)))
            {
                return AuditVerification.Broken(count, lastId, expectedPrevious, id, AuditChainBreak.ContentHashMismatch,
                    $"Entry {id}: its content does not match its hash; the entry was altered after it was written.");
            }

            if (!CryptographicOperations.FixedTimeEquals(entry.PreviousHash, expectedPrevious))
            {
                var before = lastId is { } previousId ? $"entry {previousId}{(anchor?.UpToId == previousId && count == 0 ? " (the archive's anchor)" : "")}" : "the start of the trail";
                return AuditVerification.Broken(count, lastId, expectedPrevious, id, AuditChainBreak.BrokenLink,
                    $"Entry {id}: its previous hash does not match the hash of {before}; an entry between them was deleted, " +
                    "or the one before was altered and re-hashed.");
            }

            if (checkpoint is not null && id == checkpoint.Id && !CryptographicOperations.FixedTimeEquals(entry.Hash, checkpoint.Hash))
            {
                return AuditVerification.Broken(count, lastId, expectedPrevious, id, AuditChainBreak.CheckpointMismatch,
                    $"Entry {id}: its hash differs from the checkpoint recorded earlier; the trail up to it was rewritten.");
            }

            checkpointSeen |= checkpoint is not null && id == checkpoint.Id;

            expectedPrevious = entry.Hash;
            lastId = id;
            count++;
        }

        if (checkpoint is not null && !checkpointSeen)
        {
            // The chain itself is whole, so the checkpoint entry was the end of it once: the end was cut off (and
            // perhaps new entries appended since, linked to what was left).
            return AuditVerification.Broken(count, lastId, expectedPrevious, checkpoint.Id, AuditChainBreak.CheckpointMismatch,
                $"Entry {checkpoint.Id}, recorded earlier as a checkpoint, is missing although the chain is otherwise whole; " +
                "entries were cut off the end of the trail.");
        }

        return AuditVerification.Intact(count, lastId, expectedPrevious);
    }

    private static async Task<AuditEntry> ReadAsync(DbDataReader reader, long id, CancellationToken ct) => new()
    {
        // SequentialAccess: columns must be read in order, each once.
        Id = id,
        OccurredAt = await reader.GetFieldValueAsync<DateTimeOffset>(1, ct),
        ActorKind = AuditWire.ParseActorKind(reader.GetString(2)),
        ActorId = reader.GetString(3),
        ActorName = reader.GetString(4),
        ClientAddress = await reader.IsDBNullAsync(5, ct) ? null : await reader.GetFieldValueAsync<IPAddress>(5, ct),
        TenantId = await NullableAsync<Guid>(reader, 6, ct),
        SiteId = await NullableAsync<Guid>(reader, 7, ct),
        CameraId = await NullableAsync<Guid>(reader, 8, ct),
        Action = reader.GetString(9),
        Parameters = await NullableTextAsync(reader, 10, ct),
        Reason = await NullableTextAsync(reader, 11, ct),
        Result = AuditWire.ParseResult(reader.GetString(12)),
        ResultDetail = await NullableTextAsync(reader, 13, ct),
        CorrelationId = await NullableTextAsync(reader, 14, ct),
        PreviousHash = await reader.GetFieldValueAsync<byte[]>(15, ct),
        Hash = await reader.GetFieldValueAsync<byte[]>(16, ct),
    };

    private static async Task<T?> NullableAsync<T>(DbDataReader reader, int ordinal, CancellationToken ct) where T : struct =>
        await reader.IsDBNullAsync(ordinal, ct) ? null : await reader.GetFieldValueAsync<T>(ordinal, ct);

    private static async Task<string?> NullableTextAsync(DbDataReader reader, int ordinal, CancellationToken ct) =>
        await reader.IsDBNullAsync(ordinal, ct) ? null : await reader.GetFieldValueAsync<string>(ordinal, ct);
}

/// <summary>Why verification stopped.</summary>
public enum AuditChainBreak
{
    /// <summary>The chain is intact.</summary>
    None,
    /// <summary>The entry's stored hash is not the hash of its content: the entry itself was changed.</summary>
    ContentHashMismatch,
    /// <summary>The entry's previous hash is not the hash of the entry before it: something between them was removed or re-hashed.</summary>
    BrokenLink,
    /// <summary>A checkpoint recorded earlier is missing or has another hash: the end of the trail was cut or the trail rebuilt.</summary>
    CheckpointMismatch,
}

/// <summary>An entry id and its hash, recorded outside the database, that a later verification must find unchanged.</summary>
public sealed record AuditCheckpoint(long Id, byte[] Hash);

/// <summary>The outcome of <see cref="AuditVerifier.VerifyAsync"/>.</summary>
/// <param name="IsIntact">True when every entry matched its hash and linked to its predecessor.</param>
/// <param name="VerifiedCount">Entries verified good (before the break, if any).</param>
/// <param name="LastVerifiedId">Id of the last good entry; null when none.</param>
/// <param name="LastHash">Hash of the last good entry (32 zero bytes when none): record it elsewhere to detect truncation later.</param>
/// <param name="BrokenEntryId">The first entry that failed; null when intact.</param>
/// <param name="Break">What failed.</param>
/// <param name="Detail">A sentence for people.</param>
public sealed record AuditVerification(
    bool IsIntact, long VerifiedCount, long? LastVerifiedId, byte[] LastHash, long? BrokenEntryId, AuditChainBreak Break, string Detail)
{
    internal static AuditVerification Intact(long count, long? lastId, byte[] lastHash) =>
        new(true, count, lastId, lastHash, null, AuditChainBreak.None,
            $"{count} audit entries verified; the chain is intact.");

    internal static AuditVerification Broken(long count, long? lastId, byte[] lastHash, long brokenId, AuditChainBreak kind, string detail) =>
        new(false, count, lastId, lastHash, brokenId, kind, detail);

    /// <summary>The last good entry as a checkpoint for later verifications; null when the trail is empty.</summary>
    public AuditCheckpoint? Checkpoint => LastVerifiedId is { } id ? new AuditCheckpoint(id, LastHash) : null;

    /// <summary>The last good hash in lower-case hex, the form logs and exports show.</summary>
    public string LastHashHex => Convert.ToHexStringLower(LastHash);
}
