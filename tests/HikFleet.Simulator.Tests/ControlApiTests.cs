using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace HikFleet.Simulator.Tests;

public sealed class ControlApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Control_api_lists_devices_injects_faults_presses_buttons_and_renders_an_encoded_page()
    {
        var scenario = Path.Combine(Path.GetTempPath(), $"scenario-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(scenario, """
            {
              // comments are allowed
              "devices": [
                { "index": 1, "model": "DS-2CD2132F-IS", "name": "<script>alert(1)</script>" },
                { "index": 2, "password": "12345678", "faults": { "sdCardError": true, "clockDriftSeconds": 600 } },
                { "index": 2, "cloudEnabled": true, "loginLockEnabled": false, "httpsAccessEnabled": false, "timeMode": "manual" }
              ],
              "fractions": [ { "fraction": 1.0, "faults": { "linkSpeedMbps": 10 } } ]
            }
            """, Ct);
        try
        {
            await using var fleet = await VirtualFleet.StartAsync(new SimulatorOptions
            {
                Cameras = 4,
                BaseAddress = IPAddress.Parse($"127.{Random.Shared.Next(100, 250)}.{Random.Shared.Next(1, 250)}.10"),
                HttpPort = 0,
                TimeScale = 0.001,
                SadpPort = 0,
                Control = new IPEndPoint(IPAddress.Loopback, 0),
                ScenarioFile = scenario,
            }, Ct);
            Assert.NotNull(fleet.ControlUri);
            using var http = new HttpClient { BaseAddress = fleet.ControlUri };
            var devices = await http.GetFromJsonAsync<JsonElement[]>("/devices", Ct);
            Assert.Equal(4, devices!.Length);
            foreach (var field in new[] { "serial", "mac", "address", "httpPort", "username", "password", "model", "firmware", "activated", "site", "online", "faults" })
                Assert.True(devices[0].TryGetProperty(field, out _), field);
            Assert.Equal(fleet.Devices[0].AdminPassword, devices[0].GetProperty("password").GetString());
            Assert.Equal("DS-2CD2132F-IS", devices[1].GetProperty("model").GetString());
            Assert.Equal("12345678", fleet.Devices[2].AdminPassword);
            Assert.True(fleet.Devices[2].Faults.SdCardError);
            Assert.All(fleet.Devices, d => Assert.Equal(10, d.Faults.LinkSpeedMbps));

            var serial = fleet.Devices[0].Serial;
            var patched = await http.PostAsync($"/devices/{serial}/faults", JsonContent.Create(new { offline = true, slowMs = 50 }), Ct);
            Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
            Assert.True(fleet.Devices[0].Faults.Offline);
            Assert.False(fleet.Devices[0].Online);
            Assert.Equal(50, fleet.Devices[0].Faults.SlowMs);
            var unknown = await http.PostAsync($"/devices/{serial}/faults", JsonContent.Create(new { noSuchFault = true }), Ct);
            Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
            await http.PostAsync($"/devices/{serial}/faults", JsonContent.Create(new { offline = false }), Ct);
            Assert.True(fleet.Devices[0].Online);

            var reset = await http.PostAsync($"/devices/{fleet.Devices[3].Mac}/reset-button", null, Ct);
            Assert.Equal(HttpStatusCode.Accepted, reset.StatusCode);
            await Xml.WaitUntilAsync(() => !fleet.Devices[3].Activated && fleet.Devices[3].Online);
            var count = fleet.Devices[0].RebootCount;
            Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync($"/devices/{serial}/power-cycle?offSeconds=5", null, Ct)).StatusCode);
            await Xml.WaitUntilAsync(() => fleet.Devices[0].RebootCount > count && fleet.Devices[0].Online);
            Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync("/devices/nope/reboot", null, Ct)).StatusCode);

            // Hardening settings: from the scenario, and changed through the control API.
            var hardened = fleet.Devices[2].Config;
            Assert.True(hardened.Cloud.Enabled);
            Assert.False(hardened.LoginLock.Enabled);
            Assert.False(hardened.HttpsEnabled);
            Assert.Equal("manual", hardened.Time.TimeMode);
            var settings = await http.PostAsync($"/devices/{serial}/settings",
                JsonContent.Create(new { cloudEnabled = true, loginLockEnabled = false, httpsAccessEnabled = false, timeMode = "manual" }), Ct);
            Assert.Equal(HttpStatusCode.OK, settings.StatusCode);
            var described = await settings.Content.ReadFromJsonAsync<JsonElement>(Ct);
            Assert.False(described.GetProperty("settings").GetProperty("httpsAccessEnabled").GetBoolean());
            Assert.True(fleet.Devices[0].Config.Cloud.Enabled);
            Assert.False(fleet.Devices[0].Config.LoginLock.Enabled);
            Assert.False(fleet.Devices[0].Config.HttpsEnabled);
            Assert.Equal("manual", fleet.Devices[0].Config.Time.TimeMode);
            Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsync($"/devices/{serial}/settings", JsonContent.Create(new { timeMode = "sundial" }), Ct)).StatusCode);

            var page = await http.GetStringAsync("/", Ct);
            Assert.Contains(serial, page);
            Assert.DoesNotContain("<script>alert(1)</script>", page);
            Assert.Contains("&lt;script&gt;", page);
        }
        finally
        {
            File.Delete(scenario);
        }
    }
}
