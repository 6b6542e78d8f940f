using System.Net;
using System.Net.Http.Headers;
using System.Xml.Linq;

namespace HikFleet.Simulator.Tests;

/// <summary>Users (§2.5, §3.4), lock settings (§1.5), resets (§2.2), configuration (§2.6), firmware (§2.7).</summary>
public sealed class SecurityAndMaintenanceTests(FleetFixture fx) : IClassFixture<FleetFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Password_change_needs_loginPassword_refuses_risky_and_reused_passwords_and_flags_weak_ones()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec { Password = "First-Pass-2020" });
        using var c = new DeviceClient(d);
        var (_, users) = await c.GetAsync("/ISAPI/Security/users");
        Assert.Equal(DeviceClient.Ver20 + "UserList", users!.Name);
        Assert.Equal("admin", users.V("userName"));
        Assert.Equal("Administrator", users.V("userLevel"));
        Assert.DoesNotContain("First-Pass-2020", users.ToString());

        string Put(string pw, string? login) =>
            $"<User><id>1</id><userName>admin</userName><password>{pw}</password>{(login is null ? "" : $"<loginPassword>{login}</loginPassword>")}</User>";
        Xml.AssertStatus((await c.PutAsync("/ISAPI/Security/users/1", Put("Second-Pass-2021", null))).Xml, 4, "loginPasswordError");
        Xml.AssertStatus((await c.PutAsync("/ISAPI/Security/users/1", Put("Second-Pass-2021", "wrong"))).Xml, 4, "loginPasswordError");
        Xml.AssertStatus((await c.PutAsync("/ISAPI/Security/users/1", Put("abcdefgh", "First-Pass-2020"))).Xml, 4, "riskPassword");
        Xml.AssertStatus((await c.PutAsync("/ISAPI/Security/users/1", Put("Abc1", "First-Pass-2020"))).Xml, 4, "riskPassword");
        Xml.AssertStatus((await c.PutAsync("/ISAPI/Security/users/1", Put("First-Pass-2020", "First-Pass-2020"))).Xml, 4, "cannotSameAsOldPassword");
        Assert.Equal("First-Pass-2020", d.AdminPassword);

        var (ok, okX) = await c.PutAsync("/ISAPI/Security/users/1", Put("Second-Pass-2021", "First-Pass-2020"));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Xml.AssertStatus(okX, 1, "ok");
        Assert.Equal("Second-Pass-2021", d.AdminPassword);

        c.Handler.Password = "Second-Pass-2021";
        Xml.AssertStatus((await c.PutAsync("/ISAPI/Security/users/1", Put("First-Pass-2020", "Second-Pass-2021"))).Xml, 4, "cannotSameAsOldPassword");
        // digits + lower case only: accepted but weak (§3.4 level 1)
        var (_, weak) = await c.PutAsync("/ISAPI/Security/users/1", Put("abcd12345", "Second-Pass-2021"));
        Xml.AssertStatus(weak, 1, "riskPassword");
        c.Handler.Password = "abcd12345";
        var (_, check) = await c.GetAsync("/ISAPI/Security/userCheck");
        Assert.Equal("true", check!.V("isRiskPassword"));
    }

    [Fact]
    public async Task Users_can_be_created_read_and_deleted_and_operators_cannot_reboot()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec());
        using var c = new DeviceClient(d);
        var (_, created) = await c.PostAsync("/ISAPI/Security/users", "<User><userName>ops</userName><password>Operator-Pass-1</password><userLevel>Operator</userLevel></User>");
        Xml.AssertStatus(created, 1, "ok");
        var id = int.Parse(created!.V("id"));
        Assert.Equal(2, id);
        var (_, dup) = await c.PostAsync("/ISAPI/Security/users", "<User><userName>ops</userName><password>Operator-Pass-1</password></User>");
        Xml.AssertStatus(dup, 4, "invalidOperation");
        var (_, one) = await c.GetAsync($"/ISAPI/Security/users/{id}");
        Assert.Equal("Operator", one!.V("userLevel"));
        using (var ops = new DeviceClient(d, "Operator-Pass-1", "ops"))
        {
            var (r, x) = await ops.PutAsync("/ISAPI/System/reboot");
            Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
            Xml.AssertStatus(x, 4, "lowPrivilege");
        }
        Xml.AssertStatus((await c.SendAsync(HttpMethod.Delete, "/ISAPI/Security/users/1")).Xml, 4, "invalidOperation");
        Xml.AssertStatus((await c.SendAsync(HttpMethod.Delete, $"/ISAPI/Security/users/{id}")).Xml, 1, "ok");
        Assert.Single(d.Users);
    }

    [Fact]
    public async Task Illegal_login_lock_is_readable_and_writable()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec());
        using var c = new DeviceClient(d);
        var (_, l) = await c.GetAsync("/ISAPI/Security/illegalLoginLock");
        Assert.Equal("IllegalLoginLock", l!.Name.LocalName);
        Assert.Equal(("true", "5", "1800"), (l.V("enabled"), l.V("maxIllegalLoginTimes"), l.V("maxIllegalLoginLockTime")));
        Xml.AssertStatus((await c.PutAsync("/ISAPI/Security/illegalLoginLock", "<IllegalLoginLock><enabled>true</enabled><maxIllegalLoginTimes>3</maxIllegalLoginTimes></IllegalLoginLock>")).Xml, 1, "ok");
        for (var i = 0; i < 3; i++)
        {
            using var bad = new DeviceClient(d, "Nope-Nope-123");
            await bad.GetAsync("/ISAPI/Security/userCheck");
        }
        Assert.True(d.IsLocked);
        d.Faults.LockedOut = true;
        d.Faults.LockedOut = false; // clearing the fault unlocks
        Assert.False(d.IsLocked);
    }

    [Fact]
    public async Task Basic_reset_keeps_network_and_users_and_restores_the_rest()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec { Password = "Keep-This-Pass1" });
        using var c = new DeviceClient(d);
        await c.PutAsync("/ISAPI/System/Video/inputs/channels/1", "<VideoInputChannel><id>1</id><name>Loading Bay</name></VideoInputChannel>");
        Assert.Equal("Loading Bay", d.OsdName);
        var address = d.Address;
        var (_, x) = await c.PutAsync("/ISAPI/System/factoryReset?mode=basic");
        Xml.AssertStatus(x, 1, "ok");
        await Xml.WaitUntilAsync(() => !d.Online);
        await Xml.WaitUntilAsync(() => d.Online);
        Assert.True(d.Activated);
        Assert.Equal(address, d.Address);
        Assert.Equal("Keep-This-Pass1", d.AdminPassword);
        Assert.Equal("Camera 01", d.OsdName);
        Assert.Equal("IP CAMERA", d.Name);
        using var again = new DeviceClient(d);
        Assert.Equal(HttpStatusCode.OK, (await again.GetAsync("/ISAPI/System/deviceInfo")).Response.StatusCode);
        Xml.AssertStatus((await again.PutAsync("/ISAPI/System/factoryReset?mode=everything")).Xml, 6, "badParameters");
    }

    [Fact]
    public async Task Full_reset_returns_the_device_inactive_at_the_factory_address_with_users_cleared()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec());
        using var c = new DeviceClient(d);
        var (_, x) = await c.PutAsync("/ISAPI/System/factoryReset?mode=full");
        Xml.AssertStatus(x, 1, "ok");
        await Xml.WaitUntilAsync(() => !d.Online);
        await Xml.WaitUntilAsync(() => d.Online);
        Assert.False(d.Activated);
        Assert.Null(d.AdminPassword);
        Assert.Empty(d.Users);
        Assert.Equal(fx.Options.FactoryAddress, d.Address);
        using var http = new HttpClient { BaseAddress = d.HttpUri };
        Assert.Contains("<Activated>false</Activated>", await http.GetStringAsync("/SDK/activateStatus", Ct));
        var status = await http.GetAsync("/ISAPI/System/status", Ct);
        Assert.Equal(HttpStatusCode.Forbidden, status.StatusCode);
    }

    [Fact]
    public async Task Export_full_reset_activate_import_restores_the_captured_settings_and_another_device_refuses_the_file()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec { Password = "Original-Pass-1" });
        var home = d.Address;
        using (var c = new DeviceClient(d))
        {
            Xml.AssertStatus((await c.PutAsync("/ISAPI/System/Video/inputs/channels/1", "<VideoInputChannel><id>1</id><name>Dock 7</name></VideoInputChannel>")).Xml, 1, "ok");
            Xml.AssertStatus((await c.PutAsync("/ISAPI/Streaming/channels/101", "<StreamingChannel><id>101</id><Video><maxFrameRate>1500</maxFrameRate><videoResolutionWidth>1920</videoResolutionWidth><videoResolutionHeight>1080</videoResolutionHeight></Video></StreamingChannel>")).Xml, 1, "ok");
            Xml.AssertStatus((await c.PutAsync("/ISAPI/System/time/ntpServers/1", "<NTPServer><id>1</id><addressingFormatType>hostname</addressingFormatType><hostName>ntp.example.test</hostName></NTPServer>")).Xml, 1, "ok");
            Xml.AssertStatus((await c.PutAsync("/ISAPI/System/Video/inputs/channels/1/motionDetection", "<MotionDetection><enabled>true</enabled><MotionDetectionLayout><sensitivityLevel>80</sensitivityLevel></MotionDetectionLayout></MotionDetection>")).Xml, 1, "ok");
            var export = await c.Http.GetAsync("/ISAPI/System/configurationData", Ct);
            Assert.Equal("application/octet-stream", export.Content.Headers.ContentType!.MediaType);
            var blob = await export.Content.ReadAsByteArrayAsync(Ct);
            Assert.True(blob.Length > 16 * 1024);
            Assert.DoesNotContain("Dock 7", System.Text.Encoding.Latin1.GetString(blob));

            var other = fx.Fleet.AddDevice(new DeviceSpec());
            using (var oc = new DeviceClient(other))
            {
                var (r, refused) = await oc.PutAsync("/ISAPI/System/configurationData", null);
                Xml.AssertStatus(refused, 6, "fileFormatError"); // an empty body is not a configuration file
                using var req = new HttpRequestMessage(HttpMethod.Put, "/ISAPI/System/configurationData") { Content = new ByteArrayContent(blob) };
                var resp = await oc.Http.SendAsync(req, Ct);
                var x = XElement.Parse(await resp.Content.ReadAsStringAsync(Ct));
                Xml.AssertStatus(x, 6, "importErrorData");
                _ = r;
            }

            Xml.AssertStatus((await c.PutAsync("/ISAPI/System/factoryReset?mode=full")).Xml, 1, "ok");
            await Xml.WaitUntilAsync(() => !d.Online);
            await Xml.WaitUntilAsync(() => d.Online);
            Assert.False(d.Activated);
            Assert.Equal("Camera 01", d.OsdName);

            using var http = new HttpClient { BaseAddress = d.HttpUri };
            var (act, _) = await ActivationHelper.ActivateOverIsapiAsync(http, "Fresh-Pass-2");
            Assert.Equal(HttpStatusCode.OK, act.StatusCode);
            using var fresh = new DeviceClient(d, "Fresh-Pass-2");
            using var put = new HttpRequestMessage(HttpMethod.Put, "/ISAPI/System/configurationData") { Content = new ByteArrayContent(blob) };
            put.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            var imported = await fresh.Http.SendAsync(put, Ct);
            Xml.AssertStatus(XElement.Parse(await imported.Content.ReadAsStringAsync(Ct)), 1, "ok");
        }
        await Xml.WaitUntilAsync(() => !d.Online);
        await Xml.WaitUntilAsync(() => d.Online);
        Assert.Equal(home, d.Address);
        Assert.Equal("Dock 7", d.OsdName);
        Assert.Equal(1500, d.Streams.Single(s => s.Id == 101).MaxFrameRate);
        Assert.Equal("ntp.example.test", d.NtpServers[0].HostName);
        Assert.Equal(80, d.Motion.SensitivityLevel);
        // the file carries the accounts it captured (§2.6, CVE-2017-7923): the old password is back
        Assert.Equal("Original-Pass-1", d.AdminPassword);
    }

    [Fact]
    public async Task Firmware_for_another_model_is_refused_and_a_good_image_upgrades_with_progress_then_reboots_into_the_new_version()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec { Model = DeviceCatalog.Bullet8MPVulnerable.Model });
        using var c = new DeviceClient(d);
        using (var wrong = new HttpRequestMessage(HttpMethod.Put, "/ISAPI/System/updateFirmware") { Content = new ByteArrayContent(FirmwareImage.Create("NVR_K72", "V4.70.000", "build 240101")) })
        {
            var r = await c.Http.SendAsync(wrong, Ct);
            Xml.AssertStatus(XElement.Parse(await r.Content.ReadAsStringAsync(Ct)), 6, "badDevType");
        }
        using (var junk = new HttpRequestMessage(HttpMethod.Put, "/ISAPI/System/updateFirmware") { Content = new ByteArrayContent(new byte[4096]) })
            Xml.AssertStatus(XElement.Parse(await (await c.Http.SendAsync(junk, Ct)).Content.ReadAsStringAsync(Ct)), 6, "badVersion");

        using var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent(FirmwareImage.Create(d.ModelInfo.Platform, "V5.5.800", "build 210628")), "updateFile", "digicap.dav");
        var upload = await c.Http.PostAsync("/ISAPI/System/updateFirmware", form, Ct);
        Xml.AssertStatus(XElement.Parse(await upload.Content.ReadAsStringAsync(Ct)), 1, "ok");

        var seen = new List<int>();
        while (seen.Count == 0 || seen[^1] < 100)
        {
            HttpResponseMessage r;
            try
            {
                r = await c.Http.GetAsync("/ISAPI/System/upgradeStatus", Ct);
            }
            catch (HttpRequestException)
            {
                break; // rebooting
            }
            if (r.StatusCode != HttpStatusCode.OK)
                break;
            var x = XElement.Parse(await r.Content.ReadAsStringAsync(Ct));
            Assert.Equal("upgradeStatus", x.Name.LocalName);
            if (x.V("upgrading") == "true")
            {
                seen.Add(int.Parse(x.V("percent")));
                HttpResponseMessage busy;
                XElement? busyX;
                try
                {
                    (busy, busyX) = await c.PutAsync("/ISAPI/System/deviceInfo", "<DeviceInfo><deviceName>x</deviceName></DeviceInfo>");
                }
                catch (HttpRequestException)
                {
                    break; // the install finished and the device went down under this request (a loaded machine is slow enough)
                }

                if (d.Upgrading)
                    Xml.AssertStatus(busyX, 2, "upgrading");
                _ = busy;
            }
            else if (seen.Count > 0)
                break;
            await Task.Delay(15, Ct);
        }
        Assert.NotEmpty(seen);
        Assert.Equal(seen.OrderBy(p => p), seen);
        await Xml.WaitUntilAsync(() => d.FirmwareVersion == "V5.5.800" && d.Online, 5000);
        using var after = new DeviceClient(d);
        var (_, info) = await after.GetAsync("/ISAPI/System/deviceInfo");
        Assert.Equal("V5.5.800", info!.V("firmwareVersion"));
        Assert.Equal("build 210628", info!.V("firmwareReleasedDate"));
    }
}
