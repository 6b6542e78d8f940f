// The simulator's own Program would clash with the web app's (WebApplicationFactory<Program>): it comes in under an alias.
extern alias simulator;

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Vault;
using HikFleet.Snmp;
using HikFleet.Testing;
using Microsoft.EntityFrameworkCore;
using simulator::HikFleet.Simulator;

namespace HikFleet.Web.Tests;

/// <summary>
/// The run command's demo PoE switch (issue #14): deploy/demo/poe-switch.sh (real snmpd + poe_switch.py in front of the simulator)
/// and <c>demo seed --poe</c>, which adds it to the first demo site with its community sealed, and finds the cameras' ports once.
/// </summary>
public sealed class DemoSeedPoeTests(MigratedDatabase database) : IClassFixture<MigratedDatabase>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<(int Exit, string Err, string Out)> SeedAsync(string keys, params string[] args) =>
        DemoSeedRun.SeedAsync(database.ConnectionString, keys, Ct, args);

    [Fact]
    public async Task The_demo_switch_is_added_to_the_first_site_sealed_and_finds_its_cameras_ports_once()
    {
        await using var demo = await DemoSeedRun.StartFleetAsync(Ct);
        var (fleet, control) = (demo.Fleet, demo.Control);
        var stateDir = Directory.CreateTempSubdirectory("hikfleet-demo-poe-").FullName;
        await using var demoSwitch = await DemoSwitchProcess.StartAsync(control, stateDir, Ct);
        var communityFile = Path.Combine(stateDir, "community");
        var community = (await File.ReadAllTextAsync(communityFile, Ct)).Trim();
        // The demo runs where snmpd does (Debian): on Windows the mode reads as None and the test fails rather than passes blindly.
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, OperatingSystem.IsWindows() ? UnixFileMode.None : File.GetUnixFileMode(communityFile));
        var keys = VaultKeyRing.NewKeyLine();
        var poeArgs = new[] { "--devices", $"{control}/devices", "--poe", $"udp://127.0.0.1:{demoSwitch.Port}", "--poe-community-file", communityFile };

        Assert.Equal(2, (await SeedAsync(keys, "--devices", $"{control}/devices", "--poe", "udp://192.0.2.1:161", "--poe-community-file", communityFile)).Exit);
        var (exit, err, output) = await SeedAsync(keys, poeArgs);
        Assert.True(exit == 0, err);
        Assert.Contains("PoE switch Warehouse North PoE switch", err);
        Assert.Contains("2 camera(s) found on their ports", err);
        Assert.DoesNotContain(community, err + output);

        var s01 = fleet.Devices.Where(d => d.Site == fleet.Devices[0].Site).Select(d => d.Serial).ToList();
        Assert.Equal(2, s01.Count);
        long audits;
        List<PoePortMapping> mappings;
        await using (var db = database.CreateContext())
        {
            var sw = await db.PoeSwitches.AsNoTracking().Include(s => s.Site).Include(s => s.Ports).SingleAsync(Ct);
            Assert.Equal(("Warehouse North PoE switch", "Warehouse North", SnmpVersion.V2c, demoSwitch.Port), (sw.Name, sw.Site!.Name, sw.SnmpVersion, sw.SnmpPort));
            Assert.Equal(IPAddress.Loopback, sw.Address);
            Assert.Equal("poe-sw-site-1", sw.SystemName);
            Assert.Equal(8, sw.Ports.Count); // 2 cameras, free PoE ports up to 8; the uplink has no PoE
            Assert.Equal(65, sw.PowerBudgetWatts);
            Assert.Null(sw.PollError);

            // Sealed: the row and the audit trail hold no trace of the community; the vault opens it with the app's key.
            Assert.Equal(-1, sw.SecretSealed.AsSpan().IndexOf(Encoding.UTF8.GetBytes(community)));
            var entries = await db.AuditEntries.AsNoTracking().ToListAsync(Ct);
            Assert.Contains(entries, e => e.Action == "poe.switch.create" && e.Result == Core.Audit.AuditResult.Succeeded);
            Assert.DoesNotContain(entries, e => JsonSerializer.Serialize(e).Contains(community, StringComparison.Ordinal));
            audits = entries.Count;
            var vault = new CredentialVault(VaultKeyRing.Parse(keys), database.ContextFactory,
                new Core.Audit.AuditLog(database.ContextFactory, TimeProvider.System), TimeProvider.System);
            Assert.Equal(community, vault.OpenSecret(sw.SecretKeyId, sw.SecretSealed, Core.Poe.PoeSwitchAccess.SecretContext(sw.Id)));

            // The site's cameras were found on their ports by MAC (port n = n-th device of the site), waiting for a person to confirm.
            mappings = await db.PoePortMappings.AsNoTracking().OrderBy(m => m.Port).ToListAsync(Ct);
            var cameras = await db.Cameras.AsNoTracking().Where(c => s01.Contains(c.SerialNumber!)).ToDictionaryAsync(c => c.Id, c => c.SerialNumber, Ct);
            Assert.Equal(s01, mappings.Select(m => cameras[m.CameraId]));
            Assert.Equal([1, 2], mappings.Select(m => m.Port));
            Assert.All(mappings, m => Assert.Equal((PoePortMappingSource.Discovered, (DateTimeOffset?)null, sw.Id), (m.Source, m.ConfirmedAt, m.SwitchId)));
        }

        (exit, err, _) = await SeedAsync(keys, poeArgs);
        Assert.True(exit == 0, err);
        Assert.Contains("PoE switch Warehouse North PoE switch exists already; nothing changed", err);
        await using var check = database.CreateContext();
        Assert.Equal(1, await check.PoeSwitches.CountAsync(Ct));
        Assert.Equal(audits, await check.AuditEntries.LongCountAsync(Ct));
        var again = await check.PoePortMappings.AsNoTracking().OrderBy(m => m.Port).ToListAsync(Ct);
        Assert.Equal(mappings.Select(m => (m.CameraId, m.Port, m.FoundAt, m.SeenAt)), again.Select(m => (m.CameraId, m.Port, m.FoundAt, m.SeenAt)));
    }

    /// <summary>deploy/demo/poe-switch.sh as run.sh starts it (snmpd in the foreground), on a free UDP port of 127.0.0.1.</summary>
    private sealed class DemoSwitchProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly string _stateDir;
        private readonly StringBuilder _log;

        private DemoSwitchProcess(Process process, string stateDir, int port, StringBuilder log) => (_process, _stateDir, Port, _log) = (process, stateDir, port, log);

        public int Port { get; }

        public static async Task<DemoSwitchProcess> StartAsync(string control, string stateDir, CancellationToken ct)
        {
            var script = Path.Combine(RepositoryRoot(), "deploy", "demo", "poe-switch.sh");
            // A free port can be taken between the probe and snmpd's bind (other test processes): try a few.
            for (var attempt = 1; ; attempt++)
            {
                int port;
                using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
                {
                    probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                    port = ((IPEndPoint)probe.LocalEndPoint!).Port;
                }

                var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                foreach (var a in new[] { script, control, stateDir, port.ToString(System.Globalization.CultureInfo.InvariantCulture) })
                    start.ArgumentList.Add(a);
                var log = new StringBuilder();
                var process = new Process { StartInfo = start };
                process.OutputDataReceived += (_, e) => { lock (log) if (e.Data is not null && log.Length < 65536) log.AppendLine(e.Data); };
                process.ErrorDataReceived += (_, e) => { lock (log) if (e.Data is not null && log.Length < 65536) log.AppendLine(e.Data); };
                process.Start();
                process.BeginOutputReadLine();
                process.BeginErrorReadLine();
                var agent = new DemoSwitchProcess(process, stateDir, port, log);
                if (await agent.WaitReadyAsync(ct)) return agent;
                await agent.StopAsync();
                if (attempt >= 3)
                {
                    Directory.Delete(stateDir, recursive: true);
                    throw new InvalidOperationException($"poe-switch.sh did not come up on udp 127.0.0.1:{port}:\n{log}");
                }
            }
        }

        private async Task<bool> WaitReadyAsync(CancellationToken ct)
        {
            using var client = new SnmpClient();
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed < TimeSpan.FromSeconds(30))
            {
                if (_process.HasExited) return false;
                var file = Path.Combine(_stateDir, "community");
                if (File.Exists(Path.Combine(_stateDir, "snmpd.conf")) && File.Exists(file))
                {
                    var target = new SnmpTarget(new IPEndPoint(IPAddress.Loopback, Port), new SnmpV2cCredentials((await File.ReadAllTextAsync(file, ct)).Trim()),
                        TimeSpan.FromMilliseconds(200), 0);
                    try
                    {
                        // The PSE row proves pass_persist answers too (it starts on first use).
                        var v = await client.GetAsync(target, [ObjectIdentifier.Parse("1.3.6.1.2.1.105.1.3.1.1.2.1")], ct);
                        if (!v[0].Value.IsException) return true;
                    }
                    catch (SnmpException)
                    {
                    }
                }

                await Task.Delay(50, ct);
            }

            return false;
        }

        private async Task StopAsync()
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                    await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
                }
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
            }

            _process.Dispose();
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync();
            try
            {
                Directory.Delete(_stateDir, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        private static string RepositoryRoot()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "HikFleet.sln"))) return dir.FullName;
            throw new InvalidOperationException("HikFleet.sln not found above " + AppContext.BaseDirectory);
        }
    }
}
