using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Hangfire;
using HikFleet.Core.Health;
using HikFleet.Core.Observability;
using HikFleet.Core.Tests.Discovery;
using HikFleet.Isapi.Diagnostics;
using HikFleet.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace HikFleet.Core.Tests.Observability;

/// <summary>A real health sweep run by the real Hangfire server: its duration recorded by job and outcome, its ISAPI calls children of its span.</summary>
public sealed class JobTelemetryTests(MigratedDatabase database) : IClassFixture<MigratedDatabase>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_health_sweep_job_is_timed_and_traced_with_its_isapi_calls_as_children()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name is FleetTelemetry.JobsSourceName or IsapiTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(activities);

        // Jobs of other tests in this process are measured too: a measurement is ours when the current span is our job's.
        var durations = new ConcurrentQueue<(double Seconds, string? Job, string? Outcome, string? JobId, string? TraceId)>();
        using var meters = new MeterListener();
        meters.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == FleetTelemetry.MeterName && instrument.Name == "hikfleet.job.duration") l.EnableMeasurementEvents(instrument);
        };
        meters.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            string? job = null, outcome = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "job") job = tag.Value as string;
                if (tag.Key == "outcome") outcome = tag.Value as string;
            }
            durations.Enqueue((value, job, outcome, Activity.Current?.GetTagItem("job.id") as string, Activity.Current?.TraceId.ToString()));
        });
        meters.Start();

        await using var world = await InventoryWorld.StartAsync(database, Ct, sadp: false, jobs: true);
        var device = world.Fleet.AddDevice(new Simulator.DeviceSpec { Activated = true, Password = "Fleet#Test2024" });
        var site = await world.SiteAsync();
        await world.ManagedAsync(site, device, password: "Fleet#Test2024", configure: c => c.Lifecycle = HikFleet.Core.Data.Entities.CameraLifecycle.Managed);

        var jobId = world.Services.GetRequiredService<IBackgroundJobClient>().Enqueue<HealthCheckJob>(j => j.ExecuteAsync(site.Id, CancellationToken.None));
        // Job ids are numbered per job database, and every job host of this process has its own: another test's job may carry the
        // same id. Ours is the one whose trace holds the ISAPI calls to this test's device (its own 127.x address).
        var address = device.Address.ToString();
        bool Ours((double Seconds, string? Job, string? Outcome, string? JobId, string? TraceId) d) => d.JobId == jobId
            && stopped.Any(a => a.TraceId.ToString() == d.TraceId && a.GetTagItem("server.address") as string == address);
        await InventoryWorld.EventuallyAsync(() => durations.Any(Ours), "the job's duration to be recorded", Ct, timeoutMs: 30_000);

        var measured = durations.Single(Ours);
        Assert.Equal("HealthCheckJob", measured.Job);
        Assert.Equal("succeeded", measured.Outcome);
        Assert.True(measured.Seconds > 0);

        var job = stopped.Single(a => a.Source.Name == FleetTelemetry.JobsSourceName && a.GetTagItem("job.id") as string == jobId);
        Assert.Equal("job HealthCheckJob", job.DisplayName);
        var calls = stopped.Where(a => a.Source.Name == IsapiTelemetry.Name && a.ParentSpanId == job.SpanId).ToList();
        Assert.NotEmpty(calls);
        Assert.All(calls, call => Assert.Equal(job.TraceId, call.TraceId));
        Assert.Contains(calls, call => call.GetTagItem("url.template") as string == "/ISAPI/System/deviceInfo"
            && call.GetTagItem("http.response.status_code") is 200 && call.Status != ActivityStatusCode.Error);
        Assert.All(calls, call => Assert.Equal(device.Address.ToString(), call.GetTagItem("server.address")));
    }
}
