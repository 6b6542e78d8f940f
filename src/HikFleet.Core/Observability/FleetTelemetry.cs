using System.Diagnostics;
using System.Diagnostics.Metrics;
using HikFleet.Core.Data.Entities;

namespace HikFleet.Core.Observability;

/// <summary>
/// HikFleet's own meters and activity sources. Core records; the web host exports (OpenTelemetry, Prometheus): Core references no
/// exporter. Job and operation instruments are process-wide statics (what they count does not depend on a host's database); the
/// fleet gauges read a host's database and live per host in <see cref="FleetGauges"/>. The ISAPI client has its own
/// (<see cref="HikFleet.Isapi.Diagnostics.IsapiTelemetry"/>, <c>HikFleet.Isapi</c>).
/// </summary>
public static class FleetTelemetry
{
    /// <summary>Jobs and operations: <c>hikfleet.job.*</c>, <c>hikfleet.operation*</c>.</summary>
    public const string MeterName = "HikFleet";

    /// <summary>The fleet gauges (<c>hikfleet.fleet.*</c>), one meter per host from its <see cref="IMeterFactory"/>.</summary>
    public const string FleetMeterName = "HikFleet.Fleet";

    /// <summary>Spans of Hangfire job executions; ISAPI spans of a job are its children.</summary>
    public const string JobsSourceName = "HikFleet.Jobs";

    /// <summary>Every meter and source a host should subscribe to.</summary>
    public static readonly IReadOnlyList<string> MeterNames = [MeterName, FleetMeterName, Isapi.Diagnostics.IsapiTelemetry.Name];

    /// <summary>Every activity source a host should subscribe to.</summary>
    public static readonly IReadOnlyList<string> SourceNames = [JobsSourceName, Isapi.Diagnostics.IsapiTelemetry.Name];

    public static readonly ActivitySource Jobs = new(JobsSourceName);

    private static readonly Meter Meter = new(MeterName);

    /// <summary><c>hikfleet.job.duration</c> (s) by <c>job</c> (the job class: <c>HealthCheckJob</c>, <c>SiteDiscoveryJob</c>,
    /// <c>OperationJob</c>, <c>ScheduledBackupJob</c>…) and <c>outcome</c> (<c>succeeded</c>, <c>failed</c>, <c>cancelled</c>).</summary>
    public static readonly Histogram<double> JobDuration = Meter.CreateHistogram<double>(
        "hikfleet.job.duration", unit: "s", description: "Hangfire job execution time by job and outcome.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600] });

    /// <summary><c>hikfleet.operations.finished</c> by <c>kind</c> (reboot, factory_reset…) and <c>result</c> (succeeded, failed, cancelled).</summary>
    public static readonly Counter<long> OperationsFinished = Meter.CreateCounter<long>(
        "hikfleet.operations.finished", unit: "{operation}", description: "Device operations that reached an end state, by kind and result.");

    /// <summary><c>hikfleet.operation.duration</c> (s): start (first step) to end, by <c>kind</c> and <c>result</c>.</summary>
    public static readonly Histogram<double> OperationDuration = Meter.CreateHistogram<double>(
        "hikfleet.operation.duration", unit: "s", description: "Device operation time from its first step to its end, by kind and result.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600] });

    /// <summary>Called once where an operation finishes (<c>OperationRunner.FinishAsync</c>).</summary>
    public static void OperationFinished(Operation op, OperationState result, DateTimeOffset now)
    {
        var kind = new KeyValuePair<string, object?>("kind", Label(op.Kind.ToString()));
        var outcome = new KeyValuePair<string, object?>("result", Label(result.ToString()));
        OperationsFinished.Add(1, kind, outcome);
        if (op.StartedAt is { } started && now >= started)
        {
            OperationDuration.Record((now - started).TotalSeconds, kind, outcome);
        }
    }

    /// <summary>An enum name as a label value: <c>FactoryReset</c> → <c>factory_reset</c>.</summary>
    public static string Label(string name)
    {
        var builder = new System.Text.StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0) builder.Append('_');
                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c);
            }
        }
        return builder.ToString();
    }
}
