using System.Net;
using System.Net.Sockets;

namespace HikFleet.Snmp.Tests;

/// <summary>
/// A scripted UDP peer on loopback for what a real snmpd will not do: answer with strays, garbage, non-increasing walks, or
/// reports net-snmp never sends (hostile-switch behaviour the client must survive).
/// </summary>
internal sealed class FakeAgent : IAsyncDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly CancellationTokenSource _cts = new();
    private readonly Task _loop;
    private int _received;

    public FakeAgent(Func<byte[], IEnumerable<byte[]>> respond)
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        EndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _loop = Task.Run(async () =>
        {
            var buffer = new byte[65536];
            while (!_cts.IsCancellationRequested)
            {
                SocketReceiveFromResult r;
                try
                {
                    r = await _socket.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), _cts.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return;
                }
                Interlocked.Increment(ref _received);
                foreach (var reply in respond(buffer.AsSpan(0, r.ReceivedBytes).ToArray()))
                    await _socket.SendToAsync(reply, r.RemoteEndPoint, _cts.Token);
            }
        });
    }

    public IPEndPoint EndPoint { get; }
    public int Received => Volatile.Read(ref _received);

    public async ValueTask DisposeAsync()
    {
        await _cts.CancelAsync();
        _socket.Dispose();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }
        _cts.Dispose();
    }
}
