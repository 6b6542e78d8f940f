using System.Net;
using System.Text.Json;
using HikFleet.Core.Audit;
using HikFleet.Core.Common;
using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Poe;
using HikFleet.Core.Security;
using HikFleet.Core.Vault;
using HikFleet.Snmp;
using Microsoft.EntityFrameworkCore;

namespace HikFleet.Web.Cli;

/// <summary>
/// <c>demo seed --devices http://127.0.0.1:PORT/devices</c>: wires the simulator's fleet into HikFleet for the README's run command
/// (issue #12): three tenants with two sites each, the simulator's activated devices as managed cameras of the site the simulator
/// put them in (their passwords sealed in the vault), the inactive ones left for discovery and adoption. Reads the simulator's
/// control API on loopback only. Idempotent: a second run finds the demo tenants and changes nothing.
/// <para>
/// With <c>--poe udp://127.0.0.1:PORT --poe-community-file FILE</c> (issue #14; deploy/demo/poe-switch.sh) it also adds the demo PoE
/// switch to the first demo site through <see cref="PoeService"/> (audited, community sealed like any switch's; never printed) and
/// polls it once, so the site's cameras have their ports found (discovered, unconfirmed). Idempotent too.
/// </para>
/// </summary>
internal static class DemoSeed
{
    public static readonly (string Tenant, string[] Sites, string TimeZone)[] Layout =
    [
        ("Northwind Security", ["Warehouse North", "Warehouse South"], "Europe/Berlin"),
        ("Contoso Retail", ["Store 12", "Store 31"], "America/New_York"),
        ("Fabrikam Logistics", ["Hub A", "Hub B"], "Asia/Singapore"),
    ];

    private sealed record SimDevice(string Serial, string Mac, string Address, int HttpPort, string? Username, string? Password, string? Model, string? Site,
        string? Name, bool Activated, string? FirmwareVersion, string? FirmwareBuild);

