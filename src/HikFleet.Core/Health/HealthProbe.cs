using System.Diagnostics;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Devices;
using HikFleet.Core.Vault;
using HikFleet.Isapi;
using HikFleet.Isapi.Models;

namespace HikFleet.Core.Health;

/// <summary>Everything one check read from one camera (or why it could not). Produced by <see cref="HealthProbe"/>, judged by <see cref="HealthEvaluator"/>.</summary>
internal sealed class HealthObservation
{
    public required Guid CameraId { get; init; }
    public DateTimeOffset At { get; set; }
    public DeviceSecret? Secret { get; set; }
    /// <summary>The lockout guard said no: only an unauthenticated probe was made.</summary>
    public AccessDecision? Blocked { get; set; }
    /// <summary>The device rejected the credential or reported its lock on an authenticated call.</summary>
    public IsapiException? AuthFailure { get; set; }
    public bool AuthSucceeded { get; set; }
    /// <summary>No complete answer to the first request: connection refused/broken (Unreachable) or too slow (Timeout).</summary>
    public IsapiException? ReachFailure { get; set; }
    public bool? Activated { get; set; }
    public int? LatencyMs { get; set; }
    /// <summary>The latency was taken from an answer that could not be read (a body at its size limit): not a round-trip time.</summary>
    public bool LatencyFromFailedAnswer { get; set; }
    /// <summary>Set when the check itself failed (no address, an unexpected error): the camera's state stays undecided.</summary>
    public string? InternalError { get; set; }

    public UserCheck? UserCheck { get; set; }
    public DeviceInfo? DeviceInfo { get; set; }
    public bool IdentityMismatch { get; set; }
    public DeviceStatus? Status { get; set; }
    /// <summary>Our clock when the status answer was produced (midpoint of the request), for uptime and clock offset.</summary>
    public DateTimeOffset? StatusAt { get; set; }
    public TimeSettings? Time { get; set; }
    public StorageInfo? Storage { get; set; }
    public IReadOnlyList<StreamingChannel>? Streams { get; set; }
    /// <summary>When the streams were not read by this check: their total bitrate at the last read (kbps), for <c>link-too-slow</c>.</summary>
    public long? StreamKbps { get; set; }
    public IReadOnlyList<NetworkInterfaceInfo>? Interfaces { get; set; }
    public SnapshotMeasurement? SnapshotMeasurement { get; set; }
    public IsapiException? SnapshotFailure { get; set; }
    /// <summary>Set when this check read the hardening settings (only every <see cref="HealthOptions.HardeningInterval"/>).</summary>
    public HardeningObservation? Hardening { get; set; }
    /// <summary>Steps that failed after the device answered (hostile or broken answers): step name and error.</summary>
    public List<(string Step, IsapiException Error)> StepFailures { get; } = [];

    public bool DeviceAnswered => ReachFailure is null && InternalError is null;
}

/// <summary>
/// The hardening settings one check read. A resource the device does not have (notSupported) is "nothing to judge"; one that
/// failed otherwise (busy, broken answer) is "unknown", and the finding of the previous read stands.
/// </summary>
internal sealed class HardeningObservation
{
    public const string Cloud = "cloud", LoginLock = "loginLock", Access = "adminAccesses";

    public CloudAccess? CloudAccess { get; set; }
    public IllegalLoginLock? IllegalLoginLock { get; set; }
    public AdminAccesses? AdminAccesses { get; set; }
    public HashSet<string> Unsupported { get; } = new(StringComparer.Ordinal);
    public HashSet<string> Failed { get; } = new(StringComparer.Ordinal);
}

