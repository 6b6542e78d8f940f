using System.Text;

namespace HikFleet.Isapi.Events;

/// <summary>One part of a multipart stream.</summary>
/// <param name="ContentType">The part's Content-Type, if any.</param>
/// <param name="Body">The part body.</param>
public sealed record MultipartPart(string? ContentType, byte[] Body);

/// <summary>
/// Reads <c>multipart/mixed</c> parts from an endless alert stream (§2.10): parts are framed by their Content-Length
/// when it is present and sane, else by scanning for the next <c>--boundary</c> line. Lines may end in CRLF or LF.
/// Every part and header line is bounded, and every read has an idle timeout, so a hostile or dead device cannot
/// hold memory or a task forever.
/// </summary>
public sealed class MultipartMixedReader
{
    private readonly Stream _stream;
    private readonly byte[] _delimiter; // "--boundary"
    private readonly int _maxPartBytes;
    private readonly TimeSpan _idleTimeout;
    private byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;
    private bool _eof;

    /// <summary>Creates a reader.</summary>
    public MultipartMixedReader(Stream stream, string boundary, int maxPartBytes, TimeSpan idleTimeout)
    {
        _stream = stream;
        _delimiter = Encoding.ASCII.GetBytes("--" + boundary);
        _maxPartBytes = maxPartBytes;
        _idleTimeout = idleTimeout;
    }

    /// <summary>The boundary from a Content-Type such as <c>multipart/mixed; boundary=boundary</c>; <c>boundary</c> when missing.</summary>
    public static string BoundaryFrom(string? contentType)
    {
        if (contentType is null) return "boundary";
        foreach (var piece in contentType.Split(';', StringSplitOptions.TrimEntries))
        {
            if (piece.StartsWith("boundary=", StringComparison.OrdinalIgnoreCase))
            {
                var b = piece["boundary=".Length..].Trim().Trim('"');
                if (b.Length is > 0 and <= 70) return b;
            }
        }
        return "boundary";
    }

    /// <summary>The next part, or null at the end of the stream (or after the closing delimiter).</summary>
    public async Task<MultipartPart?> ReadPartAsync(CancellationToken cancellationToken)
    {
        // Find the delimiter line, skipping preamble, blank lines and whatever trails a Content-Length-framed body.
        while (true)
        {
            var line = await ReadLineAsync(cancellationToken);
            if (line is null) return null;
            if (line.Length == 0) continue;
            if (StartsWith(line, _delimiter))
            {
                if (line.Length >= _delimiter.Length + 2 && line[_delimiter.Length] == '-' && line[_delimiter.Length + 1] == '-') return null;
                break;
            }
            // Anything else between parts is noise; bounded by the line limit.
        }

        string? contentType = null;
        long? contentLength = null;
        var headerLines = 0;
        while (true)
        {
            var line = await ReadLineAsync(cancellationToken) ?? throw Malformed("stream ended inside part headers");
            if (line.Length == 0) break;
            if (++headerLines > 32) throw Malformed("too many part headers");
            var text = Encoding.ASCII.GetString(line);
            var colon = text.IndexOf(':');
            if (colon <= 0) continue;
            var name = text[..colon].Trim();
            var value = text[(colon + 1)..].Trim();
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)) contentType = value;
            else if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) && long.TryParse(value, out var cl) && cl >= 0) contentLength = cl;
        }

        if (contentLength is { } length)
        {
            if (length > _maxPartBytes) throw Malformed($"part of {length} bytes exceeds the {_maxPartBytes}-byte limit");
            var body = await ReadExactAsync((int)length, cancellationToken);
            return new MultipartPart(contentType, body);
        }
        return new MultipartPart(contentType, await ReadUntilDelimiterAsync(cancellationToken));
    }

    private static bool StartsWith(byte[] line, byte[] prefix) => line.AsSpan().StartsWith(prefix);

    private static IsapiException Malformed(string what) => new(IsapiErrorKind.MalformedAnswer, "Alert stream: " + what + ".");

    private async Task<bool> FillAsync(CancellationToken ct)
    {
        if (_eof) return false;
        if (_start > 0 && _start == _end) { _start = _end = 0; }
        if (_end == _buffer.Length)
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            else
            {
                if (_buffer.Length >= _maxPartBytes + 8192) throw Malformed("no part boundary within the size limit");
                Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, _maxPartBytes + 8192));
            }
        }
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
        idle.CancelAfter(_idleTimeout);
        int read;
        try
        {
            read = await _stream.ReadAsync(_buffer.AsMemory(_end), idle.Token);
        }
        catch (OperationCanceledException ex) when (!ct.IsCancellationRequested)
        {
            throw new IsapiException(IsapiErrorKind.Timeout, $"Alert stream: silent for {_idleTimeout.TotalSeconds:F0} s.", ex);
        }
        if (read == 0) { _eof = true; return false; }
        _end += read;
        return true;
    }

    private async Task<byte[]?> ReadLineAsync(CancellationToken ct)
    {
        var scanFrom = _start;
        while (true)
        {
            var idx = Array.IndexOf(_buffer, (byte)'\n', scanFrom, _end - scanFrom);
            if (idx >= 0)
            {
                var lineEnd = idx > _start && _buffer[idx - 1] == '\r' ? idx - 1 : idx;
                var line = _buffer.AsSpan(_start, lineEnd - _start).ToArray();
                _start = idx + 1;
                return line;
            }
            if (_end - _start > 8192) throw Malformed("line longer than 8 KB");
            var consumed = _end - _start;
            if (!await FillAsync(ct))
            {
                if (_end > _start) { var rest = _buffer.AsSpan(_start, _end - _start).ToArray(); _start = _end; return rest; }
                return null;
            }
            scanFrom = _start + consumed;
        }
    }

    private async Task<byte[]> ReadExactAsync(int length, CancellationToken ct)
    {
        var body = new byte[length];
        var copied = 0;
        while (copied < length)
        {
            if (_start == _end && !await FillAsync(ct)) throw Malformed("stream ended inside a part");
            var n = Math.Min(length - copied, _end - _start);
            Buffer.BlockCopy(_buffer, _start, body, copied, n);
            _start += n;
            copied += n;
        }
        return body;
    }

    private async Task<byte[]> ReadUntilDelimiterAsync(CancellationToken ct)
    {
        // The body ends right before "\n--boundary" (the preceding CR, if any, belongs to the delimiter).
        var pattern = new byte[_delimiter.Length + 1];
        pattern[0] = (byte)'\n';
        _delimiter.CopyTo(pattern, 1);
        var scanFrom = _start;
        while (true)
        {
            var idx = _buffer.AsSpan(scanFrom, _end - scanFrom).IndexOf(pattern);
            if (idx >= 0)
            {
                var at = scanFrom + idx;
                var bodyEnd = at > _start && _buffer[at - 1] == '\r' ? at - 1 : at;
                var body = _buffer.AsSpan(_start, bodyEnd - _start).ToArray();
                _start = at + 1; // leave "--boundary…" for the next ReadPartAsync
                return body;
            }
            if (_end - _start > _maxPartBytes) throw Malformed($"part exceeds the {_maxPartBytes}-byte limit");
            var keep = Math.Max(_end - pattern.Length, _start);
            var offsetFromStart = keep - _start;
            if (!await FillAsync(ct))
            {
                var rest = _buffer.AsSpan(_start, _end - _start).ToArray();
                _start = _end;
                return rest;
            }
            scanFrom = _start + offsetFromStart;
        }
    }
}
