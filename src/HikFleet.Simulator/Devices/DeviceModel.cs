namespace HikFleet.Simulator;

/// <summary>Which XML dialect a device speaks (§1.3): the namespace and root version attribute differ per family.</summary>
public enum DeviceFamily
{
    /// <summary>Current IPC firmware (5.5–5.7): http://www.hikvision.com/ver20/XMLSchema, version="2.0".</summary>
    Camera,
    /// <summary>Old IPC firmware (5.2.x): http://www.hikvision.com/ver10/XMLSchema, version="1.0", Basic auth, admin/12345.</summary>
    LegacyCamera,
    /// <summary>NVR on 4.x firmware: http://www.isapi.org/ver20/XMLSchema.</summary>
    Nvr,
}

/// <summary>A real model the simulator can impersonate.</summary>
public sealed record DeviceModel(
    string Model,
    string DeviceType,
    DeviceFamily Family,
    string Platform,
    string FirmwareVersion,
    string FirmwareBuild,
    int SadpDeviceType,
    int MaxWidth,
    int MaxHeight,
    int MaxFrameRate,
    string DspVersion,
    int DigitalChannels,
    bool HasSdCard,
    string Description)
{
    /// <summary>Old firmware: accepts Basic, ships activated with admin/12345 and has no SADP salt.</summary>
    public bool IsLegacy => Family == DeviceFamily.LegacyCamera;
    /// <summary>True for recorders.</summary>
    public bool IsNvr => Family == DeviceFamily.Nvr;
}

/// <summary>The catalog of models the fleet is built from.</summary>
public static class DeviceCatalog
{
    /// <summary>Current 4K turret, the flagship every default fleet starts with (device 0).</summary>
    public static readonly DeviceModel Turret4K = new("DS-2CD2386G2-IU", "IPCamera", DeviceFamily.Camera, "IPC_G5",
        "V5.7.18", "build 240826", 141982, 3840, 2160, 2500, "V7.3 build 240812", 1, true, "8 MP AcuSense turret");

    /// <summary>Current 4 MP dome.</summary>
    public static readonly DeviceModel Dome4MP = new("DS-2CD2143G2-I", "IPDome", DeviceFamily.Camera, "IPC_G5",
        "V5.7.3", "build 220112", 141960, 2688, 1520, 2500, "V7.3 build 211223", 1, true, "4 MP AcuSense dome");

    /// <summary>ColorVu bullet.</summary>
    public static readonly DeviceModel Bullet4MP = new("DS-2CD2T47G2-L", "IPCamera", DeviceFamily.Camera, "IPC_G5",
        "V5.7.12", "build 230118", 141961, 2688, 1520, 2500, "V7.3 build 221215", 1, true, "4 MP ColorVu bullet");

    /// <summary>The model of the real SADP capture in §4.3.</summary>
    public static readonly DeviceModel Bullet8MPG1 = new("DS-2CD2385G1-I", "IPCamera", DeviceFamily.Camera, "IPC_G1",
        "V5.6.2", "build 190701", 141945, 3840, 2160, 2000, "V7.3 build 190626", 1, true, "8 MP turret (G1)");

    /// <summary>5.5 firmware before build 210628: CVE-2021-36260 (§6).</summary>
    public static readonly DeviceModel Bullet8MPVulnerable = new("DS-2CD2085FWD-I", "IPCamera", DeviceFamily.Camera, "IPC_R6",
        "V5.5.82", "build 190909", 141932, 3840, 2160, 2000, "V7.3 build 190822", 1, true, "8 MP bullet, vulnerable firmware");

    /// <summary>PTZ speed dome.</summary>
    public static readonly DeviceModel Ptz = new("DS-2DE4425IW-DE", "IPDome", DeviceFamily.Camera, "IPC_PTZ_E",
        "V5.6.15", "build 200818", 142010, 2560, 1440, 2500, "V7.3 build 200710", 1, true, "4 MP 25x PTZ");

    /// <summary>Old 5.2.0 firmware: CVE-2017-7921/7923, Basic auth, admin/12345, ver10 namespace.</summary>
    public static readonly DeviceModel LegacyBullet = new("DS-2CD2132F-IS", "IPCamera", DeviceFamily.LegacyCamera, "IPC_R0",
        "V5.2.0", "build 140721", 31002, 2048, 1536, 3000, "V5.0 build 140714", 1, false, "3 MP bullet, 2014 firmware");

    /// <summary>8-channel NVR with 8 PoE ports (§2.12).</summary>
    public static readonly DeviceModel Nvr8P = new("DS-7608NXI-I2/8P/S", "NVR", DeviceFamily.Nvr, "NVR_K72",
        "V4.62.210", "build 220426", 8471, 3840, 2160, 2500, "V5.0 build 220401", 8, false, "8-ch PoE NVR");

    /// <summary>All models.</summary>
    public static IReadOnlyList<DeviceModel> All { get; } =
        [Turret4K, Dome4MP, Bullet4MP, Bullet8MPG1, Bullet8MPVulnerable, Ptz, LegacyBullet, Nvr8P];

    /// <summary>Finds a model by its exact model string (case-insensitive).</summary>
    public static DeviceModel? Find(string model) =>
        All.FirstOrDefault(m => string.Equals(m.Model, model, StringComparison.OrdinalIgnoreCase));
}