/// <summary>What one check reads beyond the per-minute core (deviceInfo, status, storage, snapshot bytes).</summary>
/// <param name="ReadSettings">The camera's settings: userCheck (default/weak password), time mode, stream configuration, cloud
/// access, illegal-login lock, admin access protocols — configuration, read every <see cref="HealthOptions.HardeningInterval"/>.</param>
/// <param name="DecodeSnapshot">Decode the picture for its brightness and keep it as the thumbnail (every
/// <see cref="HealthOptions.SnapshotInterval"/>); otherwise only its hash is taken (frozen picture, every check).</param>
/// <param name="ReadStreams">Read the stream configuration even when the settings are not due (this process has not seen it yet).</param>
/// <param name="DecodeBelowBytes">Decode a picture smaller than this even when the decode is not due (it shrank: see
/// <see cref="HealthOptions.SnapshotShrinkRatio"/>).</param>
internal readonly record struct ProbePlan(bool ReadSettings, bool DecodeSnapshot, bool ReadStreams, int? DecodeBelowBytes = null);

/// <summary>
/// Reads a camera for one health check. Lockout rules (DESIGN.md "Safety with devices", §1.5): the persisted guard
/// (<see cref="DeviceAccess.Decide"/>) is asked first; when it says no, only an unauthenticated GET /SDK/activateStatus goes
/// out. Otherwise the credential is proven by ONE request alone (userCheck when the settings are read, else deviceInfo), identity
/// (deviceInfo) comes before anything else, and only then the remaining reads follow one by one, so a wrong password costs exactly
/// one failed login.
/// Issue #13: a steady-state check is four GETs (deviceInfo, status, storage, picture) and decodes no JPEG; the settings and the
/// picture's brightness are read at their own, slower cadence (<see cref="ProbePlan"/>) and their findings carried in between.
/// </summary>
internal sealed class HealthProbe(DeviceAccess access, DeviceClientCache clients, TimeProvider time, HealthOptions options)
{
    public async Task<HealthObservation> ProbeAsync(Camera camera, DeviceSecret? secret, CancellationToken cancellationToken, ProbePlan plan)
    {
        var obs = new HealthObservation { CameraId = camera.Id, At = time.GetUtcNow(), Secret = secret };
        if (camera.Address is null)
        {
            obs.InternalError = "The camera has no address yet; discovery sets it.";
            return obs;
        }

        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(options.CameraCheckTimeout);
        var ct = budget.Token;
        var decision = access.Decide(camera, secret);
        try
        {
            var client = clients.Get(camera, decision.Allowed ? secret : null);
            if (!decision.Allowed)
            {
                obs.Blocked = decision;
                await ProbeAnonymouslyAsync(client, obs, ct);
                return obs;
            }

            // 1. Prove the credential with one call, alone (§1.5): userCheck when the settings are read (it also says whether the
            // password is the default or a weak one), else deviceInfo below is that call.
            var started = Stopwatch.GetTimestamp();
            if (plan.ReadSettings)
            {
                try
                {
                    obs.UserCheck = await client.CheckUserAsync(ct);
                    obs.AuthSucceeded = true;
                    obs.LatencyMs = Elapsed(started);
                }
                catch (IsapiException ex)
                {
                    if (!Classify(obs, "userCheck", ex, started)) return obs;
                }
            }

            // 2. Identity before anything else: another device at this address gets no further questions.
            started = Stopwatch.GetTimestamp();
            try
            {
                obs.DeviceInfo = await client.GetDeviceInfoAsync(ct);
                obs.AuthSucceeded = true;
                TakeLatency(obs, Elapsed(started));
                if (IsOtherDevice(camera, obs.DeviceInfo))
                {
                    obs.IdentityMismatch = true;
                    return obs;
                }
            }
            catch (IsapiException ex)
            {
                if (!Classify(obs, "deviceInfo", ex, started)) return obs;
            }

            // 3. The rest, one after the other: Digest needs a strictly increasing nonce count, and requests racing over
            // several connections arrive out of order, are answered stale and cost a round trip each (devices are small servers anyway).
            await Step(obs, "status", async () =>
            {
                var t0 = time.GetUtcNow();
                started = Stopwatch.GetTimestamp();
                obs.Status = await client.GetStatusAsync(ct);
                TakeLatency(obs, Elapsed(started));
                var t1 = time.GetUtcNow();
                obs.StatusAt = t0 + (t1 - t0) / 2;
            });
            if (plan.ReadSettings) await Step(obs, "time", async () => obs.Time = await client.GetTimeAsync(ct));
            await Step(obs, "storage", async () => obs.Storage = await client.GetStorageAsync(ct));
            if (plan.ReadSettings || plan.ReadStreams) await Step(obs, "streams", async () => obs.Streams = await client.GetStreamingChannelsAsync(ct));
            if (obs.Status is { NetPorts.Count: 0 } || obs.Status is null)
                await Step(obs, "interfaces", async () => obs.Interfaces = await client.GetNetworkInterfacesAsync(ct));
            if (plan.ReadSettings) await ReadHardeningAsync(client, obs, ct);
            // The picture last, closing the connection: the next check is a minute away and the device drops an idle connection
            // after 10 s anyway (§5 item 14); at 10,000 cameras the idle connections' buffers were ~100 MB of the app's memory.
            await SnapshotAsync(client, obs, plan, ct);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && obs.LatencyMs is null)
        {
            obs.ReachFailure = new IsapiException(IsapiErrorKind.Timeout, $"no answer within the check budget of {options.CameraCheckTimeout.TotalSeconds:F0} s");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            obs.StepFailures.Add(("check", new IsapiException(IsapiErrorKind.Timeout, $"the check ran out of its {options.CameraCheckTimeout.TotalSeconds:F0} s budget")));
        }

        return obs;
    }

