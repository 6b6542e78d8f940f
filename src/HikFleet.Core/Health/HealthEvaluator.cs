using System.Globalization;
using System.Net;
using System.Net.Sockets;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Devices;
using HikFleet.Isapi;
using HikFleet.Isapi.Models;
using static HikFleet.Core.Health.HealthFindings;

namespace HikFleet.Core.Health;

/// <summary>
/// What the rest of the inventory says that a check needs: the site's subnets, shared addresses, firmware releases, identities, and
/// the hardening policy of the site's effective profile.
/// </summary>
internal sealed record HealthContext(
    IReadOnlyList<IPNetwork> Subnets,
    IReadOnlySet<IPAddress> SharedAddresses,
    IReadOnlyList<FirmwareRelease> Releases,
    HealthOptions Options,
    HardeningPolicy? Hardening = null,
    IReadOnlyDictionary<Guid, Poe.PoePortHealth>? Poe = null);

/// <summary>What the site's effective profile says about hardening (<see cref="Profiles.ProfileService.EffectiveAsync(Guid, CancellationToken)"/>).</summary>
/// <param name="CloudForbidden">CloudAccessAllowed == false: a camera with EZVIZ/Hik-Connect on is against policy.</param>
/// <param name="LoginLockDeliberatelyOff">LoginLock.Enabled == false: the site chose to run without the lock (no finding).</param>
internal sealed record HardeningPolicy(bool CloudForbidden, bool LoginLockDeliberatelyOff)
{
    public static HardeningPolicy From(Profiles.ProfileSettings settings) =>
        new(settings.CloudAccessAllowed == false, settings.LoginLock is { Enabled: false });
}

/// <summary>The judgement of one check, before flap suppression.</summary>
internal sealed class HealthVerdict
{
    public HealthState State { get; set; }
    public string Summary { get; set; } = "";
    public List<HealthFinding> Findings { get; } = [];
    public int? CpuPercent { get; set; }
    public int? MemoryPercent { get; set; }
    public long? UptimeSeconds { get; set; }
    public DateTimeOffset? BootedAt { get; set; }
    /// <summary>Set when the boot time moved forward: the detail of the Restarted event.</summary>
    public string? Restart { get; set; }
    public double? ClockOffsetSeconds { get; set; }
    public int? UnchangedSnapshots { get; set; }
}

