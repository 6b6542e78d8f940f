using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Poe;
using HikFleet.Core.Security;
using HikFleet.Testing;
using HikFleet.Testing.Snmp;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace HikFleet.Web.Tests;

/// <summary>
/// The PoE API on the real host (issue #14): switches validated per field with their SNMP secrets never echoed (nor audited), tenant
/// isolation, who may manage switches and who may map ports, a power-cycle requested through the operations API, and the site's
/// "ports at once" setting. Most switches here are a loopback socket that never answers (a poll ends in the switch's poll error); one
/// test polls a real agent (net-snmp <c>snmpd</c> on 127.0.0.1, <see cref="PoeSwitchAgent"/>). Power-cycles end to end are Core's tests.
/// </summary>
public sealed class PoeApiTests : IAsyncLifetime
{
    private const string Community = "c0mmunity-Secret-v2";
    private const string AuthPassword = "Auth-Secret-8841";
    private const string PrivPassword = "Priv-Secret-1177";

    private readonly SilentUdpEndpoint _switch = new();
    private FleetWebFactory _factory = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _factory = new FleetWebFactory();
        // Short enough that a switch that never answers fails fast, long enough for a real snmpd on two busy cores (1 s was not:
        // in a loaded CI run the real agent's first answer — snmpd starting its pass_persist script — came later once).
        _factory.Settings["Fleet:Poe:SnmpTimeout"] = "00:00:03";
        _factory.Settings["Fleet:Poe:SnmpRetries"] = "0";
        await _factory.InitializeAsync();
        _factory.EnsureStarted();
    }

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        _switch.Dispose();
    }

    private async Task<(Site Site, Camera Camera)> SeedAsync()
    {
        await using var db = _factory.Database.CreateContext();
        var site = await TestFleet.CreateSiteAsync(db);
        var cam = TestFleet.NewCamera(site.Id, address: "127.0.0.1");
        cam.Name = "Dock gate";
        db.Cameras.Add(cam);
        await db.SaveChangesAsync(Ct);
        return (site, cam);
    }

    private async Task<Guid> AddSwitchAsync(Site site, string name = "Core 1", params PoeSwitchPort[] ports)
    {
        await using var db = _factory.Database.CreateContext();
        var sw = new PoeSwitch
        {
            TenantId = site.TenantId, SiteId = site.Id, Name = name, Address = IPAddress.Loopback, SnmpPort = _switch.Port, SecretSealed = [], SecretKeyId = "",
            Ports = ports.ToList(),
        };
        _factory.Services.GetRequiredService<PoeSwitchAccess>().Seal(sw, new PoeSwitchAccess.Credentials(SnmpVersion.V2c, Community, null, null, null));
        db.PoeSwitches.Add(sw);
        await db.SaveChangesAsync(Ct);
        return sw.Id;
    }

    private static PoeSwitchPort Port(int port, params string[] macs) =>
        new() { Port = port, AdminEnabled = true, Detection = "DeliveringPower", PowerClass = 3, Macs = macs.ToList(), UpdatedAt = DateTimeOffset.UtcNow };

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) => await response.Content.ReadFromJsonAsync<JsonElement>(Ct);

    private static async Task<string[]> ErrorFieldsAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        return (await JsonAsync(response)).GetProperty("errors").EnumerateObject().Select(p => p.Name).Order().ToArray();
    }

    [Fact]
    public async Task Switches_are_validated_per_field_and_their_secrets_are_never_answered_nor_audited()
    {
        var (site, _) = await SeedAsync();
        using var admin = await _factory.ApiClientAsync(FleetRoles.TenantAdmin, new TenantMembership { TenantId = site.TenantId });
        var seen = new List<string>();

        using (var bad = await admin.PostAsJsonAsync("/api/v1/poe-switches", new { siteId = site.Id, version = "V9" }, Ct))
        {
            Assert.Equal(["address", "name", "version"], await ErrorFieldsAsync(bad));
        }

        using (var bad = await admin.PostAsJsonAsync("/api/v1/poe-switches",
                   new { siteId = site.Id, name = "Core 1", address = "10.1.0.2x", port = 70000, version = "V2c" }, Ct))
        {
            Assert.Equal(["address", "community", "port"], await ErrorFieldsAsync(bad));
        }

        using (var bad = await admin.PostAsJsonAsync("/api/v1/poe-switches",
                   new { siteId = site.Id, name = "Core 1", address = "127.0.0.1", version = "v3", user = "", authPassword = "short", privPassword = "" }, Ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            var problem = await JsonAsync(bad);
            Assert.Equal(["authPassword", "privPassword", "user"], problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order());
            Assert.Contains("at least 8 characters", problem.GetProperty("errors").GetProperty("authPassword")[0].GetString());
            // Even a refused secret is not repeated back.
            Assert.DoesNotContain("short", problem.GetRawText(), StringComparison.Ordinal);
        }

        Guid v2, v3;
        using (var created = await admin.PostAsJsonAsync("/api/v1/poe-switches",
                   new { siteId = site.Id, name = "Core 1", address = "127.0.0.1", port = _switch.Port, version = "V2c", community = Community }, Ct))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var body = await created.Content.ReadAsStringAsync(Ct);
            seen.Add(body);
            var sw = JsonDocument.Parse(body).RootElement;
            v2 = sw.GetProperty("id").GetGuid();
            Assert.Equal($"/api/v1/poe-switches/{v2}", created.Headers.Location!.OriginalString);
            Assert.Equal("V2c", sw.GetProperty("version").GetString());
            Assert.Equal(_switch.Port, sw.GetProperty("port").GetInt32());
        }

        using (var created = await admin.PostAsJsonAsync("/api/v1/poe-switches", new
               {
                   siteId = site.Id, name = "Core 2", address = "127.0.0.1", port = _switch.Port, version = "V3", user = "hikfleet",
                   authPassword = AuthPassword, privPassword = PrivPassword,
               }, Ct))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var body = await created.Content.ReadAsStringAsync(Ct);
            seen.Add(body);
            var sw = JsonDocument.Parse(body).RootElement;
            v3 = sw.GetProperty("id").GetGuid();
            Assert.Equal("V3", sw.GetProperty("version").GetString());
            Assert.Equal("hikfleet", sw.GetProperty("user").GetString());
        }

        using (var taken = await admin.PostAsJsonAsync("/api/v1/poe-switches",
                   new { siteId = site.Id, name = "Core 1", address = "127.0.0.2", version = "V2c", community = "other-community" }, Ct))
        {
            Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);
        }

        // A change without secrets keeps the sealed ones.
        byte[] sealedBefore;
        await using (var db = _factory.Database.CreateContext())
        {
            sealedBefore = (await db.PoeSwitches.AsNoTracking().SingleAsync(s => s.Id == v3, Ct)).SecretSealed;
        }

        using (var renamed = await admin.PutAsJsonAsync($"/api/v1/poe-switches/{v3}",
                   new { name = "Core 2 (hall)", address = "127.0.0.1", port = _switch.Port, version = "V3", user = "hikfleet" }, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
            var body = await renamed.Content.ReadAsStringAsync(Ct);
            seen.Add(body);
            Assert.Equal("Core 2 (hall)", JsonDocument.Parse(body).RootElement.GetProperty("name").GetString());
        }

        await using (var db = _factory.Database.CreateContext())
        {
            Assert.Equal(sealedBefore, (await db.PoeSwitches.AsNoTracking().SingleAsync(s => s.Id == v3, Ct)).SecretSealed);
        }

        // Switching to v2c needs the community.
        using (var bad = await admin.PutAsJsonAsync($"/api/v1/poe-switches/{v3}", new { name = "Core 2", address = "127.0.0.1", version = "V2c" }, Ct))
        {
            Assert.Equal(["community"], await ErrorFieldsAsync(bad));
        }

        // Poll now: the switch does not answer, and says so (the secret is not in the reason).
        using (var polled = await admin.PostAsync($"/api/v1/poe-switches/{v2}/poll", null, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, polled.StatusCode);
            var body = await polled.Content.ReadAsStringAsync(Ct);
            seen.Add(body);
            var sw = JsonDocument.Parse(body).RootElement;
            Assert.False(string.IsNullOrEmpty(sw.GetProperty("pollError").GetString()));
            Assert.NotEqual(JsonValueKind.Null, sw.GetProperty("polledAt").ValueKind);
        }

        var list = await admin.GetStringAsync($"/api/v1/poe-switches?siteId={site.Id}", Ct);
        seen.Add(list);
        Assert.Equal(["Core 1", "Core 2 (hall)"], JsonDocument.Parse(list).RootElement.EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        seen.Add(await admin.GetStringAsync($"/api/v1/poe-switches/{v3}", Ct));

        using (var deleted = await admin.DeleteAsync($"/api/v1/poe-switches/{v2}", Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        using (var gone = await admin.GetAsync($"/api/v1/poe-switches/{v2}", Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }

        await using (var db = _factory.Database.CreateContext())
        {
            var audit = await db.AuditEntries.AsNoTracking().Where(e => e.TenantId == site.TenantId && e.Action.StartsWith("poe.")).ToListAsync(Ct);
            Assert.Equal(2, audit.Count(e => e.Action == "poe.switch.create" && e.Result == Core.Audit.AuditResult.Succeeded));
            // The name already taken is on record too.
            Assert.Single(audit, e => e.Action == "poe.switch.create" && e.Result == Core.Audit.AuditResult.Failed);
            Assert.Contains(audit, e => e.Action == "poe.switch.update");
            Assert.Contains(audit, e => e.Action == "poe.switch.delete");
            seen.AddRange(audit.Select(e => e.Parameters ?? ""));
        }

        foreach (var text in seen)
        {
            Assert.DoesNotContain(Community, text, StringComparison.Ordinal);
            Assert.DoesNotContain(AuthPassword, text, StringComparison.Ordinal);
            Assert.DoesNotContain(PrivPassword, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Poll_now_reads_a_real_switch_shows_its_ports_and_places_the_camera_found_by_its_mac()
    {
        var (site, camera) = await SeedAsync();
        await using var agent = await PoeSwitchAgent.StartAsync(
            PoeSwitchModel.ForCameras([(camera.SerialNumber, camera.MacAddress), ("DS-OTHER0001", "44:00:00:aa:bb:01")], uplinkMacs: 4), Ct);
        using var admin = await _factory.ApiClientAsync(FleetRoles.TenantAdmin, new TenantMembership { TenantId = site.TenantId });

        using var created = await admin.PostAsJsonAsync("/api/v1/poe-switches", new
        {
            siteId = site.Id, name = "Real snmpd", address = "127.0.0.1", port = agent.EndPoint.Port, version = "V2c", community = agent.Community,
        }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await JsonAsync(created)).GetProperty("id").GetGuid();

        using var polled = await admin.PostAsync($"/api/v1/poe-switches/{id}/poll", null, Ct);
        Assert.Equal(HttpStatusCode.OK, polled.StatusCode);
        var text = await polled.Content.ReadAsStringAsync(Ct);
        Assert.DoesNotContain(agent.Community, text, StringComparison.Ordinal);
        var sw = JsonDocument.Parse(text).RootElement;
        Assert.True(sw.GetProperty("pollError").ValueKind == JsonValueKind.Null, $"{sw.GetProperty("pollError")}\n{agent.Log}");
        Assert.Equal("poe-sw-1", sw.GetProperty("systemName").GetString());
        var ports = sw.GetProperty("ports").EnumerateArray().ToList();
        Assert.Equal([1, 2], ports.Select(p => p.GetProperty("port").GetInt32()));
        Assert.All(ports, p => Assert.True(p.GetProperty("powerOn").GetBoolean()));
        Assert.Equal("DeliveringPower", ports[0].GetProperty("detection").GetString());
        var placed = Assert.Single(ports[0].GetProperty("cameras").EnumerateArray());
        Assert.Equal(camera.Id, placed.GetProperty("cameraId").GetGuid());
        Assert.False(placed.GetProperty("confirmed").GetBoolean());

        var poe = JsonDocument.Parse(await admin.GetStringAsync($"/api/v1/cameras/{camera.Id}/poe", Ct)).RootElement;
        Assert.Equal("Discovered", poe.GetProperty("port").GetProperty("source").GetString());
        Assert.Equal(1, poe.GetProperty("port").GetProperty("port").GetInt32());
        Assert.Contains("Confirm the port first", poe.GetProperty("cycleProblem").GetString());
    }

    [Fact]
    public async Task Another_tenants_switches_and_cameras_look_like_they_do_not_exist()
    {
        var (mine, myCamera) = await SeedAsync();
        var (theirs, theirCamera) = await SeedAsync();
        var mySwitch = await AddSwitchAsync(mine);
        var theirSwitch = await AddSwitchAsync(theirs, "Their core");
        using var admin = await _factory.ApiClientAsync(FleetRoles.TenantAdmin, new TenantMembership { TenantId = mine.TenantId });

        var list = JsonDocument.Parse(await admin.GetStringAsync("/api/v1/poe-switches", Ct)).RootElement;
        Assert.Equal([mySwitch], list.EnumerateArray().Select(s => s.GetProperty("id").GetGuid()));

        var requests = new (HttpMethod Method, string Path, object? Body)[]
        {
            (HttpMethod.Get, $"/api/v1/poe-switches/{theirSwitch}", null),
            (HttpMethod.Put, $"/api/v1/poe-switches/{theirSwitch}", new { name = "Mine now", address = "127.0.0.1", version = "V2c" }),
            (HttpMethod.Delete, $"/api/v1/poe-switches/{theirSwitch}", null),
            (HttpMethod.Post, $"/api/v1/poe-switches/{theirSwitch}/poll", null),
            (HttpMethod.Post, "/api/v1/poe-switches", new { siteId = theirs.Id, name = "Planted", address = "127.0.0.1", version = "V2c", community = "planted-1" }),
            (HttpMethod.Get, $"/api/v1/cameras/{theirCamera.Id}/poe", null),
            (HttpMethod.Put, $"/api/v1/cameras/{theirCamera.Id}/poe", new { switchId = theirSwitch, port = 1 }),
            (HttpMethod.Post, $"/api/v1/cameras/{theirCamera.Id}/poe/confirm", null),
            (HttpMethod.Delete, $"/api/v1/cameras/{theirCamera.Id}/poe", null),
        };
        foreach (var (method, path, body) in requests)
        {
            using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            using var response = await admin.SendAsync(request, Ct);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {path}: {(int)response.StatusCode}");
        }

        // My camera cannot be put on their switch either.
        using (var cross = await admin.PutAsJsonAsync($"/api/v1/cameras/{myCamera.Id}/poe", new { switchId = theirSwitch, port = 1 }, Ct))
        {
            Assert.Equal(["switch"], await ErrorFieldsAsync(cross));
        }

        await using var db = _factory.Database.CreateContext();
        var untouched = await db.PoeSwitches.AsNoTracking().SingleAsync(s => s.Id == theirSwitch, Ct);
        Assert.Equal("Their core", untouched.Name);
        // (Not PolledAt: the scheduled poll of every switch may have run meanwhile.) Nothing was done to it on my behalf:
        Assert.False(await db.AuditEntries.AnyAsync(e => e.TenantId == theirs.TenantId && e.Action.StartsWith("poe."), Ct));
        Assert.False(await db.PoePortMappings.AnyAsync(m => m.SwitchId == theirSwitch, Ct));
    }

    [Fact]
    public async Task Operators_map_and_confirm_ports_but_cannot_manage_switches_and_viewers_and_auditors_change_nothing()
    {
        var (site, camera) = await SeedAsync();
        var found = TestFleet.NewCamera(site.Id, address: "127.0.0.2");
        found.Name = "Found cam";
        // A switch that has been read: port 4 carries one device, port 24 several (an uplink).
        var switchId = await AddSwitchAsync(site, "Access 1", Port(4, camera.MacAddress.ToLowerInvariant()), Port(24, "44:00:00:00:00:01", "44:00:00:00:00:02"));
        await using (var db = _factory.Database.CreateContext())
        {
            // Discovery's work for a camera of the same site: found in the forwarding table, not confirmed by anyone.
            db.Cameras.Add(found);
            db.PoePortMappings.Add(new PoePortMapping
            {
                CameraId = found.Id, SwitchId = switchId, Port = 4, Source = PoePortMappingSource.Discovered, FoundAt = DateTimeOffset.UtcNow,
                SeenAt = DateTimeOffset.UtcNow,
            });
            await db.SaveChangesAsync(Ct);
        }

        var membership = new TenantMembership { TenantId = site.TenantId };
        using var operatorClient = await _factory.ApiClientAsync(FleetRoles.Operator, membership);

        using (var refused = await operatorClient.PostAsJsonAsync("/api/v1/poe-switches",
                   new { siteId = site.Id, name = "Rogue", address = "127.0.0.1", version = "V2c", community = "rogue-community" }, Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        using (var refused = await operatorClient.DeleteAsync($"/api/v1/poe-switches/{switchId}", Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        var none = JsonDocument.Parse(await operatorClient.GetStringAsync($"/api/v1/cameras/{camera.Id}/poe", Ct)).RootElement;
        Assert.Equal(JsonValueKind.Null, none.GetProperty("port").ValueKind);
        Assert.Contains("No PoE switch port is known", none.GetProperty("cycleProblem").GetString());

        using (var uplink = await operatorClient.PutAsJsonAsync($"/api/v1/cameras/{camera.Id}/poe", new { switchId, port = 24 }, Ct))
        {
            Assert.Equal(HttpStatusCode.Conflict, uplink.StatusCode);
            Assert.Contains("uplink", (await JsonAsync(uplink)).GetProperty("detail").GetString());
        }

        using (var missing = await operatorClient.PutAsJsonAsync($"/api/v1/cameras/{camera.Id}/poe", new { switchId }, Ct))
        {
            Assert.Equal(["port"], await ErrorFieldsAsync(missing));
        }

        using (var set = await operatorClient.PutAsJsonAsync($"/api/v1/cameras/{camera.Id}/poe", new { switchId, port = 4 }, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
            var port = (await JsonAsync(set)).GetProperty("port");
            Assert.Equal(4, port.GetProperty("port").GetInt32());
            Assert.Equal("Manual", port.GetProperty("source").GetString());
            Assert.True(port.GetProperty("confirmed").GetBoolean());
            Assert.False(string.IsNullOrEmpty(port.GetProperty("confirmedBy").GetString()));
            Assert.True(port.GetProperty("powerOn").GetBoolean());
        }

        var unconfirmed = JsonDocument.Parse(await operatorClient.GetStringAsync($"/api/v1/cameras/{found.Id}/poe", Ct)).RootElement;
        Assert.False(unconfirmed.GetProperty("port").GetProperty("confirmed").GetBoolean());
        Assert.Equal("Discovered", unconfirmed.GetProperty("port").GetProperty("source").GetString());
        Assert.Contains("Confirm the port first", unconfirmed.GetProperty("cycleProblem").GetString());

        // Viewers and auditors read, and change nothing.
        foreach (var role in new[] { FleetRoles.Viewer, FleetRoles.Auditor })
        {
            using var reader = await _factory.ApiClientAsync(role, membership);
            using (var read = await reader.GetAsync($"/api/v1/cameras/{found.Id}/poe", Ct)) Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            using (var read = await reader.GetAsync($"/api/v1/poe-switches?siteId={site.Id}", Ct)) Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            using (var confirm = await reader.PostAsync($"/api/v1/cameras/{found.Id}/poe/confirm", null, Ct)) Assert.Equal(HttpStatusCode.Forbidden, confirm.StatusCode);
            using (var set = await reader.PutAsJsonAsync($"/api/v1/cameras/{found.Id}/poe", new { switchId, port = 4 }, Ct)) Assert.Equal(HttpStatusCode.Forbidden, set.StatusCode);
            using (var clear = await reader.DeleteAsync($"/api/v1/cameras/{found.Id}/poe", Ct)) Assert.Equal(HttpStatusCode.Forbidden, clear.StatusCode);
            using (var poll = await reader.PostAsync($"/api/v1/poe-switches/{switchId}/poll", null, Ct)) Assert.Equal(HttpStatusCode.Forbidden, poll.StatusCode);
        }

        using (var confirmed = await operatorClient.PostAsync($"/api/v1/cameras/{found.Id}/poe/confirm", null, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
            var body = await JsonAsync(confirmed);
            Assert.True(body.GetProperty("port").GetProperty("confirmed").GetBoolean());
            Assert.Equal("Discovered", body.GetProperty("port").GetProperty("source").GetString());
            Assert.Equal(JsonValueKind.Null, body.GetProperty("cycleProblem").ValueKind);
        }

        // The switch's ports show both cameras, confirmed.
        var sw = JsonDocument.Parse(await operatorClient.GetStringAsync($"/api/v1/poe-switches/{switchId}", Ct)).RootElement;
        var port4 = sw.GetProperty("ports").EnumerateArray().Single(p => p.GetProperty("port").GetInt32() == 4);
        Assert.Equal(new[] { camera.Id, found.Id }.Order(), port4.GetProperty("cameras").EnumerateArray().Select(c => c.GetProperty("cameraId").GetGuid()).Order());
        Assert.True(sw.GetProperty("ports").EnumerateArray().Single(p => p.GetProperty("port").GetInt32() == 24).GetProperty("uplink").GetBoolean());

        using (var cleared = await operatorClient.DeleteAsync($"/api/v1/cameras/{camera.Id}/poe", Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, cleared.StatusCode);
        }

        Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(await operatorClient.GetStringAsync($"/api/v1/cameras/{camera.Id}/poe", Ct)).RootElement.GetProperty("port").ValueKind);

        await using (var db = _factory.Database.CreateContext())
        {
            var actions = await db.AuditEntries.AsNoTracking().Where(e => e.TenantId == site.TenantId && e.Action.StartsWith("poe.mapping."))
                .OrderBy(e => e.Id).Select(e => new { e.Action, e.CameraId, e.Result }).ToListAsync(Ct);
            Assert.Contains(actions, a => a.Action == "poe.mapping.set" && a.CameraId == camera.Id && a.Result == Core.Audit.AuditResult.Failed);
            Assert.Contains(actions, a => a.Action == "poe.mapping.set" && a.CameraId == camera.Id && a.Result == Core.Audit.AuditResult.Succeeded);
            Assert.Contains(actions, a => a.Action == "poe.mapping.confirm" && a.CameraId == found.Id && a.Result == Core.Audit.AuditResult.Succeeded);
            Assert.Contains(actions, a => a.Action == "poe.mapping.clear" && a.CameraId == camera.Id && a.Result == Core.Audit.AuditResult.Succeeded);
        }
    }

    [Fact]
    public async Task A_power_cycle_is_requested_through_the_operations_api_with_its_off_time_once_the_port_is_confirmed()
    {
        var (site, camera) = await SeedAsync();
        var switchId = await AddSwitchAsync(site, "Access 2", Port(7, camera.MacAddress.ToLowerInvariant()));
        using var operatorClient = await _factory.ApiClientAsync(FleetRoles.Operator, new TenantMembership { TenantId = site.TenantId });
        var path = $"/api/v1/cameras/{camera.Id}/operations";

        using (var noPort = await operatorClient.PostAsJsonAsync(path, new { kind = "powerCycle", reason = "frozen" }, Ct))
        {
            Assert.Equal(HttpStatusCode.Conflict, noPort.StatusCode);
            Assert.Contains("No PoE switch port", (await JsonAsync(noPort)).GetProperty("detail").GetString());
        }

        await using (var db = _factory.Database.CreateContext())
        {
            db.PoePortMappings.Add(new PoePortMapping
            {
                CameraId = camera.Id, SwitchId = switchId, Port = 7, Source = PoePortMappingSource.Discovered, FoundAt = DateTimeOffset.UtcNow,
            });
            await db.SaveChangesAsync(Ct);
        }

        using (var unconfirmed = await operatorClient.PostAsJsonAsync(path, new { kind = "power-cycle", reason = "frozen" }, Ct))
        {
            Assert.Equal(HttpStatusCode.Conflict, unconfirmed.StatusCode);
            Assert.Contains("Confirm the camera's port", (await JsonAsync(unconfirmed)).GetProperty("detail").GetString());
        }

        using (var confirmed = await operatorClient.PostAsync($"/api/v1/cameras/{camera.Id}/poe/confirm", null, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        }

        using (var tooShort = await operatorClient.PostAsJsonAsync(path, new { kind = "powerCycle", reason = "frozen", offSeconds = 2 }, Ct))
        {
            Assert.Equal(["offSeconds"], await ErrorFieldsAsync(tooShort));
        }

        using (var wrongKind = await operatorClient.PostAsJsonAsync(path, new { kind = "reboot", reason = "frozen", offSeconds = 30 }, Ct))
        {
            Assert.Equal(["offSeconds"], await ErrorFieldsAsync(wrongKind));
        }

        using (var noReason = await operatorClient.PostAsJsonAsync(path, new { kind = "powerCycle", offSeconds = 20 }, Ct))
        {
            Assert.Equal(["reason"], await ErrorFieldsAsync(noReason));
        }

        using var started = await operatorClient.PostAsJsonAsync(path, new { kind = "powerCycle", reason = "Frozen picture since 02:10", offSeconds = 20 }, Ct);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var operation = await JsonAsync(started);
        Assert.Equal("PowerCycle", operation.GetProperty("operation").GetProperty("kind").GetString());
        Assert.Equal("Frozen picture since 02:10", operation.GetProperty("operation").GetProperty("reason").GetString());
        var steps = operation.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal(["check-port", "port-off", "hold-off", "port-on", "wait-up"], steps.Select(s => s.GetProperty("name").GetString()));
        Assert.Contains("20 s", steps[2].GetProperty("title").GetString());
    }

    [Fact]
    public async Task A_site_says_how_many_ports_of_one_switch_are_power_cycled_at_once()
    {
        var (site, _) = await SeedAsync();
        using var admin = await _factory.ApiClientAsync(FleetRoles.TenantAdmin, new TenantMembership { TenantId = site.TenantId });
        Assert.Equal(1, JsonDocument.Parse(await admin.GetStringAsync($"/api/v1/sites/{site.Id}", Ct)).RootElement.GetProperty("poeConcurrentPorts").GetInt32());

        using (var bad = await admin.PutAsJsonAsync($"/api/v1/sites/{site.Id}", new { name = site.Name, timeZone = "UTC", poeConcurrentPorts = 17 }, Ct))
        {
            Assert.Equal(["poeConcurrentPorts"], await ErrorFieldsAsync(bad));
        }

        using var ok = await admin.PutAsJsonAsync($"/api/v1/sites/{site.Id}", new { name = site.Name, timeZone = "UTC", poeConcurrentPorts = 4 }, Ct);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(4, (await JsonAsync(ok)).GetProperty("poeConcurrentPorts").GetInt32());
        await using var db = _factory.Database.CreateContext();
        Assert.Equal(4, (await db.Sites.AsNoTracking().SingleAsync(s => s.Id == site.Id, Ct)).PoeConcurrentPorts);
    }
}
