using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using HikFleet.Simulator.Http;
using HikFleet.Simulator.Isapi;

namespace HikFleet.Simulator;

/// <summary>
/// One virtual camera or NVR: identity, settings, power state, its own listeners, faults. Public members are for tests and the
/// control API to observe and poke it; the ISAPI and SADP faces live in <see cref="IsapiRouter"/> and the SADP responder.
/// </summary>
public sealed class VirtualDevice
{
    private readonly VirtualFleet _fleet;
    private readonly Lock _powerGate = new();
    private readonly List<Channel<string>> _eventSubscribers = [];
    private DeviceListener? _http, _https;
    private CancellationTokenSource _session = new();
    private int _powerGeneration;
    private bool _running;
    private bool _powerHeldOff;
    private long _bootTimestamp = SimClock.Now;
    private double _uptimeAtBoot;
    private X509Certificate2? _certificate;
    private int? _httpsPort;

    internal VirtualDevice(VirtualFleet fleet, int index, DeviceModel model, DeviceIdentity id, DeviceConfiguration config,
        IPAddress homeAddress, string site, bool activated, bool https, double uptimeSeconds)
    {
        _fleet = fleet;
        Index = index;
        ModelInfo = model;
        Serial = id.Serial;
        Mac = id.Mac;
        DeviceId = id.DeviceId;
        Salt = model.IsLegacy ? null : id.Salt;
        Realm = id.Realm;
        FirmwareVersion = id.FirmwareVersion;
        FirmwareBuild = id.FirmwareBuild;
        ConfigurationSecret = id.ConfigurationSecret;
        Config = config;
        HomeAddress = homeAddress;
        Address = homeAddress;
        Site = site;
        Activated = activated;
        HttpsEnabled = https;
        _uptimeAtBoot = uptimeSeconds;
        Auth = new DigestAuthenticator(this);
        Faults = new DeviceFaults();
        AttachFaults(Faults);
    }

    // ------------------------------------------------------------------ identity

    /// <summary>Position in the fleet.</summary>
    public int Index { get; }
    /// <summary>The catalog entry.</summary>
    public DeviceModel ModelInfo { get; }
    /// <summary>Model string.</summary>
    public string Model => ModelInfo.Model;
    /// <summary>deviceType of deviceInfo (IPCamera, IPDome, NVR).</summary>
    public string DeviceType => ModelInfo.DeviceType;
    /// <summary>XML dialect.</summary>
    public DeviceFamily Family => ModelInfo.Family;
    /// <summary>Full serial number.</summary>
    public string Serial { get; }
    /// <summary>MAC, aa:bb:cc:dd:ee:ff.</summary>
    public string Mac { get; }
    /// <summary>deviceID UUID.</summary>
    public string DeviceId { get; }
    /// <summary>SADP salt (64 hex), null on legacy firmware.</summary>
    public string? Salt { get; }
    /// <summary>Which authentication the device offers and accepts (settable at run time).</summary>
    public AuthenticationStyle Authentication { get; set; }
    /// <summary>Digest realm, e.g. IP Camera(E2150).</summary>
    public string Realm { get; }
    /// <summary>e.g. V5.7.18.</summary>
    public string FirmwareVersion { get; private set; }
    /// <summary>e.g. build 240826.</summary>
    public string FirmwareBuild { get; private set; }
    /// <summary>deviceName.</summary>
    public string Name => Config.DeviceName;
    /// <summary>Site label.</summary>
    public string Site { get; set; }
    internal byte[] ConfigurationSecret { get; }

    // ------------------------------------------------------------------ network face

    /// <summary>The address the device answers on now.</summary>
    public IPAddress Address { get; private set; }
    /// <summary>The fleet-assigned address (what DHCP hands out).</summary>
    public IPAddress HomeAddress { get; }
    /// <summary>HTTP port (kept across reboots).</summary>
    public int HttpPort { get; private set; }
    /// <summary>HTTPS port, null when HTTPS is off.</summary>
    public int? HttpsPort => HttpsEnabled ? _httpsPort : null;
    /// <summary>http://address:port/.</summary>
    public Uri HttpUri => new($"http://{Address}:{HttpPort}/");
    /// <summary>https://address:port/ or null.</summary>
    public Uri? HttpsUri => HttpsPort is { } p ? new Uri($"https://{Address}:{p}/") : null;
    internal bool HttpsEnabled { get; }
    /// <summary>Hex SHA-256 of the certificate if one was generated already (the control API never forces RSA key generation).</summary>
    internal string? GeneratedCertificateSha256Hex
    {
        get
        {
            lock (_powerGate)
                return _certificate is null ? null : Convert.ToHexStringLower(SHA256.HashData(_certificate.RawData));
        }
    }