/// <summary>
/// Turns an observation into a state and findings. Pure (no I/O), so every rule is testable on its own; device answers are hostile,
/// and anything unreadable becomes a finding or "unknown", never an exception.
/// </summary>
internal static class HealthEvaluator
{
    /// <param name="previousSettings">The camera's open settings findings (<see cref="SettingsCodes"/>): kept when this check did not
    /// read the settings, or could not read one of them.</param>
    public static HealthVerdict Evaluate(Camera camera, HealthObservation obs, CameraSnapshot? previousSnapshot, int restartsInWindow,
        HealthContext context, IReadOnlyCollection<HealthFinding>? previousSettings = null)
    {
        var o = context.Options;
        var v = new HealthVerdict();
        var hardening = SettingsFindings(camera, obs, context.Hardening ?? new HardeningPolicy(false, false), previousSettings ?? []);
        if (obs.InternalError is { } error)
        {
            v.Findings.AddRange(hardening);
            v.State = HealthState.Unknown;
            v.Summary = Bound(error, 300)!;
            return v;
        }

        AddressFindings(camera, context, v);
        HealthState? gate = null;
        if (obs.ReachFailure is { } reach)
        {
            gate = HealthState.Offline;
            v.Findings.Add(OfflineFinding(camera, reach));
        }
        else if (obs.Activated == false)
        {
            gate = HealthState.Inactive;
            v.Findings.Add(Warning(NotActivated, "Not activated: the camera is in its factory state",
                $"{Where(camera)} reports that it is not activated (reset by hand, or replaced by a new unit).",
                "Reprovision it from HikFleet (activate with the vault's password and restore its settings), or check whether the unit was swapped."));
        }
        else if (obs.Blocked is { } blocked)
        {
            (gate, var finding) = BlockedFinding(camera, blocked);
            v.Findings.Add(finding);
        }
        else if (obs.AuthFailure is { } auth)
        {
            (gate, var finding) = AuthFinding(camera, auth);
            v.Findings.Add(finding);
        }
        else if (obs.IdentityMismatch && obs.DeviceInfo is { } other)
        {
            v.Findings.Add(Critical(ReplacedDevice, "Another device answers at this camera's address",
                $"Expected serial {camera.SerialNumber} / MAC {camera.MacAddress}; {Where(camera)} answered as serial {Bound(other.SerialNumber, 64) ?? "?"} / " +
                $"MAC {Bound(other.MacAddress, 17) ?? "?"} (model {Bound(other.Model, 64) ?? "?"}). The inventory keeps the recorded identity.",
                "Check on site whether the camera was swapped or another device took its address; adopt the new unit and retire the old record, or fix the address conflict."));
        }
        else
        {
            DeviceFindings(camera, obs, previousSnapshot, context, v);
        }

        // History outlives one unreachable moment: a camera in a reboot loop is often caught while it is down.
        var restarts = restartsInWindow + (v.Restart is null ? 0 : 1);
        var poe = context.Poe?.GetValueOrDefault(camera.Id);
        if (restarts >= o.RebootLoopRestarts)
        {
            // With a known switch port the finding names it: that is where the technician goes (issue #14).
            v.Findings.Add(Critical(RebootLoop, $"Reboot loop: {restarts} unexpected restarts in the last {Describe(o.RebootLoopWindow)}" + (poe is null ? "" : $" (powered by {poe.Where})"),
                $"{restarts} restarts detected from the uptime within {Describe(o.RebootLoopWindow)} (threshold {o.RebootLoopRestarts})." +
                (poe is null ? "" : $" It is powered by {poe.Where}, which lost power {poe.DropsInWindow} times in {poe.Window.TotalHours:0} h" +
                                    (poe.NearBudgetPercent is { } p ? $"; the switch draws {p} % of its power budget." : ".")),
                (poe is null ? "Check the PoE budget and cable: a switch port or injector" : $"Check {poe.Where}, its power budget and the cable: a port") +
                " that cannot supply the camera's peak power (IR on at night, heater) makes it brown out and restart. Try another port or a shorter cable."));
            if (gate == HealthState.Offline)
            {
                v.Findings.RemoveAll(f => f.Code is Unreachable or NotAnswering);
                gate = null;
            }
        }

        // Last known configuration: shown whatever the camera's state now (an offline camera still has EZVIZ on), and only a
        // warning, as any other warning finding.
        v.Findings.AddRange(hardening);
        // The switch's view of the port holds whatever the camera answers (it is often why it does not).
        if (poe is not null) v.Findings.AddRange(Poe.PoeHealth.Findings(poe));
        v.State = gate ?? StateFrom(v, obs);
        v.Summary = SummaryOf(v);
        return v;
    }

