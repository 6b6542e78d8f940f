using System.Net;
using System.Net.Http.Json;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace HikFleet.Web.Tests;

/// <summary>
/// Every route the application maps × every role, in and out of scope. The list of routes comes from the app's own
/// endpoint data source: a route added later without a permission policy (or an entry here) fails
/// <see cref="Every_endpoint_names_a_permission_or_is_deliberately_public"/>.
/// </summary>
public sealed class AuthorizationMatrixTests : IClassFixture<FleetWebFactory>
{
    /// <summary>Routes reachable without signing in, and why.</summary>
    private static readonly HashSet<string> Public =
    [
        "healthz",                 // probes of load balancers and containers
        "account/login",           // the sign-in page and its form post
        "account/login-2fa",       // the second step of sign-in (needs the first step's cookie to do anything)
        "account/external",        // starts single sign-on (404 unless configured)
        "account/external-callback", // single sign-on's return trip (needs the provider's signed answer)
        "setup",                   // the one-time first-run link
        "account/denied", "not-found", "error",
    ];

    /// <summary>Routes open to any signed-in user with no specific permission, and why.</summary>
    private static readonly HashSet<string> SignedIn =
    [
        "account/logout",          // anyone may sign themselves out
        "openapi/{documentName}.json", // the API description: no data, but not for anonymous scanners
        "_blazor",                 // the Blazor circuit hub; every page on it carries its own policy
    ];

    private readonly FleetWebFactory _factory;

    public AuthorizationMatrixTests(FleetWebFactory factory)
    {
        _factory = factory;
        // "Poll now" really polls: the matrix's switches are a loopback socket that never answers, so keep each poll short.
        // (Set before the host starts: the first constructor call runs before any test touches the factory.)
        _factory.Settings.TryAdd("Fleet:Poe:SnmpTimeout", "00:00:00.200");
        _factory.Settings.TryAdd("Fleet:Poe:SnmpRetries", "0");
    }

    /// <summary>Where the matrix's PoE switches live: a loopback UDP socket that never answers (nothing leaves the machine).</summary>
    private static readonly SilentUdpEndpoint Switches = new();

    private sealed record Route(string Pattern, string Method, string? Policy, bool Anonymous);

    private List<Route> Routes()
    {
        _factory.EnsureStarted();
        var routes = new List<Route>();
        foreach (var endpoint in _factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var pattern = endpoint.RoutePattern.RawText?.Trim('/') ?? "";
            if (IsStaticAsset(pattern))
            {
                continue;
            }

            var methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"];
            var policies = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).Where(p => p is not null).ToList();
            var anonymous = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null;
            foreach (var method in methods)
            {
                routes.Add(new Route(pattern, method, policies.LastOrDefault(), anonymous));
            }
        }

