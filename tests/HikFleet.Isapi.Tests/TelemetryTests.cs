using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using HikFleet.Isapi.Diagnostics;
using HikFleet.Isapi.Tests.Support;

namespace HikFleet.Isapi.Tests;

/// <summary>
/// Every ISAPI call against the simulator is timed (<c>hikfleet.isapi.request.duration</c>), failures are counted by kind
/// (<c>hikfleet.isapi.errors</c>), and each call is a client span. Other tests in this process call devices too: a measurement
/// counts here only when it was made in this test's async flow (an AsyncLocal marker flows into the client's calls).
/// </summary>
public sealed class TelemetryTests(SimulatorFixture sim)
{
    private static readonly AsyncLocal<string?> Marker = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record Measured(string Instrument, double Value, string Method, string Path, string Outcome);

    [Fact]
    public async Task Calls_are_timed_by_path_template_and_errors_counted_by_kind()
    {
        var marker = Guid.NewGuid().ToString("N");
        var measured = new ConcurrentQueue<Measured>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == IsapiTelemetry.Name) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.Start();

        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (Marker.Value != marker) return;
            string method = "", path = "", outcome = "";
            foreach (var tag in tags)
            {
                switch (tag.Key)
                {
                    case "method": method = (string)tag.Value!; break;
                    case "path": path = (string)tag.Value!; break;
                    case "outcome" or "kind": outcome = (string)tag.Value!; break;
                }
            }
            measured.Enqueue(new Measured(instrument.Name, value, method, path, outcome));
        }

        Marker.Value = marker;
        var device = sim.AddCamera();
        using var client = sim.Client(device);
        await client.GetDeviceInfoAsync(Ct);
        await client.GetDeviceInfoAsync(Ct);
        await client.GetStreamingChannelAsync(101, Ct);

        var ok = measured.Where(m => m.Instrument == "hikfleet.isapi.request.duration" && m.Outcome == "ok").ToList();
        Assert.Equal(2, ok.Count(m => m.Path == "/ISAPI/System/deviceInfo" && m.Method == "GET"));
        // The channel id is folded into the template: one series for every channel of every device.
        Assert.Single(ok, m => m.Path == "/ISAPI/Streaming/channels/{id}");
        Assert.All(ok, m => Assert.InRange(m.Value, 0, 10));
        Assert.DoesNotContain(measured, m => m.Instrument == "hikfleet.isapi.errors");

        device.Faults.DeviceError = true;
        var error = await Assert.ThrowsAsync<IsapiException>(() => client.GetDeviceInfoAsync(Ct));
        Assert.Equal(IsapiErrorKind.DeviceError, error.Kind);
        device.Faults.DeviceError = false;
        device.Faults.Offline = true;
        await Assert.ThrowsAsync<IsapiException>(() => client.GetDeviceInfoAsync(Ct));

        var errors = measured.Where(m => m.Instrument == "hikfleet.isapi.errors").ToList();
        Assert.Equal(["device_error", "unreachable"], errors.Select(e => e.Outcome).Order().ToArray());
        Assert.All(errors, e => Assert.Equal("/ISAPI/System/deviceInfo", e.Path));
        Assert.All(errors, e => Assert.Equal(1, e.Value));
        Assert.Equal(2, measured.Count(m => m.Instrument == "hikfleet.isapi.request.duration" && m.Outcome is "device_error" or "unreachable"));
        // No label carries the device: its address and serial appear nowhere in the measurements.
        Assert.DoesNotContain(measured, m => m.Path.Contains(device.Address.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Each_call_is_a_client_span_under_the_callers_span()
    {
        var parentSource = new ActivitySource("HikFleet.Isapi.Tests." + Guid.NewGuid().ToString("N"));
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == IsapiTelemetry.Name || source == parentSource,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);

        var device = sim.AddCamera();
        using var client = sim.Client(device);
        using (var parent = parentSource.StartActivity("sweep")!)
        {
            await client.GetDeviceInfoAsync(Ct);
            device.Faults.DeviceError = true;
            await Assert.ThrowsAsync<IsapiException>(() => client.GetDeviceInfoAsync(Ct));

            var calls = stopped.Where(a => a.Source.Name == IsapiTelemetry.Name && a.ParentSpanId == parent.SpanId).ToList();
            Assert.Equal(2, calls.Count);
            Assert.All(calls, c =>
            {
                Assert.Equal(ActivityKind.Client, c.Kind);
                Assert.Equal("ISAPI GET /ISAPI/System/deviceInfo", c.DisplayName);
                Assert.Equal(parent.TraceId, c.TraceId);
                Assert.Equal(device.Address.ToString(), c.GetTagItem("server.address"));
            });
            Assert.Equal(200, calls[0].GetTagItem("http.response.status_code"));
            Assert.Equal(ActivityStatusCode.Unset, calls[0].Status);
            Assert.Equal(ActivityStatusCode.Error, calls[1].Status);
            Assert.Equal("device_error", calls[1].GetTagItem("error.type"));
        }
    }

    [Theory]
    [InlineData("/ISAPI/System/deviceInfo", "/ISAPI/System/deviceInfo")]
    [InlineData("/ISAPI/Streaming/channels/101/picture?snapShotImageType=JPEG", "/ISAPI/Streaming/channels/{id}/picture")]
    [InlineData("/ISAPI/Security/users/3", "/ISAPI/Security/users/{id}")]
    [InlineData("/ISAPI/System/factoryReset?mode=basic", "/ISAPI/System/factoryReset")]
    [InlineData("/ISAPI/ContentMgmt/search/0123456789012345678901234567890123456789012345678901234567890123456789/x", "/ISAPI/ContentMgmt/search/{id}/x")]
    [InlineData("/ISAPI/ContentMgmt/search/abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij", "other")]
    [InlineData("/ISAPI/ContentMgmt/search/abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij/1/abcdefghij", "other")]
    [InlineData("/isapi/System/status#x", "/isapi/System/status")]
    [InlineData("/SDK/whatever", "other")]
    [InlineData("", "other")]
    public void Path_templates_keep_the_label_set_bounded(string path, string template) =>
        Assert.Equal(template, IsapiTelemetry.PathTemplate(path));
}