    /// <summary>
    /// Settings findings (<see cref="SettingsCodes"/>): from this check's read where it has one, else the previous read's (carried
    /// unchanged). A policy that no longer forbids cloud access, or that now turns the login lock off on purpose, drops the carried
    /// finding at once. Answers of another device at the camera's address are never judged as the camera's.
    /// </summary>
    internal static List<HealthFinding> SettingsFindings(Camera camera, HealthObservation obs, HardeningPolicy policy,
        IReadOnlyCollection<HealthFinding> previous)
    {
        var found = new List<HealthFinding>();
        var h = obs.IdentityMismatch ? null : obs.Hardening;
        void Carry(string code)
        {
            if (previous.FirstOrDefault(f => f.Code == code) is { } kept) found.Add(kept);
        }

        if (obs.UserCheck is not { } check || obs.IdentityMismatch)
        {
            Carry(DefaultPassword);
            Carry(RiskyPassword);
        }
        else if (check.IsDefaultPassword == true)
        {
            found.Add(Warning(DefaultPassword, "Factory default password",
                "userCheck reports isDefaultPassword=true.",
                "Change the password from HikFleet (it stores the new one in the vault) to a strong one of 12+ characters."));
        }
        else if (check.IsRiskPassword == true)
        {
            found.Add(Warning(RiskyPassword, "Weak password",
                "userCheck reports isRiskPassword=true (§3.4: accepted but weak).",
                "Change the password from HikFleet to a strong one (12+ characters, upper and lower case, digits and symbols)."));
        }

        if (obs.Time is not { } time || obs.IdentityMismatch) Carry(NtpDisabled);
        else if (time.TimeMode is { } mode && !mode.Equals("NTP", StringComparison.OrdinalIgnoreCase))
        {
            found.Add(Warning(NtpDisabled, "Clock not synchronised (NTP off)",
                $"timeMode is '{Bound(mode, 32)}'.",
                "Set NTP servers in the site's configuration profile (NtpServers) and apply it: that switches the camera to NTP, so recordings and events carry the right time."));
        }

        if (policy.CloudForbidden)
        {
            if (h is null || h.Failed.Contains(HardeningObservation.Cloud)) Carry(CloudEnabled);
            else if (h.CloudAccess is { Enabled: true })
            {
                found.Add(Warning(CloudEnabled, "Cloud access (EZVIZ/Hik-Connect) is on against the site's policy",
                    $"{Where(camera)} reports EZVIZ enabled=true (registerStatus '{Bound(h.CloudAccess.RegisterStatus, 32) ?? "?"}'); the site's " +
                    "configuration profile says CloudAccessAllowed = false (§2.11).",
                    "Apply the site's configuration profile (its \"Cloud access: blocked\" setting, CloudAccessAllowed = false, switches EZVIZ/Hik-Connect off)."));
            }
        }

        if (!policy.LoginLockDeliberatelyOff)
        {
            if (h is null || h.Failed.Contains(HardeningObservation.LoginLock)) Carry(LoginLockDisabled);
            else if (h.IllegalLoginLock is { Enabled: false })
            {
                found.Add(Warning(LoginLockDisabled, "Illegal-login lock is off",
                    $"{Where(camera)} reports illegalLoginLock enabled=false: password guessing is not slowed down (§1.5).",
                    "Set the login lock in the site's configuration profile (LoginLock: on, e.g. 5 attempts, 30 minutes) and apply the profile."));
            }
        }

        if (h is null || h.Failed.Contains(HardeningObservation.Access)) Carry(HttpOnly);
        else if (h.AdminAccesses is { HttpOnly: true } access)
        {
            var https = access.Https is null ? "no HTTPS option is listed" : "HTTPS is disabled";
            found.Add(Warning(HttpOnly, "Web access over HTTP only",
                $"{Where(camera)}: adminAccesses has HTTP on port {access.Http?.Port?.ToString(CultureInfo.InvariantCulture) ?? "?"} and {https}: logins and " +
                "settings travel unencrypted (§1.1, §6).",
                "Turn on \"HTTPS\" (HttpsEnabled) in the site's configuration profile and apply it; HikFleet switches HTTPS on and never switches HTTP off."));
        }

        return found;
    }

    private static HealthState StateFrom(HealthVerdict v, HealthObservation obs)
    {
        if (v.Findings.Any(f => f.Severity == FindingSeverity.Critical)) return HealthState.Critical;
        // Nothing readable came back: the check could not decide.
        if (obs.DeviceInfo is null && obs.Status is null && !obs.IdentityMismatch && obs.StepFailures.Count > 0) return HealthState.Unknown;
        return v.Findings.Any(f => f.Severity == FindingSeverity.Warning) ? HealthState.Warning : HealthState.Healthy;
    }

    private static string SummaryOf(HealthVerdict v)
    {
        var worst = v.Findings.OrderByDescending(f => f.Severity).FirstOrDefault();
        if (v.State == HealthState.Unknown && v.Findings.Count == 0) return "The check could not decide.";
        if (worst is null) return "All checks passed.";
        var more = v.Findings.Count - 1;
        return Bound(more > 0 ? $"{worst.Summary} (+{more} more)" : worst.Summary, 300)!;
    }