    public static async Task<int> RunAsync(IServiceProvider services, Dictionary<string, string> options)
    {
        if (!options.TryGetValue("devices", out var source) || !Uri.TryCreate(source, UriKind.Absolute, out var uri)
            || !IPAddress.TryParse(uri.Host, out var host) || !IPAddress.IsLoopback(host))
        {
            await Console.Error.WriteLineAsync(Usage);
            return 2;
        }

        DemoSwitch? poe = null;
        if (options.ContainsKey("poe") || options.ContainsKey("poe-community-file"))
        {
            poe = await ReadSwitchOptionsAsync(options);
            if (poe is null)
            {
                await Console.Error.WriteLineAsync(Usage);
                return 2;
            }
        }

        List<SimDevice> devices;
        using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) })
        {
            var json = await http.GetStringAsync(uri);
            devices = JsonSerializer.Deserialize<List<SimDevice>>(json, new JsonSerializerOptions(JsonSerializerDefaults.Web)) ?? [];
        }

        var contexts = services.GetRequiredService<IDbContextFactory<FleetDbContext>>();
        await using var db = await contexts.CreateDbContextAsync();
        var names = Layout.Select(l => l.Tenant).ToList();
        if (await db.Tenants.AnyAsync(t => names.Contains(t.Name)))
        {
            await Console.Error.WriteLineAsync("demo seed: the demo tenants exist already; nothing changed.");
            return poe is null ? 0 : await SeedSwitchAsync(services, poe);
        }

        // The simulator numbers its sites S01..S06 in device order; each becomes one demo site.
        var simulatorSites = devices.Select(d => d.Site ?? "S01").Distinct().OrderBy(s => s, StringComparer.Ordinal).ToList();
        var sites = new List<Site>();
        foreach (var (tenantName, siteNames, zone) in Layout)
        {
            var tenant = new Tenant { Name = tenantName };
            db.Tenants.Add(tenant);
            foreach (var siteName in siteNames)
            {
                // Discovery on demand only: every demo site shares the loopback segment, so a scheduled scan of one would see all.
                var site = new Site { Tenant = tenant, Name = siteName, TimeZone = zone, DiscoveryCron = null };
                sites.Add(site);
                db.Sites.Add(site);
            }
        }

        var vault = services.GetRequiredService<CredentialVault>();
        var managed = 0;
        for (var i = 0; i < simulatorSites.Count; i++)
        {
            var site = sites[i % sites.Count];
            var members = devices.Where(d => (d.Site ?? "S01") == simulatorSites[i]).ToList();
            site.Subnets = Core.Sites.SiteValidator.CoveringNetworks(members.Select(d => IPAddress.Parse(d.Address)).ToList());
            foreach (var d in members.Where(d => d.Activated && d.Password is not null))
            {
                // The running app's discovery may have found the device first (a row with its serial or MAC): take that row over.
                var camera = await db.Cameras.FirstOrDefaultAsync(c => c.SerialNumber == d.Serial || c.MacAddress == d.Mac);
                if (camera is null)
                {
                    camera = new Camera { SerialNumber = d.Serial, MacAddress = d.Mac, Model = d.Model ?? "unknown" };
                    db.Cameras.Add(camera);
                }

                camera.Site = site;
                camera.Address = IPAddress.Parse(d.Address);
                camera.HttpPort = d.HttpPort;
                camera.Name = d.Name;
                camera.Lifecycle = CameraLifecycle.Managed;
                camera.Activated = true;
                camera.FirmwareVersion = d.FirmwareVersion;
                camera.FirmwareBuild = d.FirmwareBuild;
                await db.SaveChangesAsync();
                await vault.StoreForCameraAsync(db, camera.Id, d.Username ?? "admin", d.Password!, "demo seed");
                managed++;
            }
        }

        await db.SaveChangesAsync();
        await services.GetRequiredService<AuditLog>().AppendAsync(new AuditRecord
        {
            Actor = AuditActor.System("demo seed"), Action = "demo.seed", Result = AuditResult.Succeeded,
            Parameters = new { tenants = names, sites = sites.Count, cameras = managed, source = uri.ToString() },
        });
        // The running app learns of new sites at its next schedule sync (every 5 min): declare their jobs now and run each site's
        // first health check at once, so the dashboard shows the fleet's problems within a minute.
        var schedules = services.GetRequiredService<Core.Jobs.SiteScheduleSync>();
        var jobs = services.GetRequiredService<Hangfire.IRecurringJobManager>();
        foreach (var site in sites)
        {
            await schedules.SyncSiteAsync(site.Id);
            if (site.HealthCron is not null) jobs.Trigger(Core.Health.HealthCheckJob.RecurringJobId(site.Id));
        }

        await Console.Error.WriteLineAsync($"demo seed: {Layout.Length} tenants, {sites.Count} sites, {managed} managed cameras; " +
                                           $"{devices.Count - managed} device(s) left for discovery and adoption.");
        return poe is null ? 0 : await SeedSwitchAsync(services, poe);
    }

    private const string Usage = "usage: demo seed --devices http://127.0.0.1:PORT/devices [--poe udp://127.0.0.1:PORT --poe-community-file FILE]\n" +
                                 "       (the simulator's control API and the demo PoE switch, loopback only)";

    /// <summary>The demo switch: where it listens and its v2c community (a secret: never printed, only sealed).</summary>
    private sealed record DemoSwitch(IPEndPoint EndPoint, string Community);

    private static async Task<DemoSwitch?> ReadSwitchOptionsAsync(Dictionary<string, string> options)
    {
        if (!options.TryGetValue("poe", out var text) || !Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme != "udp"
            || !IPAddress.TryParse(uri.Host, out var host) || !IPAddress.IsLoopback(host) || uri.Port is < 1 or > 65535
            || !options.TryGetValue("poe-community-file", out var file) || file.Length == 0)
        {
            return null;
        }

        string community;
        try
        {
            // A community file is a line; anything much longer is not one (and is not read into memory whole).
            if (new FileInfo(file).Length > 4096) return null;
            community = (await File.ReadAllTextAsync(file)).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"demo seed: cannot read the PoE switch's community file {file}: {e.Message}");
            return null;
        }

        return community.Length is 0 or > PoeService.MaxSecretLength ? null : new DemoSwitch(new IPEndPoint(host, uri.Port), community);
    }

    /// <summary>
    /// Adds "&lt;first demo site&gt; PoE switch" (or brings its address and community in line with the running demo switch) and polls
    /// it once. An unchanged switch is left alone: a second run changes nothing.
    /// </summary>
    private static async Task<int> SeedSwitchAsync(IServiceProvider services, DemoSwitch demo)
    {
        var contexts = services.GetRequiredService<IDbContextFactory<FleetDbContext>>();
        var poe = services.GetRequiredService<PoeService>();
        await using var db = await contexts.CreateDbContextAsync();
        var (tenantName, siteNames, _) = Layout[0];
        var site = await db.Sites.AsNoTracking().SingleOrDefaultAsync(s => s.Name == siteNames[0] && s.Tenant!.Name == tenantName);
        if (site is null)
        {
            await Console.Error.WriteLineAsync($"demo seed: the demo site {siteNames[0]} is missing; no PoE switch added.");
            return 1;
        }

        var name = $"{site.Name} PoE switch";
        var input = new PoeSwitchInput(site.Id, name, demo.EndPoint.Address.ToString(), demo.EndPoint.Port, SnmpVersion.V2c, Community: demo.Community);
        var existing = await db.PoeSwitches.AsNoTracking().SingleOrDefaultAsync(s => s.SiteId == site.Id && s.Name == name);
        ServiceResult result;
        if (existing is null)
        {
            result = await poe.AddSwitchAsync(FleetScope.System, input);
        }
        else
        {
            // The demo's state directory (.data/poe) may have been recreated with a new community, or the port moved: compare in memory.
            var target = services.GetRequiredService<PoeSwitchAccess>().Target(existing);
            var same = existing.SnmpVersion == SnmpVersion.V2c && target.EndPoint.Equals(demo.EndPoint)
                       && target.Credentials is SnmpV2cCredentials { Community: var c } && c == demo.Community;
            if (same)
            {
                await Console.Error.WriteLineAsync($"demo seed: the PoE switch {name} exists already; nothing changed.");
                return 0;
            }

            result = await poe.UpdateSwitchAsync(FleetScope.System, existing.Id, input);
        }

        if (!result.Succeeded)
        {
            await Console.Error.WriteLineAsync($"demo seed: the PoE switch {name} could not be saved: {result.Message}");
            return 1;
        }

        // snmpd starts its pass_persist script (python) on the first request of each subtree: on a busy machine the first poll of a
        // freshly started switch can pass the SNMP timeout. A few tries, as a technician would retry.
        PoePollResult? poll = null;
        for (var attempt = 1; attempt <= 4 && poll is not { Succeeded: true }; attempt++)
        {
            if (attempt > 1) await Task.Delay(TimeSpan.FromSeconds(2));
            (_, poll) = await poe.PollNowAsync(FleetScope.System, result.Id!.Value);
        }

        await Console.Error.WriteLineAsync(poll is { Succeeded: true }
            ? $"demo seed: PoE switch {name} at udp {demo.EndPoint}: {poll.Ports} PoE ports, {poll.MappedCameras} camera(s) found on their ports (unconfirmed)."
            : $"demo seed: PoE switch {name} at udp {demo.EndPoint} added; its first poll failed ({poll?.Error}); the app polls it every 5 minutes.");
        return 0;
    }
}