        return routes.DistinctBy(r => (r.Pattern, r.Method)).ToList();
    }

    private static bool IsStaticAsset(string pattern) =>
        pattern.Contains(":file}", StringComparison.Ordinal) // the static-file fallback route
        || pattern.StartsWith("_framework/", StringComparison.Ordinal) || pattern.StartsWith("_content/", StringComparison.Ordinal)
        || (Path.HasExtension(pattern) && !pattern.Contains('{', StringComparison.Ordinal) && !pattern.StartsWith("api/", StringComparison.Ordinal));

    [Fact]
    public void Every_endpoint_names_a_permission_or_is_deliberately_public()
    {
        var routes = Routes();
        Assert.Contains(routes, r => r.Pattern == "api/v1/sites/{id:guid}" && r.Method == "DELETE");
        Assert.Contains(routes, r => r.Pattern == "sites");
        Assert.Contains(routes, r => r.Pattern == "cameras/{id:guid}");
        Assert.Contains(routes, r => r.Pattern == "api/v1/cameras/{id:guid}/snapshot.jpg" && r.Policy == FleetPermissions.Read);
        Assert.Contains(routes, r => r.Pattern == "api/v1/sites/{id:guid}/credential" && r.Policy == FleetPermissions.ManageSites);
        Assert.Contains(routes, r => r.Pattern == "api/v1/cameras/{id:guid}/operations" && r.Method == "POST" && r.Policy == FleetPermissions.Operate);
        Assert.Contains(routes, r => r.Pattern == "api/v1/backups/{id:guid}/export" && r.Policy == FleetPermissions.ManageSites);
        Assert.Contains(routes, r => r.Pattern == "api/v1/poe-switches" && r.Method == "POST" && r.Policy == FleetPermissions.ManageSites);
        Assert.Contains(routes, r => r.Pattern == "api/v1/cameras/{id:guid}/poe/confirm" && r.Policy == FleetPermissions.Operate);
        Assert.Contains(routes, r => r.Pattern == "poe" && r.Policy == FleetPermissions.Read);
        Assert.Contains(routes, r => r.Pattern == "operations" && r.Policy == FleetPermissions.Read);
        // Fleet-wide counts of every tenant: administrators (or the configured scrape token) only, never anonymous.
        Assert.Contains(routes, r => r.Pattern == "metrics" && r.Method == "GET" && r.Policy == FleetPermissions.ScrapeMetrics && !r.Anonymous);

        var unexplained = routes
            .Where(r => !(r.Anonymous && Public.Contains(r.Pattern)))
            .Where(r => !(r.Policy is null && SignedIn.Contains(BasePattern(r.Pattern))))
            .Where(r => r.Policy is null || !FleetPermissions.All.Contains(r.Policy))
            .Select(r => $"{r.Method} /{r.Pattern} (policy: {r.Policy ?? "none"}, anonymous: {r.Anonymous})")
            .ToList();
        Assert.True(unexplained.Count == 0, "Endpoints without a permission: " + string.Join("; ", unexplained));

        var anonymousButNotListed = routes.Where(r => r.Anonymous && !Public.Contains(r.Pattern)).Select(r => r.Pattern).ToList();
        Assert.Empty(anonymousButNotListed);
    }

    private static string BasePattern(string pattern) => pattern.Split('/')[0] == "_blazor" ? "_blazor" : pattern;

    [Fact]
    public async Task Every_role_gets_exactly_what_its_permissions_allow_in_and_out_of_scope()
    {
        var ct = TestContext.Current.CancellationToken;
        var world = await SeedAsync();
        var failures = new List<string>();
        var checkedCount = 0;

        foreach (var role in FleetRoles.All)
        {
            var membership = new TenantMembership { TenantId = world.TenantA.Id };
            using var api = await _factory.ApiClientAsync(role, membership);
            using var browser = await _factory.SignedInClientAsync(role, membership);

            foreach (var route in Routes().Where(r => r.Policy is not null && FleetPermissions.All.Contains(r.Policy)))
            {
                if (route.Pattern.StartsWith("_blazor", StringComparison.Ordinal))
                {
                    continue;
                }

                var allowed = FleetPermissions.RoleGrants(role, route.Policy!);
                var isApi = route.Pattern.StartsWith("api/", StringComparison.Ordinal);
                var client = isApi ? api : browser;

                // In scope: tenant A's resources.
                using (var response = await SendAsync(client, route, world, inScope: true, ct))
                {
                    checkedCount++;
                    var status = (int)response.StatusCode;
                    var denied = isApi ? status == 403 : IsDeniedPage(response);
                    if (allowed && (denied || status == 401 || status >= 500))
                    {
                        failures.Add($"{role} {route.Method} /{route.Pattern}: expected allowed, got {status}");
                    }
                    else if (!allowed && !denied)
                    {
                        failures.Add($"{role} {route.Method} /{route.Pattern}: expected 403, got {status}");
                    }
                }

                // Out of scope: tenant B's resources must look like they do not exist.
                // A page's form POST without an antiforgery token is refused (400) before the page runs: it reveals nothing either way.
                if (allowed && route.Pattern.Contains("{id", StringComparison.Ordinal) && role != FleetRoles.Administrator
                    && !route.Pattern.StartsWith("api/v1/tokens", StringComparison.Ordinal) && (isApi || route.Method != "POST"))
                {
                    using var response = await SendAsync(client, route, world, inScope: false, ct);
                    checkedCount++;
                    if (response.StatusCode != HttpStatusCode.NotFound)
                    {
                        var said = await response.Content.ReadAsStringAsync(ct);
                        failures.Add($"{role} {route.Method} /{route.Pattern} on tenant B: expected 404, got {(int)response.StatusCode} {said[..Math.Min(200, said.Length)]}");
                    }
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(checkedCount > 50, $"only {checkedCount} checks ran");
    }

    [Fact]
    public async Task Without_signing_in_pages_redirect_to_sign_in_and_the_api_answers_401()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = _factory.CreateClient(new() { AllowAutoRedirect = false });

        foreach (var route in Routes().Where(r => !r.Anonymous && !r.Pattern.StartsWith("_blazor", StringComparison.Ordinal)))
        {
            using var response = await SendAsync(client, route, await SeedAsync(), inScope: true, ct);
            if (route.Pattern.StartsWith("api/", StringComparison.Ordinal) || route.Pattern.StartsWith("hangfire", StringComparison.Ordinal)
                || route.Pattern.StartsWith("openapi", StringComparison.Ordinal) || route.Pattern == "metrics")
            {
                Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"/{route.Pattern}: {(int)response.StatusCode} {response.Headers.Location}");
            }
            else
            {
                Assert.True(response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found, $"/{route.Pattern}: {(int)response.StatusCode}");
                Assert.Contains("/account/login", response.Headers.Location!.ToString());
            }
        }
    }

    private static bool IsDeniedPage(HttpResponseMessage response) =>
        response.StatusCode == HttpStatusCode.Forbidden
        || (response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found && response.Headers.Location?.ToString().Contains("/account/denied") == true);

    private sealed record World(Tenant TenantA, Tenant TenantB, Site SiteA, Site SiteB, Camera CameraA, Camera CameraB, Operation OperationA,
        Operation OperationB, ConfigurationBackup BackupA, ConfigurationBackup BackupB, Guid SwitchA, Guid SwitchB);

    private async Task<World> SeedAsync()
    {
        _factory.EnsureStarted();
        await using var db = _factory.Database.CreateContext();
        var a = new Tenant { Name = $"A-{Guid.NewGuid():N}" };
        var b = new Tenant { Name = $"B-{Guid.NewGuid():N}" };
        var siteA = new Site { Tenant = a, Name = "Site A", TimeZone = "UTC" };
        var siteB = new Site { Tenant = b, Name = "Site B", TimeZone = "UTC" };
        var cameraA = new Camera { Site = siteA, SerialNumber = $"CA{Guid.NewGuid():N}"[..20], MacAddress = Mac(), Model = "DS-2CD2143G2-I" };
        var cameraB = new Camera { Site = siteB, SerialNumber = $"CB{Guid.NewGuid():N}"[..20], MacAddress = Mac(), Model = "DS-2CD2143G2-I" };
        db.AddRange(a, b, siteA, siteB, cameraA, cameraB);
        db.CameraSnapshots.AddRange(
            new CameraSnapshot { CameraId = cameraA.Id, TakenAt = DateTimeOffset.UtcNow, Sha256 = new string('a', 64), Jpeg = [0xFF, 0xD8, 0xFF, 0xD9] },
            new CameraSnapshot { CameraId = cameraB.Id, TakenAt = DateTimeOffset.UtcNow, Sha256 = new string('b', 64), Jpeg = [0xFF, 0xD8, 0xFF, 0xD9] });
        // A finished operation and a backup per tenant: cancel/retry/approve answer 409 (over already) and start nothing.
        var operationA = FinishedOperation(a, siteA, cameraA);
        var operationB = FinishedOperation(b, siteB, cameraB);
        var backupA = Backup(a, siteA, cameraA);
        var backupB = Backup(b, siteB, cameraB);
        db.AddRange(operationA, operationB, backupA, backupB);
        await db.SaveChangesAsync();
        return new World(a, b, siteA, siteB, cameraA, cameraB, operationA, operationB, backupA, backupB, await NewSwitchAsync(siteA), await NewSwitchAsync(siteB));
    }

    private static Operation FinishedOperation(Tenant tenant, Site site, Camera camera) => new()
    {
        TenantId = tenant.Id, SiteId = site.Id, CameraId = camera.Id, Kind = OperationKind.Reboot, State = OperationState.Succeeded, Reason = "matrix",
        RequestedById = "system", RequestedByName = "system", CurrentStep = 1, FinishedAt = DateTimeOffset.UtcNow,
        Steps = [new OperationStep { Index = 0, Name = "reboot", Title = "Send the reboot", State = OperationStepState.Succeeded, Attempts = 1 }],
    };

    private static ConfigurationBackup Backup(Tenant tenant, Site site, Camera camera) => new()
    {
        TenantId = tenant.Id, SiteId = site.Id, CameraId = camera.Id, Number = 1, Trigger = "manual", CreatedBy = "matrix",
        DeviceExport = [1, 2, 3], DeviceExportSha256 = new string('0', 64), Snapshot = "{}", SnapshotSha256 = new string('1', 64),
    };

    private static string Mac() => string.Join(":", Guid.NewGuid().ToByteArray().Take(6).Select(x => x.ToString("x2")));

    /// <summary>Builds a plausible request for a route: ids of tenant A (or B), a valid body for writes.</summary>
    private async Task<HttpResponseMessage> SendAsync(HttpClient client, Route route, World world, bool inScope, CancellationToken ct)
    {
        var tenant = inScope ? world.TenantA : world.TenantB;
        var path = "/" + route.Pattern;
        if (path.Contains("{id:guid}", StringComparison.Ordinal))
        {
            var id = route.Pattern switch
            {
                // A fresh site for destructive calls, so one role's DELETE does not change what the next one sees.
                "api/v1/sites/{id:guid}" when route.Method is "DELETE" or "PUT" => await NewSiteAsync(tenant.Id),
                "api/v1/sites/{id:guid}" => (inScope ? world.SiteA : world.SiteB).Id,
                "api/v1/cameras/{id:guid}" when route.Method is "DELETE" or "PUT" => await NewCameraAsync(inScope ? world.SiteA.Id : world.SiteB.Id),
                "api/v1/cameras/{id:guid}" => (inScope ? world.CameraA : world.CameraB).Id,
                "api/v1/cameras/{id:guid}/snapshot.jpg" or "cameras/{id:guid}" => (inScope ? world.CameraA : world.CameraB).Id,
                "api/v1/sites/{id:guid}/credential" => await NewSiteAsync(tenant.Id),
                "api/v1/tokens/{id:guid}" => Guid.NewGuid(),
                "api/v1/sites/{id:guid}/discovery" => (inScope ? world.SiteA : world.SiteB).Id,
                "api/v1/cameras/{id:guid}/ignore" => await NewCameraAsync(inScope ? world.SiteA.Id : world.SiteB.Id),
                "api/v1/cameras/{id:guid}/credential/reveal" => (inScope ? world.CameraA : world.CameraB).Id,
                "api/v1/cameras/{id:guid}/check" => (inScope ? world.CameraA : world.CameraB).Id,
                // Camera A has no address: the dry run answers 409 without touching the network.
                "api/v1/cameras/{id:guid}/profile-diff" => (inScope ? world.CameraA : world.CameraB).Id,
                "api/v1/profiles/{id:guid}" => await NewProfileAsync(tenant.Id),
                "api/v1/cameras/{id:guid}/operations" or "api/v1/cameras/{id:guid}/backups" => (inScope ? world.CameraA : world.CameraB).Id,
                "api/v1/operations/{id:guid}" or "api/v1/operations/{id:guid}/cancel" or "api/v1/operations/{id:guid}/retry"
                    or "api/v1/operations/{id:guid}/approve" or "operations/{id:guid}" => (inScope ? world.OperationA : world.OperationB).Id,
                "api/v1/backups/{id:guid}/export" => (inScope ? world.BackupA : world.BackupB).Id,
                "api/v1/firmware/{id:guid}" => await NewImageAsync(tenant.Id),
                "api/v1/alerts/{id:guid}/acknowledge" or "api/v1/alerts/{id:guid}/resolve" =>
                    await NewAlertAsync(tenant.Id, inScope ? world.SiteA.Id : world.SiteB.Id, (inScope ? world.CameraA : world.CameraB).Id),
                "api/v1/alert-rules/{id:guid}" => (await NewRuleAsync(tenant.Id)).Rule,
                "api/v1/alert-channels/{id:guid}" => (await NewRuleAsync(tenant.Id)).Channel,
                "api/v1/cameras/{id:guid}/firmware" => (inScope ? world.CameraA : world.CameraB).Id,
                // A fresh switch for destructive calls; the camera routes use the world's cameras (camera A has no port: confirm answers 409).
                "api/v1/poe-switches/{id:guid}" when route.Method is "DELETE" or "PUT" => await NewSwitchAsync(inScope ? world.SiteA : world.SiteB),
                "api/v1/poe-switches/{id:guid}" or "api/v1/poe-switches/{id:guid}/poll" => inScope ? world.SwitchA : world.SwitchB,
                "api/v1/cameras/{id:guid}/poe" or "api/v1/cameras/{id:guid}/poe/confirm" => (inScope ? world.CameraA : world.CameraB).Id,
                "api/v1/users/{id:guid}/lock" or "api/v1/users/{id:guid}/unlock" =>
                    (await _factory.CreateUserAsync(FleetRoles.Viewer, new TenantMembership { TenantId = tenant.Id })).Id,
                _ => throw new InvalidOperationException($"The matrix does not know how to fill /{route.Pattern}; teach it."),
            };
            path = path.Replace("{id:guid}", id.ToString(), StringComparison.Ordinal);
        }

        if (path.Contains("{**path}", StringComparison.Ordinal) || path.Contains("{*path}", StringComparison.Ordinal))
        {
            path = path.Replace("{**path}", "", StringComparison.Ordinal).Replace("{*path}", "", StringComparison.Ordinal);
        }

        if (path.Contains('{', StringComparison.Ordinal))
        {
            path = path.Replace("{documentName}", "v1", StringComparison.Ordinal);
        }

        if (route.Pattern == "api/v1/firmware" && route.Method == "POST")
        {
            path += $"?tenantId={tenant.Id}&models=DS-2CD2143G2-I&version=V5.7.20&fileName=matrix.dav";
        }

        if (route.Pattern == "api/v1/cameras/import")
        {
            path += $"?siteId={(inScope ? world.SiteA : world.SiteB).Id}";
        }

        var request = new HttpRequestMessage(new HttpMethod(route.Method), path);
        var unique = Guid.NewGuid().ToString("N")[..8];
        request.Content = route.Pattern switch
        {
            "api/v1/tenants" when route.Method == "POST" => JsonContent.Create(new { name = $"T-{unique}" }),
            "api/v1/sites" when route.Method == "POST" => JsonContent.Create(new { tenantId = tenant.Id, name = $"S-{unique}", timeZone = "UTC" }),
            "api/v1/sites/{id:guid}" when route.Method == "PUT" => JsonContent.Create(new { name = $"S-{unique}", timeZone = "UTC" }),
            "api/v1/cameras/{id:guid}" when route.Method == "PUT" => JsonContent.Create(new { name = $"Cam {unique}" }),
            "api/v1/sites/{id:guid}/credential" => JsonContent.Create(new { userName = "admin", password = $"Pw-{unique}" }),
            "api/v1/tokens" when route.Method == "POST" => JsonContent.Create(new { name = $"k-{unique}", days = 1 }),
            // Add by address: an address that fails validation, so nothing is sent anywhere.
            "api/v1/cameras" when route.Method == "POST" => JsonContent.Create(new { siteId = world.SiteA.Id, address = "not-an-address", password = "x" }),
            // Camera A has no address: adoption answers per camera without touching the network.
            "api/v1/cameras/adopt" => JsonContent.Create(new { cameraIds = new[] { world.CameraA.Id } }),
            "api/v1/cameras/{id:guid}/credential/reveal" => JsonContent.Create(new { reason = "matrix" }),
            // A backup of a camera that is not managed: refused (409) after the permission check, nothing is queued.
            "api/v1/cameras/{id:guid}/operations" => JsonContent.Create(new { kind = "backup", reason = "matrix" }),
            "api/v1/operations/bulk" => JsonContent.Create(new { cameraIds = new[] { world.CameraA.Id }, kind = "backup", reason = "matrix" }),
            "api/v1/cameras/import" => new StringContent("Address,Password\n", System.Text.Encoding.UTF8, "text/csv"),
            "api/v1/alert-channels" when route.Method == "POST" =>
                JsonContent.Create(new { tenantId = tenant.Id, name = $"C-{unique}", kind = "Email", target = "noc@example.test" }),
            // A rule naming no channel: refused (400) after the permission check.
            "api/v1/alert-rules" when route.Method == "POST" => JsonContent.Create(new { tenantId = tenant.Id, name = $"R-{unique}", states = new[] { "Offline" } }),
            "api/v1/alert-rules/{id:guid}" when route.Method == "PUT" =>
                JsonContent.Create(new { tenantId = tenant.Id, name = $"R-{unique}", states = new[] { "Offline" } }),
            "api/v1/firmware" when route.Method == "POST" => new ByteArrayContent(System.Text.Encoding.ASCII.GetBytes($"matrix image {unique}")),
            "api/v1/profiles" when route.Method == "POST" => JsonContent.Create(new { tenantId = tenant.Id, siteId = world.SiteA.Id, name = $"P-{unique}" }),
            "api/v1/profiles/{id:guid}" when route.Method == "PUT" => JsonContent.Create(new { name = $"P-{unique}", settings = new { motionEnabled = true } }),
            // Camera A has no address: each camera's refusal comes back without touching the network.
            "api/v1/profiles/apply" => JsonContent.Create(new { cameraIds = new[] { world.CameraA.Id }, reason = "matrix" }),
            "api/v1/poe-switches" when route.Method == "POST" => JsonContent.Create(new
            {
                siteId = world.SiteA.Id, name = $"Sw-{unique}", address = "127.0.0.1", port = Switches.Port, version = "V2c", community = $"matrix-{unique}",
            }),
            "api/v1/poe-switches/{id:guid}" when route.Method == "PUT" =>
                JsonContent.Create(new { name = $"Sw-{unique}", address = "127.0.0.1", port = Switches.Port, version = "V2c" }),
            // Camera A onto port 3 of tenant A's switch (never read, so any port is accepted); tenant B's camera is not found first.
            "api/v1/cameras/{id:guid}/poe" when route.Method == "PUT" => JsonContent.Create(new { switchId = world.SwitchA, port = 3 }),
            "api/v1/users" when route.Method == "POST" => JsonContent.Create(new
            {
                userName = $"u-{unique}", role = FleetRoles.Viewer, password = FleetWebFactory.Password,
                memberships = new[] { new { tenantId = tenant.Id, siteIds = Array.Empty<Guid>() } },
            }),
            _ => null,
        };
        return await client.SendAsync(request, ct);
    }

    private async Task<Guid> NewSwitchAsync(Site site)
    {
        await using var db = _factory.Database.CreateContext();
        var sw = new PoeSwitch
        {
            TenantId = site.TenantId, SiteId = site.Id, Name = $"sw-{Guid.NewGuid():N}"[..12], Address = IPAddress.Loopback, SnmpPort = Switches.Port,
            SecretSealed = [], SecretKeyId = "",
        };
        _factory.Services.GetRequiredService<HikFleet.Core.Poe.PoeSwitchAccess>().Seal(sw,
            new HikFleet.Core.Poe.PoeSwitchAccess.Credentials(SnmpVersion.V2c, "matrix-community", null, null, null));
        db.PoeSwitches.Add(sw);
        await db.SaveChangesAsync();
        return sw.Id;
    }

    private async Task<Guid> NewCameraAsync(Guid siteId)
    {
        await using var db = _factory.Database.CreateContext();
        var camera = new Camera { SiteId = siteId, SerialNumber = $"SCR{Guid.NewGuid():N}"[..20], MacAddress = Mac(), Model = "DS-2CD2143G2-I" };
        db.Cameras.Add(camera);
        await db.SaveChangesAsync();
        return camera.Id;
    }

    /// <summary>A fresh site with its own profile (a tenant has one tenant-wide profile and one per site).</summary>
    private async Task<(Guid Rule, Guid Channel)> NewRuleAsync(Guid tenantId)
    {
        await using var db = _factory.Database.CreateContext();
        var channel = new AlertChannel { TenantId = tenantId, Name = $"c-{Guid.NewGuid():N}", Kind = AlertChannelKind.Email, Target = "noc@example.test" };
        var rule = new AlertRule { TenantId = tenantId, Name = $"r-{Guid.NewGuid():N}", States = [HealthState.Offline], ChannelIds = [channel.Id] };
        db.AddRange(channel, rule);
        await db.SaveChangesAsync();
        return (rule.Id, channel.Id);
    }

    private async Task<Guid> NewAlertAsync(Guid tenantId, Guid siteId, Guid cameraId)
    {
        var (ruleId, _) = await NewRuleAsync(tenantId);
        await using var db = _factory.Database.CreateContext();
        var alert = new Alert
        {
            TenantId = tenantId, SiteId = siteId, CameraId = cameraId, RuleId = ruleId, Key = "state", Summary = "Offline", OpenedAt = DateTimeOffset.UtcNow,
            ConditionSince = DateTimeOffset.UtcNow,
        };
        db.Alerts.Add(alert);
        await db.SaveChangesAsync();
        return alert.Id;
    }

    private async Task<Guid> NewImageAsync(Guid tenantId)
    {
        await using var db = _factory.Database.CreateContext();
        var image = new FirmwareImage
        {
            TenantId = tenantId, FileName = "scratch.dav", Sha256 = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray().Concat(Guid.NewGuid().ToByteArray()).ToArray()),
            Version = "V5.7.20", Models = ["DS-2CD2143G2-I"], UploadedByName = "matrix",
        };
        db.FirmwareImages.Add(image);
        await db.SaveChangesAsync();
        return image.Id;
    }

    private async Task<Guid> NewProfileAsync(Guid tenantId)
    {
        var siteId = await NewSiteAsync(tenantId);
        await using var db = _factory.Database.CreateContext();
        var profile = new ConfigurationProfile { TenantId = tenantId, SiteId = siteId, Name = "Scratch" };
        db.ConfigurationProfiles.Add(profile);
        await db.SaveChangesAsync();
        return profile.Id;
    }

    private async Task<Guid> NewSiteAsync(Guid tenantId)
    {
        await using var db = _factory.Database.CreateContext();
        var site = new Site { TenantId = tenantId, Name = $"Scratch {Guid.NewGuid():N}", TimeZone = "UTC" };
        db.Sites.Add(site);
        await db.SaveChangesAsync();
        return site.Id;
    }
}
