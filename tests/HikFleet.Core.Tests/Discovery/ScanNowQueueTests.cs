using System.Collections.Concurrent;
using Hangfire;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Jobs;
using HikFleet.Simulator;
using HikFleet.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace HikFleet.Core.Tests.Discovery;

/// <summary>
/// "Scan now" is a person waiting at the discovery page: it must run while background jobs (a site's health sweep, a PoE poll waiting
/// out its SNMP timeout) occupy every worker of the main Hangfire server.
/// </summary>
public sealed class ScanNowQueueTests(MigratedDatabase database) : IClassFixture<MigratedDatabase>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_scan_asked_for_runs_while_background_jobs_hold_every_other_worker()
    {
        await using var world = await InventoryWorld.StartAsync(database, Ct, jobs: true);
        var site = await world.SiteAsync();
        var device = world.Fleet.AddDevice(new DeviceSpec { Activated = false });
        var key = Guid.NewGuid();
        var jobs = world.Services.GetRequiredService<IBackgroundJobClient>();
        try
        {
            // Background work on every worker of the main server (it serves both queues), each job holding its worker until released.
            for (var i = 0; i < FleetJobs.WorkerCount; i++) jobs.Enqueue<BlockingJob>(j => j.HoldAsync(key));
            await InventoryWorld.EventuallyAsync(() => BlockingJob.Running(key) == FleetJobs.WorkerCount,
                $"{FleetJobs.WorkerCount} background jobs to hold the workers", Ct, timeoutMs: 30_000);
            // One more in the background queue: it must wait (nothing serves the default queue now), while the scan must not.
            jobs.Enqueue<BlockingJob>(j => j.HoldAsync(key));

            var result = await world.Discovery.ScanNowAsync(InventoryWorld.Operator(site), site.Id, Ct);
            Assert.True(result.Succeeded, result.Message);

            DiscoveryRun? run = null;
            await InventoryWorld.EventuallyAsync(async () =>
            {
                await using var db = world.Db();
                run = await db.DiscoveryRuns.AsNoTracking().SingleOrDefaultAsync(r => r.SiteId == site.Id && r.Status != DiscoveryRunStatus.Running, Ct);
                return run is not null;
            }, "the scan to finish while the background jobs hold their workers", Ct, timeoutMs: 45_000);

            Assert.Equal(DiscoveryRunStatus.Succeeded, run!.Status);
            Assert.Equal(FleetJobs.WorkerCount, BlockingJob.Running(key)); // the extra background job still waits
            await using var check = world.Db();
            Assert.True(await check.Cameras.AnyAsync(c => c.SiteId == site.Id && c.SerialNumber == device.Serial && c.Lifecycle == CameraLifecycle.Discovered, Ct),
                "the factory-fresh camera the scan found is waiting for adoption");
        }
        finally
        {
            BlockingJob.Release(key);
        }
    }

    [Fact]
    public void The_interactive_queue_sorts_before_the_default_one()
    {
        // Hangfire.PostgreSql takes the queues a worker listens to in name order (ORDER BY fetchedat, queue, jobid), whatever order
        // the server lists them in: only a name before "default" lets every worker of the main server take a scan first.
        Assert.True(string.CompareOrdinal(FleetJobs.InteractiveQueue, FleetJobs.DefaultQueue) < 0,
            $"queue '{FleetJobs.InteractiveQueue}' would be fetched after '{FleetJobs.DefaultQueue}'");
    }

    /// <summary>A background job that holds its worker until the test releases it (or five minutes pass, well beyond the test's
    /// own waits: a blocker giving up early would free its worker and let the extra background job run).</summary>
    public sealed class BlockingJob
    {
        private static readonly ConcurrentDictionary<Guid, (TaskCompletionSource Gate, int[] Running)> Gates = new();

        private static (TaskCompletionSource Gate, int[] Running) For(Guid key) =>
            Gates.GetOrAdd(key, _ => (new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), new int[1]));

        public static int Running(Guid key) => Volatile.Read(ref For(key).Running[0]);

        public static void Release(Guid key) => For(key).Gate.TrySetResult();

        public async Task HoldAsync(Guid key)
        {
            var (gate, running) = For(key);
            Interlocked.Increment(ref running[0]);
            await gate.Task.WaitAsync(TimeSpan.FromMinutes(5));
        }
    }
}
