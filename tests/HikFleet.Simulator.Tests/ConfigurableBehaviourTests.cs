using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HikFleet.Simulator.Tests;

/// <summary>The [U] behaviours of the reference are options; each alternative is exercised here.</summary>
public sealed class ConfigurableBehaviourTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static SimulatorOptions Options() => new()
    {
        Cameras = 0,
        BaseAddress = IPAddress.Parse($"127.{Random.Shared.Next(100, 250)}.{Random.Shared.Next(1, 250)}.10"),
        HttpPort = 0,
        SadpPort = 0,
        TimeScale = 0.001,
    };

    private static HttpClient ClientFrom(IPAddress source, VirtualDevice d, string password)
    {
        var sockets = new SocketsHttpHandler
        {
            ConnectCallback = async (ctx, ct) =>
            {
                var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                s.Bind(new IPEndPoint(source, 0));
                await s.ConnectAsync(ctx.DnsEndPoint.Host, ctx.DnsEndPoint.Port, ct);
                return new NetworkStream(s, ownsSocket: true);
            },
        };
        var digest = new DigestHandler("admin", password);
        digest.InnerHandler = sockets;
        return new HttpClient(digest) { BaseAddress = d.HttpUri };
    }

    [Fact]
    public async Task Lock_per_client_address_locks_only_the_guessing_client()
    {
        var o = Options();
        o.LockScope = LockScope.ClientAddress;
        await using var fleet = await VirtualFleet.StartAsync(o, Ct);
        var d = fleet.AddDevice(new DeviceSpec { Password = "Right-Pass-123" });
        var guesser = IPAddress.Parse("127.0.0.2");
        for (var i = 0; i < 5; i++)
        {
            using var bad = ClientFrom(guesser, d, "Wrong-Pass-" + i);
            Assert.Equal(HttpStatusCode.Unauthorized, (await bad.GetAsync("/ISAPI/Security/userCheck", Ct)).StatusCode);
        }
        Assert.True(d.IsLocked);
        using (var sameHost = ClientFrom(guesser, d, "Right-Pass-123"))
        {
            var r = await sameHost.GetAsync("/ISAPI/Security/userCheck", Ct);
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
            Assert.Contains("<lockStatus>lock</lockStatus>", await r.Content.ReadAsStringAsync(Ct));
        }
        using var other = ClientFrom(IPAddress.Parse("127.0.0.3"), d, "Right-Pass-123");
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("/ISAPI/Security/userCheck", Ct)).StatusCode);
    }

    [Fact]
    public async Task Address_change_can_apply_at_once()
    {
        var o = Options();
        o.AddressChangeNeedsReboot = false;
        await using var fleet = await VirtualFleet.StartAsync(o, Ct);
        var d = fleet.AddDevice(new DeviceSpec());
        var b = d.Address.GetAddressBytes();
        var target = new IPAddress([b[0], b[1], b[2], 200]);
        using var c = new DeviceClient(d);
        var (_, x) = await c.PutAsync("/ISAPI/System/Network/interfaces/1/ipAddress", $"<IPAddress><ipAddress>{target}</ipAddress></IPAddress>");
        Xml.AssertStatus(x, 1, "ok");
        await Xml.WaitUntilAsync(() => d.Address.Equals(target));
        Assert.Equal(0, d.RebootCount);
        Assert.True(await Xml.AcceptsAsync(target, d.HttpPort));
    }

    [Fact]
    public async Task Sadp_replies_can_carry_a_binary_prefix()
    {
        var o = Options();
        o.SadpBinaryPrefix = true;
        await using var fleet = await VirtualFleet.StartAsync(o, Ct);
        var d = fleet.AddDevice(new DeviceSpec());
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        await s.SendToAsync(Encoding.UTF8.GetBytes("<Probe><Uuid>P</Uuid><Types>inquiry</Types></Probe>"), new IPEndPoint(d.Address, fleet.SadpPort!.Value), Ct);
        var buffer = new byte[16 * 1024];
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(5000);
        var r = await s.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), cts.Token);
        Assert.NotEqual((byte)'<', buffer[0]);
        var text = Encoding.UTF8.GetString(buffer, 0, r.ReceivedBytes);
        Assert.Contains(d.Serial, text[text.IndexOf('<')..]);
    }

    [Fact]
    public async Task Nvr_can_close_the_alert_stream_after_a_while()
    {
        var o = Options();
        o.NvrAlertStreamCloseSeconds = 40;
        await using var fleet = await VirtualFleet.StartAsync(o, Ct);
        var nvr = fleet.AddDevice(new DeviceSpec { Model = DeviceCatalog.Nvr8P.Model });
        using var c = new DeviceClient(nvr);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        using var r = await c.Http.GetAsync("/ISAPI/Event/notification/alertStream", HttpCompletionOption.ResponseHeadersRead, Ct);
        await using var s = await r.Content.ReadAsStreamAsync(Ct);
        var buffer = new byte[8192];
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(10_000);
        while (await s.ReadAsync(buffer, cts.Token) > 0) { }
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(9)); // 40 s scaled, floored at 1 real second
    }
}
