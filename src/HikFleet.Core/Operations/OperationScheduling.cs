using Hangfire;
using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HikFleet.Core.Operations;

/// <summary>Queues the runner for an operation, now or later.</summary>
public interface IOperationScheduler
{
    void Enqueue(Guid operationId);

    void Schedule(Guid operationId, TimeSpan after);
}

/// <summary>Operations advance as Hangfire jobs (shared by every node on the fleet database).</summary>
public sealed class HangfireOperationScheduler(IBackgroundJobClient jobs) : IOperationScheduler
{
    public void Enqueue(Guid operationId) => jobs.Enqueue<OperationJob>(j => j.ExecuteAsync(operationId, CancellationToken.None));

    public void Schedule(Guid operationId, TimeSpan after)
    {
        if (after <= TimeSpan.Zero) Enqueue(operationId);
        else jobs.Schedule<OperationJob>(j => j.ExecuteAsync(operationId, CancellationToken.None), after);
    }
}

/// <summary>The Hangfire job that advances one operation.</summary>
public sealed class OperationJob(OperationRunner runner)
{
    // No Hangfire retries: a failed step is the operation's state (retry from the UI); a lost job is picked up by the watchdog.
    [AutomaticRetry(Attempts = 0)]
    public Task ExecuteAsync(Guid operationId, CancellationToken cancellationToken) => runner.RunAsync(operationId, cancellationToken);
}

/// <summary>
/// Finds active operations nobody advances (a job lost with a crashed process, a lease that expired) and queues them again.
/// Runs every minute and once at start, so a restart resumes every operation from its persisted step.
/// </summary>
public sealed class OperationWatchdogJob(IDbContextFactory<FleetDbContext> contexts, IOperationScheduler scheduler, IOptions<OperationOptions> options,
    TimeProvider time, ILogger<OperationWatchdogJob> logger)
{
    public const string RecurringJobId = "operations-watchdog";

    [AutomaticRetry(Attempts = 0)]
    public async Task<int> ExecuteAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow();
        // A waiting operation is overdue when its next look is a poll interval late (its scheduled job got lost).
        var overdue = now - options.Value.PollInterval - TimeSpan.FromSeconds(2);
        var stranded = await db.Operations.AsNoTracking()
            .Where(OperationStates.Runnable)
            .Where(o => o.NextRunAt == null || o.NextRunAt < overdue)
            .OrderBy(o => o.CreatedAt)
            .Select(o => new { o.Id, o.LeaseUntil })
            .Take(1000)
            .ToListAsync(cancellationToken);
        foreach (var o in stranded)
        {
            // A lease still held is either alive or a crash: look again right after it expires.
            var after = o.LeaseUntil is { } until && until > now ? until - now + TimeSpan.FromMilliseconds(200) : TimeSpan.Zero;
            scheduler.Schedule(o.Id, after);
        }

        if (stranded.Count > 0) logger.LogInformation("Resumed {Count} operation(s) nobody was advancing", stranded.Count);
        return stranded.Count;
    }
}

/// <summary>At start: resume operations interrupted by a stop or crash (the watchdog's first run, without waiting a minute).</summary>
public sealed class OperationResumer(OperationWatchdogJob watchdog, ILogger<OperationResumer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await watchdog.ExecuteAsync(stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not resume interrupted operations at start; the watchdog tries again within a minute");
        }
    }
}
