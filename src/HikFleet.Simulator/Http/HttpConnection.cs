using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using HikFleet.Simulator.Isapi;

namespace HikFleet.Simulator.Http;

/// <summary>
/// One accepted connection of a virtual device: a deliberately small HTTP/1.1 server (see docs/decisions/0004). It reproduces the
/// App-webs behaviour of §5.14: <c>Server: App-webs/</c>, <c>Keep-Alive: timeout=10, max=99</c> counting down, and a close after
/// 100 requests or 10 s idle. Sizes and times are bounded because the client side is, for a device, hostile input.
/// </summary>
internal sealed class HttpConnection
{
    internal const int MaxHeaderBytes = 16 * 1024;
    internal const int MaxRequestsPerConnection = 100;
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan BodyTimeout = TimeSpan.FromSeconds(120);
    private static readonly byte[] Padding = CreatePadding();

    private readonly VirtualDevice _device;
    private readonly Stream _stream;
    private readonly IPEndPoint? _remote;
    private readonly bool _https;
    private readonly byte[] _buf = new byte[MaxHeaderBytes + 1024];
    private int _start, _end;

    private HttpConnection(VirtualDevice device, Stream stream, IPEndPoint? remote, bool https)
    {
        _device = device;
        _stream = stream;
        _remote = remote;
        _https = https;
    }

