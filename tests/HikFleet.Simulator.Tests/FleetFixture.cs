using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Xml.Linq;

namespace HikFleet.Simulator.Tests;

/// <summary>
/// One fleet per test class, on a random 127.x.y.0/24 with ephemeral ports and an ephemeral SADP port, so parallel test
/// processes never meet. Tests add their own devices, so they never share state.
/// </summary>
public sealed class FleetFixture : IAsyncLifetime
{
    public VirtualFleet Fleet { get; private set; } = null!;
    public SimulatorOptions Options { get; } = new()
    {
        Cameras = 3,
        BaseAddress = IPAddress.Parse($"127.{Random.Shared.Next(100, 250)}.{Random.Shared.Next(1, 250)}.10"),
        HttpPort = 0,
        HttpsPort = 0,
        TimeScale = 0.001,
        UpgradeSeconds = 500, // 0.5 s real: long enough to watch the percentage rise on a busy CI machine
        SadpPort = 0,
        FactoryAddress = IPAddress.Parse($"127.{Random.Shared.Next(100, 250)}.{Random.Shared.Next(1, 250)}.64"),
    };

    public async ValueTask InitializeAsync() => Fleet = await VirtualFleet.StartAsync(Options, TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync() => await Fleet.DisposeAsync();
}

/// <summary>A digest-authenticated ISAPI client for one device.</summary>
internal sealed class DeviceClient : IDisposable
{
    public static readonly XNamespace Ver20 = "http://www.hikvision.com/ver20/XMLSchema";
    public static readonly XNamespace Ver10 = "http://www.hikvision.com/ver10/XMLSchema";
    public static readonly XNamespace IsapiOrg = "http://www.isapi.org/ver20/XMLSchema";

    public DigestHandler Handler { get; }
    public HttpClient Http { get; }
    public VirtualDevice Device { get; }

    public DeviceClient(VirtualDevice device, string? password = null, string user = "admin", bool https = false)
    {
        Device = device;
        Handler = new DigestHandler(user, password ?? device.AdminPassword ?? "");
        Http = new HttpClient(Handler) { BaseAddress = https ? device.HttpsUri : device.HttpUri, Timeout = TimeSpan.FromSeconds(20) };
    }

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async Task<(HttpResponseMessage Response, XElement? Xml)> GetAsync(string path)
    {
        var r = await Http.GetAsync(path, Ct);
        return (r, await XmlOf(r));
    }

    public async Task<(HttpResponseMessage Response, XElement? Xml)> SendAsync(HttpMethod method, string path, string? xml = null)
    {
        using var req = new HttpRequestMessage(method, path);
        if (xml is not null)
            req.Content = new StringContent(xml, Encoding.UTF8, "application/xml");
        var r = await Http.SendAsync(req, Ct);
        return (r, await XmlOf(r));
    }

    public Task<(HttpResponseMessage Response, XElement? Xml)> PutAsync(string path, string? xml = null) => SendAsync(HttpMethod.Put, path, xml);
    public Task<(HttpResponseMessage Response, XElement? Xml)> PostAsync(string path, string? xml = null) => SendAsync(HttpMethod.Post, path, xml);

    private static async Task<XElement?> XmlOf(HttpResponseMessage r)
    {
        var text = await r.Content.ReadAsStringAsync(Ct);
        return text.TrimStart().StartsWith("<?xml", StringComparison.Ordinal) || text.TrimStart().StartsWith('<') && r.Content.Headers.ContentType?.MediaType == "application/xml"
            ? XElement.Parse(text)
            : null;
    }

    public void Dispose() => Http.Dispose();
}

internal static class Xml
{
    public static string V(this XElement e, string localName) =>
        e.Descendants().First(d => d.Name.LocalName == localName).Value;

    public static void AssertStatus(XElement? x, int statusCode, string sub)
    {
        Assert.NotNull(x);
        Assert.Equal("ResponseStatus", x!.Name.LocalName);
        Assert.Equal(statusCode.ToString(), x.V("statusCode"));
        Assert.Equal(sub, x.V("subStatusCode"));
    }

    public static async Task WaitUntilAsync(Func<bool> condition, int timeoutMs = 5000)
    {
        var until = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!condition())
        {
            if (DateTime.UtcNow > until)
                throw new TimeoutException("condition not met in time");
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }
    }

    public static async Task<bool> AcceptsAsync(IPAddress address, int port)
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await s.ConnectAsync(address, port, TestContext.Current.CancellationToken);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
