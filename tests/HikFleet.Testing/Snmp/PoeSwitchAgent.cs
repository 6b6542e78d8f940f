using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using HikFleet.Snmp;

namespace HikFleet.Testing.Snmp;

/// <summary>
/// A real SNMP agent for tests: Debian's net-snmp <c>snmpd</c> on 127.0.0.1 and a free UDP port, answering POWER-ETHERNET-MIB,
/// BRIDGE-MIB and Q-BRIDGE-MIB from <c>poe_switch.py</c> (pass_persist) over a <see cref="PoeSwitchModel"/> kept in a JSON file.
/// Setting a camera port's pethPsePortAdminEnable powers that simulated camera off/on through the simulator's control API.
/// Everything (config, persistent dir, state, script) lives in a private temp directory; no MIB files are loaded, no traps sent.
/// Credentials are random per agent: a v2c read-write community and a v3 user (authPriv, SHA + AES-128).
/// </summary>
public sealed class PoeSwitchAgent : IAsyncDisposable
{
    /// <summary>Where Debian installs the agent (deploy/install.sh).</summary>
    public const string SnmpdPath = "/usr/sbin/snmpd";

    private readonly string _dir;
    private Process _process;
    private readonly StringBuilder _log;

    private PoeSwitchAgent(string dir, Process process, StringBuilder log, IPEndPoint endPoint, string community, string user, string auth, string priv)
    {
        _dir = dir;
        _process = process;
        _log = log;
        EndPoint = endPoint;
        Community = community;
        V3User = user;
        V3AuthPassword = auth;
        V3PrivPassword = priv;
    }

    /// <summary>udp 127.0.0.1:port of the agent.</summary>
    public IPEndPoint EndPoint { get; }
    /// <summary>The v2c read-write community.</summary>
    public string Community { get; }
    /// <summary>The v3 user (rwuser … priv).</summary>
    public string V3User { get; }
    /// <summary>Its SHA authentication password.</summary>
    public string V3AuthPassword { get; }
    /// <summary>Its AES-128 privacy password.</summary>
    public string V3PrivPassword { get; }
    /// <summary>The v2c credentials.</summary>
    public SnmpV2cCredentials V2cCredentials => new(Community);
    /// <summary>The v3 credentials.</summary>
    public SnmpV3Credentials V3Credentials => new(V3User, V3AuthPassword, V3PrivPassword);
    /// <summary>The state file poe_switch.py reads.</summary>
    public string StatePath => Path.Combine(_dir, "state.json");
    /// <summary>What snmpd printed (bounded), for failure messages.</summary>
    public string Log { get { lock (_log) return _log.ToString(); } }

    /// <summary>
    /// Timeout of <see cref="V2cTarget"/>/<see cref="V3Target"/> unless given: 5 s, because a port SET answers only after the agent
    /// told the simulator (an HTTP POST), which on a loaded CI machine can pass the client's 2 s default and cause a retried SET.
    /// </summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    /// <summary>A v2c target at this agent.</summary>
    public SnmpTarget V2cTarget(TimeSpan? timeout = null, int retries = 1) => new(EndPoint, V2cCredentials, timeout ?? DefaultTimeout, retries);
    /// <summary>A v3 authPriv target at this agent.</summary>
    public SnmpTarget V3Target(TimeSpan? timeout = null, int retries = 1) => new(EndPoint, V3Credentials, timeout ?? DefaultTimeout, retries);