    private static HealthFinding OfflineFinding(Camera camera, IsapiException reach) => reach.Kind switch
    {
        IsapiErrorKind.Timeout => Critical(NotAnswering, "Does not answer in time",
            $"{Where(camera)} accepted the connection but gave no complete answer in time: {Bound(reach.Message, 300)}",
            "The camera's web server is hung or its link is badly degraded: power-cycle it (PoE port off/on), then check the cable and the switch port's errors and duplex."),
        IsapiErrorKind.CertificateChanged => Critical(Unreachable, "Presents a different HTTPS certificate",
            $"{Where(camera)} presented certificate {reach.ObservedCertificateSha256}, not the pinned one; HikFleet refuses to talk to it.",
            "If the camera was replaced or its certificate renewed, confirm on site and re-pin it; otherwise treat it as an interception."),
        _ => Critical(Unreachable, "Unreachable",
            $"{Where(camera)}: {Bound(reach.Message, 300)}",
            "Check power and the PoE port, the cable and the switch; if it came back with another address, let discovery find it by MAC."),
    };

    private static (HealthState, HealthFinding) BlockedFinding(Camera camera, AccessDecision decision) => decision.Verdict switch
    {
        AccessVerdict.Locked => (HealthState.Locked, Critical(LockedOut, "Login locked by the camera",
            $"{decision.Reason} Nothing is sent with credentials before {decision.Until:u}.",
            "Wait out the lock; meanwhile make sure nobody (a VMS, an NVR, a person) keeps trying a wrong password on it.")),
        AccessVerdict.NoCredential => (HealthState.Unauthorized, Warning(NoCredential, "No password stored for this camera",
            decision.Reason, "Enter the camera's admin password in HikFleet (camera page, credentials).")),
        _ => (HealthState.Unauthorized, Critical(CredentialRejected, "The stored password is rejected",
            decision.Reason + (camera.AuthAttemptsLeft is { } left ? $" The camera allows {left} more failed login(s)." : ""),
            "Enter the camera's current password in HikFleet. HikFleet does not try other passwords: that would lock the camera.")),
    };

    private static (HealthState, HealthFinding) AuthFinding(Camera camera, IsapiException ex)
    {
        if (ex.Kind == IsapiErrorKind.LockedOut)
        {
            var unlock = ex.UnlockAfter is { } u ? $" for another {u.TotalSeconds:F0} s" : "";
            return (HealthState.Locked, Critical(LockedOut, "Login locked by the camera",
                $"{Where(camera)} answered 401 with lockStatus=lock{unlock} (§1.5); HikFleet sends nothing with credentials until it ends.",
                "Wait out the lock; meanwhile make sure nobody (a VMS, an NVR, a person) keeps trying a wrong password on it."));
        }

        var forbidden = ex.HttpStatus == HttpStatusCode.Forbidden;
        var left = ex.AttemptsLeft is { } a ? $" It allows {a} more failed login(s)." : "";
        return (HealthState.Unauthorized, Critical(CredentialRejected,
            forbidden ? "The stored account lacks the rights to read the camera" : "The stored password is rejected",
            $"{Where(camera)} answered {(forbidden ? "403" : "401")} to the stored credential.{left} It is not sent again for the hold time.",
            forbidden ? "Store an administrator account for this camera." :
                "Enter the camera's current password in HikFleet. HikFleet does not try other passwords: that would lock the camera."));
    }

    private static void AddressFindings(Camera camera, HealthContext context, HealthVerdict v)
    {
        if (camera.Address is not { } address) return;
        if (IsPublic(address))
        {
            v.Findings.Add(Critical(PublicAddress, "Camera on a public address",
                $"{address} is not a private (RFC 1918), carrier-grade NAT, link-local or loopback address.",
                "Move the camera into the site's private network behind the firewall; never expose camera web or SDK ports to the internet."));
        }

        if (context.Subnets.Count > 0 && !context.Subnets.Any(s => s.Contains(address)))
        {
            v.Findings.Add(Warning(SubnetMismatch, "Address outside the site's subnets",
                $"{address} is in none of {string.Join(", ", context.Subnets)}.",
                "Move it into the site's subnet (static address or DHCP reservation), or add the subnet to the site if it is right."));
        }

        if (context.SharedAddresses.Contains(address))
        {
            v.Findings.Add(Critical(IpConflict, "Another managed camera has the same address",
                $"More than one managed camera of the site is recorded at {address}.",
                "Give each camera its own address (static outside the DHCP pool, or a reservation); run discovery to see which device is where."));
        }
    }