    private async Task ProbeAnonymouslyAsync(IsapiClient client, HealthObservation obs, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            obs.Activated = (await client.GetActivationStatusAsync(ct)).Activated;
            obs.LatencyMs = Elapsed(started);
        }
        catch (IsapiException ex) when (ex.Kind is IsapiErrorKind.Unreachable or IsapiErrorKind.Timeout or IsapiErrorKind.CertificateChanged)
        {
            obs.ReachFailure = ex;
        }
        catch (IsapiException ex)
        {
            // It answered, just not readably: reachable, activation unknown.
            obs.LatencyMs = Elapsed(started);
            obs.StepFailures.Add(("activateStatus", ex));
        }
    }

    /// <summary>Sorts a failure of a sequential step; false = stop the check here.</summary>
    private static bool Classify(HealthObservation obs, string step, IsapiException ex, long started)
    {
        switch (ex.Kind)
        {
            case IsapiErrorKind.Unauthorized or IsapiErrorKind.LockedOut:
                obs.AuthFailure = ex;
                obs.LatencyMs ??= ex.FailedFast ? null : Elapsed(started);
                return false;
            case IsapiErrorKind.NotActivated:
                obs.Activated = false;
                obs.LatencyMs ??= Elapsed(started);
                return false;
            case IsapiErrorKind.Unreachable or IsapiErrorKind.Timeout or IsapiErrorKind.CertificateChanged:
                if (obs.LatencyMs is null)
                {
                    obs.ReachFailure = ex;
                    return false;
                }

                obs.StepFailures.Add((step, ex));
                return false;
            case IsapiErrorKind.NotSupported:
                // Answered after authentication (a 401 would have come first): the credential stands.
                obs.LatencyMs ??= Elapsed(started);
                return true;
            default:
                // Busy, device error, malformed: the device answered with something other than a 401, so the credential was
                // not rejected and the remaining reads cannot cost a failed login.
                if (obs.LatencyMs is null)
                {
                    obs.LatencyMs = Elapsed(started);
                    obs.LatencyFromFailedAnswer = true;
                }

                obs.StepFailures.Add((step, ex));
                return true;
        }
    }

    private static async Task Step(HealthObservation obs, string step, Func<Task> read)
    {
        try
        {
            await read();
        }
        catch (IsapiException ex) when (ex.Kind != IsapiErrorKind.NotSupported)
        {
            obs.StepFailures.Add((step, ex));
        }
        catch (IsapiException)
        {
            // Not every model has every resource (no SD card slot, no storage API).
        }
    }

    /// <summary>
    /// The hardening reads. Their failures are not step failures: a camera whose EZVIZ page is broken is not "unreadable" or in
    /// error because of it (a hardening finding must not change the state beyond a warning); the previous finding stands instead.
    /// </summary>
    private static async Task ReadHardeningAsync(IsapiClient client, HealthObservation obs, CancellationToken ct)
    {
        var h = obs.Hardening = new HardeningObservation();
        async Task Read(string name, Func<Task> read)
        {
            try
            {
                await read();
            }
            catch (IsapiException ex) when (ex.Kind == IsapiErrorKind.NotSupported)
            {
                h.Unsupported.Add(name);
            }
            catch (IsapiException)
            {
                h.Failed.Add(name);
            }
        }

        await Read(HardeningObservation.Cloud, async () => h.CloudAccess = await client.GetCloudAccessAsync(ct));
        await Read(HardeningObservation.LoginLock, async () => h.IllegalLoginLock = await client.GetIllegalLoginLockAsync(ct));
        await Read(HardeningObservation.Access, async () => h.AdminAccesses = await client.GetAdminAccessesAsync(ct));
    }

    /// <summary>
    /// The latency is the quickest of the first answers that could be read (deviceInfo, status, and userCheck when it was sent):
    /// the first may carry a Digest challenge or a new connection, and one scheduling hiccup on our side should not make a camera
    /// "slow".
    /// </summary>
    private static void TakeLatency(HealthObservation obs, int elapsedMs)
    {
        obs.LatencyMs = obs.LatencyMs is { } earlier && !obs.LatencyFromFailedAnswer ? Math.Min(earlier, elapsedMs) : elapsedMs;
        obs.LatencyFromFailedAnswer = false;
    }

    private async Task SnapshotAsync(IsapiClient client, HealthObservation obs, ProbePlan plan, CancellationToken ct)
    {
        try
        {
            // In a pooled buffer: the device's bytes are hashed and, when due, decoded, and let go (a fresh array per picture was
            // the largest allocation of a check, issue #13); what is kept is the hash and a thumbnail HikFleet encodes.
            using var snapshot = await client.GetPooledSnapshotAsync(101, closeConnection: true, ct);
            obs.SnapshotMeasurement = !plan.DecodeSnapshot && !(snapshot.Length < plan.DecodeBelowBytes)
                // The hash alone (frozen picture); the brightness and the thumbnail stay those of the last decoded picture.
                ? SnapshotAnalysis.Hash(snapshot.Span)
                : SnapshotAnalysis.Measure(snapshot.Span, options.MaxSnapshotDimension, options.ThumbnailWidth, options.ThumbnailQuality);
        }
        catch (IsapiException ex) when (ex.Kind != IsapiErrorKind.NotSupported)
        {
            obs.SnapshotFailure = ex;
        }
        catch (IsapiException)
        {
            // No picture channel 101 (an NVR without that channel): nothing to judge.
        }
    }

    /// <summary>A serial or MAC that is present and differs from the row is another device; a missing one proves nothing.</summary>
    internal static bool IsOtherDevice(Camera camera, DeviceInfo info)
    {
        var serialDiffers = !string.IsNullOrWhiteSpace(info.SerialNumber) &&
            !string.Equals(info.SerialNumber.Trim(), camera.SerialNumber, StringComparison.OrdinalIgnoreCase);
        var macDiffers = info.MacAddress is { Length: 17 } mac && !string.Equals(mac, camera.MacAddress, StringComparison.OrdinalIgnoreCase);
        return serialDiffers || macDiffers;
    }

    private static int Elapsed(long started) => (int)Math.Min(int.MaxValue, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
}
