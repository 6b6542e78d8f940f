using HikFleet.Core.Audit;
using HikFleet.Core.Cameras;
using HikFleet.Core.Security;
using HikFleet.Testing;
using Microsoft.EntityFrameworkCore;

namespace HikFleet.Core.Tests.Audit;

/// <summary>A change and its audit entry commit together: a rolled-back change leaves no entry, and a committed one shares its transaction.</summary>
public sealed class AuditAtomicityTests : IAsyncLifetime
{
    private readonly MigratedDatabase _database = new();
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => _database.InitializeAsync();

    public ValueTask DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task ARolledBackChange_LeavesNoEntry_AndTheChainContinuesCleanly()
    {
        var log = new AuditLog(_database.ContextFactory, TimeProvider.System);
        await log.AppendAsync(new AuditRecord { Actor = AuditActor.System(), Action = "test.before", Result = AuditResult.Succeeded }, Ct);

        await using (var db = _database.CreateContext())
        {
            var site = await TestFleet.CreateSiteAsync(db);
            // As production code does: the retrying strategy wraps the whole transaction.
            await db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
            {
                await using var transaction = await db.Database.BeginTransactionAsync(ct);
                site.Name = "renamed inside a transaction that never commits";
                await log.AppendInTransactionAsync(db, new AuditRecord { Actor = AuditActor.System(), Action = "site.update", Result = AuditResult.Succeeded }, ct);
                await transaction.RollbackAsync(ct);
            }, Ct);
        }

        await log.AppendAsync(new AuditRecord { Actor = AuditActor.System(), Action = "test.after", Result = AuditResult.Succeeded }, Ct);
        await using var check = _database.CreateContext();
        Assert.Equal(["test.before", "test.after"], await check.AuditEntries.OrderBy(e => e.Id).Select(e => e.Action).ToListAsync(Ct));
        Assert.DoesNotContain(await check.Sites.Select(s => s.Name).ToListAsync(Ct), n => n.StartsWith("renamed", StringComparison.Ordinal));
        Assert.True((await new AuditVerifier(_database.ContextFactory).VerifyAsync(Ct)).IsIntact);
    }

    [Fact]
    public async Task ACameraRename_AndItsEntry_AreWrittenByOneTransaction()
    {
        Guid cameraId;
        await using (var db = _database.CreateContext())
        {
            var site = await TestFleet.CreateSiteAsync(db);
            var camera = TestFleet.NewCamera(site.Id);
            db.Cameras.Add(camera);
            await db.SaveChangesAsync(Ct);
            cameraId = camera.Id;
        }

        var service = new CameraService(_database.ContextFactory, new AuditLog(_database.ContextFactory, TimeProvider.System));
        var admin = FleetScope.ForUser(Guid.CreateVersion7(), "root", FleetRoles.Administrator, []);
        Assert.True((await service.RenameAsync(admin, cameraId, "Loading bay", Ct)).Succeeded);

        await using var check = _database.CreateContext();
        var cameraXmin = (await check.Cameras.SingleAsync(c => c.Id == cameraId, Ct)).Version;
        var entryXmin = await check.Database.SqlQuery<long>($"SELECT xmin::text::bigint AS \"Value\" FROM audit_entries WHERE action = 'camera.rename'").SingleAsync(Ct);
        Assert.Equal(cameraXmin, (uint)entryXmin);
        Assert.True((await new AuditVerifier(_database.ContextFactory).VerifyAsync(Ct)).IsIntact);
    }
}
