namespace HikFleet.Core.Operations;

/// <summary>Timing and guard rails of device operations (<c>Fleet:Operations</c>).</summary>
public sealed class OperationOptions
{
    public const string SectionName = "Fleet:Operations";

    /// <summary>How often a waiting step looks at the device again (each look is a rescheduled job, never a held worker).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a runner holds an operation between heartbeats; a crashed runner's operation is taken over after this.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Time limit of a step that has no limit of its own.</summary>
    public TimeSpan StepTimeout { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>How long a camera may take to go down after a reboot or reset command.</summary>
    public TimeSpan DownTimeout { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>How long a camera may take to boot and answer again (NVRs take minutes).</summary>
    public TimeSpan BootTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a firmware image may take to reach a camera (slow links to remote sites).</summary>
    public TimeSpan UploadTimeout { get; set; } = TimeSpan.FromMinutes(30);
    /// <summary>How long a camera may take to write a firmware image before it restarts (§2.7: typically several minutes).</summary>
    public TimeSpan InstallTimeout { get; set; } = TimeSpan.FromMinutes(20);
    /// <summary>
    /// A restart is recognised by the boot time (now − uptime) moving later by more than this: uptimes are whole seconds and each
    /// reading carries the request's latency, so small shifts are noise.
    /// </summary>
    public TimeSpan RestartDetectionSlack { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Field practice: at most this many reboots (and resets) per camera per rolling hour.</summary>
    public int MaxRebootsPerHour { get; set; } = 3;

    /// <summary>Most cameras one bulk request may name.</summary>
    public int MaxBulk { get; set; } = 500;

    /// <summary>Backups of one camera kept at least (whatever the site says), so a reset always has one to restore.</summary>
    public int MinBackupsKept { get; set; } = 1;

    /// <summary>
    /// Crash testing only: the name of a step after whose device action the process kills itself, before the step's result is
    /// persisted (the crash test restarts it and checks the workflow still completes, exactly once). Never set in production.
    /// </summary>
    public string? KillProcessAfterStep { get; set; }
}
