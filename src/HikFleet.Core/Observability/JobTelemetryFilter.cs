using System.Diagnostics;
using Hangfire.Common;
using Hangfire.Server;

namespace HikFleet.Core.Observability;

/// <summary>
/// Times every Hangfire job this host's server runs (<c>hikfleet.job.duration</c> by job class and outcome) and wraps it in a
/// <c>HikFleet.Jobs</c> span, so the ISAPI calls a job makes are its children. Hangfire calls server filters synchronously on the
/// worker thread around the job, so the span set here is the current one while the job runs.
/// </summary>
public sealed class JobTelemetryFilter : IServerFilter
{
    private const string StartedKey = "hikfleet.telemetry.started";
    private const string ActivityKey = "hikfleet.telemetry.activity";

    public void OnPerforming(PerformingContext context)
    {
        var job = JobLabel(context.BackgroundJob.Job);
        context.Items[StartedKey] = Stopwatch.GetTimestamp();
        var activity = FleetTelemetry.Jobs.StartActivity($"job {job}", ActivityKind.Internal);
        if (activity is not null)
        {
            activity.SetTag("job.name", job);
            activity.SetTag("job.method", context.BackgroundJob.Job?.Method.Name);
            activity.SetTag("job.id", context.BackgroundJob.Id);
            context.Items[ActivityKey] = activity;
        }
    }

    public void OnPerformed(PerformedContext context)
    {
        var outcome = context.Canceled ? "cancelled" : context.Exception is null || context.ExceptionHandled ? "succeeded" : "failed";
        if (context.Items.TryGetValue(StartedKey, out var started) && started is long timestamp)
        {
            FleetTelemetry.JobDuration.Record(Stopwatch.GetElapsedTime(timestamp).TotalSeconds,
                new("job", JobLabel(context.BackgroundJob.Job)), new("outcome", outcome));
        }
        if (context.Items.TryGetValue(ActivityKey, out var value) && value is Activity activity)
        {
            if (outcome != "succeeded")
            {
                activity.SetStatus(ActivityStatusCode.Error, outcome);
                if (context.Exception is { } ex) activity.SetTag("error.type", (ex.InnerException ?? ex).GetType().Name);
            }
            activity.Stop();
        }
    }

    /// <summary>The job class name: bounded by the code (a dozen job classes), never by a job's arguments.</summary>
    internal static string JobLabel(Job? job) => job?.Type.Name ?? "unknown";
}
