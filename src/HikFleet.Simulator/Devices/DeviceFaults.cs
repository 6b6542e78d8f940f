namespace HikFleet.Simulator;

/// <summary>
/// Faults of one device, settable at any time (scenario, control API, tests). Network-level latencies (<see cref="SlowMs"/>,
/// <see cref="SlowDripMs"/>) are real milliseconds, not scaled: they model what a client measures with its own timeouts.
/// </summary>
public sealed class DeviceFaults
{
    private bool _offline, _rebootLoop, _ipConflict, _lockedOut;
    internal Action<string>? Changed;

    /// <summary>Powered but unreachable: no HTTP listener, no SADP answer (a dead switch port).</summary>
    public bool Offline { get => _offline; set { if (_offline != value) { _offline = value; Changed?.Invoke(nameof(Offline)); } } }
    /// <summary>Extra real latency before every HTTP answer.</summary>
    public int SlowMs { get; set; }
    /// <summary>Accepts connections and reads requests but never answers.</summary>
    public bool Timeout { get; set; }
    /// <summary>Weak PoE power: the device crashes a short while after every boot.</summary>
    public bool RebootLoop { get => _rebootLoop; set { if (_rebootLoop != value) { _rebootLoop = value; Changed?.Invoke(nameof(RebootLoop)); } } }
    /// <summary>Simulated seconds a reboot-looping device stays up before it crashes again.</summary>
    public double RebootLoopUpSeconds { get; set; } = 30;
    /// <summary>Offset of the device clock from real time, in seconds.</summary>
    public double ClockDriftSeconds { get; set; }
    /// <summary>The SD card (or NVR disk) reports status "error".</summary>
    public bool SdCardError { get; set; }
    /// <summary>Snapshots are black.</summary>
    public bool BlackImage { get; set; }
    /// <summary>Snapshots never change.</summary>
    public bool FrozenImage { get; set; }
    /// <summary>Negotiated link speed in Mbps (default 1000 for NVRs, 100 for cameras when 0).</summary>
    public int LinkSpeedMbps { get; set; }
    /// <summary>Another host uses this device's address: the device's listener shares the address of <see cref="IpConflictAddress"/>
    /// (default: the next device's address), so connections land on either device at random.</summary>
    public bool IpConflict { get => _ipConflict; set { if (_ipConflict != value) { _ipConflict = value; Changed?.Invoke(nameof(IpConflict)); } } }
    /// <summary>Address the conflicting device moves to; null = the neighbouring device's address.</summary>
    public string? IpConflictAddress { get; set; }
    /// <summary>Setting it engages the illegal-login lock now; clearing it unlocks.</summary>
    public bool LockedOut { get => _lockedOut; set { if (_lockedOut != value) { _lockedOut = value; Changed?.Invoke(nameof(LockedOut)); } } }
    /// <summary>XML answers are cut short and carry an unescaped ampersand.</summary>
    public bool MalformedXml { get; set; }
    /// <summary>XML answers are padded to <see cref="OversizedBytes"/>.</summary>
    public bool OversizedBody { get; set; }
    /// <summary>Size of an oversized answer.</summary>
    public int OversizedBytes { get; set; } = 32 * 1024 * 1024;
    /// <summary>Answers never end: no Content-Length, bytes forever until the client gives up.</summary>
    public bool NeverEndingBody { get; set; }
    /// <summary>Answers are written one byte at a time every <see cref="SlowDripMs"/>.</summary>
    public bool SlowDrip { get; set; }
    /// <summary>Real milliseconds between dripped bytes.</summary>
    public int SlowDripMs { get; set; } = 50;
    /// <summary>deviceUpTime is a localised string such as 87天0时55分59秒, as one real device sent (§2.1).</summary>
    public bool LocalizedUptime { get; set; }
    /// <summary>Every ISAPI answer (after authentication) is statusCode 3 deviceError.</summary>
    public bool DeviceError { get; set; }
    /// <summary>alertStream emits a VMD event every this many simulated seconds (0 = only on <see cref="VirtualDevice.TriggerMotion"/>).</summary>
    public double MotionEverySeconds { get; set; }
    /// <summary>Hung firmware: the reboot command is acknowledged but the device never restarts.</summary>
    public bool IgnoreReboot { get; set; }
    /// <summary>
    /// "Firmware hung": TCP connections are accepted and requests read but never answered, no SADP reply, reboot impossible (ISAPI,
    /// SADP and the control API's reboot do nothing). Cleared when the device loses power (a PoE power-cycle), as on real cameras.
    /// </summary>
    public bool Hung { get; set; }
    /// <summary>configurationData imports are refused (statusCode 6 importErrorData), as after a hardware revision change.</summary>
    public bool RefuseConfigurationImport { get; set; }
    /// <summary>A firmware install fails half-way: the device restarts on its old firmware (as from its backup partition).</summary>
    public bool UpgradeFails { get; set; }
    /// <summary>
    /// Once: the device answers a password change (the new password is set), then drops off the network (<see cref="Offline"/>)
    /// before anyone can log in with it — the moment a password rotation cannot verify. Cleared when it fires.
    /// </summary>
    public bool OfflineAfterPasswordChange { get; set; }

    internal DeviceFaults Clone() => (DeviceFaults)MemberwiseClone();
}
