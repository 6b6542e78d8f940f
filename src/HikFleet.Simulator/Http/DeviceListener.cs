using System.Net;
using System.Net.Sockets;

namespace HikFleet.Simulator.Http;

/// <summary>
/// One listening socket of one device. A reboot closes it and binds it again on the same address and port, which Kestrel cannot do
/// per endpoint at run time (docs/decisions/0004). SO_REUSEPORT lets several devices share an address:port the way reset devices
/// collide on 192.168.1.64: the kernel spreads connections between them.
/// </summary>
internal sealed class DeviceListener : IDisposable
{
    private readonly Socket _socket;
    private readonly CancellationTokenSource _cts = new();

    public IPEndPoint EndPoint { get; }

    private DeviceListener(Socket socket)
    {
        _socket = socket;
        EndPoint = (IPEndPoint)socket.LocalEndPoint!;
    }

    public static DeviceListener Start(IPAddress address, int port, Func<Socket, CancellationToken, Task> onAccept)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            SocketOptions.SetReusePort(socket);
            socket.Bind(new IPEndPoint(address, port));
            socket.Listen(128);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var listener = new DeviceListener(socket);
        _ = listener.AcceptLoopAsync(onAccept);
        return listener;
    }

    private async Task AcceptLoopAsync(Func<Socket, CancellationToken, Task> onAccept)
    {
        var ct = _cts.Token;
        while (!ct.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _socket.AcceptAsync(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (ct.IsCancellationRequested)
                    return;
                if (e is SocketException)
                    continue; // e.g. EMFILE or a connection reset before accept: keep listening
                return;
            }
            _ = onAccept(client, ct);
        }
    }

    public void Dispose()
    {
        _cts.Cancel();
        _socket.Dispose();
        // _cts is not disposed: connections still hold its token.
    }
}

internal static class SocketOptions
{
    private const int SolSocket = 1, SoReusePort = 15;

    public static void SetReusePort(Socket socket)
    {
        if (OperatingSystem.IsLinux())
            socket.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(1));
    }
}
