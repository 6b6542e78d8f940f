using System.Net;
using System.Net.Http.Json;
using HikFleet.Core.Audit;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Security;
using HikFleet.Core.Vault;
using HikFleet.Web.Api;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace HikFleet.Web.Tests;

/// <summary>
/// Every kind of change a person can make today leaves a complete audit entry (who, what, where, how it ended), the chain stays
/// intact, and none of the secrets that went through the API (user, device and site passwords, token secrets) appears in any entry.
/// Operations of the operations engine (#9) join this list when they exist.
/// </summary>
public sealed class AuditCompletenessTests(FleetWebFactory factory) : IClassFixture<FleetWebFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EveryKindOfChange_IsRecordedCompletely_AndNoSecretEverReachesTheTrail()
    {
        const string userPassword = "Audit-User-Pass-71!", sitePassword = "Site-Default-Pw-82!", devicePassword = "Device-Vault-Pw-93!",
            adoptPassword = "Adopt-Typed-Pw-04!", addPassword = "Add-Typed-Pw-15!", wrongSignIn = "Wrong-Sign-In-26!";
        var secrets = new List<string> { userPassword, sitePassword, devicePassword, adoptPassword, addPassword, wrongSignIn };

        using var admin = await factory.ApiClientAsync(FleetRoles.Administrator);
        var tenant = (await admin.GetFromJsonAsync<List<TenantDto>>("/api/v1/tenants", Ct))![0];

        // Sites: create, change, default credential, delete.
        using var created = await admin.PostAsJsonAsync("/api/v1/sites", new { tenantId = tenant.Id, name = $"Audit {Guid.NewGuid():N}"[..22], timeZone = "UTC",
            subnets = new[] { "127.77.0.0/24" } }, Ct);
        var site = (await created.Content.ReadFromJsonAsync<SiteDto>(Ct))!;
        (await admin.PutAsJsonAsync($"/api/v1/sites/{site.Id}", new { name = site.Name + " 2", timeZone = "UTC", subnets = new[] { "127.77.0.0/24" }, version = site.Version }, Ct)).EnsureSuccessStatusCode();
        (await admin.PutAsJsonAsync($"/api/v1/sites/{site.Id}/credential", new { userName = "admin", password = sitePassword }, Ct)).EnsureSuccessStatusCode();
        using var scratch = await admin.PostAsJsonAsync("/api/v1/sites", new { tenantId = tenant.Id, name = $"Gone {Guid.NewGuid():N}"[..20], timeZone = "UTC" }, Ct);
        (await admin.DeleteAsync($"/api/v1/sites/{(await scratch.Content.ReadFromJsonAsync<SiteDto>(Ct))!.Id}", Ct)).EnsureSuccessStatusCode();

        // Cameras: rename, reveal (audited, with a reason), adopt and add by address (both fail here: nothing listens), scan, retire.
        Camera managed, discovered;
        await using (var db = factory.Database.CreateContext())
        {
            managed = new Camera { SiteId = site.Id, SerialNumber = $"AUD{Guid.NewGuid():N}"[..20], MacAddress = "44:19:b6:aa:00:01", Model = "DS-2CD2143G2-I",
                Lifecycle = CameraLifecycle.Managed, Address = IPAddress.Loopback, HttpPort = 9 };
            discovered = new Camera { SiteId = site.Id, SerialNumber = $"DIS{Guid.NewGuid():N}"[..20], MacAddress = "44:19:b6:aa:00:02", Model = "DS-2CD2143G2-I",
                Lifecycle = CameraLifecycle.Discovered, Activated = true, Address = IPAddress.Loopback, HttpPort = 9 };
            db.Cameras.AddRange(managed, discovered);
            await factory.Services.GetRequiredService<CredentialVault>().StoreForCameraAsync(db, managed.Id, "admin", devicePassword, "test", Ct);
            await db.SaveChangesAsync(Ct);
        }

        (await admin.PutAsJsonAsync($"/api/v1/cameras/{managed.Id}", new { name = "Gate west" }, Ct)).EnsureSuccessStatusCode();
        (await admin.PostAsJsonAsync($"/api/v1/cameras/{managed.Id}/credential/reveal", new { reason = "auditor walk-through" }, Ct)).EnsureSuccessStatusCode();
        using (await admin.PostAsJsonAsync("/api/v1/cameras/adopt", new { cameraIds = new[] { discovered.Id }, userName = "admin", password = adoptPassword }, Ct)) { }
        using (await admin.PostAsJsonAsync("/api/v1/cameras", new { siteId = site.Id, address = "127.0.0.1", port = 9, userName = "admin", password = addPassword }, Ct)) { }
        using (await admin.PostAsync($"/api/v1/sites/{site.Id}/discovery", null, Ct)) { }
        (await admin.DeleteAsync($"/api/v1/cameras/{managed.Id}", Ct)).EnsureSuccessStatusCode();

        // Users and tokens.
        using var user = await admin.PostAsJsonAsync("/api/v1/users", new { userName = $"aud-{Guid.NewGuid():N}"[..16], role = FleetRoles.Viewer, password = userPassword,
            memberships = new[] { new { tenantId = tenant.Id, siteIds = Array.Empty<Guid>() } } }, Ct);
        var userId = (await user.Content.ReadFromJsonAsync<UserDto>(Ct))!.Id;
        (await admin.PostAsync($"/api/v1/users/{userId}/lock", null, Ct)).EnsureSuccessStatusCode();
        (await admin.PostAsync($"/api/v1/users/{userId}/unlock", null, Ct)).EnsureSuccessStatusCode();
        using var token = await admin.PostAsJsonAsync("/api/v1/tokens", new { name = "audit", days = 1 }, Ct);
        var tokenCreated = (await token.Content.ReadFromJsonAsync<TokenCreatedDto>(Ct))!;
        secrets.Add(tokenCreated.Token);
        (await admin.DeleteAsync($"/api/v1/tokens/{tokenCreated.Id}", Ct)).EnsureSuccessStatusCode();

        // Sign-in refused, and an export.
        using (var browser = factory.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = true }))
        {
            using var _ = await FleetWebFactory.SignInAsync(browser, "nobody-here", wrongSignIn);
        }

        using (await admin.GetAsync("/api/v1/audit/export.csv", Ct)) { }

        await using var check = factory.Database.CreateContext();
        var entries = await check.AuditEntries.AsNoTracking().OrderBy(e => e.Id).ToListAsync(Ct);
        var actions = entries.Select(e => e.Action).ToHashSet();
        foreach (var expected in new[]
                 {
                     "site.create", "site.update", "site.delete", "camera.rename", "camera.retire", "credential.reveal", "camera.adopt",
                     "camera.add", "discovery.scan", "user.create", "user.lock", "user.unlock", "token.create", "token.revoke", "auth.sign_in",
                     "audit.export",
                 })
        {
            Assert.True(actions.Contains(expected), $"no '{expected}' entry; actions seen: {string.Join(", ", actions.Order())}");
        }

        Assert.Contains(actions, a => a.StartsWith("site.credential", StringComparison.Ordinal) || a == "site.default_credential");
        foreach (var e in entries)
        {
            Assert.False(string.IsNullOrWhiteSpace(e.ActorId) || string.IsNullOrWhiteSpace(e.ActorName), $"entry {e.Id} ({e.Action}) has no actor");
            if (e.Action.StartsWith("site.", StringComparison.Ordinal) || e.Action.StartsWith("camera.", StringComparison.Ordinal)
                || e.Action.StartsWith("credential.", StringComparison.Ordinal) || e.Action.StartsWith("discovery.", StringComparison.Ordinal))
            {
                Assert.True(e.TenantId is not null, $"entry {e.Id} ({e.Action}) names no tenant");
            }

            if (e.Result != AuditResult.Succeeded) Assert.False(string.IsNullOrWhiteSpace(e.ResultDetail), $"entry {e.Id} ({e.Action}) failed without saying why");
            var text = string.Join("\n", e.ActorName, e.Parameters, e.Reason, e.ResultDetail, e.CorrelationId);
            foreach (var secret in secrets)
            {
                Assert.False(text.Contains(secret, StringComparison.Ordinal), $"entry {e.Id} ({e.Action}) contains a secret");
            }
        }

        Assert.True((await new AuditVerifier(factory.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<Core.Data.FleetDbContext>>())
            .VerifyAsync(Ct)).IsIntact);
    }
}
