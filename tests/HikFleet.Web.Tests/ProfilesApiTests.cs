extern alias simulator;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Security;
using HikFleet.Core.Vault;
using Microsoft.Extensions.DependencyInjection;
using simulator::HikFleet.Simulator;

namespace HikFleet.Web.Tests;

/// <summary>The profiles API on the real host: validation problems per field, and a camera's dry-run difference read from a simulated device.</summary>
public sealed class ProfilesApiTests : IAsyncLifetime
{
    private const string Password = "Fleet#ApiProfile26";
    private FleetWebFactory _factory = null!;
    private VirtualFleet _fleet = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _factory = new FleetWebFactory();
        await _factory.InitializeAsync();
        var b = RandomNumberGenerator.GetInt32(32, 250);
        var c = RandomNumberGenerator.GetInt32(1, 249);
        _fleet = await VirtualFleet.StartAsync(new SimulatorOptions
        {
            Cameras = 0, HttpPort = 0, HttpsPort = 0, TimeScale = 0.001, Sadp = false, Control = null,
            BaseAddress = IPAddress.Parse($"127.{b}.{c}.10"), FactoryAddress = IPAddress.Parse($"127.{b}.{c + 1}.64"),
        }, Ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (_fleet is not null) await _fleet.DisposeAsync();
        await _factory.DisposeAsync();
    }

    [Fact]
    public async Task Profiles_are_validated_per_field_and_a_camera_shows_its_dry_run_difference()
    {
        _factory.EnsureStarted();
        var device = _fleet.AddDevice(new DeviceSpec { Password = Password, Model = "DS-2CD2386G2-IU" });
        Tenant tenant;
        Site site;
        Camera camera;
        await using (var db = _factory.Database.CreateContext())
        {
            tenant = new Tenant { Name = $"Api-{Guid.NewGuid():N}"[..16] };
            site = new Site { Tenant = tenant, Name = "Quay", TimeZone = "UTC" };
            camera = new Camera
            {
                Site = site, SerialNumber = device.Serial, MacAddress = device.Mac, Model = device.Model, Address = device.Address, HttpPort = device.HttpPort,
                Lifecycle = CameraLifecycle.Managed, Activated = true, Name = "Crane",
            };
            db.AddRange(tenant, site, camera);
            await db.SaveChangesAsync(Ct);
            await _factory.Services.GetRequiredService<CredentialVault>().StoreForCameraAsync(db, camera.Id, "admin", Password, "test", Ct);
            await db.SaveChangesAsync(Ct);
        }

        using var admin = await _factory.ApiClientAsync(FleetRoles.TenantAdmin, new TenantMembership { TenantId = tenant.Id });
        using (var bad = await admin.PostAsJsonAsync("/api/v1/profiles", new { tenantId = tenant.Id, name = "Std", settings = new { timeZone = "Mars/Base", ntpServers = new[] { "a", "b", "c" } } }, Ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            var problem = await bad.Content.ReadFromJsonAsync<JsonElement>(Ct);
            Assert.Contains("is not an IANA time zone", problem.GetProperty("errors").GetProperty("timeZone")[0].GetString());
            Assert.Equal("At most 2 NTP servers.", problem.GetProperty("errors").GetProperty("ntpServers")[0].GetString());
        }

        using (var created = await admin.PostAsJsonAsync("/api/v1/profiles", new
               {
                   tenantId = tenant.Id, name = "Std",
                   settings = new { timeZone = "America/New_York", osdNamePattern = "{site}-{camera}", mainStream = new { codec = "H.264", width = 2560, height = 1440, maxFps = 15, bitrateKbps = 6144, bitrateControl = "VBR" } },
               }, Ct))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        var expectedOsd = "Quay-Crane";
        var before = (device.TimeSettings.TimeZone, device.OsdName);
        var diff = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/cameras/{camera.Id}/profile-diff", Ct);
        var fields = diff.GetProperty("differences").EnumerateArray()
            .ToDictionary(d => d.GetProperty("field").GetString()!, d => (d.GetProperty("before").GetString(), d.GetProperty("after").GetString()));
        Assert.Equal(("CST+5:00:00DST01:00:00,M3.2.0/02:00:00,M11.1.0/02:00:00"), fields["time.zone"].Item2);
        Assert.Equal((device.OsdName, expectedOsd), fields["osd.name"]);
        Assert.Equal(("3840x2160", "2560x1440"), fields["stream.101.resolution"]);
        Assert.Equal(("25", "15"), fields["stream.101.maxFrameRate"]);
        Assert.All(fields.Keys, k => Assert.True(k.StartsWith("time.", StringComparison.Ordinal) || k.StartsWith("osd.", StringComparison.Ordinal)
                                                 || k.StartsWith("stream.101.", StringComparison.Ordinal), k));
        // A dry run is a read: the device is as it was.
        Assert.Equal(before, (device.TimeSettings.TimeZone, device.OsdName));

        // Apply needs a reason; viewers may neither dry-run nor apply.
        using (var noReason = await admin.PostAsJsonAsync("/api/v1/profiles/apply", new { cameraIds = new[] { camera.Id } }, Ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        }

        using var viewer = await _factory.ApiClientAsync(FleetRoles.Viewer, new TenantMembership { TenantId = tenant.Id });
        using (var refused = await viewer.GetAsync($"/api/v1/cameras/{camera.Id}/profile-diff", Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }
    }
}
