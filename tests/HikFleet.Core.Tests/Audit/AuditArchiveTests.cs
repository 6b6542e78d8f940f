using HikFleet.Core.Audit;
using HikFleet.Core.Audit.Export;
using HikFleet.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace HikFleet.Core.Tests.Audit;

/// <summary>Retention without silent deletion: archived entries leave a verified file and an anchor; the rest of the chain still verifies.</summary>
public sealed class AuditArchiveTests : IAsyncLifetime
{
    private readonly MigratedDatabase _database = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 8, 0, 0, TimeSpan.Zero));
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"hikfleet-archive-{Guid.NewGuid():N}");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => _database.InitializeAsync();

    public async ValueTask DisposeAsync()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, true);
        await _database.DisposeAsync();
    }

    private async Task AppendDaysAsync(int days)
    {
        var log = new AuditLog(_database.ContextFactory, _time);
        for (var i = 0; i < days; i++)
        {
            await log.AppendAsync(new AuditRecord { Actor = AuditActor.System(), Action = "camera.reboot", Reason = $"day {i}", Result = AuditResult.Succeeded }, Ct);
            _time.Advance(TimeSpan.FromDays(1));
        }
    }

    [Fact]
    public async Task OldEntries_MoveToAVerifiedFile_AndTheRemainingChainStillVerifiesAndGrows()
    {
        await AppendDaysAsync(10);
        var checkpoint = (await new AuditVerifier(_database.ContextFactory).VerifyAsync(Ct)).Checkpoint;

        var result = await new AuditArchiver(_database.ContextFactory, _time).ArchiveAsync(new DateTimeOffset(2026, 1, 6, 0, 0, 0, TimeSpan.Zero), _dir, "retention", Ct);
        Assert.True(result.Archived, result.Message);
        Assert.Equal(5, result.Entries);
        Assert.Equal(5, result.UpToId);

        var file = AuditCsvExport.Verify(await File.ReadAllBytesAsync(result.FilePath!, Ct));
        Assert.True(file.Intact, file.Message);
        Assert.Equal((1L, 5L), (file.FirstId!.Value, file.LastId!.Value));

        await using (var db = _database.CreateContext())
        {
            Assert.Equal(6L, await db.AuditEntries.MinAsync(e => e.Id, Ct));
            var archive = await db.AuditArchives.SingleAsync(Ct);
            Assert.Equal(Path.GetFileName(result.FilePath), archive.FileName);
        }

        // The remaining chain verifies from the anchor, an old checkpoint is vouched for by the archive, and appends continue.
        var verifier = new AuditVerifier(_database.ContextFactory);
        Assert.True((await verifier.VerifyAsync(checkpoint, Ct)).IsIntact);
        await AppendDaysAsync(2);
        var after = await verifier.VerifyAsync(Ct);
        Assert.True(after.IsIntact, after.Detail);
        Assert.Equal(8, after.VerifiedCount); // 6..10 plus audit.archive plus two more

        // A second archive continues from the first.
        var second = await new AuditArchiver(_database.ContextFactory, _time).ArchiveAsync(_time.GetUtcNow().AddDays(-2.5), _dir, "retention", Ct);
        Assert.True(second.Archived, second.Message);
        Assert.True((await verifier.VerifyAsync(Ct)).IsIntact);
    }

    [Fact]
    public async Task AForgedAnchor_BreaksTheChainAtTheFirstRemainingEntry()
    {
        await AppendDaysAsync(6);
        var result = await new AuditArchiver(_database.ContextFactory, _time).ArchiveAsync(new DateTimeOffset(2026, 1, 4, 0, 0, 0, TimeSpan.Zero), _dir, "retention", Ct);
        Assert.True(result.Archived, result.Message);
        await using (var db = _database.CreateContext())
        {
            await db.Database.ExecuteSqlRawAsync("UPDATE audit_archives SET up_to_hash = decode(repeat('00', 32), 'hex')", Ct);
        }

        var verdict = await new AuditVerifier(_database.ContextFactory).VerifyAsync(Ct);
        Assert.False(verdict.IsIntact);
        Assert.Equal(AuditChainBreak.BrokenLink, verdict.Break);
        Assert.Equal(result.UpToId + 1, verdict.BrokenEntryId);
    }

    [Fact]
    public async Task ABrokenChain_IsNeverArchived()
    {
        await AppendDaysAsync(4);
        await using (var db = _database.CreateContext())
        {
            await db.Database.ExecuteSqlRawAsync("""
                BEGIN;
                ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only;
                UPDATE audit_entries SET reason = 'edited' WHERE id = 2;
                ALTER TABLE audit_entries ENABLE ALWAYS TRIGGER audit_entries_append_only;
                COMMIT;
                """, Ct);
        }

        var result = await new AuditArchiver(_database.ContextFactory, _time).ArchiveAsync(_time.GetUtcNow(), _dir, "retention", Ct);
        Assert.False(result.Archived);
        Assert.Contains("broken at entry 2", result.Message, StringComparison.Ordinal);
        await using var check = _database.CreateContext();
        Assert.Equal(4, await check.AuditEntries.CountAsync(Ct));
    }
}
