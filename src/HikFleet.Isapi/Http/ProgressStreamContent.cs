using System.Net;

namespace HikFleet.Isapi.Http;

/// <summary>Streams a caller's stream as a request body (never buffered) and reports bytes sent.</summary>
internal sealed class ProgressStreamContent(Stream source, IProgress<long>? progress, int bufferSize = 64 * 1024) : HttpContent
{
    private readonly long _start = source.CanSeek ? source.Position : 0;
    private bool _consumed;

    public bool TryRewind()
    {
        if (!_consumed) return true;
        if (!source.CanSeek) return false;
        source.Position = _start;
        _consumed = false;
        return true;
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        if (_consumed && !TryRewind()) throw new InvalidOperationException("The upload stream cannot be replayed.");
        _consumed = true;
        var buffer = new byte[bufferSize];
        long sent = 0;
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
        {
            await stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            sent += read;
            progress?.Report(sent);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        if (source.CanSeek) { length = source.Length - _start; return true; }
        length = 0;
        return false;
    }
}
