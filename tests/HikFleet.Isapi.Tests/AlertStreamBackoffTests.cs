using System.Diagnostics;
using HikFleet.Isapi.Events;
using HikFleet.Isapi.Tests.Support;

namespace HikFleet.Isapi.Tests;

/// <summary>Reconnect backoff of the alert stream against a device that keeps dropping it (§2.10: NVRs close after ~40 s).</summary>
public sealed class AlertStreamBackoffTests
{
    [Fact]
    public async Task DroppedWithoutEvents_ReconnectsWithDoublingDelay_CappedAtTheMaximum()
    {
        await using var server = HostileServer.Start(async (s, _, ct) =>
        {
            await HostileServer.WriteAsync(s, "HTTP/1.0 200 OK\r\nContent-Type: multipart/mixed; boundary=boundary\r\nConnection: close\r\n\r\n", ct);
            throw new IOException("drop"); // close the connection at once
        });
        var options = new IsapiOptions
        {
            AlertStreamReconnectDelay = TimeSpan.FromMilliseconds(40),
            AlertStreamMaxReconnectDelay = TimeSpan.FromMilliseconds(320),
        };
        using var client = new IsapiClientFactory(options).Create(server.Endpoint, new IsapiCredentials("admin", "Secret#2024x"));
        var stamps = new List<TimeSpan>();
        var watch = Stopwatch.StartNew();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var stream = new AlertStreamOptions
        {
            Reconnecting = (n, _) => { lock (stamps) stamps.Add(watch.Elapsed); if (n == 7) cts.Cancel(); },
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (IsapiEvent _ in client.ReadAlertStreamAsync(stream, cts.Token)) { }
        });

        Assert.Equal(7, stamps.Count);
        var gaps = stamps.Zip(stamps.Skip(1), (a, b) => (b - a).TotalMilliseconds).ToArray();
        // Delays 40, 80, 160, 320, 320, 320 ms (+ up to 20 % jitter) separate the callbacks.
        Assert.True(gaps[0] >= 35 && gaps[0] < 250, string.Join(", ", gaps));
        Assert.True(gaps[2] >= 150, string.Join(", ", gaps));
        Assert.True(gaps[4] >= 300 && gaps[5] >= 300, string.Join(", ", gaps));
        Assert.True(gaps.Max() < 1000, string.Join(", ", gaps));
        Assert.True(server.Requests >= 7);
    }
}
