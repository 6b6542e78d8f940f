using HikFleet.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HikFleet.Core.Health;

/// <summary>Deletes health samples and camera events past their retention, in chunks so no statement holds locks for long.</summary>
public sealed class HealthRetentionJob(IDbContextFactory<FleetDbContext> contexts, IOptions<HealthOptions> options, TimeProvider time,
    ILogger<HealthRetentionJob> logger)
{
    public const string RecurringJobId = "health-retention";

    public async Task<(int Samples, int Events)> ExecuteAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var now = time.GetUtcNow();
        var samplesBefore = now - o.SampleRetention;
        var eventsBefore = now - o.EventRetention;
        var chunk = Math.Max(1, o.RetentionChunk);
        int samples = 0, events = 0, n;
        do
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            var ids = db.HealthSamples.Where(s => s.At < samplesBefore).OrderBy(s => s.Id).Select(s => s.Id).Take(chunk);
            n = await db.HealthSamples.Where(s => ids.Contains(s.Id)).ExecuteDeleteAsync(cancellationToken);
            samples += n;
        } while (n == chunk);

        do
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            var ids = db.CameraEvents.Where(e => e.At < eventsBefore).OrderBy(e => e.Id).Select(e => e.Id).Take(chunk);
            n = await db.CameraEvents.Where(e => ids.Contains(e.Id)).ExecuteDeleteAsync(cancellationToken);
            events += n;
        } while (n == chunk);

        if (samples + events > 0)
            logger.LogInformation("Health retention removed {Samples} samples older than {SampleCutoff:u} and {Events} camera events older than {EventCutoff:u}",
                samples, samplesBefore, events, eventsBefore);
        return (samples, events);
    }
}
