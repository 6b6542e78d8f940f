using System.Collections.Concurrent;
using System.Net;
using System.Text.RegularExpressions;
using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Devices;
using HikFleet.Core.Vault;
using HikFleet.Isapi;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HikFleet.Core.Discovery;

/// <summary>
/// The network half of a discovery run: SADP on the site's interfaces, then an ISAPI probe of the site's declared ranges.
/// The probe never guesses passwords: it asks unauthenticated endpoints first (<c>/SDK/activateStatus</c>, the 401 digest realm,
/// protocol reference §1.2/§3.2); only a known camera at a probed address is logged in to, with its vault credential and only when
/// <see cref="DeviceAccess.Decide"/> allows it (at most one failed login per lockout window, §1.5).
/// </summary>
public sealed partial class DiscoveryScanner(
    SiteSadpClients sadpClients,
    IIsapiClientFactory isapi,
    DeviceAccess access,
    CredentialVault vault,
    IDbContextFactory<FleetDbContext> contexts,
    IOptions<DiscoveryOptions> options,
    TimeProvider time,
    ILogger<DiscoveryScanner> logger)
{
    /// <summary>Scans one site; <paramref name="problems"/> collects what could not be scanned (bad ranges, limits).</summary>
    public async Task<List<DeviceObservation>> ScanAsync(Site site, List<string> problems, CancellationToken ct)
    {
        var o = options.Value;
        var observations = new List<DeviceObservation>();
        var sadp = sadpClients.ForSite(site);
        await foreach (var sighting in sadp.DiscoverAsync(ct))
        {
            if (observations.Count >= o.MaxSadpSightings)
            {
                problems.Add($"More than {o.MaxSadpSightings} SADP answers; the rest were ignored.");
                break;
            }

            var observation = DeviceObservation.FromSadp(sighting);
            if (observation.Mac is not null) observations.Add(observation);
        }

        if (site.ProbeRanges.Count > 0)
        {
            var addresses = ProbeRanges.Expand(site.ProbeRanges, o.MaxProbeAddresses, out var rangeProblems);
            problems.AddRange(rangeProblems);
            // What SADP already identified needs no HTTP request (and no login).
            var seen = observations.Where(x => x.Address is not null).Select(x => x.Address!).ToHashSet();
            var targets = addresses.Where(a => !seen.Contains(a)).ToList();
            observations.AddRange(await ProbeAsync(site, targets, ct));
        }

        return observations;
    }

    private async Task<List<DeviceObservation>> ProbeAsync(Site site, List<IPAddress> targets, CancellationToken ct)
    {
        var o = options.Value;
        if (targets.Count == 0) return [];

        Dictionary<IPAddress, Guid> known;
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            var rows = await db.Cameras.AsNoTracking()
                .Where(c => c.SiteId == site.Id && c.Address != null && c.Lifecycle == CameraLifecycle.Managed)
                .Select(c => new { c.Id, c.Address }).ToListAsync(ct);
            known = rows.GroupBy(r => r.Address!).ToDictionary(g => g.Key, g => g.First().Id);
        }

        // Short bounds for the anonymous questions: an empty address must cost little. The lockout guard stays shared.
        var probeFactory = new IsapiClientFactory(Options.Create(new IsapiOptions
        {
            ConnectTimeout = o.ProbeConnectTimeout,
            RequestTimeout = o.ProbeRequestTimeout,
            ReadIdleTimeout = o.ProbeRequestTimeout,
            MaxXmlBytes = 64 * 1024,
        }), isapi.Lockout);
        using var raw = new HttpClient(new SocketsHttpHandler
        {
            ConnectTimeout = o.ProbeConnectTimeout,
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            MaxResponseHeadersLength = 16,
            MaxResponseDrainSize = 16 * 1024,
        }) { Timeout = o.ProbeRequestTimeout };

        var results = new ConcurrentBag<DeviceObservation>();
        await Parallel.ForEachAsync(targets, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, o.ProbeConcurrency), CancellationToken = ct },
            async (address, token) =>
            {
                var observation = await ProbeOneAsync(probeFactory, raw, address, site.ProbePort,
                    known.TryGetValue(address, out var cameraId) ? cameraId : null, token);
                if (observation is not null) results.Add(observation);
            });
        return [.. results];
    }

    private async Task<DeviceObservation?> ProbeOneAsync(IIsapiClientFactory probeFactory, HttpClient raw, IPAddress address, int port,
        Guid? knownCameraId, CancellationToken ct)
    {
        bool? activated = null;
        using (var anonymous = probeFactory.Create(new IsapiEndpoint(address.ToString(), port), null))
        {
            try
            {
                activated = (await anonymous.GetActivationStatusAsync(ct)).Activated;
            }
            catch (IsapiException ex) when (ex.Kind is IsapiErrorKind.Unreachable or IsapiErrorKind.Timeout)
            {
                return null;
            }
            catch (IsapiException)
            {
                // It answers HTTP, but not /SDK/activateStatus (older firmware, or not a Hikvision device): the realm decides.
            }
        }

        var now = time.GetUtcNow();
        if (activated == false)
        {
            return new DeviceObservation
            {
                Source = SightingSource.IsapiProbe, Address = address, HttpPort = port, Activated = false, SeenAt = now,
                Detail = "Inactive device: its identity can be read only after activation (adopt it from SADP, or add it by address).",
            };
        }

        var realm = await ReadRealmAsync(raw, address, port, ct);
        if (realm is null && activated is null) return null;

        if (knownCameraId is { } id)
        {
            var identified = await IdentifyKnownAsync(id, address, port, ct);
            if (identified is not null) return identified;
        }

        return new DeviceObservation
        {
            Source = SightingSource.IsapiProbe, Address = address, HttpPort = port, Activated = true, SeenAt = now,
            Detail = realm is null ? "Needs credentials (add it by address)." : $"Needs credentials (add it by address); realm {realm}.",
        };
    }

    /// <summary>Reads deviceInfo of a known camera at a probed address with its vault credential, if the lockout guard allows.</summary>
    private async Task<DeviceObservation?> IdentifyKnownAsync(Guid cameraId, IPAddress address, int port, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var camera = await db.Cameras.SingleOrDefaultAsync(c => c.Id == cameraId, ct);
        if (camera is null) return null;
        DeviceSecret? secret;
        try
        {
            secret = await vault.GetForCameraAsync(db, camera.Id, ct);
        }
        catch (VaultException ex)
        {
            logger.LogWarning("Discovery: the vault cannot open the credential of camera {CameraId}: {Reason}", camera.Id, ex.Message);
            secret = null;
        }

        var now = time.GetUtcNow();
        var decision = access.Decide(camera, secret);
        if (!decision.Allowed)
        {
            return new DeviceObservation
            {
                Source = SightingSource.IsapiProbe, Address = address, HttpPort = port, Activated = true, SeenAt = now,
                UnverifiedCameraId = camera.Id, Detail = $"Answers at the camera's address; identity not verified: {decision.Reason}",
            };
        }

        try
        {
            using var client = access.CreateClient(camera, secret);
            var info = await client.GetDeviceInfoAsync(ct);
            DeviceAccess.RecordSuccess(camera);
            await db.SaveChangesAsync(ct);
            return DeviceObservation.FromDeviceInfo(info, address, port, now);
        }
        catch (IsapiException ex)
        {
            var auth = access.RecordFailure(camera, secret, ex);
            await db.SaveChangesAsync(ct);
            var why = auth
                ? $"the device refused the stored credential ({ex.Kind}{(ex.AttemptsLeft is { } left ? $", {left} attempts left" : "")})"
                : $"deviceInfo failed ({ex.Kind})";
            return new DeviceObservation
            {
                Source = SightingSource.IsapiProbe, Address = address, HttpPort = port, Activated = true, SeenAt = now,
                UnverifiedCameraId = camera.Id, Detail = $"Answers at the camera's address; identity not verified: {why}.",
            };
        }
    }

    /// <summary>The digest/basic realm of an unauthenticated request (§1.2): proves an ISAPI device without any login attempt.</summary>
    private static async Task<string?> ReadRealmAsync(HttpClient raw, IPAddress address, int port, CancellationToken ct)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new UriBuilder("http", address.ToString(), port, "/ISAPI/System/deviceInfo").Uri);
            using var response = await raw.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            if (response.StatusCode != HttpStatusCode.Unauthorized) return null;
            foreach (var header in response.Headers.WwwAuthenticate)
            {
                var m = RealmPattern().Match(header.Parameter ?? "");
                if (m.Success) return DeviceObservation.Clean(m.Groups[1].Value, 64);
            }

            return null;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return null;
        }
    }

    [GeneratedRegex("realm=\"([^\"]{1,128})\"", RegexOptions.IgnoreCase)]
    private static partial Regex RealmPattern();
}
