using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HikFleet.Simulator.Control;

/// <summary>The control API (Kestrel, one loopback endpoint): list devices, inject faults, press buttons, see a status page.</summary>
internal sealed class ControlServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ControlServer(WebApplication app, Uri uri)
    {
        _app = app;
        Uri = uri;
    }

    public Uri Uri { get; }

    public static async Task<ControlServer> StartAsync(VirtualFleet fleet, IPEndPoint endpoint, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(endpoint));
        var app = builder.Build();
        Map(app, fleet);
        await app.StartAsync(ct).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ControlServer(app, new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/"));
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private static void Map(WebApplication app, VirtualFleet fleet)
    {
        VirtualDevice? Lookup(string serial)
        {
            try
            {
                return fleet.Find(serial);
            }
            catch (KeyNotFoundException)
            {
                return null;
            }
        }

        app.MapGet("/", () => Results.Content(Page(fleet), "text/html; charset=utf-8"));
        app.MapGet("/devices", () => Results.Json(fleet.Devices.Select(Describe), Json));
        app.MapGet("/devices/{serial}", (string serial) => Lookup(serial) is { } d ? Results.Json(Describe(d), Json) : Results.NotFound());
        app.MapPost("/devices/{serial}/faults", async (string serial, HttpRequest request) =>
        {
            if (Lookup(serial) is not { } d)
                return Results.NotFound();
            if (request.ContentLength is > 64 * 1024)
                return Results.BadRequest(new { error = "body too large" });
            JsonDocument doc;
            try
            {
                doc = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted).ConfigureAwait(false);
            }
            catch (JsonException e)
            {
                return Results.BadRequest(new { error = e.Message });
            }
            using (doc)
            {
                try
                {
                    var unknown = FaultPatch.Apply(d.Faults, doc.RootElement);
                    if (unknown.Count > 0)
                        return Results.BadRequest(new { error = "unknown faults", unknown });
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
                {
                    return Results.BadRequest(new { error = e.Message });
                }
            }
            return Results.Json(Describe(d), Json);
        });
        app.MapPost("/devices/{serial}/settings", async (string serial, HttpRequest request) =>
        {
            if (Lookup(serial) is not { } d)
                return Results.NotFound();
            if (request.ContentLength is > 64 * 1024)
                return Results.BadRequest(new { error = "body too large" });
            HardeningPatch? patch;
            try
            {
                patch = await JsonSerializer.DeserializeAsync<HardeningPatch>(request.Body, Json, request.HttpContext.RequestAborted).ConfigureAwait(false);
            }
            catch (JsonException e)
            {
                return Results.BadRequest(new { error = e.Message });
            }
            if (patch is null)
                return Results.BadRequest(new { error = "a JSON object is expected" });
            if (patch.TimeMode is { } mode && mode is not ("NTP" or "manual"))
                return Results.BadRequest(new { error = "timeMode is NTP or manual" });
            lock (d.Sync)
            {
                if (patch.CloudEnabled is { } cloud) d.Config.Cloud.Enabled = cloud;
                if (patch.LoginLockEnabled is { } loginLock) d.Config.LoginLock.Enabled = loginLock;
                if (patch.HttpsAccessEnabled is { } https) d.Config.HttpsEnabled = https;
                if (patch.TimeMode is { } time) d.Config.Time.TimeMode = time;
            }
            return Results.Json(Describe(d), Json);
        });
        app.MapPost("/devices/{serial}/reboot", (string serial) =>
        {
            if (Lookup(serial) is not { } d)
                return Results.NotFound();
            _ = d.RebootAsync();
            return Results.Accepted();
        });
        app.MapPost("/devices/{serial}/reset-button", (string serial) =>
        {
            if (Lookup(serial) is not { } d)
                return Results.NotFound();
            d.PressResetButton();
            return Results.Accepted();
        });
        app.MapPost("/devices/{serial}/power-cycle", (string serial, double? offSeconds) =>
        {
            if (Lookup(serial) is not { } d)
                return Results.NotFound();
            _ = d.PowerCycleAsync(TimeSpan.FromSeconds(offSeconds ?? 10));
            return Results.Accepted();
        });
        app.MapPost("/devices/{serial}/power", (string serial, bool? on) =>
        {
            if (Lookup(serial) is not { } d)
                return Results.NotFound();
            if (on is not { } value)
                return Results.BadRequest(new { error = "on=true or on=false is required" });
            _ = d.SetPowerAsync(value);
            return Results.Json(Describe(d), Json);
        });
        app.MapPost("/devices/{serial}/motion", (string serial) =>
        {
            if (Lookup(serial) is not { } d)
                return Results.NotFound();
            d.TriggerMotion();
            return Results.Accepted();
        });
    }

    internal static Dictionary<string, object?> Describe(VirtualDevice d) => new()
    {
        ["serial"] = d.Serial,
        ["mac"] = d.Mac,
        ["address"] = d.Address.ToString(),
        ["httpPort"] = d.HttpPort,
        ["httpsPort"] = d.HttpsPort,
        ["username"] = d.AdminUser,
        ["password"] = d.AdminPassword,
        ["model"] = d.Model,
        ["deviceType"] = d.DeviceType,
        ["firmware"] = $"{d.FirmwareVersion} {d.FirmwareBuild}",
        ["firmwareVersion"] = d.FirmwareVersion,
        ["firmwareBuild"] = d.FirmwareBuild,
        ["activated"] = d.Activated,
        ["site"] = d.Site,
        ["name"] = d.Name,
        ["online"] = d.Online,
        ["powered"] = d.Powered,
        ["hung"] = d.Faults.Hung,
        ["uptimeSeconds"] = (long)d.Uptime.TotalSeconds,
        ["rebootCount"] = d.RebootCount,
        ["locked"] = d.IsLocked,
        ["failedLogins"] = d.FailedLogins,
        ["upgrading"] = d.Upgrading,
        ["realm"] = d.Realm,
        ["certificateSha256"] = d.GeneratedCertificateSha256Hex,
        ["faults"] = FaultPatch.Describe(d.Faults),
        ["settings"] = new Dictionary<string, object?>
        {
            ["cloudEnabled"] = d.Config.Cloud.Enabled,
            ["loginLockEnabled"] = d.Config.LoginLock.Enabled,
            ["httpsAccessEnabled"] = d.Config.HttpsEnabled,
            ["timeMode"] = d.Config.Time.TimeMode,
        },
    };

    /// <summary>The hardening-relevant settings the control API may change (what a technician would click in the web UI).</summary>
    private sealed record HardeningPatch(bool? CloudEnabled, bool? LoginLockEnabled, bool? HttpsAccessEnabled, string? TimeMode);

    private static string Page(VirtualFleet fleet)
    {
        var h = HtmlEncoder.Default;
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>HikFleet simulator</title>")
          .Append("<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px}.off{color:#a00}</style>")
          .Append("</head><body><h1>HikFleet simulator</h1><p>").Append(fleet.Devices.Count).Append(" devices. JSON: <a href=\"devices\">/devices</a></p>")
          .Append("<table><tr><th>#</th><th>serial</th><th>model</th><th>firmware</th><th>address</th><th>site</th><th>name</th><th>activated</th><th>online</th><th>uptime s</th><th>locked</th><th>faults</th></tr>");
        foreach (var d in fleet.Devices.Take(2000))
        {
            var faults = string.Join(", ", FaultPatch.Describe(d.Faults).Where(kv => kv.Value is true || kv.Value is int i && i != 0 && kv.Key is not ("oversizedBytes" or "slowDripMs"))
                .Select(kv => kv.Value is true ? kv.Key : $"{kv.Key}={kv.Value}"));
            sb.Append("<tr").Append(d.Online ? "" : " class=\"off\"").Append("><td>").Append(d.Index)
              .Append("</td><td>").Append(h.Encode(d.Serial))
              .Append("</td><td>").Append(h.Encode(d.Model))
              .Append("</td><td>").Append(h.Encode($"{d.FirmwareVersion} {d.FirmwareBuild}"))
              .Append("</td><td>").Append(h.Encode($"{d.Address}:{d.HttpPort}"))
              .Append("</td><td>").Append(h.Encode(d.Site))
              .Append("</td><td>").Append(h.Encode(d.Name))
              .Append("</td><td>").Append(d.Activated ? "yes" : "no")
              .Append("</td><td>").Append(d.Online ? "yes" : "no")
              .Append("</td><td>").Append((long)d.Uptime.TotalSeconds)
              .Append("</td><td>").Append(d.IsLocked ? "locked" : "")
              .Append("</td><td>").Append(h.Encode(faults))
              .Append("</td></tr>");
        }
        sb.Append("</table>");
        if (fleet.Devices.Count > 2000)
            sb.Append("<p>(first 2000 shown)</p>");
        sb.Append("</body></html>");
        return sb.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