    public static async Task RunAsync(VirtualDevice device, Socket socket, bool https, CancellationToken ct)
    {
        socket.NoDelay = true;
        var remote = socket.RemoteEndPoint as IPEndPoint;
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        device.ConnectionOpened();
        try
        {
            if (https)
            {
                // The certificate is generated on first use (RSA-2048 takes a while on a busy machine): not part of the handshake timeout.
                var certificate = await Task.Run(device.GetOrCreateCertificate, ct).ConfigureAwait(false);
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = ssl;
                using var hs = CancellationTokenSource.CreateLinkedTokenSource(ct);
                hs.CancelAfter(IdleTimeout);
                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificate = certificate,
                    ClientCertificateRequired = false,
                }, hs.Token).ConfigureAwait(false);
            }
            await new HttpConnection(device, stream, remote, https).ServeAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException
                                      or System.Security.Authentication.AuthenticationException or InvalidOperationException)
        {
            // The peer went away, the device powered off, or the TLS handshake failed: a connection ends, nothing more.
        }
        finally
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            device.ConnectionClosed();
        }
    }

    private async Task ServeAsync(CancellationToken ct)
    {
        for (var served = 1; served <= MaxRequestsPerConnection; served++)
        {
            SimRequest? request;
            try
            {
                request = await ReadRequestAsync(ct).ConfigureAwait(false);
            }
            catch (BadRequestException bad)
            {
                var r = IsapiXmlErrors.BadRequest(_device, bad.Status);
                r.Close = true;
                await WriteAsync(r, 0, ct).ConfigureAwait(false);
                return;
            }
            if (request is null)
                return;

            var faults = _device.Faults;
            if (faults.Timeout || faults.Hung)
            {
                // Read the request, never answer: the client's timeout is what is being tested (or the firmware hung).
                await Task.Delay(TimeSpan.FromMinutes(5), ct).ConfigureAwait(false);
                return;
            }

            SimResponse response;
            try
            {
                response = await _device.HandleHttpAsync(request, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A simulator bug must look like a device error, not a dropped connection (and never take the process down).
                response = ResponseStatus.Error(_device, request, 3, "deviceError", e.GetType().Name);
            }
            if (faults.SlowMs > 0)
                await Task.Delay(faults.SlowMs, ct).ConfigureAwait(false);

            if (response.Streamer is not null)
            {
                await WriteStreamingAsync(response, ct).ConfigureAwait(false);
                return;
            }

            var close = response.Close || served == MaxRequestsPerConnection || WantsClose(request);
            response.Close = close;
            await WriteAsync(response, MaxRequestsPerConnection - served, ct).ConfigureAwait(false);
            response.AfterSend?.Invoke();
            if (close)
                return;
        }
    }

    private static bool WantsClose(SimRequest r)
    {
        var c = r.Header("Connection");
        if (c is not null && c.Contains("close", StringComparison.OrdinalIgnoreCase))
            return true;
        return r.Version == "HTTP/1.0" && (c is null || !c.Contains("keep-alive", StringComparison.OrdinalIgnoreCase));
    }

    // ---------------------------------------------------------------- reading

    private async Task<SimRequest?> ReadRequestAsync(CancellationToken ct)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
        idle.CancelAfter(IdleTimeout);
        int headerEnd;
        while ((headerEnd = FindHeaderEnd()) < 0)
        {
            if (_end - _start >= MaxHeaderBytes)
                throw new BadRequestException(431);
            if (_start > 0)
            {
                Buffer.BlockCopy(_buf, _start, _buf, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            int n;
            try
            {
                n = await _stream.ReadAsync(_buf.AsMemory(_end, _buf.Length - _end), idle.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return null; // 10 s idle: close, as App-webs does
            }
            if (n == 0)
                return null;
            _end += n;
        }

        var head = Encoding.Latin1.GetString(_buf, _start, headerEnd - _start);
        _start = headerEnd + 4;
        var lines = head.Split("\r\n");
        var requestLine = lines[0].Split(' ');
        if (requestLine.Length != 3 || !requestLine[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
            throw new BadRequestException(400);
        var headers = new List<KeyValuePair<string, string>>(lines.Length);
        for (var i = 1; i < lines.Length; i++)
        {
            var colon = lines[i].IndexOf(':');
            if (colon <= 0)
                throw new BadRequestException(400);
            headers.Add(new(lines[i][..colon].Trim(), lines[i][(colon + 1)..].Trim()));
            if (headers.Count > 100)
                throw new BadRequestException(431);
        }
        var target = requestLine[1];
        var q = target.IndexOf('?');
        var request = new SimRequest
        {
            Method = requestLine[0].ToUpperInvariant(),
            Target = target,
            Path = Uri.UnescapeDataString(q < 0 ? target : target[..q]),
            Query = q < 0 ? "" : target[(q + 1)..],
            Version = requestLine[2],
            Headers = headers,
            Remote = _remote,
            Https = _https,
        };

        var limit = BodyLimit(request.Path);
        if (string.Equals(request.Header("Expect"), "100-continue", StringComparison.OrdinalIgnoreCase))
            await _stream.WriteAsync("HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray(), ct).ConfigureAwait(false);

        using var bodyCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bodyCts.CancelAfter(BodyTimeout);
        if (request.Header("Transfer-Encoding") is { } te && te.Contains("chunked", StringComparison.OrdinalIgnoreCase))
            request.Body = await ReadChunkedAsync(limit, bodyCts.Token).ConfigureAwait(false);
        else if (request.Header("Content-Length") is { } cl)
        {
            if (!long.TryParse(cl, out var length) || length < 0)
                throw new BadRequestException(400);
            if (length > limit)
                throw new BadRequestException(413);
            request.Body = await ReadExactAsync((int)length, bodyCts.Token).ConfigureAwait(false);
        }
        return request;
    }

    /// <summary>Firmware images and configuration files are big; nothing else is.</summary>
    private static int BodyLimit(string path) =>
        path.Contains("updateFirmware", StringComparison.OrdinalIgnoreCase) || path.Contains("configurationData", StringComparison.OrdinalIgnoreCase)
            ? 256 * 1024 * 1024
            : 1024 * 1024;

    private int FindHeaderEnd() => _buf.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8) is var i and >= 0 ? _start + i : -1;

    private async Task<byte[]> ReadExactAsync(int length, CancellationToken ct)
    {
        var body = new byte[length];
        var have = Math.Min(length, _end - _start);
        Buffer.BlockCopy(_buf, _start, body, 0, have);
        _start += have;
        if (have < length)
            await _stream.ReadExactlyAsync(body.AsMemory(have), ct).ConfigureAwait(false);
        return body;
    }

    private async Task<string> ReadLineAsync(CancellationToken ct)
    {
        while (true)
        {
            var i = _buf.AsSpan(_start, _end - _start).IndexOf("\r\n"u8);
            if (i >= 0)
            {
                var line = Encoding.Latin1.GetString(_buf, _start, i);
                _start += i + 2;
                return line;
            }
            if (_end - _start > 1024)
                throw new BadRequestException(400);
            if (_start > 0)
            {
                Buffer.BlockCopy(_buf, _start, _buf, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            var n = await _stream.ReadAsync(_buf.AsMemory(_end, _buf.Length - _end), ct).ConfigureAwait(false);
            if (n == 0)
                throw new IOException("connection closed in a chunked body");
            _end += n;
        }
    }

    private async Task<byte[]> ReadChunkedAsync(int limit, CancellationToken ct)
    {
        using var body = new MemoryStream();
        while (true)
        {
            var sizeLine = await ReadLineAsync(ct).ConfigureAwait(false);
            var semi = sizeLine.IndexOf(';');
            if (!int.TryParse(semi < 0 ? sizeLine : sizeLine[..semi], System.Globalization.NumberStyles.HexNumber, null, out var size) || size < 0)
                throw new BadRequestException(400);
            if (size == 0)
            {
                while ((await ReadLineAsync(ct).ConfigureAwait(false)).Length > 0) { } // trailers
                return body.ToArray();
            }
            if (body.Length + size > limit)
                throw new BadRequestException(413);
            var chunk = await ReadExactAsync(size, ct).ConfigureAwait(false);
            body.Write(chunk);
            if ((await ReadLineAsync(ct).ConfigureAwait(false)).Length != 0)
                throw new BadRequestException(400);
        }
    }

    // ---------------------------------------------------------------- writing

    private string HeadFor(SimResponse r, int keepAliveLeft, long? contentLength, string version = "HTTP/1.1")
    {
        var sb = new StringBuilder(256);
        sb.Append(version).Append(' ').Append(r.Status).Append(' ').Append(r.Reason ?? SimResponse.ReasonFor(r.Status)).Append("\r\n");
        sb.Append("Date: ").Append(_device.DeviceNow.UtcDateTime.ToString("r")).Append("\r\n");
        sb.Append("Server: App-webs/\r\n");
        if (r.Close)
            sb.Append("Connection: close\r\n");
        else
            sb.Append("Connection: keep-alive\r\nKeep-Alive: timeout=10, max=").Append(keepAliveLeft).Append("\r\n");
        if (contentLength is { } len)
            sb.Append("Content-Length: ").Append(len).Append("\r\n");
        if (r.ContentType is not null)
            sb.Append("Content-Type: ").Append(r.ContentType).Append("\r\n");
        foreach (var h in r.Headers)
            sb.Append(h.Key).Append(": ").Append(h.Value).Append("\r\n");
        sb.Append("\r\n");
        return sb.ToString();
    }

    private async Task WriteAsync(SimResponse r, int keepAliveLeft, CancellationToken ct)
    {
        var faults = _device.Faults;
        var body = r.Body;
        var applyFaults = !r.NoFaults && r.IsXml;
        if (applyFaults && faults.NeverEndingBody)
        {
            r.Close = true;
            await _stream.WriteAsync(Encoding.Latin1.GetBytes(HeadFor(r, 0, null)), ct).ConfigureAwait(false);
            await _stream.WriteAsync(body.AsMemory(0, body.Length / 2), ct).ConfigureAwait(false);
            var until = DateTime.UtcNow.AddMinutes(10);
            while (DateTime.UtcNow < until)
            {
                await _stream.WriteAsync(Padding, ct).ConfigureAwait(false);
                await Task.Delay(10, ct).ConfigureAwait(false);
            }
            return;
        }
        if (applyFaults && faults.MalformedXml)
            body = Malform(body);
        if (applyFaults && faults.OversizedBody && faults.OversizedBytes > body.Length)
        {
            var total = (long)faults.OversizedBytes;
            await _stream.WriteAsync(Encoding.Latin1.GetBytes(HeadFor(r, keepAliveLeft, total)), ct).ConfigureAwait(false);
            // An XML comment after the document keeps it well-formed but huge.
            var prefix = Encoding.ASCII.GetBytes("<!--");
            await _stream.WriteAsync(body, ct).ConfigureAwait(false);
            await _stream.WriteAsync(prefix, ct).ConfigureAwait(false);
            var left = total - body.Length - prefix.Length - 3;
            while (left > 0)
            {
                var n = (int)Math.Min(left, Padding.Length);
                await _stream.WriteAsync(Padding.AsMemory(0, n), ct).ConfigureAwait(false);
                left -= n;
            }
            await _stream.WriteAsync("-->"u8.ToArray(), ct).ConfigureAwait(false);
            return;
        }

        var head = Encoding.Latin1.GetBytes(HeadFor(r, keepAliveLeft, body.Length));
        if (!r.NoFaults && faults.SlowDrip)
        {
            var all = new byte[head.Length + body.Length];
            head.CopyTo(all, 0);
            body.CopyTo(all, head.Length);
            for (var i = 0; i < all.Length; i++)
            {
                await _stream.WriteAsync(all.AsMemory(i, 1), ct).ConfigureAwait(false);
                await _stream.FlushAsync(ct).ConfigureAwait(false);
                await Task.Delay(Math.Max(1, faults.SlowDripMs), ct).ConfigureAwait(false);
            }
            return;
        }
        if (head.Length + body.Length <= 64 * 1024)
        {
            var rented = ArrayPool<byte>.Shared.Rent(head.Length + body.Length);
            try
            {
                head.CopyTo(rented, 0);
                body.CopyTo(rented, head.Length);
                await _stream.WriteAsync(rented.AsMemory(0, head.Length + body.Length), ct).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
        else
        {
            await _stream.WriteAsync(head, ct).ConfigureAwait(false);
            await _stream.WriteAsync(body, ct).ConfigureAwait(false);
        }
        await _stream.FlushAsync(ct).ConfigureAwait(false);
    }

    /// <summary>alertStream: HTTP/1.0, no Content-Length, body until the connection closes (§2.10).</summary>
    private async Task WriteStreamingAsync(SimResponse r, CancellationToken ct)
    {
        r.Close = true;
        await _stream.WriteAsync(Encoding.Latin1.GetBytes(HeadFor(r, 0, null, "HTTP/1.0")), ct).ConfigureAwait(false);
        await _stream.FlushAsync(ct).ConfigureAwait(false);
        await r.Streamer!(_stream, ct).ConfigureAwait(false);
    }

    private static byte[] Malform(byte[] body)
    {
        if (body.Length < 8)
            return body;
        var text = Encoding.UTF8.GetString(body);
        var cut = text[..(text.Length * 3 / 4)];
        var gt = cut.LastIndexOf('>');
        if (gt > 0)
            cut = cut[..(gt + 1)] + "R&D <unterminated";
        return Encoding.UTF8.GetBytes(cut);
    }

    private static byte[] CreatePadding()
    {
        var p = new byte[64 * 1024];
        p.AsSpan().Fill((byte)' ');
        for (var i = 63; i < p.Length; i += 64)
            p[i] = (byte)'\n';
        return p;
    }

    internal sealed class BadRequestException(int status) : Exception($"HTTP {status}")
    {
        public int Status { get; } = status;
    }
}