    private static void DeviceFindings(Camera camera, HealthObservation obs, CameraSnapshot? previous, HealthContext context, HealthVerdict v)
    {
        var o = context.Options;
        if (obs.LatencyMs is { } latency && !obs.LatencyFromFailedAnswer && latency > o.LatencyWarning.TotalMilliseconds)
        {
            v.Findings.Add(Warning(HighLatency, "Slow to answer",
                $"Answered in {latency} ms at best (threshold {o.LatencyWarning.TotalMilliseconds:F0} ms).",
                "Check the link (speed, errors, a saturated uplink) and the camera's load; a reboot clears a struggling web server."));
        }

        if (obs.Status is { } status)
        {
            StatusFindings(camera, obs, status, context, v);
        }

        if (obs.Storage is { } storage)
        {
            var bad = storage.Disks.Concat(storage.NetworkStorage).Where(d => !d.IsHealthy && d.Status is not null).ToList();
            if (bad.Count > 0)
            {
                v.Findings.Add(Critical(StorageError, "Storage fault",
                    string.Join("; ", bad.Select(d => $"{Bound(d.Name ?? d.Id, 32) ?? "disk"} status '{Bound(d.Status, 32)}'")),
                    "Reseat or replace the SD card (or disk) and format it from the camera; recording is not happening meanwhile."));
            }
        }

        FirmwareFindings(camera, obs, context, v);
        SnapshotFindings(obs, previous, o, v);
        LinkFindings(obs, o, v);

        var unreadable = obs.StepFailures.Where(f => f.Error.Kind is not (IsapiErrorKind.DeviceError or IsapiErrorKind.Busy)).ToList();
        var deviceErrors = obs.StepFailures.Where(f => f.Error.Kind is IsapiErrorKind.DeviceError or IsapiErrorKind.Busy).ToList();
        if (obs.SnapshotFailure is { Kind: IsapiErrorKind.DeviceError or IsapiErrorKind.Busy } snapError) deviceErrors.Add(("snapshot", snapError));
        if (deviceErrors.Count > 0)
        {
            v.Findings.Add(Critical(DeviceError, "The camera reports internal errors",
                Bound(string.Join("; ", deviceErrors.Select(f => $"{f.Step}: {f.Error.SubStatusCode ?? f.Error.Kind.ToString()}")), 2000)!,
                "Reboot it; if the errors persist, check its storage and firmware, then factory-reset (HikFleet restores the settings) or replace it."));
        }

        if (unreadable.Count > 0)
        {
            v.Findings.Add(Warning(UnreadableAnswers, "Answers cannot be read",
                Bound(string.Join("; ", unreadable.Select(f => $"{f.Step}: {f.Error.Kind} ({Bound(f.Error.Message, 160)})")), 2000)!,
                "Reboot the camera; if its answers stay broken, update the firmware (a known web-server bug) or replace it."));
        }
        else if (obs.SnapshotFailure is { Kind: not (IsapiErrorKind.DeviceError or IsapiErrorKind.Busy) } snap)
        {
            v.Findings.Add(Warning(NoSnapshot, "No picture", $"The snapshot request failed: {Bound(snap.Message, 300)}",
                "Open the live view; reboot the camera if the encoder stopped."));
        }
    }