    /// <summary>SHA-256 of the device certificate (DER), null without HTTPS.</summary>
    public byte[]? CertificateSha256 => HttpsEnabled ? SHA256.HashData(GetOrCreateCertificate().RawData) : null;

    // ------------------------------------------------------------------ state

    /// <summary>The built-in administrator.</summary>
    public string AdminUser => "admin";
    /// <summary>Admin password, null while inactive.</summary>
    public string? AdminPassword { get { lock (Sync) return Activated ? FindUserById(1)?.Password : null; } }
    /// <summary>False while factory-fresh.</summary>
    public bool Activated { get; private set; }
    /// <summary>Powered, booted and not faulted offline.</summary>
    /// <summary>
    /// Powered and reachable. Read under the power lock: boot sets the flag and binds the listeners in one step, so a
    /// caller that sees the device online can connect to it at once.
    /// </summary>
    public bool Online
    {
        get
        {
            lock (_powerGate)
            {
                return _running && !Faults.Offline;
            }
        }
    }
    /// <summary>Simulated time since boot (zero while down).</summary>
    public TimeSpan Uptime => _running ? TimeSpan.FromSeconds(UptimeSeconds) : TimeSpan.Zero;
    internal double UptimeSeconds => _running ? _uptimeAtBoot + Clock.SimulatedSecondsSince(_bootTimestamp) : 0;
    /// <summary>Faults (settable).</summary>
    public DeviceFaults Faults { get; private set; }
    /// <summary>Failed logins since the last success (the highest count of any client when locks are per client address).</summary>
    public int FailedLogins { get { lock (Sync) return Math.Max(_deviceLock.Failed, _clientLocks.Values.Select(c => c.Failed).DefaultIfEmpty().Max()); } }
    /// <summary>Illegal-login lock engaged (for anyone, when locks are per client address).</summary>
    public bool IsLocked { get { lock (Sync) return Faults.LockedOut || _deviceLock.Locked || _clientLocks.Values.Any(c => c.Locked); } }
    /// <summary>Boots since the simulator started.</summary>
    public int RebootCount { get; private set; }
    /// <summary>Factory resets applied since the simulator started (by ISAPI, SADP or the reset button): "exactly once" is checked with it.</summary>
    public int FactoryResetCount { get; private set; }
    /// <summary>Firmware images received (accepted or refused): a test proves a wrong image never left HikFleet.</summary>
    public int FirmwareUploadCount { get; internal set; }
    /// <summary>A firmware upgrade is being written.</summary>
    public bool Upgrading { get; internal set; }
    /// <summary>Upgrade progress.</summary>
    public int UpgradePercent { get; internal set; }

    /// <summary>The whole configuration (read it for assertions; change it through ISAPI).</summary>
    public DeviceConfiguration Config { get; internal set; }
    /// <summary>Network settings as configured (may be pending a reboot, see <see cref="PendingNetwork"/>).</summary>
    public NetworkSettings NetworkSettings => PendingNetwork ?? Config.Network;
    /// <summary>Network settings accepted with statusCode 7, applied at the next boot.</summary>
    public NetworkSettings? PendingNetwork { get; internal set; }
    /// <summary>Time.</summary>
    public TimeSettings TimeSettings => Config.Time;
    /// <summary>NTP servers.</summary>
    public IReadOnlyList<NtpServer> NtpServers => Config.NtpServers;
    /// <summary>Users.</summary>
    public IReadOnlyList<DeviceUser> Users => Config.Users;
    /// <summary>Streams.</summary>
    public IReadOnlyList<StreamSettings> Streams => Config.Streams;
    /// <summary>OSD channel name.</summary>
    public string OsdName => Config.OsdName;
    /// <summary>Motion detection.</summary>
    public MotionSettings Motion => Config.Motion;
    /// <summary>EZVIZ / Hik-Connect.</summary>
    public CloudSettings Cloud => Config.Cloud;

