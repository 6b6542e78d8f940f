using System.Diagnostics;
using System.Text;
using HikFleet.Isapi.Tests.Support;

namespace HikFleet.Isapi.Tests;

[CollectionDefinition(nameof(HostileCollection), DisableParallelization = true)]
public sealed class HostileCollection;

/// <summary>
/// Hostile answers (issue 4 "must show"): each ends in a typed <see cref="IsapiException"/> within its time bound and
/// without buffering what the device throws at us (allocations measured process-wide, with parallelism off).
/// </summary>
[Collection(nameof(HostileCollection))]
public sealed class HostileAnswerTests
{
    private const long MemoryBound = 48L * 1024 * 1024;

    private static readonly IsapiOptions Options = new()
    {
        RequestTimeout = TimeSpan.FromSeconds(3),
        ReadIdleTimeout = TimeSpan.FromMilliseconds(700),
        ConnectTimeout = TimeSpan.FromSeconds(2),
        MaxXmlBytes = 1024 * 1024,
        MaxResponseBytes = 4 * 1024 * 1024,
    };

    private static async Task<(IsapiException Error, TimeSpan Elapsed, long Allocated)> CallAsync(HostileServer server, Func<IsapiClient, Task> call)
    {
        using var client = new IsapiClientFactory(Options).Create(server.Endpoint, new IsapiCredentials("admin", "Secret#2024x"));
        GC.Collect();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var watch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<IsapiException>(() => call(client));
        watch.Stop();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        return (error, watch.Elapsed, allocated);
    }

    private static string Head(string contentType, long? length = null, string status = "200 OK", bool close = false) =>
        $"HTTP/1.1 {status}\r\nServer: App-webs/\r\nContent-Type: {contentType}\r\n" +
        (length is { } l ? $"Content-Length: {l}\r\n" : "") + (close ? "Connection: close\r\n" : "") + "\r\n";

    [Fact]
    public async Task XmlBomb_IsRejectedAsMalformed_WithoutExpandingEntities()
    {
        var bomb = new StringBuilder("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n");
        bomb.Append(" <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n");
        for (var i = 2; i <= 9; i++) bomb.Append($" <!ENTITY lol{i} \"" + string.Concat(Enumerable.Repeat($"&lol{i - 1};", 10)) + "\">\n");
        bomb.Append("]>\n<DeviceInfo><deviceName>&lol9;</deviceName></DeviceInfo>");
        var body = Encoding.UTF8.GetBytes(bomb.ToString());
        await using var server = HostileServer.Start(async (s, _, ct) =>
        {
            await HostileServer.WriteAsync(s, Head("application/xml", body.Length), ct);
            await s.WriteAsync(body, ct);
        });

        var (error, elapsed, allocated) = await CallAsync(server, c => c.GetDeviceInfoAsync(TestContext.Current.CancellationToken));

        Assert.Equal(IsapiErrorKind.MalformedAnswer, error.Kind);
        Assert.Contains("DTD", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.True(elapsed < TimeSpan.FromSeconds(2.5), $"took {elapsed}");
        Assert.True(allocated < MemoryBound, $"allocated {allocated:N0} bytes");
    }

    [Fact]
    public async Task OneGigabyteBody_IsRefusedFromItsContentLength_BeforeReading()
    {
        await using var server = HostileServer.Start(async (s, _, ct) =>
        {
            await HostileServer.WriteAsync(s, Head("application/xml", 1L << 30), ct);
            var chunk = new byte[64 * 1024];
            chunk.AsSpan().Fill((byte)' ');
            for (long sent = 0; sent < 1L << 30; sent += chunk.Length) await s.WriteAsync(chunk, ct);
        });

        var (error, elapsed, allocated) = await CallAsync(server, c => c.GetStatusAsync(TestContext.Current.CancellationToken));

        Assert.Equal(IsapiErrorKind.MalformedAnswer, error.Kind);
        Assert.Contains("1073741824", error.Message, StringComparison.Ordinal);
        Assert.True(elapsed < TimeSpan.FromSeconds(2.5), $"took {elapsed}");
        Assert.True(allocated < MemoryBound, $"allocated {allocated:N0} bytes");
        Assert.True(server.BytesWritten < 256L * 1024 * 1024, $"the client read {server.BytesWritten:N0} bytes");
    }

    [Fact]
    public async Task OneGigabyteSnapshot_WithoutLength_StopsAtTheBinaryLimit()
    {
        await using var server = HostileServer.Start(async (s, _, ct) =>
        {
            await HostileServer.WriteAsync(s, Head("image/jpeg", close: true), ct);
            var chunk = new byte[64 * 1024];
            chunk[0] = 0xFF; chunk[1] = 0xD8;
            for (long sent = 0; sent < 1L << 30; sent += chunk.Length) await s.WriteAsync(chunk, ct);
        });

        var (error, elapsed, allocated) = await CallAsync(server, c => c.GetSnapshotAsync(101, TestContext.Current.CancellationToken));
        var (pooled, pooledElapsed, pooledAllocated) =
            await CallAsync(server, c => c.GetPooledSnapshotAsync(101, true, TestContext.Current.CancellationToken));

        foreach (var (e, took, bytes) in new[] { (error, elapsed, allocated), (pooled, pooledElapsed, pooledAllocated) })
        {
            Assert.Equal(IsapiErrorKind.MalformedAnswer, e.Kind);
            Assert.Contains("limit", e.Message, StringComparison.Ordinal);
            Assert.True(took < TimeSpan.FromSeconds(3.5), $"took {took}");
            Assert.True(bytes < MemoryBound, $"allocated {bytes:N0} bytes");
        }
    }

    [Fact]
    public async Task NeverEndingBody_EndsAtTheXmlSizeBound()
    {
        await using var server = HostileServer.Start(async (s, _, ct) =>
        {
            await HostileServer.WriteAsync(s, Head("application/xml", close: true) + "<DeviceInfo>", ct);
            var chunk = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("<model>DS-2CD2386G2-IU</model>", 512)));
            while (!ct.IsCancellationRequested) await s.WriteAsync(chunk, ct);
        });

