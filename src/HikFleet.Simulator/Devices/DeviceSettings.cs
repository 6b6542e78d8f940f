using System.Text.Json;

namespace HikFleet.Simulator;

/// <summary>IPv4 settings of interface 1 (§2.3).</summary>
public sealed class NetworkSettings
{
    /// <summary>static | dynamic.</summary>
    public string AddressingType { get; set; } = "static";
    /// <summary>IPv4 address.</summary>
    public string IPv4Address { get; set; } = "";
    /// <summary>Subnet mask.</summary>
    public string SubnetMask { get; set; } = "255.255.255.0";
    /// <summary>Default gateway.</summary>
    public string Gateway { get; set; } = "";
    /// <summary>Primary DNS.</summary>
    public string PrimaryDns { get; set; } = "8.8.8.8";
    /// <summary>Secondary DNS.</summary>
    public string SecondaryDns { get; set; } = "8.8.4.4";
    /// <summary>MTU.</summary>
    public int Mtu { get; set; } = 1500;
}

/// <summary>Time settings (§2.4).</summary>
public sealed class TimeSettings
{
    /// <summary>NTP | manual.</summary>
    public string TimeMode { get; set; } = "NTP";
    /// <summary>POSIX-style zone, sign inverted: CST-8:00:00 = UTC+8.</summary>
    public string TimeZone { get; set; } = "CST-8:00:00";
    /// <summary>Manual offset from real time, seconds.</summary>
    public double ManualOffsetSeconds { get; set; }
    /// <summary>False after a full reset until time is set: the clock then starts in 1970 (§5.14).</summary>
    public bool ClockSet { get; set; } = true;
}

/// <summary>One NTP server (§2.4).</summary>
public sealed class NtpServer
{
    /// <summary>Id (1-based).</summary>
    public int Id { get; set; } = 1;
    /// <summary>hostname | ipaddress.</summary>
    public string AddressingFormatType { get; set; } = "hostname";
    /// <summary>Host name.</summary>
    public string? HostName { get; set; } = "time.windows.com";
    /// <summary>IP address.</summary>
    public string? IpAddress { get; set; }
    /// <summary>Port.</summary>
    public int PortNo { get; set; } = 123;
    /// <summary>Minutes.</summary>
    public int SynchronizeInterval { get; set; } = 1440;
}

/// <summary>A device account (§2.5).</summary>
public sealed class DeviceUser
{
    /// <summary>Id; 1 is the built-in admin.</summary>
    public int Id { get; set; }
    /// <summary>User name.</summary>
    public string UserName { get; set; } = "";
    /// <summary>Password (the device keeps it; never logged).</summary>
    public string Password { get; set; } = "";
    /// <summary>Administrator | Operator | Viewer.</summary>
    public string UserLevel { get; set; } = "Administrator";
    /// <summary>Previous passwords, newest first (no reuse).</summary>
    public List<string> PasswordHistory { get; set; } = [];
}

/// <summary>One streaming channel (§2.8).</summary>
public sealed class StreamSettings
{
    /// <summary>101, 102, ….</summary>
    public int Id { get; set; }
    /// <summary>Channel name.</summary>
    public string ChannelName { get; set; } = "";
    /// <summary>Enabled.</summary>
    public bool Enabled { get; set; } = true;
    /// <summary>H.264 | H.265 | MJPEG.</summary>
    public string VideoCodecType { get; set; } = "H.264";
    /// <summary>Width.</summary>
    public int Width { get; set; }
    /// <summary>Height.</summary>
    public int Height { get; set; }
    /// <summary>CBR | VBR.</summary>
    public string QualityControlType { get; set; } = "VBR";
    /// <summary>kbps.</summary>
    public int ConstantBitRate { get; set; } = 4096;
    /// <summary>Fixed quality.</summary>
    public int FixedQuality { get; set; } = 60;
    /// <summary>kbps.</summary>
    public int VbrUpperCap { get; set; } = 4096;
    /// <summary>Frame rate in hundredths of fps (2500 = 25 fps).</summary>
    public int MaxFrameRate { get; set; } = 2500;
    /// <summary>ms.</summary>
    public int KeyFrameInterval { get; set; } = 2000;
    /// <summary>GOP length.</summary>
    public int GovLength { get; set; } = 50;
    /// <summary>H.264 profile.</summary>
    public string H264Profile { get; set; } = "Main";
    /// <summary>H.265+/H.264+.</summary>
    public bool SmartCodec { get; set; }
    /// <summary>Audio.</summary>
    public bool AudioEnabled { get; set; }
}