    internal object Sync { get; } = new();
    internal SimulatorOptions Options => _fleet.Options;
    internal SimClock Clock => _fleet.Clock;
    internal DigestAuthenticator Auth { get; }
    internal ActivationState Activation { get; } = new();

    /// <summary>The device's wall clock: real time + drift (+ manual offset), 1970-based when the clock was never set.</summary>
    public DateTimeOffset DeviceNow
    {
        get
        {
            var t = Config.Time;
            DateTimeOffset utc = t.ClockSet
                ? DateTimeOffset.UtcNow.AddSeconds(t.ManualOffsetSeconds + Faults.ClockDriftSeconds)
                : DateTimeOffset.UnixEpoch.AddSeconds(UptimeSeconds);
            return utc.ToOffset(TimeZoneParser.Offset(t.TimeZone));
        }
    }

    // ------------------------------------------------------------------ public actions

    /// <summary>Reboots like the web UI does; completes when the device answers again. Hung firmware cannot reboot (no-op).</summary>
    public Task RebootAsync() => Faults.Hung ? Task.CompletedTask : PowerSequenceAsync(Options.RebootDropSeconds, BootSeconds, null);

    /// <summary>The paperclip: a full reset on site; the device reboots inactive at the factory address.</summary>
    public void PressResetButton() => _ = PowerSequenceAsync(0, BootSeconds, () => FactoryResetCore(full: true));

    /// <summary>PoE port off for <paramref name="off"/> (simulated), then on; completes when the device answers again.</summary>
    public Task PowerCycleAsync(TimeSpan off) => PowerSequenceAsync(0, off.TotalSeconds + BootSeconds, null);

    /// <summary>
    /// False while its PoE port holds the power off (<see cref="SetPowerAsync"/>): no reboot, power-cycle, crash loop or scenario
    /// action brings the device back until the power is switched on again.
    /// </summary>
    public bool Powered
    {
        get
        {
            lock (_powerGate)
                return !_powerHeldOff;
        }
    }

    /// <summary>
    /// The PoE switch port: off drops power now and holds it off (the power generation is bumped, so a pending reboot, power-cycle or
    /// boot never brings the device back); on (when it was held off) boots it: after the boot time it answers with uptime reset and
    /// <see cref="RebootCount"/> + 1. Switching to the state it already has does nothing. Losing power clears <see cref="DeviceFaults.Hung"/>.
    /// The task completes when the device is off, respectively booted (or superseded by a later power change).
    /// </summary>
    public async Task SetPowerAsync(bool on)
    {
        int generation;
        lock (_powerGate)
        {
            if (_powerHeldOff == !on)
                return;
            _powerHeldOff = !on;
            generation = Interlocked.Increment(ref _powerGeneration);
        }
        if (!on)
        {
            PowerOff();
            return;
        }
        await Clock.Delay(BootSeconds).ConfigureAwait(false);
        if (Volatile.Read(ref _powerGeneration) != generation)
            return;
        Boot(generation);
    }

    /// <summary>A new self-signed certificate (a TOFU pin must now fail).</summary>
    public void RegenerateCertificate()
    {
        lock (_powerGate)
        {
            _certificate?.Dispose();
            _certificate = null;
        }
    }

    /// <summary>Emits a VMD active event on every open alertStream.</summary>
    public void TriggerMotion() => Publish(EventXml("VMD", "active", 1));

    // ------------------------------------------------------------------ internals used by ISAPI/SADP

    internal double BootSeconds => Options.RebootSeconds * (ModelInfo.IsNvr ? 3 : 1);

    internal DeviceUser? FindUser(string name)
    {
        lock (Sync)
            return Activated ? Config.Users.FirstOrDefault(u => u.UserName == name) : null;
    }

    internal DeviceUser? FindUserById(int id) => Config.Users.FirstOrDefault(u => u.Id == id);

    /// <summary>Failed-login counter and lock of one scope (the device, or one client address).</summary>
    private sealed class LoginLockState
    {
        public int Failed;
        public long LockedUntil;
        public bool Locked => LockedUntil != 0 && SimClock.Now < LockedUntil;
    }

