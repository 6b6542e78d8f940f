using System.Net;
using System.Net.Sockets;

namespace HikFleet.Web.Tests;

/// <summary>
/// A PoE switch that never answers: a UDP socket bound to 127.0.0.1 on an ephemeral port that reads nothing and sends nothing. A poll of
/// it ends in the switch's <c>PollError</c> (no ICMP "port unreachable", so the client really waits for its timeout), and nothing leaves
/// loopback. The web tests need no live switch; the real-snmpd tests live in Core.
/// </summary>
public sealed class SilentUdpEndpoint : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);

    public SilentUdpEndpoint() => _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));

    public int Port => ((IPEndPoint)_socket.LocalEndPoint!).Port;

    public void Dispose() => _socket.Dispose();
}
