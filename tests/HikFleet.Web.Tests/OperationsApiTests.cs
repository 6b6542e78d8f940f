// The simulator's own Program would clash with the web app's (WebApplicationFactory<Program>): it comes in under an alias.
extern alias simulator;

using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Security;
using HikFleet.Core.Vault;
using simulator::HikFleet.Simulator;
using HikFleet.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace HikFleet.Web.Tests;

/// <summary>
/// The operations API on the real host (Hangfire, runner, vault) against the in-process simulator: real reboots and
/// backups, the rolling-hour limit, idempotent requests, bulk results per camera, admin-only audited backup downloads, and another
/// tenant's operations looking exactly like missing ones.
/// </summary>
public sealed partial class OperationsApiTests : IAsyncLifetime
{
    private const string DevicePassword = "Ops#Api2026x";
    private FleetWebFactory _factory = null!;
    private VirtualFleet _fleet = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        var b = Random.Shared.Next(32, 250);
        _fleet = await VirtualFleet.StartAsync(new SimulatorOptions
        {
            // Real time with a 1.6 s reboot (as Core's operation tests): restart detection compares the device's uptime with the
            // wall clock, which a scaled clock would defeat.
            Cameras = 0, HttpPort = 0, HttpsPort = 0, TimeScale = 1, RebootSeconds = 1.6, RebootDropSeconds = 0.3, UpgradeSeconds = 1, Sadp = false,
            BaseAddress = IPAddress.Parse($"127.{b}.{Random.Shared.Next(1, 250)}.10"), FactoryAddress = IPAddress.Parse($"127.{b}.251.64"),
        }, Ct);
        _factory = new FleetWebFactory();
        _factory.Settings["Fleet:Operations:PollInterval"] = "00:00:00.200";
        _factory.Settings["Fleet:Operations:DownTimeout"] = "00:00:20";
        _factory.Settings["Fleet:Operations:BootTimeout"] = "00:00:40";
        _factory.Settings["Fleet:Operations:RestartDetectionSlack"] = "00:00:01";
        await _factory.InitializeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _fleet.DisposeAsync();
    }

    /// <summary>A tenant with a site and <paramref name="count"/> managed cameras, each a simulated device with its password in the vault.</summary>
    private async Task<(Site Site, List<Camera> Cameras)> SeedAsync(int count)
    {
        _factory.EnsureStarted();
        await using var db = _factory.Database.CreateContext();
        var site = await TestFleet.CreateSiteAsync(db);
        var cameras = new List<Camera>();
        for (var i = 0; i < count; i++)
        {
            var device = _fleet.AddDevice(new DeviceSpec { Password = DevicePassword });
            var camera = TestFleet.NewCamera(site.Id, device.Serial, device.Mac, device.Address.ToString(), device.HttpPort);
            camera.Model = device.Model;
            camera.Name = $"Ops cam {i}";
            db.Cameras.Add(camera);
            cameras.Add(camera);
        }

        await db.SaveChangesAsync(Ct);
        var vault = _factory.Services.GetRequiredService<CredentialVault>();
        foreach (var camera in cameras) await vault.StoreForCameraAsync(db, camera.Id, "admin", DevicePassword, "test", Ct);
        await db.SaveChangesAsync(Ct);
        return (site, cameras);
    }

    private static async Task<JsonElement> WaitForStateAsync(HttpClient client, Guid operationId, params string[] states)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        JsonElement op;
        do
        {
            op = await client.GetFromJsonAsync<JsonElement>($"/api/v1/operations/{operationId}", Ct);
            if (states.Contains(op.GetProperty("operation").GetProperty("state").GetString())) return op;
            await Task.Delay(100, Ct);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Fail($"operation {operationId} did not reach {string.Join("/", states)}: {op}");
        return op;
    }

    [Fact]
    public async Task A_viewer_cannot_start_an_operator_reboots_for_real_and_a_fourth_reboot_within_the_hour_is_refused()
    {
        var (site, cameras) = await SeedAsync(1);
        var camera = cameras[0];
        var membership = new TenantMembership { TenantId = site.TenantId };
        var body = new { kind = "reboot", reason = "Stream frozen since the storm" };

        using var viewer = await _factory.ApiClientAsync(FleetRoles.Viewer, membership);
        using var refused = await viewer.PostAsJsonAsync($"/api/v1/cameras/{camera.Id}/operations", body, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);

        using var op = await _factory.ApiClientAsync(FleetRoles.Operator, membership);
        using var missingReason = await op.PostAsJsonAsync($"/api/v1/cameras/{camera.Id}/operations", new { kind = "reboot", reason = " " }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, missingReason.StatusCode);
        using var badKind = await op.PostAsJsonAsync($"/api/v1/cameras/{camera.Id}/operations", new { kind = "explode", reason = "x" }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, badKind.StatusCode);

        using var started = await op.PostAsJsonAsync($"/api/v1/cameras/{camera.Id}/operations", body, Ct);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var id = (await started.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        Assert.Equal($"/api/v1/operations/{id}", started.Headers.Location!.ToString());

        var done = await WaitForStateAsync(op, id, "Succeeded", "Failed");
        Assert.True(done.GetProperty("operation").GetProperty("state").GetString() == "Succeeded", done.ToString());
        var steps = done.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal(["preflight", "reboot", "wait-down", "wait-up"], steps.Select(s => s.GetProperty("name").GetString()));
        Assert.All(steps, s => Assert.Equal("Succeeded", s.GetProperty("state").GetString()));
        Assert.Contains("uptime reset", steps[3].GetProperty("detail").GetString());
        Assert.Equal("Stream frozen since the storm", done.GetProperty("operation").GetProperty("reason").GetString());

        var listed = await op.GetFromJsonAsync<JsonElement>($"/api/v1/operations?cameraId={camera.Id}&state=finished", Ct);
        Assert.Equal(id, Assert.Single(listed.GetProperty("items").EnumerateArray()).GetProperty("id").GetGuid());

        // Two more reboots within the hour (recorded as done; the real one above is the third's equal): the fourth is refused.
        await using (var db = _factory.Database.CreateContext())
        {
            for (var i = 0; i < 2; i++)
            {
                db.Operations.Add(new Operation
                {
                    TenantId = site.TenantId, SiteId = site.Id, CameraId = camera.Id, Kind = OperationKind.Reboot, State = OperationState.Succeeded,
                    Reason = "earlier", RequestedById = "system", RequestedByName = "system", CreatedAt = DateTimeOffset.UtcNow.AddMinutes(-20 - i),
                    FinishedAt = DateTimeOffset.UtcNow.AddMinutes(-19 - i),
                });
            }

            await db.SaveChangesAsync(Ct);
        }

        using var fourth = await op.PostAsJsonAsync($"/api/v1/cameras/{camera.Id}/operations", body, Ct);
        Assert.Equal(HttpStatusCode.Conflict, fourth.StatusCode);
        var problem = await fourth.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Contains("at most 3 per rolling hour", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task The_same_request_key_twice_starts_one_operation_and_bulk_answers_per_camera()
    {
        var (site, cameras) = await SeedAsync(2);
        var (otherSite, otherCameras) = await SeedAsync(1);
        using var op = await _factory.ApiClientAsync(FleetRoles.Operator, new TenantMembership { TenantId = site.TenantId });

        var key = Guid.NewGuid().ToString();
        var body = new { kind = "backup", reason = "Before the firmware upgrade", requestKey = key };
        using var first = await op.PostAsJsonAsync($"/api/v1/cameras/{cameras[0].Id}/operations", body, Ct);
        using var second = await op.PostAsJsonAsync($"/api/v1/cameras/{cameras[0].Id}/operations", body, Ct);
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        var id = (await first.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        Assert.Equal(id, (await second.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid());
        await using (var db = _factory.Database.CreateContext())
        {
            Assert.Equal(1, await db.Operations.CountAsync(o => o.CameraId == cameras[0].Id, Ct));
        }

        await WaitForStateAsync(op, id, "Succeeded");

        // Bulk: both cameras of this tenant get a backup; the other tenant's camera answers like a missing one.
        using var bulk = await op.PostAsJsonAsync("/api/v1/operations/bulk",
            new { cameraIds = new[] { cameras[0].Id, cameras[1].Id, otherCameras[0].Id }, kind = "backup", reason = "Weekly", requestKey = Guid.NewGuid() }, Ct);
        Assert.Equal(HttpStatusCode.OK, bulk.StatusCode);
        var result = await bulk.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(2, result.GetProperty("started").GetInt32());
        var items = result.GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("cameraId").GetGuid());
        Assert.Equal("Ok", items[cameras[1].Id].GetProperty("result").GetString());
        Assert.Equal("NotFound", items[otherCameras[0].Id].GetProperty("result").GetString());
        var batch = result.GetProperty("batchId").GetGuid();
        foreach (var camera in cameras) await WaitForStateAsync(op, items[camera.Id].GetProperty("operationId").GetGuid(), "Succeeded");
        var inBatch = await op.GetFromJsonAsync<JsonElement>($"/api/v1/operations?batchId={batch}", Ct);
        Assert.Equal(2, inBatch.GetProperty("total").GetInt32());

        using var resetInBulk = await op.PostAsJsonAsync("/api/v1/operations/bulk",
            new { cameraIds = new[] { cameras[0].Id }, kind = "factoryReset", mode = "basic", reason = "x" }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, resetInBulk.StatusCode);

        // Backups: listed for readers (sizes and hashes, never bytes), downloaded by administrators only, every download audited.
        var backups = await op.GetFromJsonAsync<JsonElement>($"/api/v1/cameras/{cameras[0].Id}/backups", Ct);
        Assert.Equal([2, 1], backups.EnumerateArray().Select(b => b.GetProperty("number").GetInt32()));
        var newest = backups[0];
        Assert.False(newest.TryGetProperty("deviceExport", out _));
        var backupId = newest.GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.Forbidden, (await op.GetAsync($"/api/v1/backups/{backupId}/export", Ct)).StatusCode);
        // A tenant administrator of this one site only passes the endpoint's policy but is no administrator of the tenant: refused, audited.
        using var siteAdmin = await _factory.ApiClientAsync(FleetRoles.TenantAdmin, new TenantMembership { TenantId = site.TenantId, SiteIds = [site.Id] });
        Assert.Equal(HttpStatusCode.Forbidden, (await siteAdmin.GetAsync($"/api/v1/backups/{backupId}/export", Ct)).StatusCode);

        using var admin = await _factory.ApiClientAsync(FleetRoles.TenantAdmin, new TenantMembership { TenantId = site.TenantId });
        using var download = await admin.GetAsync($"/api/v1/backups/{backupId}/export", Ct);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        var bytes = await download.Content.ReadAsByteArrayAsync(Ct);
        Assert.Equal(newest.GetProperty("exportBytes").GetInt32(), bytes.Length);
        Assert.Equal(newest.GetProperty("exportSha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(bytes)));
        Assert.Contains("no-store", download.Headers.CacheControl!.ToString());
        Assert.Equal($"{cameras[0].SerialNumber}-backup-2.bin", download.Content.Headers.ContentDisposition!.FileName?.Trim('"'));

        using var otherAdmin = await _factory.ApiClientAsync(FleetRoles.TenantAdmin, new TenantMembership { TenantId = otherSite.TenantId });
        Assert.Equal(HttpStatusCode.NotFound, (await otherAdmin.GetAsync($"/api/v1/backups/{backupId}/export", Ct)).StatusCode);

        await using var check = _factory.Database.CreateContext();
        var entries = await check.AuditEntries.AsNoTracking().Where(e => e.Action == "camera.backup.download" && e.CameraId == cameras[0].Id)
            .Select(e => e.Result).ToListAsync(Ct);
        Assert.Contains(Core.Audit.AuditResult.Succeeded, entries);
        Assert.Contains(Core.Audit.AuditResult.Refused, entries);
    }

    [Fact]
    public async Task Another_tenants_operation_looks_exactly_like_a_missing_one()
    {
        var (site, _) = await SeedAsync(0);
        var (otherSite, otherCameras) = await SeedAsync(1);
        Guid theirs;
        await using (var db = _factory.Database.CreateContext())
        {
            var operation = new Operation
            {
                TenantId = otherSite.TenantId, SiteId = otherSite.Id, CameraId = otherCameras[0].Id, Kind = OperationKind.Reboot,
                State = OperationState.Failed, Reason = "their secret reason", RequestedById = "system", RequestedByName = "system",
                Summary = "Failed at step 2",
            };
            db.Operations.Add(operation);
            await db.SaveChangesAsync(Ct);
            theirs = operation.Id;
        }

        using var admin = await _factory.ApiClientAsync(FleetRoles.TenantAdmin, new TenantMembership { TenantId = site.TenantId });

        async Task<(HttpStatusCode, string)> Probe(HttpMethod method, string url)
        {
            using var response = await admin.SendAsync(new HttpRequestMessage(method, url), Ct);
            return (response.StatusCode, TraceId().Replace(await response.Content.ReadAsStringAsync(Ct), ""));
        }

        var missing = Guid.NewGuid();
        foreach (var (method, template) in new[]
                 {
                     (HttpMethod.Get, "/api/v1/operations/{0}"), (HttpMethod.Post, "/api/v1/operations/{0}/cancel"),
                     (HttpMethod.Post, "/api/v1/operations/{0}/retry"), (HttpMethod.Post, "/api/v1/operations/{0}/approve"),
                 })
        {
            var them = await Probe(method, string.Format(template, theirs));
            Assert.Equal(HttpStatusCode.NotFound, them.Item1);
            Assert.Equal(await Probe(method, string.Format(template, missing)), them);
        }

        Assert.Equal(await Probe(HttpMethod.Get, $"/api/v1/cameras/{missing}/backups"), await Probe(HttpMethod.Get, $"/api/v1/cameras/{otherCameras[0].Id}/backups"));
        var list = await admin.GetStringAsync("/api/v1/operations?state=failed", Ct);
        Assert.DoesNotContain("their secret reason", list);
        Assert.Equal(0, (await admin.GetFromJsonAsync<JsonElement>("/api/v1/operations", Ct)).GetProperty("total").GetInt32());
        using var bad = await admin.GetAsync("/api/v1/operations?state=sleepy&kind=explode&pageSize=5000", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors");
        Assert.True(errors.TryGetProperty("state", out _) && errors.TryGetProperty("kind", out _) && errors.TryGetProperty("pageSize", out _), errors.ToString());
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/v1/operations?state=waiting-approval&kind=factory-reset", Ct)).StatusCode);

        await using var check = _factory.Database.CreateContext();
        Assert.Equal(OperationState.Failed, (await check.Operations.AsNoTracking().SingleAsync(o => o.Id == theirs, Ct)).State);
    }

    [GeneratedRegex("\"traceId\":\"[^\"]*\"")]
    private static partial Regex TraceId();
}