    private readonly LoginLockState _deviceLock = new();
    private readonly Dictionary<IPAddress, LoginLockState> _clientLocks = [];

    /// <summary>[U] §1.5: the lock applies to the whole device, or (option LockScope=ClientAddress) to the offending client IP.</summary>
    private LoginLockState LockFor(IPAddress? client)
    {
        if (Options.LockScope == LockScope.Device || client is null)
            return _deviceLock;
        if (!_clientLocks.TryGetValue(client, out var state))
        {
            if (_clientLocks.Count >= 1024)
                _clientLocks.Clear(); // bounded: a device does not remember every address forever
            _clientLocks[client] = state = new LoginLockState();
        }
        return state;
    }

    internal bool IsLockedFor(IPAddress? client)
    {
        lock (Sync)
            return Faults.LockedOut || LockFor(client).Locked;
    }

    internal void LoginSucceeded(IPAddress? client)
    {
        lock (Sync)
            LockFor(client).Failed = 0;
    }

    internal void LoginFailed(IPAddress? client)
    {
        lock (Sync)
        {
            var state = LockFor(client);
            state.Failed++;
            var l = Config.LoginLock;
            if (l.Enabled && state.Failed >= l.MaxIllegalLoginTimes)
            {
                state.LockedUntil = SimClock.Now + (long)(Clock.ToReal(l.MaxIllegalLoginLockTime).TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
                state.Failed = 0;
            }
        }
    }

    /// <summary>Simulated seconds until the lock of this client ends.</summary>
    internal int UnlockSecondsFor(IPAddress? client)
    {
        lock (Sync)
        {
            if (Faults.LockedOut)
                return Config.LoginLock.MaxIllegalLoginLockTime;
            var left = (LockFor(client).LockedUntil - SimClock.Now) / (double)System.Diagnostics.Stopwatch.Frequency / Clock.Scale;
            return left > 0 ? (int)Math.Ceiling(left) : 0;
        }
    }

    internal int RetryLoginTimeFor(IPAddress? client)
    {
        lock (Sync)
            return Faults.LockedOut || LockFor(client).Locked ? 0 : Math.Max(0, Config.LoginLock.MaxIllegalLoginTimes - LockFor(client).Failed);
    }

    private void ClearLocks()
    {
        _deviceLock.Failed = 0;
        _deviceLock.LockedUntil = 0;
        _clientLocks.Clear();
    }

    internal Task<SimResponse> HandleHttpAsync(SimRequest request, CancellationToken ct) => Task.FromResult(IsapiRouter.Handle(this, request));

    /// <summary>Called by the router for each request it serves (authenticated, or a pre-login helper).</summary>
    internal void CountRequest(SimRequest request) => _requestCounts.AddOrUpdate(RequestKey(request.Method, request.Path), 1, (_, n) => n + 1);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _requestCounts = new(StringComparer.Ordinal);

    private static string RequestKey(string method, string path) => method.ToUpperInvariant() + " " + path.TrimEnd('/').ToLowerInvariant();

    /// <summary>
    /// Requests this device served for <paramref name="path"/> (case-insensitive, any query ignored) with <paramref name="method"/>:
    /// authenticated ones (whatever the answer) and pre-login helpers; Digest challenges and rejected logins are not counted. How
    /// tests prove what a client did or did not ask.
    /// </summary>
    public int RequestCount(string path, string method = "GET") => _requestCounts.GetValueOrDefault(RequestKey(method, path.Split('?')[0]));

    /// <summary>Every request this device served (see <see cref="RequestCount"/>).</summary>
    public int TotalRequests => _requestCounts.Values.Sum();

    private int _openConnections;
    /// <summary>HTTP(S) connections open to this device right now (a client keeping idle ones open shows here).</summary>
    public int OpenConnections => Volatile.Read(ref _openConnections);
    internal void ConnectionOpened() => Interlocked.Increment(ref _openConnections);
    internal void ConnectionClosed() => Interlocked.Decrement(ref _openConnections);

    internal CancellationToken SessionToken => _session.Token;

    /// <summary>True while the HTTP listener is bound (false when down, faulted offline, or on an address the host lacks).</summary>
    public bool IsListening => _http is not null;

    internal int PowerGeneration => Volatile.Read(ref _powerGeneration);

    /// <summary>Activation succeeded (ISAPI or SADP): admin gets the password, the device leaves the factory state.</summary>
    internal void Activate(string password)
    {
        lock (Sync)
        {
            var admin = FindUserById(1);
            if (admin is null)
                Config.Users.Insert(0, admin = new DeviceUser { Id = 1, UserName = "admin", UserLevel = "Administrator" });
            admin.Password = password;
            admin.PasswordHistory.Clear();
            Activated = true;
            ClearLocks();
        }
    }

    /// <summary>Full = factory-fresh (inactive, factory address, users cleared); basic = keep network and users.</summary>
    internal void FactoryResetCore(bool full)
    {
        lock (Sync)
        {
            FactoryResetCount++;
            var fresh = _fleet.DefaultConfiguration(ModelInfo, HttpPort);
            if (full)
            {
                fresh.Network.IPv4Address = Options.FactoryAddress.ToString();
                fresh.Network.AddressingType = "static";
                fresh.Network.Gateway = "";
                fresh.Time.ClockSet = false;
                fresh.Users.Clear();
                if (ModelInfo.IsLegacy)
                    fresh.Users.Add(new DeviceUser { Id = 1, UserName = "admin", Password = "12345", UserLevel = "Administrator" });
                Activated = ModelInfo.IsLegacy; // before secure activation (5.3.0), reset meant admin/12345 (§3.1)
                Config = fresh;
                PendingNetwork = null;
            }
            else
            {
                fresh.Network = Config.Network;
                fresh.HttpPort = Config.HttpPort;
                fresh.Users = Config.Users;
                fresh.LoginLock = Config.LoginLock;
                Config = fresh;
            }
            ClearLocks();
        }
    }

    /// <summary>A reset accepted with statusCode 7 (option FactoryResetAnswersRebootRequired): applied at the next reboot.</summary>
    internal bool? PendingFactoryReset { get; set; }

    /// <summary>Writes the new firmware over UpgradeSeconds (percent rising), then reboots into it; a power loss aborts it.</summary>
    internal void StartUpgrade(string version, string build, int generation)
    {
        if (Volatile.Read(ref _powerGeneration) != generation)
            return; // the power went while the answer was on its way
        Upgrading = true;
        UpgradePercent = 0;
        _ = RunAsync();

        async Task RunAsync()
        {
            for (var p = 1; p <= 100; p++)
            {
                await Clock.Delay(Options.UpgradeSeconds / 100).ConfigureAwait(false);
                if (Volatile.Read(ref _powerGeneration) != generation || !Upgrading)
                    return;
                UpgradePercent = p;
                if (p == 50 && Faults.UpgradeFails)
                {
                    // The write fails; the device gives up and restarts on what it ran before.
                    Upgrading = false;
                    await PowerSequenceAsync(Options.RebootDropSeconds, BootSeconds, null).ConfigureAwait(false);
                    return;
                }
            }
            await PowerSequenceAsync(Options.RebootDropSeconds, BootSeconds, () =>
            {
                lock (Sync)
                {
                    FirmwareVersion = version;
                    FirmwareBuild = build;
                }
            }).ConfigureAwait(false);
        }
    }

    /// <summary>Reboot after the answer promising it is on the wire.</summary>
    internal void ScheduleReboot(Action? whileOff = null)
    {
        if (!Faults.Hung) // hung firmware acknowledges nothing and restarts nothing: only losing power helps
            _ = PowerSequenceAsync(Options.RebootDropSeconds, BootSeconds, whileOff);
    }

    internal async Task PowerSequenceAsync(double dropSeconds, double offSeconds, Action? whileOff)
    {
        int generation;
        lock (_powerGate)
        {
            if (_powerHeldOff)
                return; // no power, nothing to restart: only switching the port on boots it
            generation = Interlocked.Increment(ref _powerGeneration);
        }
        if (dropSeconds > 0)
            await Clock.Delay(dropSeconds).ConfigureAwait(false);
        if (Volatile.Read(ref _powerGeneration) != generation)
            return;
        PowerOff();
        whileOff?.Invoke();
        if (PendingFactoryReset is { } full)
        {
            PendingFactoryReset = null;
            FactoryResetCore(full);
        }
        await Clock.Delay(offSeconds).ConfigureAwait(false);
        if (Volatile.Read(ref _powerGeneration) != generation)
            return;
        Boot(generation);
    }

    internal void PowerOff()
    {
        lock (_powerGate)
        {
            _running = false;
            Upgrading = false;
            Faults.Hung = false; // losing power is what un-hangs firmware (why technicians power-cycle)
            _session.Cancel();
            _session = new CancellationTokenSource();
            CloseListeners();
        }
        Auth.Clear();
        lock (_eventSubscribers)
            _eventSubscribers.Clear();
    }

    internal void Boot(int generation)
    {
        lock (_powerGate)
        {
            // A power change after this boot was scheduled wins (port held off, or switched on again with its own boot).
            if (_powerHeldOff || Volatile.Read(ref _powerGeneration) != generation)
                return;
        }
        lock (Sync)
        {
            if (PendingNetwork is not null)
            {
                Config.Network = PendingNetwork;
                PendingNetwork = null;
            }
        }
        lock (_powerGate)
        {
            _running = true;
            _bootTimestamp = SimClock.Now;
            _uptimeAtBoot = 0;
            RebootCount++;
            UpdateListeners();
        }
        if (Faults.RebootLoop)
            _ = CrashLaterAsync(generation);
    }

    private async Task CrashLaterAsync(int generation)
    {
        await Clock.Delay(Faults.RebootLoopUpSeconds).ConfigureAwait(false);
        if (Volatile.Read(ref _powerGeneration) == generation && Faults.RebootLoop && _running)
            await PowerSequenceAsync(0, BootSeconds, null).ConfigureAwait(false);
    }

    /// <summary>Initial power-on at fleet start.</summary>
    internal void Start()
    {
        lock (_powerGate)
        {
            _running = true;
            _bootTimestamp = SimClock.Now;
            UpdateListeners();
        }
        if (Faults.RebootLoop)
            _ = CrashLaterAsync(_powerGeneration);
    }

    internal void Stop()
    {
        Interlocked.Increment(ref _powerGeneration);
        PowerOff();
    }

    /// <summary>The address the device is configured to use (DHCP leases the home address).</summary>
    internal IPAddress ConfiguredAddress
    {
        get
        {
            var n = Config.Network;
            if (n.AddressingType == "dynamic")
                return HomeAddress;
            return IPAddress.TryParse(n.IPv4Address, out var a) ? a : HomeAddress;
        }
    }

    /// <summary>Moves the device to its configured address now (SADP update applies without reboot, §4.4).</summary>
    internal void ApplyNetworkNow()
    {
        lock (_powerGate)
        {
            CloseListeners();
            UpdateListeners();
        }
    }

    internal void UpdateListeners()
    {
        lock (_powerGate)
        {
            var target = Faults.IpConflict ? _fleet.ConflictAddressFor(this) : ConfiguredAddress;
            if (!Equals(target, Address))
                CloseListeners();
            Address = target;
            if (HttpPort == 0 && Config.HttpPort != 0)
                HttpPort = Config.HttpPort;
            if (Config.HttpPort != 0 && Config.HttpPort != HttpPort)
            {
                CloseListeners();
                HttpPort = Config.HttpPort;
            }
            var wanted = _running && !Faults.Offline && _fleet.IsBindable(target);
            if (!wanted)
            {
                CloseListeners();
                return;
            }
            try
            {
                if (_http is null)
                {
                    _http = DeviceListener.Start(target, HttpPort, (s, ct) => AcceptAsync(s, false, ct));
                    HttpPort = _http.EndPoint.Port;
                    Config.HttpPort = HttpPort;
                }
                if (HttpsEnabled && _https is null)
                {
                    _https = DeviceListener.Start(target, _httpsPort ?? Options.HttpsPort, (s, ct) => AcceptAsync(s, true, ct));
                    _httpsPort = _https.EndPoint.Port;
                }
            }
            catch (SocketException)
            {
                // The address is not on this host (e.g. set to another subnet): the device is lost to IP, as on a real LAN.
                CloseListeners();
            }
        }
    }

    /// <summary>An embedded web server serves few clients at once; more connections are closed on accept (bounds the fds too).</summary>
    internal const int MaxConnections = 128;
    private int _connections;

    private Task AcceptAsync(Socket socket, bool https, CancellationToken listenerToken)
    {
        if (Interlocked.Increment(ref _connections) > MaxConnections)
        {
            Interlocked.Decrement(ref _connections);
            socket.Dispose();
            return Task.CompletedTask;
        }
        var session = _session.Token;
        var linked = CancellationTokenSource.CreateLinkedTokenSource(listenerToken, session);
        return HttpConnection.RunAsync(this, socket, https, linked.Token).ContinueWith(_ =>
        {
            linked.Dispose();
            Interlocked.Decrement(ref _connections);
        }, TaskScheduler.Default);
    }

    private void CloseListeners()
    {
        _http?.Dispose();
        _http = null;
        _https?.Dispose();
        _https = null;
    }

    internal X509Certificate2 GetOrCreateCertificate()
    {
        lock (_powerGate)
        {
            if (_certificate is not null)
                return _certificate;
            // A real camera ships an RSA-2048 self-signed certificate whose subject is its IP; generated on first use so that
            // 10,000 devices start fast.
            using var rsa = RSA.Create(2048);
            var req = new CertificateRequest($"CN={Address}, O=Hikvision, C=CN", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(Address);
            req.CertificateExtensions.Add(san.Build());
            var notBefore = DateTimeOffset.UtcNow.AddDays(-1);
            using var cert = req.CreateSelfSigned(notBefore, notBefore.AddYears(10));
            _certificate = X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pfx), null);
            return _certificate;
        }
    }

