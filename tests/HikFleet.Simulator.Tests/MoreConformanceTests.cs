using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace HikFleet.Simulator.Tests;

public sealed class MoreConformanceTests(FleetFixture fx) : IClassFixture<FleetFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sha256_digest_is_accepted_on_current_firmware()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec { Password = "Sha-Two-Five-6" });
        using var http = new HttpClient { BaseAddress = d.HttpUri };
        var challenge = DigestHandler.Parse((await http.GetAsync("/ISAPI/System/deviceInfo", Ct)).Headers.WwwAuthenticate.First().Parameter!);
        static string H(string s) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(s)));
        const string uri = "/ISAPI/System/deviceInfo";
        var response = H($"{H($"admin:{challenge["realm"]}:Sha-Two-Five-6")}:{challenge["nonce"]}:00000001:abcdef:auth:{H($"GET:{uri}")}");
        using var req = new HttpRequestMessage(HttpMethod.Get, uri);
        req.Headers.Authorization = new AuthenticationHeaderValue("Digest",
            $"username=\"admin\", realm=\"{challenge["realm"]}\", nonce=\"{challenge["nonce"]}\", uri=\"{uri}\", algorithm=SHA-256, qop=auth, nc=00000001, cnonce=\"abcdef\", response=\"{response}\"");
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(req, Ct)).StatusCode);
    }

    [Fact]
    public async Task Expired_nonce_is_answered_stale_true()
    {
        await using var fleet = await VirtualFleet.StartAsync(new SimulatorOptions
        {
            Cameras = 0, BaseAddress = fx.Options.BaseAddress, HttpPort = 0, Sadp = false, TimeScale = 1, NonceLifetimeSeconds = 0.2,
        }, Ct);
        var d = fleet.AddDevice(new DeviceSpec());
        using var c = new DeviceClient(d);
        (await c.GetAsync("/ISAPI/System/deviceInfo")).Response.EnsureSuccessStatusCode();
        await Task.Delay(1200, Ct); // the nonce lifetime never drops below 1 real second
        var (r, _) = await c.GetAsync("/ISAPI/System/deviceInfo");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal(1, c.Handler.StaleRetries);
        Assert.Contains(c.Handler.Challenges, ch => ch.Contains("stale=\"TRUE\"", StringComparison.Ordinal));
        Assert.Equal(0, d.FailedLogins);
    }

    [Fact]
    public async Task A_slow_devices_nonce_outlives_its_own_delay()
    {
        // 300 simulated s at 1000x is 0.3 real s, so the 1-second floor applies; a device that takes 1.2 s per answer would
        // otherwise hand out nonces that are stale by the time the client's retry has waited through its delay.
        await using var fleet = await VirtualFleet.StartAsync(new SimulatorOptions
        {
            Cameras = 0, BaseAddress = fx.Options.BaseAddress, HttpPort = 0, Sadp = false, TimeScale = 0.001,
        }, Ct);
        var d = fleet.AddDevice(new DeviceSpec());
        d.Faults.SlowMs = 1200;
        using var c = new DeviceClient(d);
        var (r, _) = await c.GetAsync("/ISAPI/System/deviceInfo");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal(0, c.Handler.StaleRetries);
        Assert.Equal(0, d.FailedLogins);
    }

    [Fact]
    public async Task Admin_accesses_list_the_real_ports()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec());
        using var c = new DeviceClient(d);
        var (_, x) = await c.GetAsync("/ISAPI/Security/adminAccesses");
        Assert.Equal("AdminAccessProtocolList", x!.Name.LocalName);
        var http = x.Elements().First(e => e.V("protocol") == "HTTP");
        Assert.Equal(d.HttpPort.ToString(), http.V("portNo"));
        Assert.Contains(x.Elements(), e => e.V("protocol") == "DEV_MANAGE" && e.V("portNo") == "8000");
    }

    [Fact]
    public async Task Admin_accesses_https_can_be_switched_on_but_http_never_off()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec { HttpsAccessEnabled = false });
        using var c = new DeviceClient(d);
        Assert.Equal(0, d.RequestCount("/ISAPI/Security/adminAccesses"));
        var (_, before) = await c.GetAsync("/ISAPI/Security/adminAccesses?timeStamp=1");
        Assert.Equal("false", before!.Elements().First(e => e.V("protocol") == "HTTPS").V("enabled"));
        // Counted once (the Digest challenge before it is not a served request), by path, case and query ignored.
        Assert.Equal(1, d.RequestCount("/isapi/security/adminAccesses"));
        Assert.Equal(0, d.RequestCount("/ISAPI/Security/adminAccesses", "PUT"));

        // The whole list back with HTTPS on, as the web UI sends it.
        var (_, ok) = await c.PutAsync("/ISAPI/Security/adminAccesses",
            "<AdminAccessProtocolList><AdminAccessProtocol><id>1</id><enabled>true</enabled><protocol>HTTP</protocol><portNo>" + d.HttpPort +
            "</portNo></AdminAccessProtocol><AdminAccessProtocol><id>2</id><enabled>true</enabled><protocol>HTTPS</protocol><portNo>" + (d.HttpsPort ?? 443) +
            "</portNo></AdminAccessProtocol></AdminAccessProtocolList>");
        Xml.AssertStatus(ok, 1, "ok");
        Assert.True(d.Config.HttpsEnabled);
        Assert.Equal(1, d.RequestCount("/ISAPI/Security/adminAccesses", "PUT"));

        var (_, httpOff) = await c.PutAsync("/ISAPI/Security/adminAccesses",
            "<AdminAccessProtocolList><AdminAccessProtocol><id>1</id><enabled>false</enabled><protocol>HTTP</protocol></AdminAccessProtocol></AdminAccessProtocolList>");
        Xml.AssertStatus(httpOff, 6, "badParameters");
        var (_, port) = await c.PutAsync("/ISAPI/Security/adminAccesses",
            "<AdminAccessProtocol><protocol>HTTPS</protocol><portNo>4443</portNo></AdminAccessProtocol>");
        Xml.AssertStatus(port, 6, "badParameters");
        var (_, off) = await c.PutAsync("/ISAPI/Security/adminAccesses", "<AdminAccessProtocol><protocol>HTTPS</protocol><enabled>false</enabled></AdminAccessProtocol>");
        Xml.AssertStatus(off, 1, "ok");
        Assert.False(d.Config.HttpsEnabled);
        var (_, after) = await c.GetAsync("/ISAPI/Security/adminAccesses");
        Assert.Equal("false", after!.Elements().First(e => e.V("protocol") == "HTTPS").V("enabled"));
        Assert.Equal("true", after.Elements().First(e => e.V("protocol") == "HTTP").V("enabled"));
    }

    [Fact]
    public async Task Localized_uptime_quirk_and_nvr_channel_motion_path()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec { UptimeSeconds = 87 * 86400 + 55 * 60 + 59 });
        d.Faults.LocalizedUptime = true;
        using var c = new DeviceClient(d);
        var (_, s) = await c.GetAsync("/ISAPI/System/status");
        Assert.Matches(@"^87天0时5\d分\d+秒$", s!.V("deviceUpTime"));

        var nvr = fx.Fleet.AddDevice(new DeviceSpec { Model = DeviceCatalog.Nvr8P.Model });
        using var n = new DeviceClient(nvr);
        var (_, m) = await n.GetAsync("/ISAPI/ContentMgmt/InputProxy/channels/2/video/motionDetection");
        Assert.Equal(DeviceClient.IsapiOrg + "MotionDetection", m!.Name);
    }

    [Fact]
    public async Task A_power_loss_during_an_upgrade_keeps_the_old_firmware()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec());
        using var c = new DeviceClient(d);
        using var req = new HttpRequestMessage(HttpMethod.Put, "/ISAPI/System/updateFirmware") { Content = new ByteArrayContent(FirmwareImage.Create(d.Model, "V5.8.0", "build 260101")) };
        (await c.Http.SendAsync(req, Ct)).EnsureSuccessStatusCode();
        Assert.True(d.Upgrading);
        await d.PowerCycleAsync(TimeSpan.FromSeconds(1));
        Assert.False(d.Upgrading);
        await Task.Delay(700, Ct); // longer than the whole upgrade would take (500 simulated seconds)
        Assert.Equal("V5.7.18", d.FirmwareVersion);
    }

    [Fact]
    public async Task Authentication_styles_offer_and_accept_what_they_say()
    {
        using var http = new HttpClient();
        async Task<List<string>> ChallengesOf(VirtualDevice d)
        {
            var r = await http.GetAsync(new Uri(d.HttpUri, "/ISAPI/System/deviceInfo"), Ct);
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
            return r.Headers.NonValidated["WWW-Authenticate"].ToList();
        }
        async Task<HttpStatusCode> BasicAsync(VirtualDevice d)
        {
            using var req = new HttpRequestMessage(HttpMethod.Get, new Uri(d.HttpUri, "/ISAPI/System/deviceInfo"));
            req.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + d.AdminPassword)));
            return (await http.SendAsync(req, Ct)).StatusCode;
        }

        var basicOnly = fx.Fleet.AddDevice(new DeviceSpec { Authentication = AuthenticationStyle.BasicOnly });
        var only = Assert.Single(await ChallengesOf(basicOnly));
        Assert.StartsWith("Basic realm=", only);
        Assert.Equal(HttpStatusCode.OK, await BasicAsync(basicOnly));
        using (var digest = new DeviceClient(basicOnly))
            Assert.Equal(HttpStatusCode.Unauthorized, (await digest.GetAsync("/ISAPI/System/deviceInfo")).Response.StatusCode);

        var both = fx.Fleet.AddDevice(new DeviceSpec { Authentication = AuthenticationStyle.DigestAndBasicInOneHeader });
        var combined = Assert.Single(await ChallengesOf(both));
        Assert.Matches("^Digest qop=\"auth\", realm=\".*\", nonce=\"[0-9a-f]{48}\", stale=\"FALSE\", Basic realm=\".*\"$", combined);
        Assert.Equal(HttpStatusCode.OK, await BasicAsync(both));

        var sha = fx.Fleet.AddDevice(new DeviceSpec { Authentication = AuthenticationStyle.DigestSha256 });
        var offered = await ChallengesOf(sha);
        Assert.Equal(2, offered.Count);
        Assert.Contains("algorithm=SHA-256", offered[0]);
        Assert.Contains("algorithm=MD5", offered[1]);
        Assert.Equal(HttpStatusCode.Unauthorized, await BasicAsync(sha));
        using (var md5 = new DeviceClient(sha))
            Assert.Equal(HttpStatusCode.OK, (await md5.GetAsync("/ISAPI/System/deviceInfo")).Response.StatusCode);
    }

    [Fact]
    public async Task Factory_reset_can_answer_reboot_required_and_apply_at_the_next_reboot()
    {
        await using var fleet = await VirtualFleet.StartAsync(new SimulatorOptions
        {
            Cameras = 0, BaseAddress = fx.Options.BaseAddress, HttpPort = 0, Sadp = false, TimeScale = 0.001,
            FactoryAddress = fx.Options.FactoryAddress, FactoryResetAnswersRebootRequired = true,
        }, Ct);
        var d = fleet.AddDevice(new DeviceSpec());
        using var c = new DeviceClient(d);
        await c.PutAsync("/ISAPI/System/Video/inputs/channels/1", "<VideoInputChannel><id>1</id><name>Before Reset</name></VideoInputChannel>");
        Xml.AssertStatus((await c.PutAsync("/ISAPI/System/factoryReset?mode=basic")).Xml, 7, "rebootRequired");
        await Task.Delay(150, Ct);
        Assert.Equal(0, d.RebootCount); // nothing happens until the client reboots it (§2.2, logicblocks pattern)
        Assert.Equal("Before Reset", d.OsdName);
        Xml.AssertStatus((await c.PutAsync("/ISAPI/System/reboot")).Xml, 1, "ok");
        await Xml.WaitUntilAsync(() => d.RebootCount == 1 && d.Online);
        Assert.Equal("Camera 01", d.OsdName);
        Assert.True(d.Activated);
    }
}
