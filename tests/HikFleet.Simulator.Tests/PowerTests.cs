using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace HikFleet.Simulator.Tests;

/// <summary>PoE port power held off/on (the SNMP switch model drives it) and the Hung fault that only losing power clears.</summary>
public sealed class PowerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<VirtualFleet> StartAsync() => VirtualFleet.StartAsync(new SimulatorOptions
    {
        Cameras = 2,
        BaseAddress = IPAddress.Parse($"127.{Random.Shared.Next(100, 250)}.{Random.Shared.Next(1, 250)}.10"),
        HttpPort = 0,
        TimeScale = 0.001, // a 60 s boot takes 60 ms
        SadpPort = 0,
        FactoryAddress = IPAddress.Parse($"127.{Random.Shared.Next(100, 250)}.{Random.Shared.Next(1, 250)}.64"),
        Control = new IPEndPoint(IPAddress.Loopback, 0),
    }, Ct);

    [Fact]
    public async Task Power_off_holds_the_device_down_until_power_on_boots_it_with_uptime_reset()
    {
        await using var fleet = await StartAsync();
        var d = fleet.Devices[0];
        var other = fleet.Devices[1];
        using var http = new HttpClient { BaseAddress = fleet.ControlUri };
        await Task.Delay(150, Ct); // some uptime to see reset
        var rebootsBefore = d.RebootCount;
        var port = d.HttpPort;

        var off = await http.PostAsync($"/devices/{d.Serial}/power?on=false", null, Ct);
        Assert.Equal(HttpStatusCode.OK, off.StatusCode);
        var described = await off.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.False(described.GetProperty("powered").GetBoolean());
        Assert.False(described.GetProperty("online").GetBoolean());
        Assert.False(d.Powered);
        Assert.False(await Xml.AcceptsAsync(d.Address, port));
        Assert.True(other.Online); // only that port

        // Nothing brings it back while the port holds power off: not a power-cycle, not a reboot, not a reboot loop.
        _ = d.PowerCycleAsync(TimeSpan.FromSeconds(1));
        _ = d.RebootAsync();
        d.Faults.RebootLoop = true;
        await Task.Delay(400, Ct); // several boot times
        Assert.False(d.Online);
        Assert.Equal(rebootsBefore, d.RebootCount);
        d.Faults.RebootLoop = false;

        // Twice off is still off (idempotent), and a missing or odd parameter is refused.
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync($"/devices/{d.Serial}/power?on=false", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsync($"/devices/{d.Serial}/power", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsync($"/devices/{d.Serial}/power?on=maybe", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync("/devices/nope/power?on=true", null, Ct)).StatusCode);

        var watch = Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync($"/devices/{d.Serial}/power?on=true", null, Ct)).StatusCode);
        Assert.True(d.Powered);
        await Xml.WaitUntilAsync(() => d.Online);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(55)); // booting takes the boot time (60 simulated s)
        Assert.Equal(rebootsBefore + 1, d.RebootCount);
        Assert.True(d.Uptime < TimeSpan.FromSeconds(100), $"uptime {d.Uptime} not reset");
        Assert.Equal(port, d.HttpPort);
        Assert.True(await Xml.AcceptsAsync(d.Address, port));
        var after = await http.GetFromJsonAsync<JsonElement>($"/devices/{d.Serial}", Ct);
        Assert.True(after.GetProperty("powered").GetBoolean());
        Assert.True(after.GetProperty("online").GetBoolean());

        // A second "on" does not boot it again.
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync($"/devices/{d.Serial}/power?on=true", null, Ct)).StatusCode);
        await Task.Delay(150, Ct);
        Assert.Equal(rebootsBefore + 1, d.RebootCount);
    }

    [Fact]
    public async Task Power_off_during_a_pending_power_cycle_wins()
    {
        await using var fleet = await StartAsync();
        var d = fleet.Devices[0];
        _ = d.PowerCycleAsync(TimeSpan.FromSeconds(100)); // back after ~160 ms unless superseded
        await d.SetPowerAsync(false);
        await Task.Delay(400, Ct);
        Assert.False(d.Online);
        await d.SetPowerAsync(true);
        Assert.True(d.Online);
    }

    [Fact]
    public async Task Hung_firmware_accepts_tcp_never_answers_ignores_reboots_and_is_cleared_by_a_power_cycle()
    {
        await using var fleet = await StartAsync();
        var d = fleet.Devices[0];
        using var control = new HttpClient { BaseAddress = fleet.ControlUri };
        var set = await control.PostAsync($"/devices/{d.Serial}/faults", JsonContent.Create(new { hung = true }), Ct);
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.True((await set.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("hung").GetBoolean());
        Assert.True(d.Faults.Hung);

        // TCP is accepted, HTTP never answered.
        Assert.True(await Xml.AcceptsAsync(d.Address, d.HttpPort));
        using (var http = new HttpClient { BaseAddress = d.HttpUri, Timeout = TimeSpan.FromMilliseconds(400) })
            await Assert.ThrowsAnyAsync<TaskCanceledException>(() => http.GetAsync("/SDK/activateStatus", Ct));

        // No SADP reply (unicast inquiry to its address).
        var probe = $"<?xml version=\"1.0\" encoding=\"utf-8\"?><Probe><Uuid>{Guid.NewGuid().ToString().ToUpperInvariant()}</Uuid><Types>inquiry</Types></Probe>";
        var sadp = new IPEndPoint(d.Address, fleet.SadpPort!.Value);
        Assert.Empty(await SadpTests.ProbeAsync(sadp, probe, waitMs: 400));

        // Reboot is impossible (control API reboot = the web UI's button).
        var reboots = d.RebootCount;
        Assert.Equal(HttpStatusCode.Accepted, (await control.PostAsync($"/devices/{d.Serial}/reboot", null, Ct)).StatusCode);
        await Task.Delay(300, Ct);
        Assert.Equal(reboots, d.RebootCount);
        Assert.True(d.Faults.Hung);

        // Losing power clears it: off, on, and the device answers again with its uptime reset.
        var off = await control.PostAsync($"/devices/{d.Serial}/power?on=false", null, Ct);
        var offJson = await off.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.False(offJson.GetProperty("hung").GetBoolean());
        Assert.False(offJson.GetProperty("powered").GetBoolean());
        await control.PostAsync($"/devices/{d.Serial}/power?on=true", null, Ct);
        await Xml.WaitUntilAsync(() => d.Online);
        Assert.Equal(reboots + 1, d.RebootCount);
        using (var http = new HttpClient { BaseAddress = d.HttpUri, Timeout = TimeSpan.FromSeconds(5) })
            Assert.Contains("Activated", await http.GetStringAsync("/SDK/activateStatus", Ct));
        Assert.NotEmpty(await SadpTests.ProbeAsync(sadp, probe, waitMs: 3000, until: _ => true));
    }

    [Fact]
    public async Task Hung_is_also_cleared_by_the_control_api_power_cycle()
    {
        await using var fleet = await StartAsync();
        var d = fleet.Devices[0];
        d.Faults.Hung = true;
        await d.PowerCycleAsync(TimeSpan.FromSeconds(5));
        Assert.False(d.Faults.Hung);
        using var http = new HttpClient { BaseAddress = d.HttpUri, Timeout = TimeSpan.FromSeconds(5) };
        Assert.Contains("Activated", await http.GetStringAsync("/SDK/activateStatus", Ct));
    }
}
