using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HikFleet.Isapi.Tests.Support;

/// <summary>
/// A deliberately hostile "device" on 127.0.0.1:0: it reads one request head and then runs a script that writes raw
/// bytes (XML bombs, endless bodies, slow drips…). Hand-written on a TcpListener because the point is to break HTTP
/// framing in ways no well-behaved server library allows.
/// </summary>
public sealed class HostileServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<Stream, string, CancellationToken, Task> _script;
    private readonly CancellationTokenSource _cts = new();
    private readonly Task _loop;
    private int _requests;

    private HostileServer(Func<Stream, string, CancellationToken, Task> script)
    {
        _script = script;
        _listener.Start();
        _loop = AcceptLoopAsync();
    }

    /// <summary>Starts a server whose every connection runs <paramref name="script"/> after the request head.</summary>
    public static HostileServer Start(Func<Stream, string, CancellationToken, Task> script) => new(script);

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    public IsapiEndpoint Endpoint => new("127.0.0.1", Port);
    public int Requests => Volatile.Read(ref _requests);
    public long BytesWritten;

    private async Task AcceptLoopAsync()
    {
        while (!_cts.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_cts.Token); }
            catch { return; }
            _ = HandleAsync(client);
        }
    }

    private async Task HandleAsync(TcpClient client)
    {
        using var _ = client;
        try
        {
            var stream = client.GetStream();
            while (!_cts.IsCancellationRequested)
            {
                var head = await ReadHeadAsync(stream, _cts.Token);
                if (head is null) return;
                Interlocked.Increment(ref _requests);
                await _script(new CountingStream(stream, this), head, _cts.Token);
            }
        }
        catch
        {
            // The client hung up on us, as it should.
        }
    }

    private static async Task<string?> ReadHeadAsync(Stream stream, CancellationToken ct)
    {
        var buffer = new byte[16 * 1024];
        var length = 0;
        while (length < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(length, 1), ct);
            if (read == 0) return null;
            length++;
            if (length >= 4 && buffer[length - 1] == '\n' && buffer[length - 2] == '\r' && buffer[length - 3] == '\n' && buffer[length - 4] == '\r')
            {
                var head = Encoding.ASCII.GetString(buffer, 0, length);
                // Drain a declared request body so keep-alive framing stays right.
                var cl = head.Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
                if (cl is not null && int.TryParse(cl["Content-Length:".Length..].Trim(), out var n))
                {
                    var body = new byte[Math.Min(n, 1 << 20)];
                    var left = n;
                    while (left > 0)
                    {
                        var r = await stream.ReadAsync(body.AsMemory(0, Math.Min(left, body.Length)), ct);
                        if (r == 0) break;
                        left -= r;
                    }
                }
                return head;
            }
        }
        return null;
    }

    public static Task WriteAsync(Stream stream, string text, CancellationToken ct) =>
        stream.WriteAsync(Encoding.UTF8.GetBytes(text), ct).AsTask();

    public async ValueTask DisposeAsync()
    {
        await _cts.CancelAsync();
        _listener.Stop();
        try { await _loop; } catch { /* stopping */ }
        _cts.Dispose();
    }

    private sealed class CountingStream(Stream inner, HostileServer owner) : Stream
    {
        public override bool CanRead => inner.CanRead;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) { inner.Write(buffer, offset, count); Interlocked.Add(ref owner.BytesWritten, count); }
        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await inner.WriteAsync(buffer, cancellationToken);
            Interlocked.Add(ref owner.BytesWritten, buffer.Length);
        }
    }
}
