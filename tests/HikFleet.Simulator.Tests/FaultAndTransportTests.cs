using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace HikFleet.Simulator.Tests;

/// <summary>Transport fidelity (§5.14) and injected faults.</summary>
public sealed class FaultAndTransportTests(FleetFixture fx) : IClassFixture<FleetFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Keep_alive_counts_down_and_the_device_closes_after_100_requests()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec());
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await s.ConnectAsync(d.Address, d.HttpPort, Ct);
        await using var stream = new NetworkStream(s);
        var request = Encoding.ASCII.GetBytes("GET /SDK/activateStatus HTTP/1.1\r\nHost: x\r\n\r\n");
        var reader = new StreamReader(stream, Encoding.Latin1);
        string? lastKeepAlive = null, connection = null;
        for (var i = 1; i <= 100; i++)
        {
            await stream.WriteAsync(request, Ct);
            var length = 0;
            string? line;
            while ((line = await reader.ReadLineAsync(Ct)) is { Length: > 0 })
            {
                if (line.StartsWith("Content-Length: ", StringComparison.Ordinal))
                    length = int.Parse(line[16..]);
                if (line.StartsWith("Keep-Alive: ", StringComparison.Ordinal))
                    lastKeepAlive = line;
                if (line.StartsWith("Connection: ", StringComparison.Ordinal))
                    connection = line;
                if (i == 1 && line.StartsWith("Keep-Alive: ", StringComparison.Ordinal))
                    Assert.Equal("Keep-Alive: timeout=10, max=99", line);
            }
            var body = new char[length];
            await reader.ReadBlockAsync(body, Ct);
        }
        Assert.Equal("Connection: close", connection);
        Assert.Equal("Keep-Alive: timeout=10, max=1", lastKeepAlive);
        Assert.Null(await reader.ReadLineAsync(Ct)); // closed by the device
    }

    [Fact]
    public async Task Offline_fault_refuses_connections_and_silences_sadp_until_cleared()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec());
        d.Faults.Offline = true;
        Assert.False(d.Online);
        Assert.False(await Xml.AcceptsAsync(d.Address, d.HttpPort));
        var replies = await SadpTests.ProbeAsync(new IPEndPoint(d.Address, fx.Fleet.SadpPort!.Value), "<Probe><Uuid>X</Uuid><Types>inquiry</Types></Probe>", 200);
        Assert.Empty(replies);
        d.Faults.Offline = false;
        Assert.True(await Xml.AcceptsAsync(d.Address, d.HttpPort));
    }

    [Fact]
    public async Task Slow_and_timeout_faults_delay_or_never_answer()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec());
        d.Faults.SlowMs = 300;
        using var c = new DeviceClient(d);
        var watch = Stopwatch.StartNew();
        (await c.GetAsync("/SDK/activateStatus")).Response.EnsureSuccessStatusCode();
        Assert.True(watch.ElapsedMilliseconds >= 280);
        d.Faults.SlowMs = 0;
        d.Faults.Timeout = true;
        using var impatient = new HttpClient { BaseAddress = d.HttpUri, Timeout = TimeSpan.FromMilliseconds(300) };
        await Assert.ThrowsAsync<TaskCanceledException>(() => impatient.GetAsync("/SDK/activateStatus", Ct));
    }

    [Fact]
    public async Task Malformed_oversized_never_ending_and_slow_drip_answers()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec());
        using var c = new DeviceClient(d);
        d.Faults.MalformedXml = true;
        var broken = await c.Http.GetStringAsync("/ISAPI/System/deviceInfo", Ct);
        Assert.Throws<System.Xml.XmlException>(() => System.Xml.Linq.XElement.Parse(broken));
        d.Faults.MalformedXml = false;

        d.Faults.OversizedBody = true;
        d.Faults.OversizedBytes = 3 * 1024 * 1024;
        var big = await c.Http.GetAsync("/ISAPI/System/deviceInfo", HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(3 * 1024 * 1024, big.Content.Headers.ContentLength);
        Assert.Equal(3 * 1024 * 1024, (await big.Content.ReadAsByteArrayAsync(Ct)).Length);
        d.Faults.OversizedBody = false;

        d.Faults.NeverEndingBody = true;
        using (var endless = await c.Http.GetAsync("/ISAPI/System/deviceInfo", HttpCompletionOption.ResponseHeadersRead, Ct))
        {
            Assert.Null(endless.Content.Headers.ContentLength);
            await using var s = await endless.Content.ReadAsStreamAsync(Ct);
            var buffer = new byte[64 * 1024];
            long total = 0;
            while (total < 1024 * 1024)
                total += await s.ReadAsync(buffer, Ct);
        }
        d.Faults.NeverEndingBody = false;

        d.Faults.SlowDrip = true;
        d.Faults.SlowDripMs = 1;
        using var fresh = new DeviceClient(d);
        var watch = Stopwatch.StartNew();
        var dripped = await fresh.Http.GetStringAsync("/SDK/activateStatus", Ct);
        Assert.Contains("<Activated>true</Activated>", dripped);
        Assert.True(watch.ElapsedMilliseconds > 100);
    }

    [Fact]
    public async Task Reboot_loop_fault_keeps_rebooting_until_cleared()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec());
        d.Faults.RebootLoopUpSeconds = 20;
        d.Faults.RebootLoop = true;
        await Xml.WaitUntilAsync(() => d.RebootCount >= 3, 5000);
        d.Faults.RebootLoop = false;
        await Xml.WaitUntilAsync(() => d.Online, 2000);
        var count = d.RebootCount;
        await Task.Delay(200, Ct);
        Assert.Equal(count, d.RebootCount);
        Assert.True(d.Online);
    }

    [Fact]
    public async Task Ip_conflict_puts_a_second_device_on_the_same_address()
    {
        var a = fx.Fleet.AddDevice(new DeviceSpec());
        var b = fx.Fleet.AddDevice(new DeviceSpec { HttpPort = a.HttpPort });
        b.Faults.IpConflictAddress = a.Address.ToString();
        b.Faults.IpConflict = true;
        Assert.Equal(a.Address, b.Address);
        var realms = new HashSet<string>();
        for (var i = 0; i < 64 && realms.Count < 2; i++)
        {
            using var probe = new HttpClient { BaseAddress = a.HttpUri };
            probe.DefaultRequestHeaders.ConnectionClose = true;
            var r = await probe.GetAsync("/ISAPI/System/deviceInfo", Ct);
            // both answer 401; the realm tells them apart
            realms.Add(DigestHandler.Parse(r.Headers.WwwAuthenticate.First().Parameter!)["realm"]);
        }
        Assert.Equal(new[] { a.Realm, b.Realm }.Order(), realms.Order());
        b.Faults.IpConflict = false;
        Assert.NotEqual(a.Address, b.Address);
    }

    [Fact]
    public async Task Https_serves_the_device_certificate_whose_fingerprint_is_published_and_changes_on_regeneration()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec { Https = true });
        Assert.NotNull(d.HttpsUri);
        byte[]? seen = null;
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, cert, _, _) =>
                {
                    seen = SHA256.HashData(cert!.GetRawCertData());
                    return true;
                },
            },
        };
        using var http = new HttpClient(handler) { BaseAddress = d.HttpsUri };
        var r = await http.GetAsync("/SDK/activateStatus", Ct);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal(d.CertificateSha256, seen);
        var before = d.CertificateSha256!;
        d.RegenerateCertificate();
        Assert.NotEqual(before, d.CertificateSha256);
        using var digest = new DeviceClient(d, https: true);
        Assert.Equal(HttpStatusCode.OK, (await digest.GetAsync("/ISAPI/System/deviceInfo")).Response.StatusCode);
    }

    [Fact]
    public async Task Oversized_request_headers_are_refused()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec());
        using var http = new HttpClient { BaseAddress = d.HttpUri };
        using var req = new HttpRequestMessage(HttpMethod.Get, "/SDK/activateStatus");
        req.Headers.TryAddWithoutValidation("X-Junk", new string('a', 20_000));
        var r = await http.SendAsync(req, Ct);
        Assert.Equal((HttpStatusCode)431, r.StatusCode);
    }
}
