using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading.Channels;

namespace HikFleet.Sadp;

/// <summary>
/// One UDP socket bound to one local interface address on an ephemeral port (§4.1: devices reply to the sender's address and port,
/// and a socket per interface tells which NIC saw which device). Multicast leaves through that interface only, with the
/// configured TTL. The socket never joins the group: it only receives the unicast replies addressed to it.
/// </summary>
internal sealed class SadpSocket : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly SadpOptions _options;
    private readonly CancellationTokenSource _stop = new();
    private Task? _receiveLoop;

    public SadpSocket(IPAddress localInterface, SadpOptions options)
    {
        LocalInterface = localInterface;
        _options = options;
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            SetReceiveBuffer(_socket, options.ReceiveBufferBytes);
            _socket.Bind(new IPEndPoint(localInterface, 0));
            _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, localInterface.GetAddressBytes());
            _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, options.MulticastTtl);
            // Loopback delivery is how a TTL-0 probe reaches devices on this host (DESIGN.md "Network safety").
            _socket.MulticastLoopback = true;
            _socket.EnableBroadcast = options.EnableBroadcast;
        }
        catch
        {
            _socket.Dispose();
            throw;
        }
    }

    public IPAddress LocalInterface { get; }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    /// <summary>Starts copying every datagram this socket receives into <paramref name="sink"/> until disposed.</summary>
    public void StartReceiving(ChannelWriter<ReceivedDatagram> sink)
    {
        _receiveLoop = Task.Run(() => ReceiveLoopAsync(sink, _stop.Token));
    }

    /// <summary>Sends; returns false (instead of throwing) when the OS refuses the destination (no route, not permitted).</summary>
    public async ValueTask<bool> TrySendAsync(ReadOnlyMemory<byte> payload, IPEndPoint destination, CancellationToken ct)
    {
        try
        {
            await _socket.SendToAsync(payload, SocketFlags.None, destination, ct);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private async Task ReceiveLoopAsync(ChannelWriter<ReceivedDatagram> sink, CancellationToken ct)
    {
        // One byte more than the bound, so an oversized datagram is seen as oversized rather than silently truncated.
        var buffer = new byte[Math.Max(_options.MaxDatagramBytes + 1, 2048)];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (!ct.IsCancellationRequested)
        {
            SocketReceiveFromResult r;
            try
            {
                r = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, ct);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.MessageSize)
            {
                continue; // ICMP unreachable from an earlier unicast probe, or a datagram bigger than the buffer: ignore it.
            }
            catch (SocketException)
            {
                break;
            }
            sink.TryWrite(new ReceivedDatagram(buffer.AsSpan(0, r.ReceivedBytes).ToArray(), (IPEndPoint)r.RemoteEndPoint, LocalInterface,
                DateTimeOffset.UtcNow));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        if (_receiveLoop is not null)
            await _receiveLoop;
        _stop.Dispose();
    }

    private static void SetReceiveBuffer(Socket socket, int bytes)
    {
        try
        {
            socket.ReceiveBufferSize = bytes;
        }
        catch (SocketException)
        {
            return;
        }
        // Linux caps SO_RCVBUF at net.core.rmem_max (≈208 KiB by default, a few hundred replies). A thousand devices answering at
        // once would overflow it, so when allowed (CAP_NET_ADMIN) ask for the size with SO_RCVBUFFORCE. Failure is harmless:
        // the client also repeats its probes and de-duplicates.
        if (OperatingSystem.IsLinux() && socket.ReceiveBufferSize < bytes)
        {
            const int SolSocket = 1, SoRcvBufForce = 33;
            try
            {
                Span<byte> value = stackalloc byte[4];
                MemoryMarshal.Write(value, in bytes);
                socket.SetRawSocketOption(SolSocket, SoRcvBufForce, value);
            }
            catch (SocketException)
            {
            }
        }
    }
}

internal readonly record struct ReceivedDatagram(byte[] Payload, IPEndPoint From, IPAddress LocalInterface, DateTimeOffset At);