    private void AttachFaults(DeviceFaults faults)
    {
        faults.Changed = name =>
        {
            switch (name)
            {
                case nameof(DeviceFaults.Offline):
                case nameof(DeviceFaults.IpConflict):
                    lock (_powerGate)
                    {
                        CloseListeners();
                        UpdateListeners();
                    }
                    break;
                case nameof(DeviceFaults.RebootLoop):
                    if (Faults.RebootLoop && _running)
                        _ = CrashLaterAsync(Volatile.Read(ref _powerGeneration));
                    break;
                case nameof(DeviceFaults.LockedOut):
                    if (!Faults.LockedOut)
                        lock (Sync)
                            ClearLocks();
                    break;
            }
        };
    }

    /// <summary>Replaces all faults at once (scenario/control API).</summary>
    internal void SetFaults(DeviceFaults faults)
    {
        var old = Faults;
        AttachFaults(faults);
        Faults = faults;
        old.Changed = null;
        if (old.Offline != faults.Offline || old.IpConflict != faults.IpConflict)
            faults.Changed!(nameof(DeviceFaults.Offline));
        if (faults.RebootLoop && !old.RebootLoop)
            faults.Changed!(nameof(DeviceFaults.RebootLoop));
    }

    // ------------------------------------------------------------------ alert stream

