using System.Data.Common;
using HikFleet.Core.Audit;
using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Devices;
using HikFleet.Core.Operations;
using HikFleet.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace HikFleet.Core.Tests.Operations;

/// <summary>
/// The bulk-run gate against a camera of the run failing while the gate reads (the runner that finishes an operation does not take
/// the site lock the gate holds): whatever statement the failure lands after, the next camera is halted or queued, never admitted.
/// </summary>
public sealed class OperationGatesTests(MigratedDatabase database) : IClassFixture<MigratedDatabase>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ACameraFailingWhileTheGateReads_NeverLetsTheNextOneIn()
    {
        var (site, running, next) = await BulkRunOfTwoAsync();

        var verdicts = new List<string>();
        // Statement k of the gate is followed by the first camera's failure, committed on another connection; k = 0: before any.
        for (var k = 0; k <= 8; k++)
        {
            await SetStateAsync(running, OperationState.Waiting);
            var failAfter = new FailAfterStatement(k, () => SetStateAsync(running, OperationState.Failed));
            await using var db = database.CreateContext(failAfter);
            if (k == 0) await SetStateAsync(running, OperationState.Failed);
            var op = await db.Operations.AsNoTracking().SingleAsync(o => o.Id == next, Ct);
            failAfter.Arm();
            var verdict = await OperationGates.BeforeStartAsync(db, op, site, DateTimeOffset.UtcNow, new OperationOptions(), Ct);
            verdicts.Add($"k={k} statements={failAfter.Seen} failed={failAfter.Fired || k == 0}: {verdict?.Detail ?? "ADMITTED"}");
            Assert.True(verdict is not null, string.Join("\n", verdicts));
            // Once the failure was committed before the gate's last statement, the run halts.
            if (k == 0) Assert.True(verdict.Halt, string.Join("\n", verdicts));
            if (!failAfter.Fired && k > 0) break; // past the gate's last statement: every interleaving was tried
        }

        Assert.Contains(verdicts, v => v.Contains("Halted"));
        Assert.Contains(verdicts, v => v.Contains("Queued"));
    }

    [Fact]
    public async Task A_deferred_admission_asks_for_its_next_run_only_after_releasing_the_lease()
    {
        var (_, _, queued) = await BulkRunOfTwoAsync(); // the site's one slot is taken by the first camera

        // The job that runs the next attempt may start the moment it is scheduled (Hangfire picks it up in well under a second;
        // the lease release may take longer on a loaded machine). A run that finds the lease still held ends quietly, and nothing
        // would run the operation again until the watchdog: so the runner must release first, then schedule. This scheduler
        // looks at the lease at the moment it is asked, as such a job would.
        var scheduler = new LeaseWitness(database);
        var runner = new OperationRunner(database.ContextFactory, [], scheduler, new AuditLog(database.ContextFactory, TimeProvider.System),
            new FleetChangeFeed(), Options.Create(new OperationOptions()), TimeProvider.System, NullLogger<OperationRunner>.Instance);
        await runner.RunAsync(queued, Ct);

        var (id, after, leaseOwner) = Assert.Single(scheduler.Scheduled);
        Assert.Equal(queued, id);
        Assert.True(after > TimeSpan.Zero);
        Assert.Null(leaseOwner);
        await using var check = database.CreateContext();
        var op = await check.Operations.AsNoTracking().SingleAsync(o => o.Id == queued, Ct);
        Assert.Equal((OperationState.Queued, (DateTimeOffset?)null), (op.State, op.StartedAt));
    }

    /// <summary>Records each request for a later run with the operation's lease owner at that moment.</summary>
    private sealed class LeaseWitness(MigratedDatabase database) : IOperationScheduler
    {
        public List<(Guid Id, TimeSpan After, string? LeaseOwner)> Scheduled { get; } = [];

        public void Enqueue(Guid operationId) => Schedule(operationId, TimeSpan.Zero);

        public void Schedule(Guid operationId, TimeSpan after)
        {
            using var db = database.CreateContext();
            Scheduled.Add((operationId, after, db.Operations.AsNoTracking().Where(o => o.Id == operationId).Select(o => o.LeaseOwner).Single()));
        }
    }

    /// <summary>A bulk reboot of two cameras of a site that runs one at a time: the first started (waiting for its camera), the
    /// second queued behind it.</summary>
    private async Task<(Site Site, Guid First, Guid Second)> BulkRunOfTwoAsync()
    {
        await using var db = database.CreateContext();
        var site = await TestFleet.CreateSiteAsync(db);
        site.BulkConcurrency = 1;
        var a = TestFleet.NewCamera(site.Id);
        var b = TestFleet.NewCamera(site.Id);
        db.Cameras.AddRange(a, b);
        var batch = Guid.NewGuid();
        var now = DateTimeOffset.UtcNow;
        Operation Op(Camera camera, OperationState state, DateTimeOffset created, DateTimeOffset? started) => new()
        {
            Kind = OperationKind.Reboot, TenantId = site.TenantId, SiteId = site.Id, CameraId = camera.Id, BatchId = batch, State = state,
            CreatedAt = created, StartedAt = started, Reason = "Monthly maintenance reboot", RequestedById = "test", RequestedByName = "test",
            Steps = [new OperationStep { Index = 0, Name = "reboot", Title = "Reboot" }],
        };
        var first = Op(a, OperationState.Waiting, now.AddSeconds(-10), now.AddSeconds(-9));
        var second = Op(b, OperationState.Queued, now.AddSeconds(-5), null);
        db.Operations.AddRange(first, second);
        await db.SaveChangesAsync(Ct);
        return (site, first.Id, second.Id);
    }

    private async Task SetStateAsync(Guid id, OperationState state)
    {
        await using var db = database.CreateContext();
        await db.Operations.Where(o => o.Id == id).ExecuteUpdateAsync(s => s.SetProperty(o => o.State, state), Ct);
    }

    /// <summary>After the k-th command of the context (1-based, once armed) has run, runs <c>fail</c> before the next one starts.</summary>
    private sealed class FailAfterStatement(int k, Func<Task> fail) : DbCommandInterceptor
    {
        private bool _armed;
        public int Seen { get; private set; }
        public bool Fired { get; private set; }

        public void Arm() => _armed = true;

        public override async ValueTask<DbDataReader> ReaderExecutedAsync(DbCommand command, CommandExecutedEventData eventData, DbDataReader result,
            CancellationToken cancellationToken = default)
        {
            await AfterAsync();
            return result;
        }

        public override async ValueTask<object?> ScalarExecutedAsync(DbCommand command, CommandExecutedEventData eventData, object? result,
            CancellationToken cancellationToken = default)
        {
            await AfterAsync();
            return result;
        }

        private async Task AfterAsync()
        {
            if (!_armed) return;
            Seen++;
            if (Seen == k && !Fired)
            {
                Fired = true;
                await fail();
            }
        }
    }
}
