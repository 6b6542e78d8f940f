using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Observability;
using HikFleet.Core.Profiles;
using HikFleet.Core.Security;
using HikFleet.Core.Tests.Profiles;

namespace HikFleet.Core.Tests.Observability;

/// <summary>An operation run to its end by the real runner against the simulator is counted by kind and result, and timed.</summary>
public sealed class OperationTelemetryTests(ProfileWorld world) : IClassFixture<ProfileWorld>
{
    private static readonly AsyncLocal<string?> Marker = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_finished_operation_is_counted_by_kind_and_result()
    {
        var marker = Guid.NewGuid().ToString("N");
        var measured = new ConcurrentQueue<(string Instrument, double Value, string? Kind, string? Result)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == FleetTelemetry.MeterName && instrument.Name.StartsWith("hikfleet.operation", StringComparison.Ordinal))
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        listener.Start();

        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            // Other tests in this process finish operations too: ours run in this test's async flow (the runner is called from here).
            if (Marker.Value != marker) return;
            string? kind = null, result = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "kind") kind = tag.Value as string;
                if (tag.Key == "result") result = tag.Value as string;
            }
            measured.Enqueue((instrument.Name, value, kind, result));
        }

        Marker.Value = marker;
        var site = await world.SiteAsync("Telemetry");
        var created = await world.Profiles.CreateAsync(FleetScope.System,
            new ProfileInput { TenantId = site.TenantId, Name = "Standard", Settings = new ProfileSettings { MotionEnabled = true } }, Ct);
        Assert.True(created.Succeeded, created.Message);
        var (device, camera) = await world.CameraAsync(site, "Gate");

        var queued = await world.Profiles.ApplyAsync(FleetScope.System, [camera.Id], "telemetry", Ct);
        var op = await world.RunToEndAsync(queued.Items.Single().OperationId!.Value, Ct);
        Assert.Equal(OperationState.Succeeded, op.State);
        Assert.True(device.Motion.Enabled);

        var finished = Assert.Single(measured, m => m.Instrument == "hikfleet.operations.finished");
        Assert.Equal(("apply_profile", "succeeded", 1.0), (finished.Kind, finished.Result, finished.Value));
        var duration = Assert.Single(measured, m => m.Instrument == "hikfleet.operation.duration");
        Assert.Equal(("apply_profile", "succeeded"), (duration.Kind, duration.Result));
        Assert.InRange(duration.Value, 0, 120);
    }
}
