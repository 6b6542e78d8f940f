using System.Security.Cryptography;
using System.Text;
using HikFleet.Isapi.Http;
using HikFleet.Isapi.Tests.Support;

namespace HikFleet.Isapi.Tests;

/// <summary>
/// Schemes the simulator does not offer: a device whose challenge offers SHA-256 (newer firmware, §1.2) and one that
/// offers only Basic. A scripted loopback server verifies the Authorization header independently of the client code.
/// </summary>
public sealed class DigestSchemeTests
{
    private const string DeviceInfo = "<DeviceInfo xmlns=\"http://www.hikvision.com/ver20/XMLSchema\"><model>DS-2CD2386G2-IU</model></DeviceInfo>";

    private static string Answer(string status, string? extraHeader, string body, string contentType = "application/xml") =>
        $"HTTP/1.1 {status}\r\nContent-Type: {contentType}\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n{extraHeader}\r\n{body}";

    private static Dictionary<string, string> Params(string header)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var c in AuthChallenge.ParseAll([header]))
            foreach (var kv in c.Parameters) result[kv.Key] = kv.Value;
        return result;
    }

    [Fact]
    public async Task Sha256Digest_WhenOffered_IsUsed_WithNcCounting()
    {
        var seenNc = new List<string>();
        var algorithms = new List<string>();
        await using var server = HostileServer.Start(async (s, head, ct) =>
        {
            var auth = head.Split("\r\n").FirstOrDefault(l => l.StartsWith("Authorization: Digest ", StringComparison.Ordinal));
            const string challenge = "WWW-Authenticate: Digest qop=\"auth\", realm=\"IP Camera(T1234)\", nonce=\"6e6f6e6365\", algorithm=MD5, stale=\"FALSE\"\r\n" +
                                     "WWW-Authenticate: Digest qop=\"auth\", realm=\"IP Camera(T1234)\", nonce=\"6e6f6e6365\", algorithm=SHA-256, stale=\"FALSE\"\r\n";
            if (auth is null)
            {
                await HostileServer.WriteAsync(s, Answer("401 Unauthorized", challenge, "<html/>", "text/html"), ct);
                return;
            }
            var p = Params(auth["Authorization: ".Length..]);
            static string H(string x) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(x)));
            var method = head[..head.IndexOf(' ')];
            var expected = H($"{H($"admin:IP Camera(T1234):Secret#2024x")}:6e6f6e6365:{p["nc"]}:{p["cnonce"]}:auth:{H($"{method}:{p["uri"]}")}");
            lock (seenNc) { seenNc.Add(p["nc"]); algorithms.Add(p["algorithm"]); }
            var ok = expected == p["response"] && p["realm"] == "IP Camera(T1234)";
            await HostileServer.WriteAsync(s, ok ? Answer("200 OK", null, DeviceInfo) : Answer("401 Unauthorized", challenge, "<html/>", "text/html"), ct);
        });
        using var client = new IsapiClientFactory().Create(server.Endpoint, new IsapiCredentials("admin", "Secret#2024x"));

        for (var i = 0; i < 3; i++) Assert.Equal("DS-2CD2386G2-IU", (await client.GetDeviceInfoAsync(TestContext.Current.CancellationToken)).Model);

        Assert.Equal("Digest SHA-256", client.AuthenticationScheme);
        Assert.Equal(["00000001", "00000002", "00000003"], seenNc);
        Assert.All(algorithms, a => Assert.Equal("SHA-256", a));
        Assert.Equal(4, client.RequestsSent);
    }

    [Fact]
    public async Task BasicOnly_WhenNothingElseIsOffered()
    {
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:12345"));
        await using var server = HostileServer.Start(async (s, head, ct) =>
        {
            var ok = head.Contains("Authorization: " + expected + "\r\n", StringComparison.Ordinal);
            await HostileServer.WriteAsync(s, ok ? Answer("200 OK", null, DeviceInfo)
                : Answer("401 Unauthorized", "WWW-Authenticate: Basic realm=\"IP Camera(76475)\"\r\n", "<html/>", "text/html"), ct);
        });
        using var client = new IsapiClientFactory().Create(server.Endpoint, new IsapiCredentials("admin", "12345"));

        await client.GetDeviceInfoAsync(TestContext.Current.CancellationToken);
        await client.GetDeviceInfoAsync(TestContext.Current.CancellationToken);

        Assert.Equal("Basic", client.AuthenticationScheme);
        Assert.Equal(3, client.RequestsSent); // one challenge, then Basic up front
    }

    [Fact]
    public async Task StaleTwice_IsBusy_AndNoCredentialIsHeldBack()
    {
        await using var server = HostileServer.Start(async (s, head, ct) =>
        {
            var stale = head.Contains("Authorization: Digest", StringComparison.Ordinal) ? "TRUE" : "FALSE";
            await HostileServer.WriteAsync(s, Answer("401 Unauthorized",
                $"WWW-Authenticate: Digest qop=\"auth\", realm=\"r\", nonce=\"{Guid.NewGuid():N}\", stale=\"{stale}\"\r\n", "<html/>", "text/html"), ct);
        });
        using var client = new IsapiClientFactory().Create(server.Endpoint, new IsapiCredentials("admin", "Secret#2024x"));

        var ex = await Assert.ThrowsAsync<IsapiException>(() => client.GetDeviceInfoAsync(TestContext.Current.CancellationToken));

        Assert.Equal(IsapiErrorKind.Busy, ex.Kind);
        Assert.Equal(3, client.RequestsSent); // first contact, credential, one stale retry — no more
        Assert.False(client.Lockout.CredentialRejected);
    }

    [Fact]
    public async Task Snapshot_BadXmlContentOnAnNvrChannel_FallsBackToStreamingProxy()
    {
        var paths = new List<string>();
        await using var server = HostileServer.Start(async (s, head, ct) =>
        {
            var path = head.Split(' ')[1];
            lock (paths) paths.Add(path);
            if (path.StartsWith("/ISAPI/Streaming/", StringComparison.Ordinal))
            {
                const string status = "<ResponseStatus xmlns=\"http://www.isapi.org/ver20/XMLSchema\"><statusCode>6</statusCode><subStatusCode>badXmlContent</subStatusCode></ResponseStatus>";
                await HostileServer.WriteAsync(s, Answer("400 Bad Request", null, status), ct);
                return;
            }
            var head200 = "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: 4\r\n\r\n";
            await HostileServer.WriteAsync(s, head200, ct);
            await s.WriteAsync(new byte[] { 0xFF, 0xD8, 0xFF, 0xD9 }, ct);
        });
        using var client = new IsapiClientFactory().Create(server.Endpoint, new IsapiCredentials("admin", "Secret#2024x"));

        var snapshot = await client.GetSnapshotAsync(201, TestContext.Current.CancellationToken);

        Assert.True(snapshot.IsJpeg);
        Assert.Equal(["/ISAPI/Streaming/channels/201/picture", "/ISAPI/ContentMgmt/StreamingProxy/channels/201/picture"], paths);
    }
}
