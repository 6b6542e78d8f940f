using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using HikFleet.Simulator.Control;
using HikFleet.Simulator.Sadp;

namespace HikFleet.Simulator;

/// <summary>A virtual Hikvision fleet on loopback: start it, use its devices, dispose it.</summary>
public sealed class VirtualFleet : IAsyncDisposable
{
    private readonly List<VirtualDevice> _devices = [];
    private readonly ConcurrentDictionary<string, VirtualDevice> _bySerial = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, VirtualDevice> _byMac = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _gate = new();
    private uint _nextAddress;
    private SadpResponder? _sadp;
    private ControlServer? _control;
    private volatile IReadOnlyList<VirtualDevice> _snapshot = [];

    private VirtualFleet(SimulatorOptions options)
    {
        Options = options;
        Clock = new SimClock(options.TimeScale);
        _nextAddress = ToUInt(options.BaseAddress);
    }

    internal SimulatorOptions Options { get; }
    internal SimClock Clock { get; }

    /// <summary>All devices, in creation order.</summary>
    public IReadOnlyList<VirtualDevice> Devices => _snapshot;

    /// <summary>The control API's base address, when one was requested.</summary>
    public Uri? ControlUri => _control?.Uri;

    /// <summary>The UDP port SADP answers on (useful when <see cref="SimulatorOptions.SadpPort"/> is 0).</summary>
    public int? SadpPort => _sadp?.Port;

