using System.Diagnostics;
using System.Text;
using HikFleet.Isapi.Tests.Support;

namespace HikFleet.Isapi.Tests;

/// <summary>
/// The two time bounds of a call share one cancellation source whose timer is moved per read (issue #13). These pin what
/// that must keep: the idle limit is re-armed by every read (a body that keeps coming is not cut at the first idle period)
/// and still fires after several reads; a slow drip ends at the whole-call deadline and is reported as that; a deadline
/// nearer than the idle limit wins; and a timed-out call leaves the client usable.
/// </summary>
public sealed class RequestTimeoutTests
{
    private const string Body = "<DeviceInfo xmlns=\"http://www.hikvision.com/ver20/XMLSchema\"><model>DS-2CD2143G2-I</model></DeviceInfo>";

    private static string Head(long length) =>
        $"HTTP/1.1 200 OK\r\nServer: App-webs/\r\nContent-Type: application/xml\r\nContent-Length: {length}\r\n\r\n";

    private static async Task<(IsapiException Error, TimeSpan Elapsed)> FailAsync(IsapiClient client)
    {
        var watch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<IsapiException>(() => client.GetDeviceInfoAsync(TestContext.Current.CancellationToken));
        return (error, watch.Elapsed);
    }

    [Fact]
    public async Task IdleTimeout_IsReArmedByEachRead_AndStillFiresAfterThem_ThenTheClientWorksAgain()
    {
        var connections = 0;
        await using var server = HostileServer.Start(async (s, _, ct) =>
        {
            if (Interlocked.Increment(ref connections) > 1)
            {
                await HostileServer.WriteAsync(s, Head(Encoding.UTF8.GetByteCount(Body)) + Body, ct);
                return;
            }
            await HostileServer.WriteAsync(s, Head(5000) + "<DeviceInfo>", ct);
            for (var i = 0; i < 5; i++)
            {
                await Task.Delay(300, ct); // each gap is under the idle limit, together they are well over it
                await HostileServer.WriteAsync(s, "<model>DS</model>", ct);
            }
            await Task.Delay(Timeout.Infinite, ct);
        });
        using var client = new IsapiClientFactory(new IsapiOptions
        {
            RequestTimeout = TimeSpan.FromSeconds(8),
            ReadIdleTimeout = TimeSpan.FromMilliseconds(700),
        }).Create(server.Endpoint, new IsapiCredentials("admin", "Secret#2024x"));

        var (error, elapsed) = await FailAsync(client);

        Assert.Equal(IsapiErrorKind.Timeout, error.Kind);
        Assert.Contains("no data for 0.7 s", error.Message, StringComparison.Ordinal);
        // 5 × 300 ms of trickle (each read re-armed the limit) + 700 ms of silence; far from the 8 s deadline.
        Assert.InRange(elapsed, TimeSpan.FromSeconds(2.0), TimeSpan.FromSeconds(6));

        Assert.Equal("DS-2CD2143G2-I", (await client.GetDeviceInfoAsync(TestContext.Current.CancellationToken)).Model);
    }

    [Fact]
    public async Task SlowDrip_IsReportedAsTheWholeCallTimeout()
    {
        await using var server = HostileServer.Start(async (s, _, ct) =>
        {
            await HostileServer.WriteAsync(s, Head(100_000), ct);
            while (!ct.IsCancellationRequested)
            {
                await HostileServer.WriteAsync(s, "<", ct);
                await Task.Delay(100, ct);
            }
        });
        using var client = new IsapiClientFactory(new IsapiOptions
        {
            RequestTimeout = TimeSpan.FromSeconds(2),
            ReadIdleTimeout = TimeSpan.FromMilliseconds(700),
        }).Create(server.Endpoint, new IsapiCredentials("admin", "Secret#2024x"));

        var (error, elapsed) = await FailAsync(client);

        Assert.Equal(IsapiErrorKind.Timeout, error.Kind);
        Assert.Contains("no complete answer within 2.0 s", error.Message, StringComparison.Ordinal);
        Assert.InRange(elapsed, TimeSpan.FromSeconds(1.8), TimeSpan.FromSeconds(4.5));
    }

    [Fact]
    public async Task DeadlineNearerThanTheIdleLimit_EndsTheStalledRead()
    {
        await using var server = HostileServer.Start(async (s, _, ct) =>
        {
            await HostileServer.WriteAsync(s, Head(5000) + "<DeviceInfo>", ct);
            await Task.Delay(Timeout.Infinite, ct);
        });
        using var client = new IsapiClientFactory(new IsapiOptions
        {
            RequestTimeout = TimeSpan.FromSeconds(1.5),
            ReadIdleTimeout = TimeSpan.FromSeconds(20),
        }).Create(server.Endpoint, new IsapiCredentials("admin", "Secret#2024x"));

        var (error, elapsed) = await FailAsync(client);

        Assert.Equal(IsapiErrorKind.Timeout, error.Kind);
        Assert.Contains("no complete answer within 1.5 s", error.Message, StringComparison.Ordinal);
        Assert.InRange(elapsed, TimeSpan.FromSeconds(1.3), TimeSpan.FromSeconds(5));
    }
}
