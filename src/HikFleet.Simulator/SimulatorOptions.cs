using System.Net;

namespace HikFleet.Simulator;

/// <summary>How a <see cref="VirtualFleet"/> is built. Every duration a device experiences goes through <see cref="TimeScale"/>.</summary>
public sealed class SimulatorOptions
{
    /// <summary>Number of devices (cameras and the occasional NVR) created at start.</summary>
    public int Cameras { get; set; } = 10;
    /// <summary>Devices are spread over this many sites in contiguous blocks.</summary>
    public int Sites { get; set; } = 1;
    /// <summary>Device i gets BaseAddress + i, skipping addresses whose last octet is 0 or 255.</summary>
    public IPAddress BaseAddress { get; set; } = IPAddress.Parse("127.20.0.10");
    /// <summary>HTTP port of every device; 0 = an ephemeral port per device, kept across reboots.</summary>
    public int HttpPort { get; set; } = 80;
    /// <summary>Also serve HTTPS with a per-device self-signed certificate.</summary>
    public bool Https { get; set; }
    /// <summary>HTTPS port (0 = ephemeral per device).</summary>
    public int HttpsPort { get; set; } = 443;
    /// <summary>Simulated seconds are multiplied by this to get real time: 0.001 makes a 60 s reboot take 60 ms.</summary>
    public double TimeScale { get; set; } = 1.0;
    /// <summary>Optional JSON scenario (faults, passwords, firmware per device or by fraction); see docs/simulator.md.</summary>
    public string? ScenarioFile { get; set; }
    /// <summary>Control API endpoint; null = none (tests). The CLI defaults to 127.0.0.1:18999.</summary>
    public IPEndPoint? Control { get; set; }
    /// <summary>Answer SADP.</summary>
    public bool Sadp { get; set; } = true;
    /// <summary>SADP UDP port; tests use a random free port so parallel test processes never see each other.</summary>
    public int SadpPort { get; set; } = 37020;
    /// <summary>The multicast group 239.255.255.250 is joined on this interface only.</summary>
    public IPAddress SadpInterface { get; set; } = IPAddress.Loopback;
    /// <summary>Multicast TTL of anything the simulator multicasts (0 keeps it on the host).</summary>
    public int SadpTtl { get; set; }
    /// <summary>Where a fully reset device comes back (several reset devices collide here, as on 192.168.1.64).</summary>
    public IPAddress FactoryAddress { get; set; } = IPAddress.Parse("127.1.1.64");
    /// <summary>Failed logins before the illegal-login lock engages (device default, writable over ISAPI).</summary>
    public int MaxFailedLogins { get; set; } = 5;
    /// <summary>Lock duration in simulated seconds.</summary>
    public int LockSeconds { get; set; } = 1800;
    /// <summary>[U] §1.5: whether the illegal-login lock applies to the whole device (default) or to the offending client address.</summary>
    public LockScope LockScope { get; set; } = LockScope.Device;
    /// <summary>[U] §2.3: an address change answers statusCode 7 and waits for a reboot (default), or applies at once with statusCode 1.</summary>
    public bool AddressChangeNeedsReboot { get; set; } = true;
    /// <summary>[U] §4.1: SADP replies start with a short binary prefix before the XML, as some builds send.</summary>
    public bool SadpBinaryPrefix { get; set; }
    /// <summary>Seed of every generated identity and password: same seed, same fleet.</summary>
    public int Seed { get; set; } = 1;
    /// <summary>
    /// Executable only (in-process fleets ignore it): stop, as on SIGTERM, once this process is gone (<c>--parent-pid PID</c>);
    /// 0 = the process that started the simulator (<c>--exit-with-parent</c>); null (default) = run until stopped. See <see cref="ParentWatch"/>.
    /// </summary>
    public int? ExitWithProcess { get; set; }

    /// <summary>Simulated seconds a camera is unreachable during a reboot (NVRs take three times as long).</summary>
    public double RebootSeconds { get; set; } = 60;
    /// <summary>Simulated seconds between the reboot command and the device dropping off the network.</summary>
    public double RebootDropSeconds { get; set; } = 2;
    /// <summary>Simulated seconds a firmware upgrade spends writing flash before it reboots.</summary>
    public double UpgradeSeconds { get; set; } = 180;
    /// <summary>Simulated lifetime of a digest nonce; never shorter than 1 real second (plus twice a slow device's injected delay)
    /// so clients are not starved.</summary>
    public double NonceLifetimeSeconds { get; set; } = 300;
    /// <summary>Simulated seconds between alertStream heartbeats (never shorter than 10 real ms).</summary>
    public double HeartbeatSeconds { get; set; } = 10;
    /// <summary>[R] §2.10: NVRs close the alertStream after about 40 s; 0 (default) keeps it open. Simulated, at least 1 real second.</summary>
    public double NvrAlertStreamCloseSeconds { get; set; }
    /// <summary>[U] §2.2: whether factoryReset answers statusCode 7 (client reboots) instead of 1 (device reboots itself).</summary>
    public bool FactoryResetAnswersRebootRequired { get; set; }
}

/// <summary>What the illegal-login lock locks out (§1.5).</summary>
public enum LockScope
{
    /// <summary>Everyone, for the lock time.</summary>
    Device,
    /// <summary>Only the client address that failed.</summary>
    ClientAddress,
}
