using System.Net;
using System.Xml.Linq;

namespace HikFleet.Simulator.Tests;

public sealed class TransportBodyTests(FleetFixture fx) : IClassFixture<FleetFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Chunked_bodies_and_expect_100_continue_are_understood()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec());
        using var c = new DeviceClient(d);
        // prime the digest state so the next request carries credentials on the first try
        (await c.GetAsync("/ISAPI/System/deviceInfo")).Response.EnsureSuccessStatusCode();
        var xml = "<VideoInputChannel><id>1</id><name>Chunked Gate</name></VideoInputChannel>"u8.ToArray();
        using var req = new HttpRequestMessage(HttpMethod.Put, "/ISAPI/System/Video/inputs/channels/1")
        {
            Content = new StreamContent(new MemoryStream(xml)),
        };
        req.Headers.TransferEncodingChunked = true;
        req.Headers.ExpectContinue = true;
        var r = await c.Http.SendAsync(req, Ct);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Xml.AssertStatus(XElement.Parse(await r.Content.ReadAsStringAsync(Ct)), 1, "ok");
        Assert.Equal("Chunked Gate", d.OsdName);
    }

    [Fact]
    public async Task Legacy_firmware_answers_the_psia_tree_too()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec { Model = DeviceCatalog.LegacyBullet.Model });
        using var c = new DeviceClient(d);
        var (r, x) = await c.GetAsync("/PSIA/System/deviceInfo");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal(DeviceClient.Ver10 + "DeviceInfo", x!.Name);
        var (_, up) = await c.GetAsync("/PSIA/Custom/SelfExt/upgradeStatus");
        Assert.Equal("upgradeStatus", up!.Name.LocalName);
        var modern = fx.Fleet.AddDevice(new DeviceSpec());
        using var m = new DeviceClient(modern);
        Xml.AssertStatus((await m.GetAsync("/PSIA/System/deviceInfo")).Xml, 4, "notSupport");
    }

    [Fact]
    public async Task Connections_beyond_the_device_limit_are_closed_at_once()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec());
        var open = new List<System.Net.Sockets.Socket>();
        try
        {
            for (var i = 0; i < 128; i++)
            {
                var s = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                await s.ConnectAsync(d.Address, d.HttpPort, Ct);
                open.Add(s);
            }
            using var extra = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
            await extra.ConnectAsync(d.Address, d.HttpPort, Ct);
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            cts.CancelAfter(3000);
            var n = await extra.ReceiveAsync(new byte[16], System.Net.Sockets.SocketFlags.None, cts.Token);
            Assert.Equal(0, n); // closed by the device without a word
        }
        finally
        {
            foreach (var s in open)
                s.Dispose();
        }
        await Task.Delay(100, Ct);
        using var c = new DeviceClient(d);
        Assert.Equal(HttpStatusCode.OK, (await c.GetAsync("/ISAPI/System/deviceInfo")).Response.StatusCode);
    }
}
