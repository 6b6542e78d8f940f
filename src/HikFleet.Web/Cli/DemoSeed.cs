using System.Net;
using System.Text.Json;
using HikFleet.Core.Audit;
using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Vault;
using Microsoft.EntityFrameworkCore;

namespace HikFleet.Web.Cli;

/// <summary>
/// <c>demo seed --devices http://127.0.0.1:PORT/devices</c>: wires the simulator's fleet into HikFleet for the README's run command
/// (issue #12): three tenants with two sites each, the simulator's activated devices as managed cameras of the site the simulator
/// put them in (their passwords sealed in the vault), the inactive ones left for discovery and adoption. Reads the simulator's
/// control API on loopback only. Idempotent: a second run finds the demo tenants and changes nothing.
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
            await Console.Error.WriteLineAsync("usage: demo seed --devices http://127.0.0.1:PORT/devices   (the simulator's control API, loopback only)");
            return 2;
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
            return 0;
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
                var camera = new Camera
                {
                    Site = site, SerialNumber = d.Serial, MacAddress = d.Mac, Address = IPAddress.Parse(d.Address), HttpPort = d.HttpPort, Model = d.Model ?? "unknown",
                    Name = d.Name, Lifecycle = CameraLifecycle.Managed, Activated = true, FirmwareVersion = d.FirmwareVersion, FirmwareBuild = d.FirmwareBuild,
                };
                db.Cameras.Add(camera);
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
        return 0;
    }
}
