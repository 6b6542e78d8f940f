namespace HikFleet.Core.Health;

/// <summary>Thresholds and limits of the health checks, bound from <c>Fleet:Health</c> (docs/health.md explains each).</summary>
public sealed class HealthOptions
{
    public const string SectionName = "Fleet:Health";

    /// <summary>Cameras checked at the same time in one sweep.</summary>
    public int MaxConcurrency { get; set; } = 64;
    /// <summary>Results written per SaveChanges (camera rows, findings, events, samples).</summary>
    public int BatchSize { get; set; } = 200;
    /// <summary>Longest a batch waits to fill before it is written anyway.</summary>
    public TimeSpan BatchFlushInterval { get; set; } = TimeSpan.FromSeconds(2);
    /// <summary>Upper bound of one camera's whole check (every request is also bounded by the ISAPI timeouts).</summary>
    public TimeSpan CameraCheckTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Flap suppression: consecutive checks that must agree before the state changes (and a finding opens or resolves).</summary>
    public int ConfirmChecks { get; set; } = 2;
    /// <summary>Consecutive checks that must agree before a camera is called healthy again.</summary>
    public int ConfirmHealthyChecks { get; set; } = 3;

    /// <summary>The first answer taking longer than this is a <c>high-latency</c> finding.</summary>
    public TimeSpan LatencyWarning { get; set; } = TimeSpan.FromSeconds(1);
    public double CpuWarningPercent { get; set; } = 90;
    public double MemoryWarningPercent { get; set; } = 90;
    /// <summary>Device clock further off than this from ours is <c>clock-drift</c>.</summary>
    public TimeSpan ClockDriftWarning { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>A boot time later than the stored one by more than this is a restart (absorbs rounding and request time).</summary>
    public TimeSpan RestartTolerance { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>Unexpected restarts within <see cref="RebootLoopWindow"/> that make a reboot loop.</summary>
    public int RebootLoopRestarts { get; set; } = 3;
    public TimeSpan RebootLoopWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Mean luma (0–255) below which a snapshot is black.</summary>
    public double BlackLumaThreshold { get; set; } = 12;
    /// <summary>Checks in a row returning a byte-identical snapshot (after the first) that make it frozen.</summary>
    public int FrozenAfterUnchanged { get; set; } = 2;
    /// <summary>
    /// How often a camera's picture is decoded for its brightness (<c>black-image</c>) and kept as its thumbnail. Every check still
    /// fetches and hashes the picture (<c>frozen-image</c>, <c>no-snapshot</c> stay per check); decoding a JPEG was 15–20 % of a sweep's
    /// CPU at 10,000 cameras (issue #13). A picture that was black or could not be decoded is decoded at every check until it is
    /// not, "check now" always decodes, and so does a check whose picture shrank (<see cref="SnapshotShrinkRatio"/>). Zero = every
    /// check.
    /// </summary>
    public TimeSpan SnapshotInterval { get; set; } = TimeSpan.FromMinutes(15);
    /// <summary>
    /// A picture smaller than this share of the last decoded one is decoded at once, between the <see cref="SnapshotInterval"/>
    /// reads: a covered lens, a dead sensor or a lost image makes a JPEG several times smaller (nearly uniform blocks), so
    /// <c>black-image</c> is seen at the next check rather than at the next slot. 0 turns it off.
    /// </summary>
    public double SnapshotShrinkRatio { get; set; } = 0.5;
    /// <summary>
    /// Width in pixels of the thumbnail kept of each decoded picture: at least this (or the picture's own width) and under twice
    /// this, as the decoder scales by eighths, down to 1/8 (so 1080p gives 240×135, 4K 480×270, 720p and 640×360 160 wide). It is
    /// encoded by HikFleet from the decoded pixels, a few KB, so a browser is never served a device's own bytes. A width that
    /// needs a finer decode than 1/8 costs CPU at every decode (issue #13: 320 on 640×360 pictures was +0.9 ms a decode, 160
    /// +0.25 ms). 0 keeps no thumbnail.
    /// </summary>
    public int ThumbnailWidth { get; set; } = 160;
    /// <summary>JPEG quality (1–100) of the thumbnail.</summary>
    public int ThumbnailQuality { get; set; } = 70;
    /// <summary>Largest image dimension decoded for the luma check (hostile headers claim huge sizes).</summary>
    public int MaxSnapshotDimension { get; set; } = 8192;
    /// <summary>Share of the link speed the configured streams may use before <c>link-too-slow</c> (several clients pull a stream).</summary>
    public double LinkUtilisationLimit { get; set; } = 0.5;

    /// <summary>
    /// How often a camera's settings are read: the hardening settings (cloud access, illegal-login lock, admin access protocols),
    /// userCheck (default or weak password), the time mode (NTP) and the stream configuration — six requests. Configuration
    /// changes rarely, and a sweep of 10,000 cameras every minute on 2 cores (issue #13) cannot afford them each minute; between
    /// reads the findings of the last read are kept (<see cref="HealthFindings.SettingsCodes"/>). A camera is read again sooner
    /// after an operation on it finished, after its site's profile changed, and on "check now".
    /// </summary>
    public TimeSpan HardeningInterval { get; set; } = TimeSpan.FromHours(6);

    /// <summary>Health samples older than this are deleted by <see cref="HealthRetentionJob"/>.</summary>
    public TimeSpan SampleRetention { get; set; } = TimeSpan.FromDays(30);
    /// <summary>Camera events (timeline) older than this are deleted by <see cref="HealthRetentionJob"/>.</summary>
    public TimeSpan EventRetention { get; set; } = TimeSpan.FromDays(180);
    /// <summary>Rows deleted per statement, so retention never holds long locks.</summary>
    public int RetentionChunk { get; set; } = 10_000;
    /// <summary>Cached device clients not used for this long are disposed.</summary>
    public TimeSpan ClientIdleLifetime { get; set; } = TimeSpan.FromMinutes(30);
}