        var (error, elapsed, allocated) = await CallAsync(server, c => c.GetDeviceInfoAsync(TestContext.Current.CancellationToken));

        Assert.Equal(IsapiErrorKind.MalformedAnswer, error.Kind);
        Assert.Contains("exceeds", error.Message, StringComparison.Ordinal);
        Assert.True(elapsed < TimeSpan.FromSeconds(2.5), $"took {elapsed}");
        Assert.True(allocated < MemoryBound, $"allocated {allocated:N0} bytes");
    }

    [Fact]
    public async Task SlowDrip_EndsAtTheRequestTimeout()
    {
        await using var server = HostileServer.Start(async (s, _, ct) =>
        {
            await HostileServer.WriteAsync(s, Head("application/xml", 100_000), ct);
            while (!ct.IsCancellationRequested)
            {
                await s.WriteAsync("<"u8.ToArray(), ct);
                await s.FlushAsync(ct);
                await Task.Delay(100, ct); // faster than the idle timeout, so only the overall bound can stop it
            }
        });

        var (error, elapsed, _) = await CallAsync(server, c => c.GetDeviceInfoAsync(TestContext.Current.CancellationToken));

        Assert.Equal(IsapiErrorKind.Timeout, error.Kind);
        Assert.InRange(elapsed, TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task StalledBody_EndsAtTheIdleTimeout()
    {
        await using var server = HostileServer.Start(async (s, _, ct) =>
        {
            await HostileServer.WriteAsync(s, Head("application/xml", 5000) + "<DeviceInfo>", ct);
            await Task.Delay(Timeout.Infinite, ct);
        });

        var (error, elapsed, _) = await CallAsync(server, c => c.GetDeviceInfoAsync(TestContext.Current.CancellationToken));

        Assert.Equal(IsapiErrorKind.Timeout, error.Kind);
        Assert.Contains("no data", error.Message, StringComparison.Ordinal);
        Assert.InRange(elapsed, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(2.8));
    }

    [Fact]
    public async Task NoAnswerAtAll_EndsAtTheRequestTimeout()
    {
        await using var server = HostileServer.Start((_, _, ct) => Task.Delay(Timeout.Infinite, ct));

        var (error, elapsed, _) = await CallAsync(server, c => c.CheckUserAsync(TestContext.Current.CancellationToken));

        Assert.Equal(IsapiErrorKind.Timeout, error.Kind);
        Assert.InRange(elapsed, TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task MalformedXml_IsMalformedAnswer()
    {
        const string body = "<DeviceInfo><deviceName>Gate & Yard</deviceName><model>DS-2CD";
        await using var server = HostileServer.Start(async (s, _, ct) =>
            await HostileServer.WriteAsync(s, Head("application/xml", Encoding.UTF8.GetByteCount(body)) + body, ct));

        var (error, elapsed, _) = await CallAsync(server, c => c.GetDeviceInfoAsync(TestContext.Current.CancellationToken));

        Assert.Equal(IsapiErrorKind.MalformedAnswer, error.Kind);
        Assert.True(elapsed < TimeSpan.FromSeconds(2.5));
    }

    [Fact]
    public async Task WrongContentType_HtmlLoginPage_IsMalformedAnswer()
    {
        const string body = "<!DOCTYPE html><html><body>Please log in</body></html>";
        await using var server = HostileServer.Start(async (s, _, ct) =>
            await HostileServer.WriteAsync(s, Head("text/html", body.Length) + body, ct));

        var (error, _, _) = await CallAsync(server, c => c.GetDeviceInfoAsync(TestContext.Current.CancellationToken));

        Assert.Equal(IsapiErrorKind.MalformedAnswer, error.Kind);
        Assert.Contains("text/html", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongContentType_XmlWhereAnImageWasExpected_MapsTheEnvelope()
    {
        // §2.8: some devices answer a ResponseStatus instead of a JPEG; the mapped device error is what the caller sees.
        const string body = "<?xml version=\"1.0\"?><ResponseStatus xmlns=\"http://www.hikvision.com/ver20/XMLSchema\"><statusCode>6</statusCode>" +
                            "<statusString>Invalid XML Content</statusString><subStatusCode>badXmlContent</subStatusCode></ResponseStatus>";
        await using var server = HostileServer.Start(async (s, _, ct) =>
            await HostileServer.WriteAsync(s, Head("application/xml", body.Length) + body, ct));

        var (error, _, _) = await CallAsync(server, c => c.GetSnapshotAsync(101, TestContext.Current.CancellationToken));
        var (pooled, _, _) = await CallAsync(server, c => c.GetPooledSnapshotAsync(101, true, TestContext.Current.CancellationToken));

        foreach (var e in new[] { error, pooled })
        {
            Assert.Equal(IsapiErrorKind.BadRequest, e.Kind);
            Assert.Equal(6, e.StatusCode);
            Assert.Equal("badXmlContent", e.SubStatusCode);
        }
    }

    [Fact]
    public async Task EndlessHeaders_AreMalformedAnswer()
    {
        await using var server = HostileServer.Start(async (s, _, ct) =>
        {
            await HostileServer.WriteAsync(s, "HTTP/1.1 200 OK\r\n", ct);
            var line = Encoding.ASCII.GetBytes("X-Junk: " + new string('a', 1000) + "\r\n");
            while (!ct.IsCancellationRequested) await s.WriteAsync(line, ct);
        });

        var (error, elapsed, allocated) = await CallAsync(server, c => c.GetDeviceInfoAsync(TestContext.Current.CancellationToken));

        Assert.Equal(IsapiErrorKind.MalformedAnswer, error.Kind);
        Assert.True(elapsed < TimeSpan.FromSeconds(2.5), $"took {elapsed}");
        Assert.True(allocated < MemoryBound, $"allocated {allocated:N0} bytes");
    }

    [Fact]
    public async Task AlertStream_WithoutBoundaries_IsBoundedAndTyped()
    {
        await using var server = HostileServer.Start(async (s, _, ct) =>
        {
            await HostileServer.WriteAsync(s, "HTTP/1.0 200 OK\r\nContent-Type: multipart/mixed; boundary=boundary\r\n\r\n--boundary\r\nContent-Type: application/xml\r\n\r\n", ct);
            var junk = Encoding.ASCII.GetBytes(new string('x', 4096) + "\n");
            while (!ct.IsCancellationRequested) await s.WriteAsync(junk, ct);
        });

        var (error, elapsed, allocated) = await CallAsync(server, async c =>
        {
            await foreach (var _ in c.ReadAlertStreamAsync(new AlertStreamOptions { Reconnect = false }, TestContext.Current.CancellationToken)) { }
        });

        Assert.Equal(IsapiErrorKind.MalformedAnswer, error.Kind);
        Assert.True(elapsed < TimeSpan.FromSeconds(3.5), $"took {elapsed}");
        Assert.True(allocated < MemoryBound, $"allocated {allocated:N0} bytes");
    }

    [Fact]
    public async Task Cancellation_IsHonouredMidBody()
    {
        await using var server = HostileServer.Start(async (s, _, ct) =>
        {
            await HostileServer.WriteAsync(s, Head("application/xml", 100_000), ct);
            while (!ct.IsCancellationRequested) { await s.WriteAsync(" "u8.ToArray(), ct); await Task.Delay(50, ct); }
        });
        using var client = new IsapiClientFactory(Options).Create(server.Endpoint, new IsapiCredentials("admin", "Secret#2024x"));
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(300);
        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetDeviceInfoAsync(cts.Token));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1.5));
    }
}
