using System.Security.Cryptography;
using System.Text;
using HikFleet.Isapi.Http;
using HikFleet.Isapi.Tests.Support;

namespace HikFleet.Isapi.Tests;

/// <summary>
/// The Digest response for every variant the handler supports (RFC 7616 §3.4, §1.2: MD5 and SHA-256, the -sess forms,
/// qop=auth and no qop, opaque echoed), checked by a scripted loopback device that computes it independently, over several
/// warm requests (the cached HA1 and the nc counting), and across a credential change (HA1 must follow it).
/// </summary>
public sealed class DigestComputationTests
{
    private const string DeviceInfo = "<DeviceInfo xmlns=\"http://www.hikvision.com/ver20/XMLSchema\"><model>DS-2CD2043G2-I</model></DeviceInfo>";
    private const string Realm = "IP Camera(K5678)";
    private const string Nonce = "4e6a4d7a4f4459";

    private static string Answer(string status, string? extraHeader, string body, string contentType = "application/xml") =>
        $"HTTP/1.1 {status}\r\nContent-Type: {contentType}\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n{extraHeader}\r\n{body}";

    /// <summary>A device that accepts only <paramref name="password"/>() for "admin", verifying the Digest response itself.</summary>
    private static HostileServer Device(string algorithm, bool qop, string? opaque, Func<string> password, List<string> accepted)
    {
        var challenge = $"WWW-Authenticate: Digest realm=\"{Realm}\", nonce=\"{Nonce}\", algorithm={algorithm}" +
                        (qop ? ", qop=\"auth\"" : "") + (opaque is null ? "" : $", opaque=\"{opaque}\"") + "\r\n";
        return HostileServer.Start(async (s, head, ct) =>
        {
            var auth = head.Split("\r\n").FirstOrDefault(l => l.StartsWith("Authorization: Digest ", StringComparison.Ordinal));
            var ok = auth is not null && Verify(auth["Authorization: ".Length..], head[..head.IndexOf(' ')], algorithm, qop, opaque, password(), accepted);
            await HostileServer.WriteAsync(s, ok ? Answer("200 OK", null, DeviceInfo) : Answer("401 Unauthorized", challenge, "<html/>", "text/html"), ct);
        });
    }