    private static void StatusFindings(Camera camera, HealthObservation obs, DeviceStatus status, HealthContext context, HealthVerdict v)
    {
        var o = context.Options;
        var now = obs.StatusAt ?? obs.At;
        if (status.CpuUtilization is { } cpu && double.IsFinite(cpu))
        {
            v.CpuPercent = (int)Math.Clamp(Math.Round(cpu), 0, 100);
            if (cpu > o.CpuWarningPercent)
                v.Findings.Add(Warning(HighCpu, "CPU overloaded", $"CPU at {cpu:F0} % (threshold {o.CpuWarningPercent:F0} %).",
                    "Reduce its load (fewer streams or clients, smart events, lower resolution/bitrate); reboot if it stays high."));
        }

        if (status.MemoryUsagePercent is { } mem && double.IsFinite(mem))
        {
            v.MemoryPercent = (int)Math.Clamp(Math.Round(mem), 0, 100);
            if (mem > o.MemoryWarningPercent)
                v.Findings.Add(Warning(HighMemory, "Memory nearly full", $"Memory at {mem:F0} % (threshold {o.MemoryWarningPercent:F0} %).",
                    "Reboot it at a quiet time; update the firmware if it keeps filling up (a leak)."));
        }

        if (status.Uptime is { } uptime && uptime >= TimeSpan.Zero && uptime < TimeSpan.FromDays(20 * 365))
        {
            v.UptimeSeconds = (long)uptime.TotalSeconds;
            var booted = now - uptime;
            v.BootedAt = booted;
            // Uptime only grows while a device runs: lower than at the last check, or a boot time clearly later than the stored
            // one, means it restarted in between (the second catches a restart whose new uptime already passed the old one).
            var wentBack = camera.UptimeSeconds is { } previousUptime && uptime.TotalSeconds + 1 < previousUptime;
            if (wentBack || camera.BootedAt is { } before && booted > before + o.RestartTolerance)
            {
                v.Restart = $"Unexpected restart: booted at {booted:u} (uptime {(long)uptime.TotalSeconds} s); " +
                    $"at the previous check uptime was {camera.UptimeSeconds} s, booted at {camera.BootedAt:u}.";
            }
        }

        if (status.CurrentDeviceTime is { } deviceTime)
        {
            var offset = (deviceTime - now).TotalSeconds;
            v.ClockOffsetSeconds = Math.Round(offset, 1);
            if (Math.Abs(offset) > o.ClockDriftWarning.TotalSeconds)
            {
                v.Findings.Add(Warning(ClockDrift, "Clock is off",
                    $"Device clock {deviceTime.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture)} is {offset:+0;-0} s from ours " +
                    $"(threshold {o.ClockDriftWarning.TotalSeconds:F0} s).",
                    "Enable NTP with the site's NTP server and check the camera can reach it (firewall, DNS)."));
            }
        }
    }

    private static void FirmwareFindings(Camera camera, HealthObservation obs, HealthContext context, HealthVerdict v)
    {
        var model = obs.DeviceInfo?.Model ?? camera.Model;
        var firmware = obs.DeviceInfo?.Firmware ?? FirmwareVersion.Parse(camera.FirmwareVersion, camera.FirmwareBuild);
        if (firmware is not { } fw) return;
        var advisories = FirmwareAdvisories.Match(model, fw);
        if (advisories.Count > 0)
        {
            v.Findings.Add(Critical(VulnerableFirmware, "Firmware with known vulnerabilities",
                $"{Bound(model, 64)} on {fw}: " + string.Join("; ", advisories.Select(a => $"{a.Cve} ({a.Reason})")),
                "Upgrade the firmware (Firmware page) to a fixed release (Hikvision HSRC advisories); until then keep the camera off untrusted networks."));
        }

        var newest = context.Releases
            .Where(r => Matches(r.Model, model))
            .Select(r => (Release: r, Version: FirmwareVersion.Parse(r.Version, r.Build)))
            .Where(r => r.Version is not null)
            .OrderByDescending(r => r.Version!.Value)
            .FirstOrDefault();
        if (newest.Version is { } latest && fw < latest)
        {
            v.Findings.Add(Warning(OutdatedFirmware, "Newer firmware available",
                $"{Bound(model, 64)} runs {fw}; the newest known for it is {latest}.",
                "Upgrade the firmware (Firmware page); HikFleet backs up the configuration first."));
        }
    }

    // One model-pattern rule for known releases and the firmware library (a trailing '*' is a prefix; '*' anywhere works).
    private static bool Matches(string pattern, string? model) => Firmware.ModelPattern.Matches(pattern, model);