    /// <summary>Starts snmpd with <paramref name="model"/> and returns once it answers (PoE and bridge subtrees included).</summary>
    public static async Task<PoeSwitchAgent> StartAsync(PoeSwitchModel model, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!File.Exists(SnmpdPath))
            throw new InvalidOperationException($"{SnmpdPath} is missing: run deploy/install.sh (Debian package snmpd).");
        var python = FindPython() ?? throw new InvalidOperationException("python3 is missing: run deploy/install.sh.");
        var dir = Directory.CreateTempSubdirectory("hikfleet-snmpd-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(dir, "persist"));
            // snmpd saves engine boots and its engine ID here; -C skips it unless named, so it is named with -c (see Launch).
            await File.WriteAllTextAsync(Path.Combine(dir, "persist", "snmpd.conf"), "", cancellationToken);
            Directory.CreateDirectory(Path.Combine(dir, "mibs"));
            var script = Path.Combine(dir, "poe_switch.py");
            await using (var res = typeof(PoeSwitchAgent).Assembly.GetManifestResourceStream("HikFleet.Testing.Snmp.poe_switch.py")!)
            await using (var file = File.Create(script))
                await res.CopyToAsync(file, cancellationToken);
            var state = Path.Combine(dir, "state.json");
            await WriteAtomicallyAsync(state, model, cancellationToken);
            await WarmUpAsync(model.ControlUrl, cancellationToken);

            var community = "c" + RandomNumberGenerator.GetHexString(16, lowercase: true);
            var user = "u" + RandomNumberGenerator.GetHexString(8, lowercase: true);
            var auth = "a" + RandomNumberGenerator.GetHexString(16, lowercase: true);
            var priv = "p" + RandomNumberGenerator.GetHexString(16, lowercase: true);

            // A free port can be taken between our probe and snmpd's bind (other test processes): try a few.
            for (var attempt = 1; ; attempt++)
            {
                var port = FreeUdpPort();
                var conf = Path.Combine(dir, "snmpd.conf");
                await File.WriteAllTextAsync(conf, Config(model, port, community, user, auth, priv, python, script, state), cancellationToken);
                var log = new StringBuilder();
                var process = Launch(dir, conf, port, log);
                var agent = new PoeSwitchAgent(dir, process, log, new IPEndPoint(IPAddress.Loopback, port), community, user, auth, priv);
                if (await agent.WaitReadyAsync(cancellationToken))
                    return agent;
                var output = agent.Log;
                await agent.StopProcessAsync();
                if (attempt >= 4)
                {
                    Directory.Delete(dir, recursive: true);
                    throw new InvalidOperationException($"snmpd did not come up on udp 127.0.0.1:{port}:\n{output}");
                }
            }
        }
        catch
        {
            if (Directory.Exists(dir))
                Directory.Delete(dir, recursive: true);
            throw;
        }
    }

    /// <summary>The model as the agent sees it now (including <see cref="PoeSwitchModel.Events"/> and admin states it changed).</summary>
    public async Task<PoeSwitchModel> ReadStateAsync(CancellationToken cancellationToken = default)
    {
        await using var f = new FileStream(StatePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return await JsonSerializer.DeserializeAsync<PoeSwitchModel>(f, PoeSwitchModel.Json, cancellationToken)
            ?? throw new InvalidDataException("empty state");
    }

    /// <summary>
    /// Stops snmpd cleanly (SIGTERM: it saves its engine boots) and starts it again on the same port with the same engine ID and
    /// users: what a switch reboot looks like to a v3 manager (snmpEngineBoots + 1, engine time restarts). With
    /// <paramref name="newEngineId"/> the agent comes back with another snmpEngineID (a replaced switch on the same address).
    /// </summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default, bool newEngineId = false)
    {
        if (newEngineId)
        {
            var conf = Path.Combine(_dir, "snmpd.conf");
            var lines = (await File.ReadAllLinesAsync(conf, cancellationToken)).Where(l => !l.StartsWith("engineID ", StringComparison.Ordinal));
            await File.WriteAllLinesAsync(conf, [.. lines, $"engineID hikfleet-{RandomNumberGenerator.GetHexString(8, lowercase: true)}"], cancellationToken);
        }
        if (!_process.HasExited)
        {
            _ = Kill(_process.Id, 15);
            try
            {
                await _process.WaitForExitAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
            }
            catch (TimeoutException)
            {
            }
        }
        await StopProcessAsync();
        if (newEngineId) // a replaced switch remembers nothing of the old one (users localised to the old engine ID included)
            await File.WriteAllTextAsync(Path.Combine(_dir, "persist", "snmpd.conf"), "", cancellationToken);
        _process = Launch(_dir, Path.Combine(_dir, "snmpd.conf"), EndPoint.Port, _log);
        if (!await WaitReadyAsync(cancellationToken))
            throw new InvalidOperationException($"snmpd did not come back on {EndPoint}:\n{Log}");
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>Changes the model (read, change, write atomically, under the same lock the agent's SETs take).</summary>
    public async Task UpdateAsync(Action<PoeSwitchModel> change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        await using var gate = await LockAsync(cancellationToken);
        var model = await ReadStateAsync(cancellationToken);
        change(model);
        await WriteAtomicallyAsync(StatePath, model, cancellationToken);
    }

    /// <summary>Waits until the agent recorded at least <paramref name="count"/> power events, and returns them.</summary>
    public async Task<IReadOnlyList<PoePowerEvent>> WaitForEventsAsync(int count, CancellationToken cancellationToken = default, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var events = (await ReadStateAsync(cancellationToken)).Events;
            if (events.Count >= count)
                return events;
            if (deadline.Elapsed > (timeout ?? TimeSpan.FromSeconds(10)))
                throw new TimeoutException($"{events.Count} power event(s), expected {count}");
            await Task.Delay(20, cancellationToken);
        }
    }

    /// <summary>Stops snmpd (and its pass_persist children) and deletes the temp directory.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopProcessAsync();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    // ------------------------------------------------------------------ internals

    /// <summary>
    /// The agent's snmpd.conf from the template shared with the demo switch (deploy/demo/snmpd.conf.template, embedded): one source of
    /// truth for what the simulated switch serves and how.
    /// </summary>
    private static string Config(PoeSwitchModel model, int port, string community, string user, string auth, string priv, string python, string script, string state)
    {
        _ = port; // on snmpd's command line (Launch), not in the file
        static string Quote(string s) => s.Replace("\n", " ", StringComparison.Ordinal).Replace("\"", "'", StringComparison.Ordinal);
        using var res = typeof(PoeSwitchAgent).Assembly.GetManifestResourceStream("HikFleet.Testing.Snmp.snmpd.conf.template")!;
        using var reader = new StreamReader(res);
        var values = new Dictionary<string, string>
        {
            ["COMMUNITY"] = community, ["V3USER"] = user, ["V3AUTH"] = auth, ["V3PRIV"] = priv,
            ["DESCRIPTION"] = Quote(model.Description), ["NAME"] = Quote(model.Name), ["OBJECTID"] = "." + model.ObjectId.TrimStart('.'),
            ["LOCATION"] = "HikFleet test", ["PYTHON"] = python, ["SCRIPT"] = script, ["STATE"] = state,
        };
        var text = reader.ReadToEnd();
        foreach (var (key, value) in values)
            text = text.Replace($"@{key}@", value, StringComparison.Ordinal);
        return text;
    }

    private static Process Launch(string dir, string conf, int port, StringBuilder log)
    {
        var psi = new ProcessStartInfo(SnmpdPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = dir,
        };
        // -f foreground, -Lo log to stdout, -C no default config files, -c ours plus the persistent file (engine ID and boots survive
        // RestartAsync as on a real switch). Persistent state, MIB search and HOME all in the temp dir.
        var persisted = Path.Combine(dir, "persist", "snmpd.conf");
        foreach (var a in new[] { "-f", "-Lo", "-C", "-c", conf + "," + persisted, "-p", Path.Combine(dir, "snmpd.pid"), $"udp:127.0.0.1:{port}" })
            psi.ArgumentList.Add(a);
        psi.Environment["SNMP_PERSISTENT_DIR"] = Path.Combine(dir, "persist");
        psi.Environment["SNMPCONFPATH"] = dir;
        psi.Environment["MIBDIRS"] = Path.Combine(dir, "mibs");
        psi.Environment["MIBS"] = "";
        psi.Environment["HOME"] = dir;
        var process = new Process { StartInfo = psi };
        void Append(object? _, DataReceivedEventArgs e)
        {
            if (e.Data is null)
                return;
            lock (log)
                if (log.Length < 64 * 1024)
                    log.AppendLine(e.Data);
        }
        process.OutputDataReceived += Append;
        process.ErrorDataReceived += Append;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private async Task<bool> WaitReadyAsync(CancellationToken ct)
    {
        using var client = new SnmpClient();
        var probe = V2cTarget(TimeSpan.FromMilliseconds(150), 0);
        var pse = ObjectIdentifier.Parse("1.3.6.1.2.1.105.1.3.1.1.2.1");
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (_process.HasExited)
                return false;
            try
            {
                // The system group proves snmpd is up; a PoE column proves pass_persist answers too (it starts on first use).
                var v = await client.GetAsync(probe, [ObjectIdentifier.Parse("1.3.6.1.2.1.1.3.0"), pse], ct);
                if (!v[0].Value.IsException)
                    return true;
            }
            catch (SnmpException)
            {
                await Task.Delay(30, ct);
            }
        }
        return false;
    }

    private async Task StopProcessAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
            }
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
        {
        }
        _process.Dispose();
    }

    /// <summary>
    /// One request to the simulator's control API before the first port SET: its first answer (JIT, Kestrel start-up) can take a
    /// second on a busy machine, and the agent answers a SET only after that POST.
    /// </summary>
    private static async Task WarmUpAsync(string? controlUrl, CancellationToken ct)
    {
        if (controlUrl is null || !Uri.TryCreate(controlUrl, UriKind.Absolute, out var uri) || !IPAddress.TryParse(uri.Host, out var host) || !IPAddress.IsLoopback(host))
            return;
        using var http = new HttpClient(new HttpClientHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            using var _ = await http.GetAsync(new Uri(uri, "devices"), ct);
        }
        catch (HttpRequestException)
        {
            // Not up (yet): the SETs will record a notifyError, which is what a test would want to see anyway.
        }
    }

    private static int FreeUdpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private static string? FindPython()
    {
        if (File.Exists("/usr/bin/python3"))
            return "/usr/bin/python3";
        foreach (var d in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
            if (File.Exists(Path.Combine(d, "python3")))
                return Path.Combine(d, "python3");
        return null;
    }

    /// <summary>
    /// The writers' lock: .NET takes flock(LOCK_EX|LOCK_NB) for FileShare.None on Unix, the same lock poe_switch.py takes with
    /// fcntl.flock, so a harness update and an agent SET never lose each other's change.
    /// </summary>
    private async Task<FileStream> LockAsync(CancellationToken ct)
    {
        var path = StatePath + ".lock";
        var watch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (watch.Elapsed < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(5, ct);
            }
        }
    }

    private static async Task WriteAtomicallyAsync(string path, PoeSwitchModel model, CancellationToken ct)
    {
        var tmp = Path.Combine(Path.GetDirectoryName(path)!, $".state-{Guid.NewGuid():N}.tmp");
        await using (var f = File.Create(tmp))
            await JsonSerializer.SerializeAsync(f, model, PoeSwitchModel.Json, ct);
        File.Move(tmp, path, overwrite: true);
    }
}