    /// <summary>Creates every device, binds its listeners, starts SADP and the control API.</summary>
    public static async Task<VirtualFleet> StartAsync(SimulatorOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var fleet = new VirtualFleet(options);
        try
        {
            var scenario = options.ScenarioFile is null ? null : Scenario.Load(options.ScenarioFile);
            for (var i = 0; i < options.Cameras; i++)
            {
                ct.ThrowIfCancellationRequested();
                var spec = scenario?.SpecFor(i, options) ?? new DeviceSpec();
                fleet.AddDevice(spec, fleetDefault: true);
            }
            lock (fleet._gate)
                fleet._snapshot = fleet._devices.ToArray();
            if (options.Sadp)
                fleet._sadp = new SadpResponder(fleet);
            if (options.Control is not null)
                fleet._control = await ControlServer.StartAsync(fleet, options.Control, ct).ConfigureAwait(false);
            scenario?.ScheduleActions(fleet);
            return fleet;
        }
        catch
        {
            await fleet.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Finds a device by serial number or MAC (any separator, any case); throws when there is none.</summary>
    public VirtualDevice Find(string serialOrMac)
    {
        ArgumentNullException.ThrowIfNull(serialOrMac);
        if (_bySerial.TryGetValue(serialOrMac, out var d))
            return d;
        var mac = SadpResponder.NormalizeMac(serialOrMac);
        if (mac is not null && _byMac.TryGetValue(mac, out d))
            return d;
        throw new KeyNotFoundException($"no device {serialOrMac}");
    }

    /// <summary>Creates and powers on one more device (model default: <see cref="DeviceCatalog.Turret4K"/>).</summary>
    public VirtualDevice AddDevice(DeviceSpec spec) => AddDevice(spec, fleetDefault: false);

    private VirtualDevice AddDevice(DeviceSpec spec, bool fleetDefault)
    {
        ArgumentNullException.ThrowIfNull(spec);
        VirtualDevice device;
        lock (_gate)
        {
            var index = _devices.Count;
            var rng = new Random(unchecked(Options.Seed * 1_000_003 + index * 7919));
            var model = spec.Model is null ? (fleetDefault ? PickModel(index, rng) : DeviceCatalog.Turret4K) : DeviceCatalog.Find(spec.Model) ?? throw new ArgumentException($"unknown model {spec.Model}", nameof(spec));
            var address = spec.Address ?? NextAddress();
            var sites = Math.Max(1, Options.Sites);
            var perSite = Math.Max(1, (Options.Cameras + sites - 1) / sites);
            var siteIndex = Math.Min(sites - 1, index / perSite);
            var id = Identity(index, model, rng, spec);
            var name = spec.Name ?? $"S{siteIndex + 1:00}-{(model.IsNvr ? "NVR" : "CAM")}-{index + 1:0000}";
            var config = DefaultConfiguration(model, spec.HttpPort ?? Options.HttpPort);
            config.DeviceName = name;
            config.OsdName = name;
            config.Network.IPv4Address = address.ToString();
            var bytes = address.GetAddressBytes();
            config.Network.Gateway = $"{bytes[0]}.{bytes[1]}.{bytes[2]}.1";
            config.Time.TimeZone = SiteZones[siteIndex % SiteZones.Length];
            config.Motion.Enabled = index % 5 != 4;
            config.Cloud.Enabled = spec.CloudEnabled ?? (!model.IsLegacy && index % 7 == 3);
            config.LoginLock.Enabled = spec.LoginLockEnabled ?? config.LoginLock.Enabled;
            config.HttpsEnabled = spec.HttpsAccessEnabled ?? config.HttpsEnabled;
            config.Time.TimeMode = spec.TimeMode ?? config.Time.TimeMode;
            var password = spec.Password ?? (model.IsLegacy ? "12345" : GeneratePassword(rng));
            if (spec.Activated || model.IsLegacy)
                config.Users.Add(new DeviceUser { Id = 1, UserName = "admin", Password = password, UserLevel = "Administrator" });
            else
            {
                config.Network.IPv4Address = spec.Address?.ToString() ?? address.ToString();
                config.Time.ClockSet = false;
            }
            var uptime = spec.UptimeSeconds ?? 3600 * (2 + rng.Next(24 * 40));
            device = new VirtualDevice(this, index, model, id, config, address, spec.Site ?? $"Site {siteIndex + 1}",
                spec.Activated || model.IsLegacy, spec.Https ?? Options.Https, uptime);
            device.Authentication = spec.Authentication ?? AuthenticationStyle.Digest;
            if (spec.Faults is not null)
                device.SetFaults(spec.Faults.Clone());
            _devices.Add(device);
            _bySerial[device.Serial] = device;
            _byMac[device.Mac] = device;
            if (!fleetDefault)
                _snapshot = _devices.ToArray(); // at start-up the snapshot is taken once, not 10,000 times
        }
        device.Start();
        return device;
    }

    private static readonly string[] SiteZones = ["CST+0:00:00DST01:00:00,M3.5.0/01:00:00,M10.5.0/02:00:00", "CST-1:00:00DST01:00:00,M3.5.0/02:00:00,M10.5.0/03:00:00", "CST+5:00:00", "CST-8:00:00"];

    private static DeviceModel PickModel(int index, Random rng)
    {
        if (index == 0)
            return DeviceCatalog.Turret4K;
        if (index % 20 == 19)
            return DeviceCatalog.Nvr8P;
        var roll = rng.Next(100);
        return roll switch
        {
            < 30 => DeviceCatalog.Turret4K,
            < 50 => DeviceCatalog.Dome4MP,
            < 63 => DeviceCatalog.Bullet4MP,
            < 73 => DeviceCatalog.Bullet8MPG1,
            < 83 => DeviceCatalog.Bullet8MPVulnerable,
            < 91 => DeviceCatalog.Ptz,
            _ => DeviceCatalog.LegacyBullet,
        };
    }

    private static readonly string[] Ouis = ["58:50:ed", "44:19:b6", "c0:56:e3", "bc:ad:28", "4c:bd:8f", "a4:14:37", "98:df:82", "24:48:45"];

    private DeviceIdentity Identity(int index, DeviceModel model, Random rng, DeviceSpec spec)
    {
        var letter = (char)('A' + rng.Next(26));
        var digits = (index * 4099L + rng.Next(4099)) % 100_000_000;
        var date = new DateTime(2018, 1, 1).AddDays(rng.Next(6 * 365));
        var serial = spec.Serial ?? $"{model.Model}{date:yyyyMMdd}AAWR{letter}{digits:00000000}";
        var low = (uint)(Options.Seed * 104729 + index * 7) & 0xFFFFFF;
        var mac = spec.Mac is not null
            ? SadpResponder.NormalizeMac(spec.Mac) ?? throw new ArgumentException("bad MAC", nameof(spec))
            : $"{Ouis[rng.Next(Ouis.Length)]}:{low >> 16:x2}:{(low >> 8) & 0xFF:x2}:{low & 0xFF:x2}";
        var uuidBytes = new byte[16];
        rng.NextBytes(uuidBytes);
        var saltBytes = new byte[32];
        rng.NextBytes(saltBytes);
        var secret = new byte[32];
        rng.NextBytes(secret);
        // Realm: "IP Camera(" + a serial fragment + ")" as in the captures (§1.2).
        var tail = new string(serial.Where(char.IsAsciiDigit).ToArray());
        var realmFragment = $"{letter}{(tail.Length >= 4 ? tail[^4..] : tail.PadLeft(4, '0'))}";
        return new DeviceIdentity(serial, mac, new Guid(uuidBytes).ToString(), Convert.ToHexStringLower(saltBytes),
            $"IP Camera({realmFragment})", spec.FirmwareVersion ?? model.FirmwareVersion, spec.FirmwareBuild ?? model.FirmwareBuild, secret);
    }

    private static string GeneratePassword(Random rng)
    {
        const string lower = "abcdefghijkmnpqrstuvwxyz", upper = "ABCDEFGHJKLMNPQRSTUVWXYZ", digits = "23456789", special = "!#%*+-=?@_";
        var chars = new List<char>();
        for (var i = 0; i < 4; i++) chars.Add(lower[rng.Next(lower.Length)]);
        for (var i = 0; i < 3; i++) chars.Add(upper[rng.Next(upper.Length)]);
        for (var i = 0; i < 3; i++) chars.Add(digits[rng.Next(digits.Length)]);
        for (var i = 0; i < 2; i++) chars.Add(special[rng.Next(special.Length)]);
        return new string(chars.OrderBy(_ => rng.Next()).ToArray());
    }

    /// <summary>Factory settings of a model (used at creation and by resets).</summary>
    internal DeviceConfiguration DefaultConfiguration(DeviceModel model, int httpPort)
    {
        var c = new DeviceConfiguration
        {
            DeviceName = model.IsNvr ? "Network Video Recorder" : "IP CAMERA",
            HttpPort = httpPort,
            OsdName = "Camera 01",
            Network = new NetworkSettings { IPv4Address = Options.FactoryAddress.ToString(), Gateway = "" },
            LoginLock = new LoginLockSettings { MaxIllegalLoginTimes = Options.MaxFailedLogins, MaxIllegalLoginLockTime = Options.LockSeconds },
        };
        var channels = model.IsNvr ? model.DigitalChannels : 1;
        for (var ch = 1; ch <= channels; ch++)
        {
            c.Streams.Add(new StreamSettings
            {
                Id = ch * 100 + 1, ChannelName = $"Camera {ch:00}", Width = model.MaxWidth, Height = model.MaxHeight,
                VideoCodecType = model.Platform == "IPC_G5" ? "H.265" : "H.264",
                ConstantBitRate = model.MaxWidth >= 3840 ? 8192 : 4096, VbrUpperCap = model.MaxWidth >= 3840 ? 8192 : 4096,
                MaxFrameRate = Math.Min(2500, model.MaxFrameRate), GovLength = 50,
            });
            c.Streams.Add(new StreamSettings
            {
                Id = ch * 100 + 2, ChannelName = $"Camera {ch:00}", Width = 640, Height = model.IsLegacy ? 480 : 360,
                VideoCodecType = "H.264", ConstantBitRate = 512, VbrUpperCap = 512, MaxFrameRate = Math.Min(2500, model.MaxFrameRate), GovLength = 50,
            });
        }
        return c;
    }

    private IPAddress NextAddress()
    {
        while ((_nextAddress & 0xFF) is 0 or 255)
            _nextAddress++;
        return FromUInt(_nextAddress++);
    }

    private static uint ToUInt(IPAddress a)
    {
        var b = a.GetAddressBytes();
        return (uint)(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]);
    }

    private static IPAddress FromUInt(uint v) => new([(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v]);

    /// <summary>
    /// Network rule: devices bind only loopback addresses, the factory address, or — when the fleet was explicitly placed on a
    /// non-loopback base address (a test network namespace) — addresses in that base's /16.
    /// </summary>
    internal bool IsBindable(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetwork)
            return false;
        if (IPAddress.IsLoopback(address) || address.Equals(Options.FactoryAddress))
            return true;
        if (IPAddress.IsLoopback(Options.BaseAddress))
            return false;
        return (ToUInt(address) & 0xFFFF0000) == (ToUInt(Options.BaseAddress) & 0xFFFF0000);
    }

    internal IPAddress ConflictAddressFor(VirtualDevice d)
    {
        if (d.Faults.IpConflictAddress is { } s && IPAddress.TryParse(s, out var explicitAddress))
            return explicitAddress;
        VirtualDevice other;
        lock (_gate)
        {
            if (_devices.Count < 2)
                return Options.FactoryAddress;
            other = _devices[(d.Index + 1) % _devices.Count];
        }
        return other.ConfiguredAddress;
    }

    /// <summary>Stops every device, SADP and the control API.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_control is not null)
            await _control.DisposeAsync().ConfigureAwait(false);
        _sadp?.Dispose();
        VirtualDevice[] all;
        lock (_gate)
            all = _devices.ToArray();
        foreach (var d in all)
            d.Stop();
    }
}
