using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Security;
using HikFleet.Core.Vault;
using HikFleet.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace HikFleet.Web.Tests;

public sealed partial class OperationsApiTests
{
    [Fact]
    public async Task A_password_rotation_started_over_the_api_commits_a_new_password_the_device_takes()
    {
        var (site, cameras) = await SeedAsync(1);
        var camera = cameras[0];
        using var op = await _factory.ApiClientAsync(FleetRoles.Operator, new TenantMembership { TenantId = site.TenantId });

        using var started = await op.PostAsJsonAsync($"/api/v1/cameras/{camera.Id}/operations",
            new { kind = "passwordRotation", reason = "Quarterly rotation" }, Ct);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var id = (await started.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();

        var done = await WaitForStateAsync(op, id, "Succeeded", "Failed");
        Assert.True(done.GetProperty("operation").GetProperty("state").GetString() == "Succeeded", done.ToString());
        Assert.Equal(["preflight", "prepare", "set", "verify-new", "verify-old", "commit"],
            done.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("name").GetString()));

        await using var db = _factory.Database.CreateContext();
        var current = await _factory.Services.GetRequiredService<CredentialVault>().GetForCameraAsync(db, camera.Id, Ct);
        Assert.NotEqual(DevicePassword, current!.Password);
        var device = _fleet.Devices.Single(d => d.Serial == camera.SerialNumber);
        Assert.Equal(device.AdminPassword, current.Password);
        Assert.DoesNotContain(current.Password, done.ToString(), StringComparison.Ordinal);
    }
}
