using System.Net;
using System.Net.Sockets;

namespace HikFleet.Testing;

/// <summary>Loopback ports for servers a test starts (SMTP, webhook receivers, the app process, the simulator's control API).</summary>
public static class TestNetwork
{
    /// <summary>A TCP port free on loopback right now.</summary>
    public static int FreeTcpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
