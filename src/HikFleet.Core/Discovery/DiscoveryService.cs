using System.Net;
using Hangfire;
using HikFleet.Core.Audit;
using HikFleet.Core.Common;
using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Devices;
using HikFleet.Core.Jobs;
using HikFleet.Core.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace HikFleet.Core.Discovery;

/// <summary>
/// Discovery of one site: scan (<see cref="DiscoveryScanner"/>), then reconcile the sightings into the inventory by MAC and serial,
/// never by IP (DESIGN.md: IPs change). One run per site at a time, enforced by the database (ux_discovery_runs_one_running).
/// </summary>
public sealed class DiscoveryService(
    IDbContextFactory<FleetDbContext> contexts,
    DiscoveryScanner scanner,
    AuditLog audit,
    FleetChangeFeed feed,
    IBackgroundJobClient jobs,
    Operations.OperationService operations,
    IOptions<DiscoveryOptions> options,
    TimeProvider time,
    ILogger<DiscoveryService> logger)
{
    /// <summary>Serialises reconciliation across sites and nodes ("HFDISCV1"): two sites on one segment see the same new device.</summary>
    public const long ReconcileLockKey = 0x4846_4449_5343_5631;

    /// <summary>
    /// Runs discovery for a site now and returns the finished run. When another run of the site is in progress, returns that run
    /// unchanged (nothing is scanned twice). Throws <see cref="KeyNotFoundException"/> for a site that does not exist.
    /// </summary>
    public async Task<DiscoveryRun> RunSiteAsync(Guid siteId, string triggeredBy, CancellationToken cancellationToken)
    {
        Site site;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            site = await db.Sites.AsNoTracking().SingleOrDefaultAsync(s => s.Id == siteId, cancellationToken)
                ?? throw new KeyNotFoundException($"Site {siteId} does not exist.");
        }

        var (run, started) = await StartRunAsync(site, triggeredBy, cancellationToken);
        if (!started) return run;

        var problems = new List<string>();
        try
        {
            var observations = await scanner.ScanAsync(site, problems, cancellationToken);
            var outcome = await ReconcileWithRetryAsync(site, run.Id, observations, problems, cancellationToken);
            await AuditMovesAsync(site, run.Id, outcome.Moves, cancellationToken);
            await RequestReprovisioningAsync(run.Id, cancellationToken);
            feed.Publish(new FleetChange("discovery", site.TenantId, site.Id));
            return outcome.Run;
        }
        catch (Exception ex)
        {
            var error = ex is OperationCanceledException ? "Cancelled (the job was stopped)." : $"{ex.GetType().Name}: {ex.Message}";
            logger.LogWarning(ex, "Discovery run {RunId} of site {SiteId} failed", run.Id, site.Id);
            await using var db = await contexts.CreateDbContextAsync(CancellationToken.None);
            var failed = await db.DiscoveryRuns.SingleAsync(r => r.Id == run.Id, CancellationToken.None);
            failed.Status = DiscoveryRunStatus.Failed;
            failed.FinishedAt = time.GetUtcNow();
            failed.Error = DiscoveryFindings.Bound(string.Join(" ", problems.Prepend(error)), 1000);
            await db.SaveChangesAsync(CancellationToken.None);
            feed.Publish(new FleetChange("discovery", site.TenantId, site.Id));
            if (ex is OperationCanceledException) throw;
            return failed;
        }
    }

    /// <summary>
    /// Reconciles observations gathered elsewhere as a finished run of the site, without scanning (the fleet benchmark,
    /// bench/HikFleet.FleetBench, times reconciliation alone with it). Throws when a run of the site is in progress.
    /// </summary>
    internal async Task<DiscoveryRun> ReconcileObservationsAsync(Guid siteId, List<DeviceObservation> observations, string triggeredBy,
        CancellationToken cancellationToken)
    {
        Site site;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            site = await db.Sites.AsNoTracking().SingleOrDefaultAsync(s => s.Id == siteId, cancellationToken)
                ?? throw new KeyNotFoundException($"Site {siteId} does not exist.");
        }

        var (run, started) = await StartRunAsync(site, triggeredBy, cancellationToken);
        if (!started) throw new InvalidOperationException("A discovery run of this site is in progress.");
        var outcome = await ReconcileWithRetryAsync(site, run.Id, observations, [], cancellationToken);
        feed.Publish(new FleetChange("discovery", site.TenantId, site.Id));
        return outcome.Run;
    }

    /// <summary>
    /// "Scan now": checks the caller may operate the site, queues the run as a job and records it ("discovery.scan").
    /// Conflict when a run of the site is in progress.
    /// </summary>
    public async Task<ServiceResult> ScanNowAsync(FleetScope scope, Guid siteId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var site = await scope.Sites(db).AsNoTracking().SingleOrDefaultAsync(s => s.Id == siteId, cancellationToken);
        if (site is null) return ServiceResult.NotFound("The site does not exist.");

        ServiceResult result;
        var staleBefore = time.GetUtcNow() - options.Value.StaleRunAfter;
        if (!scope.Can(FleetPermissions.Operate, site.TenantId, site.Id))
        {
            result = ServiceResult.Forbidden("Your role may not start discovery.");
        }
        else if (await db.DiscoveryRuns.AnyAsync(r => r.SiteId == siteId && r.Status == DiscoveryRunStatus.Running && r.StartedAt > staleBefore, cancellationToken))
        {
            result = ServiceResult.Conflict("", "A discovery run of this site is in progress; its results appear when it ends.");
        }
        else
        {
            var triggeredBy = scope.UserName ?? "system";
            jobs.EnqueueInteractive<SiteDiscoveryJob>(job => job.ExecuteAsync(siteId, triggeredBy, CancellationToken.None));
            result = ServiceResult.Ok(siteId);
        }

        await audit.RecordAsync(scope, "discovery.scan", result, site.TenantId, site.Id, cancellationToken: cancellationToken);
        return result;
    }

    /// <summary>
    /// What the discovery page and API show for a site: the latest finished run with its sightings, and whether one is running.
    /// Null when the site is not in the caller's scope.
    /// </summary>
    public async Task<SiteDiscoveryView?> GetLatestAsync(FleetScope scope, Guid siteId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var site = await scope.Sites(db).AsNoTracking().SingleOrDefaultAsync(s => s.Id == siteId, cancellationToken);
        if (site is null) return null;
        var staleBefore = time.GetUtcNow() - options.Value.StaleRunAfter;
        var running = await db.DiscoveryRuns.AnyAsync(r => r.SiteId == siteId && r.Status == DiscoveryRunStatus.Running && r.StartedAt > staleBefore, cancellationToken);
        var run = await db.DiscoveryRuns.AsNoTracking().Where(r => r.SiteId == siteId && r.Status != DiscoveryRunStatus.Running)
            .OrderByDescending(r => r.StartedAt).FirstOrDefaultAsync(cancellationToken);
        var sightings = run is null ? [] : await db.DiscoverySightings.AsNoTracking().Where(s => s.RunId == run.Id)
            .OrderBy(s => s.Outcome).ThenBy(s => s.Address).Take(MaxSightingsShown).ToListAsync(cancellationToken);
        return new SiteDiscoveryView(site, running, run, sightings);
    }

    /// <summary>Most sightings a page or API answer lists (a run's counts still tell the whole story).</summary>
    public const int MaxSightingsShown = 5000;

    private async Task<(DiscoveryRun Run, bool Started)> StartRunAsync(Site site, string triggeredBy, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var now = time.GetUtcNow();
        var staleBefore = now - options.Value.StaleRunAfter;
        // A run whose worker died stays Running forever; past the bound it is closed so the site can be scanned again.
        await db.DiscoveryRuns.Where(r => r.SiteId == site.Id && r.Status == DiscoveryRunStatus.Running && r.StartedAt < staleBefore)
            .ExecuteUpdateAsync(u => u.SetProperty(r => r.Status, DiscoveryRunStatus.Failed).SetProperty(r => r.FinishedAt, now)
                .SetProperty(r => r.Error, "Abandoned: still running after the stale-run bound (the worker stopped)."), ct);

        var run = new DiscoveryRun { SiteId = site.Id, StartedAt = now, TriggeredBy = DiscoveryFindings.Bound(triggeredBy, 256)! };
        db.DiscoveryRuns.Add(run);
        try
        {
            await db.SaveChangesAsync(ct);
            return (run, true);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            db.ChangeTracker.Clear();
            var running = await db.DiscoveryRuns.AsNoTracking()
                .FirstOrDefaultAsync(r => r.SiteId == site.Id && r.Status == DiscoveryRunStatus.Running, ct);
            return running is null ? throw new InvalidOperationException("A discovery run started and ended meanwhile; try again.") : (running, false);
        }
    }

    private sealed record Move(Guid CameraId, string? From, string To);

    private sealed record ReconcileOutcome(DiscoveryRun Run, List<Move> Moves);

    private async Task<ReconcileOutcome> ReconcileWithRetryAsync(Site site, Guid runId, List<DeviceObservation> observations,
        List<string> problems, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await ReconcileAsync(site, runId, observations, problems, ct);
            }
            catch (DbUpdateConcurrencyException) when (attempt < 4)
            {
                // A health check changed one of the cameras meanwhile (xmin): reconcile again on fresh rows.
            }
        }
    }

    private async Task<ReconcileOutcome> ReconcileAsync(Site site, Guid runId, List<DeviceObservation> observations, List<string> problems,
        CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        // The whole reconciliation is one retriable unit (the connection's retrying strategy replays it on a transient failure).
        return await db.Database.CreateExecutionStrategy().ExecuteAsync(
            token => ReconcileCoreAsync(db, site, runId, observations, problems, token), ct);
    }

    private async Task<ReconcileOutcome> ReconcileCoreAsync(FleetDbContext db, Site site, Guid runId, List<DeviceObservation> observations,
        List<string> problems, CancellationToken ct)
    {
        db.ChangeTracker.Clear();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({ReconcileLockKey})", ct);
        var now = time.GetUtcNow();
        var run = await db.DiscoveryRuns.SingleAsync(r => r.Id == runId, ct);

        // One observation per MAC (SADP already de-duplicates; the probe skips what SADP saw).
        var identified = observations.Where(o => o.Mac is not null).GroupBy(o => o.Mac!).Select(g => g.OrderBy(o => o.Source).First()).ToList();
        var anonymous = observations.Where(o => o.Mac is null).ToList();

        var macs = identified.Select(o => o.Mac!).ToList();
        var serials = identified.Where(o => o.Serial is not null).Select(o => o.Serial!).ToList();
        var cameras = await db.Cameras
            .Where(c => c.SiteId == site.Id || macs.Contains(c.MacAddress) || serials.Contains(c.SerialNumber))
            .ToListAsync(ct);
        var byMac = cameras.ToDictionary(c => c.MacAddress, StringComparer.Ordinal);
        var bySerial = cameras.ToDictionary(c => c.SerialNumber, StringComparer.Ordinal);
        var cameraIds = cameras.Select(c => c.Id).ToList();
        var codes = DiscoveryFindings.All.ToList();
        var findings = (await db.CameraFindings.Where(f => cameraIds.Contains(f.CameraId) && codes.Contains(f.Code)).ToListAsync(ct))
            .GroupBy(f => f.CameraId).ToDictionary(g => g.Key, g => g.ToDictionary(f => f.Code, StringComparer.Ordinal));
        Dictionary<string, CameraFinding> FindingsOf(Camera c) =>
            findings.TryGetValue(c.Id, out var f) ? f : findings[c.Id] = new Dictionary<string, CameraFinding>(StringComparer.Ordinal);
        var otherSites = await db.Sites.AsNoTracking().Where(s => s.Id != site.Id).Select(s => s.Subnets).ToListAsync(ct);

        bool InOwnSubnets(IPAddress a) => site.Subnets.Count == 0 || site.Subnets.Any(n => n.Contains(a));
        // Another site's device: its address is in that site's subnets and not in ours (a site without subnets claims none).
        bool InOtherSite(IPAddress a) => !site.Subnets.Any(n => n.Contains(a)) && otherSites.Any(subnets => subnets.Any(n => n.Contains(a)));
        bool Active(Camera c) => c.Lifecycle is CameraLifecycle.Managed or CameraLifecycle.Discovered;

        // ---- Identity first: which inventory row (if any) each observation is, and whether the hardware changed.
        var plans = new List<Plan>();
        foreach (var o in identified)
        {
            byMac.TryGetValue(o.Mac!, out var macMatch);
            Camera? serialMatch = o.Serial is not null && bySerial.TryGetValue(o.Serial, out var s) ? s : null;
            var camera = macMatch ?? serialMatch;
            var replaced = (macMatch is not null && o.Serial is not null && macMatch.SerialNumber != o.Serial)
                || (serialMatch is not null && serialMatch.MacAddress != o.Mac);
            plans.Add(new Plan(o, camera, replaced));
        }

        // ---- Where every device of this site is after this run (a camera seen elsewhere no longer holds its old address).
        var claims = new Dictionary<IPAddress, HashSet<string>>();
        void Claim(IPAddress? a, string mac)
        {
            if (a is null) return;
            if (!claims.TryGetValue(a, out var set)) claims[a] = set = new HashSet<string>(StringComparer.Ordinal);
            set.Add(mac);
        }

        foreach (var p in plans.Where(p => p.Observation.Activated != false)) Claim(p.Observation.Address, p.Observation.Mac!);
        var seenIds = plans.Where(p => p.Camera is not null).Select(p => p.Camera!.Id)
            .Concat(anonymous.Where(a => a.UnverifiedCameraId is not null).Select(a => a.UnverifiedCameraId!.Value)).ToHashSet();
        var unseenHolders = cameras.Where(c => c.SiteId == site.Id && c.Lifecycle == CameraLifecycle.Managed && !seenIds.Contains(c.Id) && c.Address is not null).ToList();
        foreach (var c in unseenHolders) Claim(c.Address, c.MacAddress);
        bool Conflicted(IPAddress? a) => a is not null && claims.TryGetValue(a, out var set) && set.Count > 1;
        string Others(IPAddress a, string mac) => string.Join(", ", claims[a].Where(m => m != mac).Order());

        var moves = new List<Move>();
        var counts = new Dictionary<SightingOutcome, int>();
        var sightings = new List<DiscoverySighting>(plans.Count + anonymous.Count);
        foreach (var plan in plans)
        {
            var o = plan.Observation;
            var camera = plan.Camera;
            var (outcome, detail) = Classify(plan);
            counts[outcome] = counts.GetValueOrDefault(outcome) + 1;
            sightings.Add(new DiscoverySighting
            {
                RunId = run.Id, SiteId = site.Id, MacAddress = o.Mac, SerialNumber = o.Serial, Model = o.Model, Address = o.Address,
                HttpPort = o.HttpPort, FirmwareVersion = DiscoveryFindings.Bound(o.FirmwareText, 64), Activated = o.Activated, Source = o.Source,
                Outcome = outcome, CameraId = outcome == SightingOutcome.ForeignSite ? null : camera?.Id ?? plan.Created?.Id,
                Detail = DiscoveryFindings.Bound(detail, 500), SeenAt = o.SeenAt,
            });
        }

        foreach (var a in anonymous)
        {
            var outcome = a.UnverifiedCameraId is not null ? SightingOutcome.Known
                : a.Address is not null && InOtherSite(a.Address) ? SightingOutcome.ForeignSite
                : SightingOutcome.New;
            counts[outcome] = counts.GetValueOrDefault(outcome) + 1;
            var holder = a.UnverifiedCameraId is { } id ? cameras.FirstOrDefault(c => c.Id == id) : null;
            if (holder is not null)
            {
                holder.LastSeenAt = now;
                ReturnIfMissing(holder);
            }

            sightings.Add(new DiscoverySighting
            {
                RunId = run.Id, SiteId = site.Id, MacAddress = null, Address = a.Address, HttpPort = a.HttpPort, Activated = a.Activated,
                Source = a.Source, Outcome = outcome, CameraId = holder?.Id, Detail = DiscoveryFindings.Bound(a.Detail, 500), SeenAt = a.SeenAt,
            });
        }

        // ---- Managed cameras of the site nobody saw: missing after the site's threshold.
        var missingNow = 0;
        foreach (var c in cameras.Where(c => c.SiteId == site.Id && c.Lifecycle == CameraLifecycle.Managed && !seenIds.Contains(c.Id)))
        {
            c.MissedDiscoveryRuns++;
            if (c.MissedDiscoveryRuns == Math.Max(1, site.MissingAfterRuns))
            {
                DiscoveryFindings.Open(db, c, FindingsOf(c), DiscoveryFindings.Missing, "Not seen by discovery",
                    $"Not seen by {c.MissedDiscoveryRuns} consecutive discovery runs (last seen {c.LastSeenAt?.ToString("u") ?? "never"}).", now);
                AddEvent(c, CameraEventKinds.Missing, $"Not seen by {c.MissedDiscoveryRuns} consecutive discovery runs.");
                Touch(c);
            }

            if (c.MissedDiscoveryRuns >= Math.Max(1, site.MissingAfterRuns)) missingNow++;
            if (Conflicted(c.Address))
            {
                if (DiscoveryFindings.Open(db, c, FindingsOf(c), DiscoveryFindings.IpConflict, $"Another device answers at {c.Address}",
                        $"Devices claiming {c.Address} in run {run.Id}: {string.Join(", ", claims[c.Address!].Order())}.", now))
                {
                    Touch(c);
                }
            }
        }

        run.Seen = plans.Count + anonymous.Count;
        run.New = counts.GetValueOrDefault(SightingOutcome.New);
        run.Moved = counts.GetValueOrDefault(SightingOutcome.Moved);
        run.Conflicts = counts.GetValueOrDefault(SightingOutcome.IpConflict);
        run.Mismatched = counts.GetValueOrDefault(SightingOutcome.SubnetMismatch);
        run.FoundReset = counts.GetValueOrDefault(SightingOutcome.FoundReset);
        run.Missing = missingNow;
        run.Status = DiscoveryRunStatus.Succeeded;
        run.FinishedAt = time.GetUtcNow();
        run.Error = problems.Count == 0 ? null : DiscoveryFindings.Bound(string.Join(" ", problems), 1000);
        // Known cameras (the bulk of every run: "seen now", moved) as set-based UPDATEs with SaveChanges' xmin rule, the rest
        // (new cameras, finding codes, events) through SaveChanges (issue #13: 10,000 sightings).
        await BulkChanges.Take(db, [typeof(Camera)], []).ExecuteAsync(db, ct);
        await db.SaveChangesAsync(ct);
        // After SaveChanges: a sighting may point at a camera row this run created.
        await BulkCopy.WriteAsync(db, sightings, ct);
        await transaction.CommitAsync(ct);
        return new ReconcileOutcome(run, moves);

        // ---------------------------------------------------------------- local rules
        (SightingOutcome, string?) Classify(Plan plan)
        {
            var o = plan.Observation;
            var camera = plan.Camera;
            var address = o.Address;

            // Another site's or tenant's camera: never changed from here (tenant isolation on shared segments).
            if (camera is not null && camera.SiteId != site.Id) return (SightingOutcome.ForeignSite, "Belongs to another site's inventory; not changed.");
            if (camera is null && address is not null && InOtherSite(address))
            {
                return (SightingOutcome.ForeignSite, "Its address lies in another site's subnets; not added here.");
            }

            if (camera is not null && !Active(camera)) return (SightingOutcome.Known, $"{camera.Lifecycle}: left as it is.");

            if (camera is not null)
            {
                camera.LastSeenAt = now;
                ReturnIfMissing(camera);
            }

            if (camera is not null && plan.Replaced)
            {
                var evidence = $"Inventory: serial {camera.SerialNumber}, MAC {camera.MacAddress}. Seen: serial {o.Serial ?? "?"}, MAC {o.Mac} at {address}.";
                if (DiscoveryFindings.Open(db, camera, FindingsOf(camera), DiscoveryFindings.ReplacedDevice, "Different hardware answers for this camera", evidence, now))
                {
                    AddEvent(camera, CameraEventKinds.Replaced, evidence);
                }

                Touch(camera);
                return (SightingOutcome.Replaced, evidence);
            }

            if (camera is not null) DiscoveryFindings.Close(db, camera, FindingsOf(camera), DiscoveryFindings.ReplacedDevice);

            if (camera is { Lifecycle: CameraLifecycle.Managed } && o.Activated == false)
            {
                var detail = $"Seen inactive (factory state) at {address}; its inventory address {camera.Address?.ToString() ?? "-"} is kept for reprovisioning.";
                if (camera.Activated != false || !camera.FindingCodes.Contains(DiscoveryFindings.FoundReset))
                {
                    AddEvent(camera, CameraEventKinds.FoundReset, detail);
                }

                camera.Activated = false;
                DiscoveryFindings.Open(db, camera, FindingsOf(camera), DiscoveryFindings.FoundReset, "Factory-reset: inactive", detail, now);
                Touch(camera);
                return (SightingOutcome.FoundReset, detail);
            }

            if (camera is not null && o.Activated == true && camera.Activated == false)
            {
                DiscoveryFindings.Close(db, camera, FindingsOf(camera), DiscoveryFindings.FoundReset);
            }

            if (camera is null)
            {
                plan.Created = CreateDiscovered(o);
            }

            var target = camera ?? plan.Created;
            if (Conflicted(address))
            {
                var detail = $"{address} is also claimed by {Others(address!, o.Mac!)}.";
                if (target is not null)
                {
                    target.Activated = o.Activated ?? target.Activated;
                    DiscoveryFindings.Open(db, target, FindingsOf(target), DiscoveryFindings.IpConflict, $"Another device answers at {address}", detail, now);
                    Touch(target);
                }

                return (SightingOutcome.IpConflict, detail);
            }

            if (target is not null)
            {
                DiscoveryFindings.Close(db, target, FindingsOf(target), DiscoveryFindings.IpConflict);
            }

            string? moved = null;
            if (camera is not null)
            {
                if (address is not null && !Equals(camera.Address, address))
                {
                    moved = $"{camera.Address?.ToString() ?? "-"} → {address}";
                    if (camera.Address is not null) AddEvent(camera, CameraEventKinds.Moved, moved);
                    if (camera.Lifecycle == CameraLifecycle.Managed) moves.Add(new Move(camera.Id, camera.Address?.ToString(), address.ToString()));
                    camera.Address = address;
                }

                if (o.HttpPort is { } port && port != camera.HttpPort && !camera.UseHttps) camera.HttpPort = port;
                camera.Activated = o.Activated ?? camera.Activated;
                if (camera.Lifecycle == CameraLifecycle.Discovered)
                {
                    camera.Model = o.Model ?? camera.Model;
                    camera.FirmwareVersion = o.FirmwareVersion ?? camera.FirmwareVersion;
                    camera.FirmwareBuild = o.FirmwareBuild ?? camera.FirmwareBuild;
                }

                Touch(camera);
            }

            if (address is not null && !InOwnSubnets(address))
            {
                var detail = $"{address} is outside the site's subnets ({string.Join(", ", site.Subnets)}).";
                if (target is not null)
                {
                    DiscoveryFindings.Open(db, target, FindingsOf(target), DiscoveryFindings.SubnetMismatch, $"Outside the site's subnets at {address}", detail, now);
                }

                return (SightingOutcome.SubnetMismatch, moved is null ? detail : $"Moved {moved}. {detail}");
            }

            if (target is not null) DiscoveryFindings.Close(db, target, FindingsOf(target), DiscoveryFindings.SubnetMismatch);
            if (camera is null) return (SightingOutcome.New, plan.Created is null ? "Reported no serial number: cannot be added to the inventory." : null);
            return moved is null ? (SightingOutcome.Known, null) : (SightingOutcome.Moved, moved);
        }

        Camera? CreateDiscovered(DeviceObservation o)
        {
            if (o.Serial is null || o.Mac is null) return null;
            var c = new Camera
            {
                SiteId = site.Id, SerialNumber = o.Serial, MacAddress = o.Mac, Model = o.Model ?? "unknown", FirmwareVersion = o.FirmwareVersion,
                FirmwareBuild = o.FirmwareBuild, Address = o.Address, HttpPort = o.HttpPort ?? 80, Activated = o.Activated,
                Lifecycle = CameraLifecycle.Discovered, CreatedAt = now, UpdatedAt = now, LastSeenAt = now,
            };
            db.Cameras.Add(c);
            byMac[c.MacAddress] = c;
            bySerial[c.SerialNumber] = c;
            AddEvent(c, CameraEventKinds.Discovered, $"Found by {(o.Source == SightingSource.Sadp ? "SADP" : "the ISAPI probe")} at {o.Address}.");
            return c;
        }

        void ReturnIfMissing(Camera c)
        {
            if (c.MissedDiscoveryRuns >= Math.Max(1, site.MissingAfterRuns) || c.FindingCodes.Contains(DiscoveryFindings.Missing))
            {
                DiscoveryFindings.Close(db, c, FindingsOf(c), DiscoveryFindings.Missing);
                AddEvent(c, CameraEventKinds.Returned, $"Seen again after {c.MissedDiscoveryRuns} missed discovery runs.");
            }

            if (c.MissedDiscoveryRuns != 0)
            {
                c.MissedDiscoveryRuns = 0;
                Touch(c);
            }
        }

        void AddEvent(Camera c, string kind, string? detail) =>
            db.CameraEvents.Add(new CameraEvent { CameraId = c.Id, At = now, Kind = kind, Detail = DiscoveryFindings.Bound(detail, 2000) });

        void Touch(Camera c) => c.UpdatedAt = now;
    }

    /// <summary>
    /// Known cameras this run found factory-reset (the paperclip on site) get a reprovisioning operation: queued at once where the
    /// site's policy is Automatic, waiting for a person's approval otherwise. A camera HikFleet is resetting itself already has an
    /// active operation and is left alone.
    /// </summary>
    private async Task RequestReprovisioningAsync(Guid runId, CancellationToken ct)
    {
        List<(Guid Camera, string? Detail)> reset;
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            reset = (await db.DiscoverySightings.AsNoTracking().Where(s => s.RunId == runId && s.Outcome == SightingOutcome.FoundReset && s.CameraId != null)
                .Select(s => new { s.CameraId, s.Detail }).ToListAsync(ct)).Select(s => (s.CameraId!.Value, s.Detail)).ToList();
        }

        foreach (var (camera, detail) in reset)
        {
            await operations.RequestReprovisionAsync(camera, $"Discovery found it factory-reset. {detail}", ct);
        }
    }

    private async Task AuditMovesAsync(Site site, Guid runId, List<Move> moves, CancellationToken ct)
    {
        foreach (var move in moves)
        {
            await audit.AppendAsync(new AuditRecord
            {
                Actor = AuditActor.Job(runId.ToString("D"), "discovery"),
                Action = "camera.moved",
                Result = AuditResult.Succeeded,
                TenantId = site.TenantId,
                SiteId = site.Id,
                CameraId = move.CameraId,
                Parameters = new { from = move.From, to = move.To, run = runId },
            }, ct);
        }
    }

    private sealed class Plan(DeviceObservation observation, Camera? camera, bool replaced)
    {
        public DeviceObservation Observation { get; } = observation;
        public Camera? Camera { get; } = camera;
        public bool Replaced { get; } = replaced;
        public Camera? Created { get; set; }
    }
}

/// <summary>A site's latest finished discovery run, its sightings, and whether a run is in progress.</summary>
public sealed record SiteDiscoveryView(Site Site, bool Running, DiscoveryRun? Run, IReadOnlyList<DiscoverySighting> Sightings);
