using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using HikFleet.Sadp;

namespace HikFleet.Sadp.Tests;

/// <summary>
/// The client against a hostile device: something on the segment that answers probes with garbage, oversized datagrams, DTD bombs,
/// replies to someone else's probe, and floods. The simulator models well-behaved devices, so this responder is written here; it
/// is real UDP on loopback (multicast, outgoing interface 127.0.0.1, TTL 0), not a mock of the client's socket layer.
/// </summary>
public sealed class SadpHostileDeviceTests
{
    [Fact]
    public async Task Discovery_SurvivesGarbage_AndYieldsOnlyTheValidReply()
    {
        var ct = TestContext.Current.CancellationToken;
        using var responder = new HostileResponder(floodFor: TimeSpan.Zero);
        var client = new SadpClient(new SadpOptions { Port = responder.Port, QuietWindow = TimeSpan.FromMilliseconds(300), ProbeRounds = 2, ProbeInterval = TimeSpan.FromMilliseconds(100) });
        var seen = await client.DiscoverAllAsync(ct);
        Assert.Equal(["02:11:22:33:44:55"], seen.Keys);
        var s = seen["02:11:22:33:44:55"];
        Assert.Equal("V5.6.2 build 190701", s.Message.SoftwareVersion);
        Assert.False(s.Activated);
        Assert.True(responder.ProbesSeen >= 2);
    }

    [Fact]
    public async Task Discovery_IsNotKeptAliveByAFlood()
    {
        var ct = TestContext.Current.CancellationToken;
        using var responder = new HostileResponder(floodFor: TimeSpan.FromSeconds(4));
        var client = new SadpClient(new SadpOptions { Port = responder.Port, QuietWindow = TimeSpan.FromMilliseconds(200), MaxDuration = TimeSpan.FromSeconds(1) });
        var sw = Stopwatch.StartNew();
        var seen = await client.DiscoverAllAsync(ct);
        // Junk is not activity: the run ends on its quiet window, and never later than MaxDuration (plus scheduling slack).
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(1.8), $"took {sw.Elapsed}");
        Assert.True(responder.DatagramsSent > 100, $"the responder did not flood ({responder.DatagramsSent} datagrams)");
        Assert.Contains("02:11:22:33:44:55", seen.Keys);
    }

    private sealed class HostileResponder : IDisposable
    {
        private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        private readonly CancellationTokenSource _stop = new();
        private readonly TimeSpan _floodFor;
        private int _probes;
        private int _sent;

        public HostileResponder(TimeSpan floodFor)
        {
            _floodFor = floodFor;
            _socket.Bind(new IPEndPoint(IPAddress.Any, 0));
            _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership,
                new MulticastOption(IPAddress.Parse("239.255.255.250"), IPAddress.Loopback));
            Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
            _ = Task.Run(LoopAsync);
        }

        public int Port { get; }
        public int ProbesSeen => Volatile.Read(ref _probes);
        public int DatagramsSent => Volatile.Read(ref _sent);

        private async Task LoopAsync()
        {
            var buffer = new byte[65536];
            var rng = new Random(7);
            while (!_stop.IsCancellationRequested)
            {
                SocketReceiveFromResult r;
                try
                {
                    r = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
                }
                catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
                {
                    return;
                }
                var probe = SadpMessageReader.Read(buffer.AsSpan(0, r.ReceivedBytes)).Message;
                if (probe?.Kind != SadpMessageKind.Probe)
                    continue;
                Interlocked.Increment(ref _probes);
                var to = r.RemoteEndPoint;
                foreach (var junk in Junk(probe.Uuid!, rng))
                    Send(junk, to);
                Send([0x21, 0x02, 0x00, .. Valid(probe.Uuid!)], to); // the one real device, with a binary prefix (§4.1)
                var until = DateTime.UtcNow + _floodFor;
                while (DateTime.UtcNow < until && !_stop.IsCancellationRequested)
                {
                    var b = new byte[rng.Next(1, 1400)];
                    rng.NextBytes(b);
                    Send(b, to);
                    if (rng.Next(20) == 0)
                        await Task.Delay(1); // a steady stream (~10k datagrams/s), not a CPU hog that slows parallel tests
                }
            }
        }

        private static IEnumerable<byte[]> Junk(string uuid, Random rng)
        {
            var bytes = new byte[300];
            rng.NextBytes(bytes);
            yield return bytes;
            yield return Encoding.UTF8.GetBytes("<ProbeMatch><MAC>02-00-00-00-00-01</MAC><X>" + new string('a', 20_000) + "</X></ProbeMatch>");
            yield return Encoding.UTF8.GetBytes("<?xml version=\"1.0\"?><!DOCTYPE p [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]>" +
                                                $"<ProbeMatch><Uuid>{uuid}</Uuid><MAC>02-00-00-00-00-02</MAC><DeviceSN>&b;</DeviceSN></ProbeMatch>");
            yield return Encoding.UTF8.GetBytes("<ProbeMatch><Uuid>00000000-0000-0000-0000-000000000000</Uuid><MAC>02-00-00-00-00-03</MAC></ProbeMatch>"); // someone else's probe
            yield return Encoding.UTF8.GetBytes($"<ProbeMatch><Uuid>{uuid}</Uuid><DeviceSN>no-mac</DeviceSN></ProbeMatch>");
            yield return Encoding.UTF8.GetBytes($"<Probe><Uuid>{uuid}</Uuid><MAC>02-00-00-00-00-04</MAC></Probe>"); // a probe, not a reply
            yield return Encoding.UTF8.GetBytes($"<ProbeMatch><Uuid>{uuid}</Uuid><MAC>02-00-00-00-00-05");        // truncated
            yield return [];
        }

        private static byte[] Valid(string uuid) => Encoding.UTF8.GetBytes(
            $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><ProbeMatch><Uuid>{uuid}</Uuid><Types>inquiry</Types><MAC>02-11-22-33-44-55</MAC>" +
            "<IPv4Address>127.0.0.1</IPv4Address><SoftwareVersion>V5.6.2build 190701</SoftwareVersion><Activated>flase</Activated></ProbeMatch>");

        private void Send(byte[] payload, EndPoint to)
        {
            try
            {
                _socket.SendTo(payload, to);
                Interlocked.Increment(ref _sent);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _socket.Dispose();
            _stop.Dispose();
        }
    }
}
