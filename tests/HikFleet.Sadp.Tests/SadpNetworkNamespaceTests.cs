using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using HikFleet.Sadp;

namespace HikFleet.Sadp.Tests;

/// <summary>
/// Proves discovery works across a real interface, not only on loopback: the simulator executable runs inside a network namespace
/// the test creates, joined to the root namespace by a veth pair in 198.18.x.0/24 (RFC 2544; never leaves the veth). The client in
/// the root namespace probes by multicast on its veth address with TTL 1. Needs root and iproute2; fails (never skips) without them.
/// </summary>
public sealed class SadpNetworkNamespaceTests(ITestOutputHelper output)
{
    private const int Cameras = 3;

    [Fact]
    public async Task Discovers_DevicesInAnotherNamespace_ByMulticastOverVeth()
    {
        var ct = TestContext.Current.CancellationToken;
        var unavailable = NetworkNamespace.Unavailable();
        Assert.True(unavailable is null,
            $"{unavailable}. This test proves SADP multicast across a real interface; run the suite as root with iproute2 installed (CI=" +
            $"{Environment.GetEnvironmentVariable("CI") ?? "unset"}).");
        var simulatorDll = Path.Combine(AppContext.BaseDirectory, "HikFleet.Simulator.dll");
        Assert.True(File.Exists(simulatorDll), $"simulator not found at {simulatorDll}");
        var dotnet = FindDotnet();
        Assert.True(dotnet is not null, "dotnet host not found (DOTNET_HOST_PATH, PATH)");

        // The namespace is brand new, so any port is free inside it; the root side uses an ephemeral source port.
        var sadpPort = RandomNumberGenerator.GetInt32(20000, 60000);
        await using var ns = await NetworkNamespace.CreateAsync(subnet => Enumerable.Range(10, Cameras).Select(i => $"198.18.{subnet}.{i}"), ct);
        var stderr = new StringBuilder();
        using var sim = ns.Start(dotnet, [
            simulatorDll, "--cameras", $"{Cameras}", "--base-address", $"198.18.{ns.Subnet}.10", "--sadp-interface", ns.PeerAddress,
            "--sadp-ttl", "1", "--sadp-port", $"{sadpPort}", "--http-port", "0", "--time-scale", "0.001",
            "--seed", $"{RandomNumberGenerator.GetInt32(2, 1_000_000)}", // MACs unlike any loopback fleet (those use seed 1)
        ]);
        sim.ErrorDataReceived += (_, e) => { lock (stderr) stderr.AppendLine(e.Data); };
        sim.BeginErrorReadLine();
        try
        {
            await WaitForReadyAsync(sim, stderr, ct);

            var client = new SadpClient(new SadpOptions
            {
                Interfaces = [ns.HostAddress],
                MulticastTtl = 1,
                Port = sadpPort,
                QuietWindow = TimeSpan.FromMilliseconds(500),
                ProbeRounds = 2,
                MaxDuration = TimeSpan.FromSeconds(5),
            });
            var sw = Stopwatch.StartNew();
            var seen = await client.DiscoverAllAsync(ct);
            output.WriteLine($"veth discovery: {seen.Count} devices in {sw.ElapsedMilliseconds} ms: " +
                             string.Join(", ", seen.Values.Select(s => $"{s.Mac}@{s.Address} via {s.LocalInterface}")));

            Assert.Equal(Cameras, seen.Count);
            var expectedAddresses = Enumerable.Range(10, Cameras).Select(i => IPAddress.Parse($"198.18.{ns.Subnet}.{i}")).ToHashSet();
            Assert.All(seen.Values, s =>
            {
                Assert.Equal(IPAddress.Parse(ns.HostAddress), s.LocalInterface); // recorded which interface saw it
                Assert.Contains(s.Address, expectedAddresses);
                Assert.Equal(s.Address, s.RemoteEndPoint.Address);
            });

            // Control: the same probe on loopback (the safe default) cannot reach the namespace, so the veth path is what worked.
            var loopbackOnly = new SadpClient(new SadpOptions { Port = sadpPort, QuietWindow = TimeSpan.FromMilliseconds(200), ProbeRounds = 1 });
            var onLoopback = await loopbackOnly.DiscoverAllAsync(ct); // may hold another process's loopback fleet on the same port
            Assert.All(seen.Keys, mac => Assert.DoesNotContain(mac, onLoopback.Keys));
        }
        finally
        {
            if (!sim.HasExited)
            {
                sim.Kill(entireProcessTree: true);
                await sim.WaitForExitAsync(CancellationToken.None);
            }
        }
    }

    private static async Task WaitForReadyAsync(Process sim, StringBuilder stderr, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var stdout = new StringBuilder();
        try
        {
            while (await sim.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                stdout.AppendLine(line);
                if (line.StartsWith("ready:", StringComparison.Ordinal))
                {
                    _ = DrainAsync(sim.StandardOutput); // keep the pipe from filling
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
        }
        string err;
        lock (stderr)
            err = stderr.ToString();
        Assert.Fail($"simulator in namespace did not print 'ready:' (exited={sim.HasExited}).\nstdout:\n{stdout}\nstderr:\n{err}");
    }

    private static async Task DrainAsync(StreamReader reader)
    {
        try
        {
            while (await reader.ReadLineAsync() is not null)
            {
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
        }
    }

    private static string? FindDotnet()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
            return host;
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "dotnet"))
            .Append(Path.Combine(Environment.GetEnvironmentVariable("DOTNET_ROOT") ?? "/usr/share/dotnet", "dotnet"))
            .Append("/usr/share/dotnet/dotnet").Append("/usr/lib/dotnet/dotnet");
        return candidates.FirstOrDefault(File.Exists);
    }
}
