using System.Security.Cryptography;
using HikFleet.Core.Audit.Export;
using HikFleet.Core.Data;
using HikFleet.Core.Security;
using Microsoft.EntityFrameworkCore;

namespace HikFleet.Core.Audit;

/// <summary>The outcome of an archive run.</summary>
public sealed record AuditArchiveResult(bool Archived, string Message, long Entries = 0, long UpToId = 0, string? FilePath = null);

/// <summary>
/// Retention for the audit trail without silent deletion: the oldest entries are written to an export file (the CSV format an auditor
/// verifies offline), the file is verified, and only then are those entries removed in one transaction that also records the archive's
/// anchor (last id and hash) so the remaining chain still verifies. Runs as the schema owner: only the owner can lift the append-only
/// trigger. The newest entry always stays, so appends keep linking to the chain.
/// </summary>
public sealed class AuditArchiver(IDbContextFactory<FleetDbContext> ownerContexts, TimeProvider time)
{
    public async Task<AuditArchiveResult> ArchiveAsync(DateTimeOffset before, string directory, string archivedBy, CancellationToken cancellationToken = default)
    {
        var verifier = new AuditVerifier(ownerContexts);
        var chain = await verifier.VerifyAsync(cancellationToken);
        if (!chain.IsIntact)
        {
            return new(false, $"Refused: the chain is broken at entry {chain.BrokenEntryId} ({chain.Detail}); investigate before archiving.");
        }

        long upTo, first, newest;
        await using (var db = await ownerContexts.CreateDbContextAsync(cancellationToken))
        {
            newest = await db.AuditEntries.MaxAsync(e => (long?)e.Id, cancellationToken) ?? 0;
            first = await db.AuditEntries.MinAsync(e => (long?)e.Id, cancellationToken) ?? 0;
            // A prefix: occurred_at never runs backwards along the chain, so "older than" is "ids up to k".
            upTo = await db.AuditEntries.Where(e => e.OccurredAt < before.ToUniversalTime() && e.Id < newest)
                .MaxAsync(e => (long?)e.Id, cancellationToken) ?? 0;
        }

        if (upTo == 0) return new(false, $"Nothing to archive: no entry before {before:u} (the newest entry always stays).");

        Directory.CreateDirectory(directory);
        var now = time.GetUtcNow();
        var fileName = $"hikfleet-audit-archive-{first:D10}-{upTo:D10}-{now.UtcDateTime:yyyyMMddHHmmss}.csv";
        var path = Path.Combine(directory, fileName);
        var header = new AuditExportHeader(now, archivedBy, $"archive of ids {first}-{upTo} (entries before {before:u})", chain);
        var queries = new AuditQueries(ownerContexts);
        await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
        {
            await AuditCsvExport.WriteAsync(file, queries.StreamAsync(FleetScope.System, new AuditFilter { UpToId = upTo }, cancellationToken), header, cancellationToken);
        }

        // The file must stand on its own before anything leaves the database.
        var bytes = await File.ReadAllBytesAsync(path, cancellationToken);
        var check = AuditCsvExport.Verify(bytes);
        if (!check.Intact || check.FirstId != first || check.LastId != upTo || check.Rows != upTo - first + 1)
        {
            return new(false, $"Refused: the archive file did not verify ({check.Message}); nothing was removed. File kept at {path}.");
        }

        await using (var db = await ownerContexts.CreateDbContextAsync(cancellationToken))
        {
            var strategy = db.Database.CreateExecutionStrategy();
            await strategy.ExecuteAsync(async ct =>
            {
                await using var tx = await db.Database.BeginTransactionAsync(ct);
                var anchorHash = await db.AuditEntries.Where(e => e.Id == upTo).Select(e => e.Hash).SingleAsync(ct);
                db.AuditArchives.Add(new AuditArchive
                {
                    UpToId = upTo, UpToHash = anchorHash, FirstId = first, Entries = check.Rows, FileName = fileName,
                    FileSha256 = Convert.ToHexStringLower(SHA256.HashData(bytes)), ArchivedAt = now, ArchivedBy = archivedBy,
                });
                await db.SaveChangesAsync(ct);
                await db.Database.ExecuteSqlRawAsync("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only", ct);
                await db.AuditEntries.Where(e => e.Id <= upTo).ExecuteDeleteAsync(ct);
                await db.Database.ExecuteSqlRawAsync("ALTER TABLE audit_entries ENABLE ALWAYS TRIGGER audit_entries_append_only", ct);
                await tx.CommitAsync(ct);
            }, cancellationToken);
        }

        await new AuditLog(ownerContexts, time).AppendAsync(new AuditRecord
        {
            Actor = AuditActor.System(archivedBy), Action = "audit.archive", Result = AuditResult.Succeeded,
            Parameters = new { firstId = first, upToId = upTo, entries = check.Rows, file = fileName, sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes)) },
        }, cancellationToken);
        return new(true, $"Archived {check.Rows} entries (ids {first}-{upTo}) to {path}.", check.Rows, upTo, path);
    }
}
