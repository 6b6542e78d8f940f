using System.Diagnostics;
using System.Net;

namespace HikFleet.Simulator.Tests;

public sealed class LifecycleTests(FleetFixture fx) : IClassFixture<FleetFixture>
{
    [Fact]
    public async Task Reboot_answers_ok_drops_off_the_network_then_returns_with_uptime_reset()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec { UptimeSeconds = 86_400 });
        Assert.True(d.Uptime > TimeSpan.FromHours(23));
        using var c = new DeviceClient(d);
        var watch = Stopwatch.StartNew();
        var (r, x) = await c.PutAsync("/ISAPI/System/reboot");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Xml.AssertStatus(x, 1, "ok");
        Assert.Equal(DeviceClient.Ver20, x!.Name.Namespace);
        Assert.Equal("/ISAPI/System/reboot", x.V("requestURL"));

        await Xml.WaitUntilAsync(() => !d.Online, 2000);
        var down = watch.Elapsed;
        var refused = !await Xml.AcceptsAsync(d.Address, d.HttpPort);
        Assert.True(refused || d.Online, "an offline device must refuse connections");
        await Xml.WaitUntilAsync(() => d.Online, 5000);
        var up = watch.Elapsed;
        // 2 s drop + 60 s boot, simulated, at scale 0.001: it cannot be back before 62 ms after the command
        Assert.True(up >= TimeSpan.FromMilliseconds(60), $"back after {up.TotalMilliseconds} ms");
        Assert.True(up > down);
        Assert.True(await Xml.AcceptsAsync(d.Address, d.HttpPort));
        using var again = new DeviceClient(d);
        var (_, status) = await again.GetAsync("/ISAPI/System/status");
        Assert.InRange(long.Parse(status!.V("deviceUpTime")), 0, 3600);
        Assert.Equal(1, d.RebootCount);
    }

    [Fact]
    public async Task RebootAsync_and_power_cycle_keep_the_same_port()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec());
        var port = d.HttpPort;
        await d.RebootAsync();
        Assert.True(d.Online);
        Assert.Equal(port, d.HttpPort);
        var watch = Stopwatch.StartNew();
        await d.PowerCycleAsync(TimeSpan.FromSeconds(100));
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(150)); // 100 s off + 60 s boot, scaled
        Assert.Equal(port, d.HttpPort);
        Assert.True(await Xml.AcceptsAsync(d.Address, port));
    }

    [Fact]
    public async Task Inactive_device_answers_notActivated_and_activates_with_the_rsa_aes_scheme()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec { Activated = false });
        Assert.Null(d.AdminPassword);
        using var http = new HttpClient { BaseAddress = d.HttpUri };
        var status = await http.GetStringAsync("/SDK/activateStatus", DeviceClient.Ct);
        Assert.Contains("<Activated>false</Activated>", status);
        var info = await http.GetAsync("/ISAPI/System/deviceInfo", DeviceClient.Ct);
        var body = System.Xml.Linq.XElement.Parse(await info.Content.ReadAsStringAsync(DeviceClient.Ct));
        Xml.AssertStatus(body, 4, "notActivated");
        Assert.Equal("0x40000007", body.V("errorCode"));

        // A risky password is refused (§3.4) and the device stays inactive.
        var (weak, weakBody) = await ActivationHelper.ActivateOverIsapiAsync(http, "abcdefgh");
        Assert.NotEqual(HttpStatusCode.OK, weak.StatusCode);
        Xml.AssertStatus(weakBody, 4, "riskPassword");
        Assert.False(d.Activated);

        var (ok, okBody) = await ActivationHelper.ActivateOverIsapiAsync(http, "Strong-Pass-2024");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Xml.AssertStatus(okBody, 1, "ok");
        Assert.True(d.Activated);
        Assert.Equal("Strong-Pass-2024", d.AdminPassword);
        Assert.Contains("<Activated>true</Activated>", await http.GetStringAsync("/SDK/activateStatus", DeviceClient.Ct));

        using var c = new DeviceClient(d, "Strong-Pass-2024");
        var (r, _) = await c.GetAsync("/ISAPI/System/deviceInfo");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);

        var (again, againBody) = await ActivationHelper.ActivateOverIsapiAsync(http, "Other-Pass-2024");
        Assert.Equal(HttpStatusCode.Forbidden, again.StatusCode);
        Xml.AssertStatus(againBody, 4, "hasActivated");
    }
}