/// <summary>Motion detection (§2.8).</summary>
public sealed class MotionSettings
{
    /// <summary>Enabled.</summary>
    public bool Enabled { get; set; }
    /// <summary>0..100.</summary>
    public int SensitivityLevel { get; set; } = 60;
    /// <summary>18 rows × 6 hex characters.</summary>
    public string GridMap { get; set; } = string.Concat(Enumerable.Repeat("fffffc", 18));
    /// <summary>Target filter.</summary>
    public string TargetType { get; set; } = "human,vehicle";
}

/// <summary>EZVIZ / Hik-Connect (§2.11).</summary>
public sealed class CloudSettings
{
    /// <summary>Enabled.</summary>
    public bool Enabled { get; set; }
    /// <summary>Verification code.</summary>
    public string VerificationCode { get; set; } = "ABCDEF";
}

/// <summary>Illegal login lock (§1.5).</summary>
public sealed class LoginLockSettings
{
    /// <summary>Enabled.</summary>
    public bool Enabled { get; set; } = true;
    /// <summary>Failures before lock.</summary>
    public int MaxIllegalLoginTimes { get; set; } = 5;
    /// <summary>Lock duration, simulated seconds.</summary>
    public int MaxIllegalLoginLockTime { get; set; } = 1800;
}

/// <summary>Everything a configuration export captures and a reset clears.</summary>
public sealed class DeviceConfiguration
{
    /// <summary>deviceName.</summary>
    public string DeviceName { get; set; } = "IP CAMERA";
    /// <summary>Network.</summary>
    public NetworkSettings Network { get; set; } = new();
    /// <summary>HTTP port configured on the device.</summary>
    public int HttpPort { get; set; }
    /// <summary>Time.</summary>
    public TimeSettings Time { get; set; } = new();
    /// <summary>NTP servers.</summary>
    public List<NtpServer> NtpServers { get; set; } = [new()];
    /// <summary>Users.</summary>
    public List<DeviceUser> Users { get; set; } = [];
    /// <summary>Streams.</summary>
    public List<StreamSettings> Streams { get; set; } = [];
    /// <summary>OSD channel name (video input 1 name).</summary>
    public string OsdName { get; set; } = "Camera 01";
    /// <summary>Motion.</summary>
    public MotionSettings Motion { get; set; } = new();
    /// <summary>Cloud.</summary>
    public CloudSettings Cloud { get; set; } = new();
    /// <summary>Illegal login lock.</summary>
    public LoginLockSettings LoginLock { get; set; } = new();
    /// <summary>
    /// The HTTPS entry of adminAccesses is enabled (§1.1; on by default on current firmware, as in the real fixture). Only the
    /// setting: whether the device actually serves HTTPS is the fleet's/spec's <c>Https</c> option, fixed for a device's life.
    /// </summary>
    public bool HttpsEnabled { get; set; } = true;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };
    /// <summary>Deep copy.</summary>
    public DeviceConfiguration Clone() => JsonSerializer.Deserialize<DeviceConfiguration>(JsonSerializer.SerializeToUtf8Bytes(this, Json), Json)!;
    internal byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Json);
    internal static DeviceConfiguration FromJson(ReadOnlySpan<byte> json) => JsonSerializer.Deserialize<DeviceConfiguration>(json, Json)!;
}