    private static void SnapshotFindings(HealthObservation obs, CameraSnapshot? previous, HealthOptions o, HealthVerdict v)
    {
        if (obs.SnapshotMeasurement is not { } m) return;
        var unchanged = previous is not null && previous.Sha256 == m.Sha256 ? previous.UnchangedCount + 1 : 0;
        v.UnchangedSnapshots = unchanged;
        if (m.MeanLuma is { } luma && luma < o.BlackLumaThreshold)
        {
            v.Findings.Add(Critical(BlackImage, "Black picture",
                $"Mean brightness {luma:F1} of 255 (threshold {o.BlackLumaThreshold:F0}).",
                "Look at the camera: a covered or painted lens, a dead sensor, or no IR at night; clean or uncover it, check the IR and day/night settings."));
        }
        else if (unchanged >= o.FrozenAfterUnchanged)
        {
            v.Findings.Add(Critical(FrozenImage, "Picture does not change",
                $"The same image (SHA-256 {m.Sha256[..16]}…) came back {unchanged + 1} checks in a row.",
                "The encoder is stuck: reboot the camera; update the firmware if it happens again."));
        }
        else if (m.MeanLuma is null && m.Problem is { } problem)
        {
            v.Findings.Add(Warning(NoSnapshot, "Picture cannot be decoded", Bound(problem, 300)!,
                "Open the live view; reboot the camera if the encoder is broken."));
        }
    }

    private static void LinkFindings(HealthObservation obs, HealthOptions o, HealthVerdict v)
    {
        var speed = obs.Status?.NetPorts.Select(p => p.WorkSpeedMbps).FirstOrDefault(s => s > 0)
            ?? obs.Interfaces?.Select(i => i.Speed).FirstOrDefault(s => s > 0);
        // The streams read now, else the total of the last read (the stream configuration is read with the settings).
        var kbps = obs.Streams is { } streams ? StreamKbps(streams) : obs.StreamKbps;
        if (speed is not { } mbps || kbps is not > 0) return;
        var capacity = mbps * 1000.0 * o.LinkUtilisationLimit;
        if (kbps > capacity)
        {
            v.Findings.Add(Warning(LinkTooSlow, "Link too slow for the configured streams",
                $"Streams total {kbps / 1000.0:F1} Mbps on a {mbps} Mbps link (limit {o.LinkUtilisationLimit:P0} of the link).",
                "Check the cable and switch port (it should negotiate 100/1000 Mbps), or lower the streams' bitrate/resolution."));
        }
    }

    /// <summary>The enabled streams' total bitrate (kbps): CBR at its rate, VBR at its upper cap.</summary>
    internal static long StreamKbps(IEnumerable<StreamingChannel> streams) => streams.Where(s => s.Enabled != false).Sum(s => (long)StreamKbps(s));

    private static int StreamKbps(StreamingChannel s) =>
        string.Equals(s.QualityControlType, "CBR", StringComparison.OrdinalIgnoreCase) ? Math.Max(0, s.ConstantBitRate ?? 0)
        : Math.Max(0, Math.Max(s.VbrUpperCap ?? 0, s.ConstantBitRate ?? 0));

    /// <summary>Not RFC 1918, not CGNAT (100.64/10), not loopback, not link-local, not documentation/benchmark ranges = public.</summary>
    internal static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address)) return false;
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
            return !(address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal);
        var b = address.GetAddressBytes();
        return !(b[0] == 10 || (b[0] == 172 && b[1] is >= 16 and <= 31) || (b[0] == 192 && b[1] == 168) ||
                 (b[0] == 100 && b[1] is >= 64 and <= 127) || (b[0] == 169 && b[1] == 254) || b[0] == 0 ||
                 (b[0] == 198 && b[1] is 18 or 19));
    }

    private static string Where(Camera camera) => $"{camera.Address}:{(camera.UseHttps ? camera.HttpsPort : camera.HttpPort)}";

    private static string Describe(TimeSpan span) => span.TotalHours >= 1 && span.TotalHours % 1 == 0
        ? span.TotalHours == 1 ? "hour" : $"{span.TotalHours:F0} hours"
        : $"{span.TotalMinutes:F0} minutes";

    /// <summary>Device-supplied text is data: bounded, control characters removed (rendered escaped by the UI).</summary>
    internal static string? Bound(string? text, int max)
    {
        if (text is null) return null;
        var clean = new string(text.Where(c => !char.IsControl(c)).Take(max).ToArray());
        return clean;
    }
}