    internal ChannelReader<string> Subscribe(out Action unsubscribe)
    {
        var channel = Channel.CreateBounded<string>(new BoundedChannelOptions(64) { FullMode = BoundedChannelFullMode.DropOldest });
        lock (_eventSubscribers)
            _eventSubscribers.Add(channel);
        unsubscribe = () =>
        {
            lock (_eventSubscribers)
                _eventSubscribers.Remove(channel);
        };
        return channel.Reader;
    }

    private void Publish(string xml)
    {
        lock (_eventSubscribers)
            foreach (var c in _eventSubscribers)
                c.Writer.TryWrite(xml);
    }

    internal string EventXml(string type, string state, int activePostCount) => AlertStream.EventXml(this, type, state, activePostCount);
}

/// <summary>Generated identity of a device.</summary>
internal sealed record DeviceIdentity(string Serial, string Mac, string DeviceId, string Salt, string Realm, string FirmwareVersion,
    string FirmwareBuild, byte[] ConfigurationSecret);

/// <summary>The RSA challenge of an activation in progress (§3.2, §3.3).</summary>
internal sealed class ActivationState
{
    public string? HttpRandom { get; set; }
    public long HttpRandomIssued { get; set; }
    public string? SadpRandom { get; set; }
    public long SadpRandomIssued { get; set; }
}
