using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace HikFleet.Simulator.Tests;

public sealed class AuthenticationTests(FleetFixture fx) : IClassFixture<FleetFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Unauthenticated_request_gets_a_digest_challenge_with_device_realm_and_app_webs_headers()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec());
        using var http = new HttpClient { BaseAddress = d.HttpUri };
        var r = await http.GetAsync("/ISAPI/System/deviceInfo", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        var challenge = Assert.Single(r.Headers.WwwAuthenticate);
        Assert.Equal("Digest", challenge.Scheme);
        var p = DigestHandler.Parse(challenge.Parameter!);
        Assert.Equal("auth", p["qop"]);
        Assert.Matches(@"^IP Camera\([A-Z]\d{4}\)$", p["realm"]);
        Assert.Equal(d.Realm, p["realm"]);
        Assert.Matches("^[0-9a-f]{48}$", p["nonce"]);
        Assert.Equal("FALSE", p["stale"]);
        Assert.Equal("App-webs/", r.Headers.Server.ToString());
        Assert.Equal("text/html", r.Content.Headers.ContentType!.MediaType);
        Assert.Contains("timeout=10, max=99", string.Join(",", r.Headers.GetValues("Keep-Alive")));
    }

    [Fact]
    public async Task Digest_with_the_right_password_reads_device_info()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec());
        using var c = new DeviceClient(d);
        var (r, x) = await c.GetAsync("/ISAPI/System/deviceInfo");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal(DeviceClient.Ver20 + "DeviceInfo", x!.Name);
        Assert.Equal(d.Serial, x.V("serialNumber"));
        Assert.Equal(0, d.FailedLogins);
    }

    [Fact]
    public async Task The_built_in_HttpClientHandler_digest_works_too()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec());
        var cache = new CredentialCache { { d.HttpUri, "Digest", new NetworkCredential("admin", d.AdminPassword) } };
        using var http = new HttpClient(new HttpClientHandler { Credentials = cache }) { BaseAddress = d.HttpUri };
        var r = await http.GetAsync("/ISAPI/Security/userCheck", Ct);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Contains("<statusValue>200</statusValue>", await r.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Wrong_password_counts_down_retryLoginTime_then_locks_even_the_right_password_until_the_lock_expires()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec());
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            using var bad = new DeviceClient(d, "Wrong-Pass-123");
            var (r, x) = await bad.GetAsync("/ISAPI/Security/userCheck");
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
            Assert.Equal("userCheck", x!.Name.LocalName);
            if (attempt < 5)
            {
                Assert.Equal("unlock", x.V("lockStatus"));
                Assert.Equal((5 - attempt).ToString(), x.V("retryLoginTime"));
            }
            else
            {
                Assert.Equal("lock", x.V("lockStatus"));
                Assert.Equal("0", x.V("retryLoginTime"));
            }
        }
        Assert.True(d.IsLocked);
        using var good = new DeviceClient(d);
        var (locked, body) = await good.GetAsync("/ISAPI/Security/userCheck");
        Assert.Equal(HttpStatusCode.Unauthorized, locked.StatusCode);
        Assert.Equal("lock", body!.V("lockStatus"));
        var unlockTime = int.Parse(body!.V("unlockTime"));
        Assert.InRange(unlockTime, 1, 1800);
        // 1800 simulated seconds at scale 0.001 = 1.8 s
        await Xml.WaitUntilAsync(() => !d.IsLocked, 5000);
        var (ok, check) = await good.GetAsync("/ISAPI/Security/userCheck");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("false", check!.V("isRiskPassword"));
    }

    [Fact]
    public async Task Unknown_nonce_with_the_right_password_answers_stale_and_does_not_count_as_a_failure()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec());
        using var c = new DeviceClient(d);
        (await c.GetAsync("/ISAPI/System/deviceInfo")).Response.EnsureSuccessStatusCode();
        c.Handler.ForceNonce(Convert.ToHexStringLower(Encoding.ASCII.GetBytes("bm90LWlzc3VlZC1ieS1kZXZpY2U=")));
        var (r, _) = await c.GetAsync("/ISAPI/System/deviceInfo");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal(1, c.Handler.StaleRetries);
        Assert.Contains(c.Handler.Challenges, ch => ch.Contains("stale=\"TRUE\"", StringComparison.Ordinal));
        Assert.Equal(0, d.FailedLogins);
    }

    [Fact]
    public async Task A_replayed_nonce_count_is_refused_as_stale()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec());
        using var c = new DeviceClient(d);
        (await c.GetAsync("/ISAPI/System/deviceInfo")).Response.EnsureSuccessStatusCode();
        var (nonce, nc) = c.Handler.State;
        c.Handler.ForceNonce(nonce!, nc - 1); // the next request reuses nc
        var (r, _) = await c.GetAsync("/ISAPI/System/deviceInfo");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal(1, c.Handler.StaleRetries);
        Assert.Equal(0, d.FailedLogins);
    }

    [Fact]
    public async Task Legacy_firmware_offers_and_accepts_basic_current_firmware_does_not()
    {
        var legacy = fx.Fleet.AddDevice(new DeviceSpec { Model = DeviceCatalog.LegacyBullet.Model });
        Assert.Equal("12345", legacy.AdminPassword);
        using var http = new HttpClient();
        var basic = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:12345")));
        using (var req = new HttpRequestMessage(HttpMethod.Get, new Uri(legacy.HttpUri, "/ISAPI/System/deviceInfo")) { Headers = { Authorization = basic } })
        {
            var r = await http.SendAsync(req, Ct);
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            var x = System.Xml.Linq.XElement.Parse(await r.Content.ReadAsStringAsync(Ct));
            Assert.Equal(DeviceClient.Ver10 + "DeviceInfo", x.Name);
            Assert.Equal("1.0", x.Attribute("version")!.Value);
        }
        var challenge = await http.GetAsync(new Uri(legacy.HttpUri, "/ISAPI/System/deviceInfo"), Ct);
        Assert.Contains(challenge.Headers.WwwAuthenticate, h => h.Scheme == "Basic");

        var modern = fx.Fleet.AddDevice(new DeviceSpec { Password = "Modern-Pass-42" });
        var modernBasic = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:Modern-Pass-42")));
        using (var req = new HttpRequestMessage(HttpMethod.Get, new Uri(modern.HttpUri, "/ISAPI/System/deviceInfo")) { Headers = { Authorization = modernBasic } })
        {
            var r = await http.SendAsync(req, Ct);
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
            Assert.DoesNotContain(r.Headers.WwwAuthenticate, h => h.Scheme == "Basic");
        }
    }
}