    private static bool Verify(string header, string method, string algorithm, bool qop, string? opaque, string password, List<string> accepted)
    {
        var p = AuthChallenge.ParseAll([header])[0].Parameters;
        var sha = algorithm.StartsWith("SHA-256", StringComparison.Ordinal);
        string H(string x) => sha ? Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(x))) : Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(x)));
        var ha1 = H($"{p["username"]}:{Realm}:{password}");
        if (algorithm.EndsWith("-sess", StringComparison.Ordinal)) ha1 = H($"{ha1}:{Nonce}:{p["cnonce"]}");
        var ha2 = H($"{method}:{p["uri"]}");
        var expected = qop ? H($"{ha1}:{Nonce}:{p["nc"]}:{p["cnonce"]}:auth:{ha2}") : H($"{ha1}:{Nonce}:{ha2}");
        var ok = p["username"] == "admin" && p["realm"] == Realm && p["nonce"] == Nonce && p["algorithm"] == algorithm
                 && p["response"] == expected && p.GetValueOrDefault("opaque") == opaque
                 && (qop ? p["qop"] == "auth" && p["cnonce"].Length == 16 : !p.ContainsKey("nc") && !p.ContainsKey("qop"));
        if (ok) lock (accepted) accepted.Add(qop ? p["nc"] : "-");
        return ok;
    }

    [Theory]
    [InlineData("MD5", true, null)]
    [InlineData("MD5", false, null)]
    [InlineData("MD5-sess", true, "0pa9ue")]
    [InlineData("SHA-256", true, "0pa9ue")]
    [InlineData("SHA-256", false, "0pa9ue")]
    [InlineData("SHA-256-sess", true, null)]
    public async Task EveryVariant_IsAccepted_OnEveryWarmRequest(string algorithm, bool qop, string? opaque)
    {
        var ct = TestContext.Current.CancellationToken;
        var accepted = new List<string>();
        await using var server = Device(algorithm, qop, opaque, () => "Pässwörd\"12", accepted);
        using var client = new IsapiClientFactory().Create(server.Endpoint, new IsapiCredentials("admin", "Pässwörd\"12"));

        for (var i = 0; i < 3; i++) Assert.Equal("DS-2CD2043G2-I", (await client.GetDeviceInfoAsync(ct)).Model);

        Assert.Equal(qop ? ["00000001", "00000002", "00000003"] : ["-", "-", "-"], accepted);
        Assert.Equal(1, client.ChallengeRoundTrips);
        Assert.Equal(4, client.RequestsSent);
    }

    [Fact]
    public async Task EveryRequest_CarriesTheUserAgent_Once()
    {
        var ct = TestContext.Current.CancellationToken;
        var heads = new List<string>();
        await using var server = HostileServer.Start(async (s, head, token) =>
        {
            lock (heads) heads.Add(head);
            var authorised = head.Contains("\r\nAuthorization: Digest ", StringComparison.Ordinal);
            await HostileServer.WriteAsync(s, authorised ? Answer("200 OK", null, DeviceInfo)
                : Answer("401 Unauthorized", $"WWW-Authenticate: Digest realm=\"{Realm}\", nonce=\"{Nonce}\", qop=\"auth\"\r\n", "<html/>", "text/html"), token);
        });
        using var client = new IsapiClientFactory().Create(server.Endpoint, new IsapiCredentials("admin", "pw"));

        await client.GetDeviceInfoAsync(ct);
        await client.GetDeviceInfoAsync(ct);

        Assert.Equal(3, heads.Count); // the challenge round trip, then two warm requests
        Assert.All(heads, h => Assert.Single(h.Split("\r\n"), l => l.StartsWith("User-Agent:", StringComparison.OrdinalIgnoreCase)));
        Assert.All(heads, h => Assert.Contains("\r\nUser-Agent: HikFleet/1.0\r\n", h, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("MD5")]
    [InlineData("SHA-256")]
    public async Task CredentialChange_BetweenWarmRequests_ChangesHa1(string algorithm)
    {
        var ct = TestContext.Current.CancellationToken;
        var accepted = new List<string>();
        var password = "Old#Pass1";
        await using var server = Device(algorithm, true, null, () => Volatile.Read(ref password), accepted);
        using var client = new IsapiClientFactory().Create(server.Endpoint, new IsapiCredentials("admin", "Old#Pass1"));
        await client.GetDeviceInfoAsync(ct);

        // The device's password changes; the client switches to a new credential object on the same warm nonce.
        Volatile.Write(ref password, "New#Pass2");
        client.UseCredentials(new IsapiCredentials("admin", "New#Pass2"));
        await client.GetDeviceInfoAsync(ct);

        // An equal-valued but different credential object keeps working (the cache compares parts, not only references).
        client.UseCredentials(new IsapiCredentials("admin", "New#Pass2"));
        await client.GetDeviceInfoAsync(ct);

        // Back to the old password on the client only: the device must reject it (HA1 was not kept from before).
        client.UseCredentials(new IsapiCredentials("admin", "Old#Pass1"));
        var ex = await Assert.ThrowsAsync<IsapiException>(() => client.GetDeviceInfoAsync(ct));
        Assert.Equal(IsapiErrorKind.Unauthorized, ex.Kind);

        Assert.Equal(["00000001", "00000002", "00000003"], accepted);
        // One nonce for the three accepted requests; the rejection's 401 is the second challenge read.
        Assert.Equal(2, client.ChallengeRoundTrips);
    }
}

/// <summary>
/// <see cref="DigestAuthenticationHandler"/> used on its own with plain <see cref="HttpRequestMessage"/>s: the public option
/// keys still work there (the client's own requests carry the same facts in fields, issue #13).
/// </summary>
public sealed class DigestHandlerOptionKeyTests
{
    [Fact]
    public async Task PlainRequests_HonourAnonymous_AndReportCredentialSent()
    {
        var ct = TestContext.Current.CancellationToken;
        var authorised = new List<bool>();
        await using var server = HostileServer.Start(async (s, head, token) =>
        {
            var auth = head.Contains("\r\nAuthorization: Digest ", StringComparison.Ordinal);
            lock (authorised) authorised.Add(auth);
            const string body = "<DeviceInfo/>";
            await HostileServer.WriteAsync(s, auth
                ? $"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: {body.Length}\r\n\r\n{body}"
                : "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Digest realm=\"r\", nonce=\"abc\", qop=\"auth\"\r\nContent-Length: 0\r\n\r\n", token);
        });
        using var handler = new DigestAuthenticationHandler(() => new IsapiCredentials("admin", "x"), new SocketsHttpHandler { UseProxy = false });
        using var http = new HttpClient(handler) { BaseAddress = new Uri($"http://127.0.0.1:{server.Port}") };

        using var first = new HttpRequestMessage(HttpMethod.Get, "/ISAPI/System/deviceInfo");
        using var firstResponse = await http.SendAsync(first, ct);
        Assert.Equal(System.Net.HttpStatusCode.OK, firstResponse.StatusCode);
        Assert.True(first.Options.TryGetValue(DigestAuthenticationHandler.CredentialSent, out var sent) && sent);

        using var anonymous = new HttpRequestMessage(HttpMethod.Get, "/SDK/activateStatus");
        anonymous.Options.Set(DigestAuthenticationHandler.Anonymous, true);
        using var anonymousResponse = await http.SendAsync(anonymous, ct);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, anonymousResponse.StatusCode); // no credential, no retry
        Assert.False(anonymous.Options.TryGetValue(DigestAuthenticationHandler.CredentialSent, out _));

        Assert.Equal([false, true, false], authorised);
    }
}
