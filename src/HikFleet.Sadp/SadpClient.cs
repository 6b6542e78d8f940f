using System.Collections.Concurrent;
using System.Net;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace HikFleet.Sadp;

/// <summary>
/// SADP client (protocol reference §4): discovers devices by multicast (and optionally broadcast and unicast) probes on chosen local
/// interfaces, and sends MAC-addressed commands (activate, update network, reboot, restore inactive).
/// Each operation uses its own sockets on ephemeral ports, so concurrent operations never see each other's replies.
/// Thread-safe; register it once (<see cref="SadpServiceCollectionExtensions"/>).
/// </summary>
public sealed partial class SadpClient
{
    private readonly SadpOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, SadpSighting> _known = new(StringComparer.Ordinal);

    /// <summary>Creates a client from DI-bound options.</summary>
    public SadpClient(IOptions<SadpOptions> options, ILogger<SadpClient>? logger = null, TimeProvider? time = null)
        : this(options.Value, logger, time)
    {
    }

    /// <summary>Creates a client from options (tests, tools).</summary>
    /// <exception cref="ArgumentException">The options are invalid (see <see cref="SadpOptions.Validate"/>).</exception>
    public SadpClient(SadpOptions options, ILogger? logger = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
            throw new ArgumentException("Invalid SADP options: " + string.Join("; ", errors), nameof(options));
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The latest sighting of every device this client has seen, by normalised MAC; commands use it to route.</summary>
    public IReadOnlyDictionary<string, SadpSighting> KnownDevices => _known;

    /// <summary>
    /// Probes (<c>inquiry</c> and <c>inquiry_v32</c>, §4.2) on every configured interface and streams each device as its first
    /// reply arrives, de-duplicated by MAC. Probes are repeated <see cref="SadpOptions.ProbeRounds"/> times because UDP loses
    /// datagrams. Ends when no new device has answered for <see cref="SadpOptions.QuietWindow"/> after the last probe, at
    /// <see cref="SadpOptions.MaxDuration"/>, or on cancellation (which ends the stream quietly).
    /// </summary>
    /// <exception cref="System.Net.Sockets.SocketException">A configured interface address is not a local address.</exception>
    public async IAsyncEnumerable<SadpSighting> DiscoverAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var s in DiscoverCoreAsync(null, cancellationToken))
            yield return s;
    }

    /// <summary>Discovers until the device with <paramref name="mac"/> answers (or the discovery ends); null when not found.</summary>
    public async Task<SadpSighting?> FindAsync(string mac, CancellationToken cancellationToken = default)
    {
        var wanted = SadpValues.NormalizeMac(mac) ?? throw new ArgumentException($"'{mac}' is not a MAC address.", nameof(mac));
        await foreach (var s in DiscoverCoreAsync(wanted, cancellationToken))
        {
            if (s.Mac == wanted)
                return s;
        }
        return null;
    }

    private async IAsyncEnumerable<SadpSighting> DiscoverCoreAsync(string? stopAtMac, [EnumeratorCancellation] CancellationToken ct)
    {
        var started = _time.GetTimestamp();
        var channel = NewDatagramChannel();
        var sockets = OpenSockets();
        await using var _ = new AsyncDisposables(sockets);
        foreach (var s in sockets)
            s.StartReceiving(channel.Writer);

        var probes = new[] { SadpMessage.NewProbe("inquiry"), SadpMessage.NewProbe("inquiry_v32") };
        var uuids = probes.Select(p => p.Uuid!).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var payloads = probes.Select(SadpMessageWriter.Write).ToArray();
        using var stopSending = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var lastActivity = _time.GetTimestamp();
        var sendingDone = 0;
        var newSinceRound = 0;
        var sender = Task.Run(async () =>
        {
            try
            {
                for (var round = 0; round < _options.ProbeRounds && !stopSending.IsCancellationRequested; round++)
                {
                    if (round > 0)
                    {
                        await Task.Delay(_options.ProbeInterval, _time, stopSending.Token);
                        // From the third round on, repeat only while the previous repeat still turned up new devices:
                        // on a clean network the second round finds nothing new and the run can end early.
                        if (round > 1 && Volatile.Read(ref newSinceRound) == 0)
                            break;
                    }
                    Interlocked.Exchange(ref newSinceRound, 0);
                    // The first of several rounds asks only "inquiry", which every generation answers, so a large fleet's first
                    // burst of replies is half as big; the second round (always sent) adds "inquiry_v32" (§4.2: send both).
                    var first = round == 0 && _options.ProbeRounds > 1;
                    await SendProbesAsync(sockets, first ? payloads[..1] : payloads, stopSending.Token);
                    Interlocked.Exchange(ref lastActivity, _time.GetTimestamp());
                }
            }
            finally
            {
                Volatile.Write(ref sendingDone, 1);
            }
        }, CancellationToken.None);

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var hardDeadline = started + (long)(_options.MaxDuration.TotalSeconds * _time.TimestampFrequency);
        var quietTicks = (long)(_options.QuietWindow.TotalSeconds * _time.TimestampFrequency);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                while (channel.Reader.TryRead(out var d))
                {
                    // A never-ending stream of datagrams (a hostile or broken sender) must not keep the run alive past its bound.
                    if (_time.GetTimestamp() >= hardDeadline)
                        break;
                    // Repeated probes make every device answer several times: skip the full parse of a reply from a MAC
                    // already seen in this run (thousands of duplicates arrive in one burst).
                    if (PeekMac(d.Payload) is { } peeked && seen.Contains(peeked))
                        continue;
                    if (Accept(d, uuids) is not { } sighting)
                        continue;
                    _known[sighting.Mac] = sighting;
                    if (!seen.Add(sighting.Mac))
                        continue;
                    Interlocked.Exchange(ref lastActivity, _time.GetTimestamp());
                    Interlocked.Increment(ref newSinceRound);
                    yield return sighting;
                    if (stopAtMac is not null && sighting.Mac == stopAtMac)
                        yield break;
                }
                var now = _time.GetTimestamp();
                if (now >= hardDeadline)
                    break;
                var quietEnds = Interlocked.Read(ref lastActivity) + quietTicks;
                if (Volatile.Read(ref sendingDone) == 1 && now >= quietEnds)
                    break;
                var wait = TimeSpan.FromSeconds((double)(Math.Min(hardDeadline, Math.Max(quietEnds, now)) - now) / _time.TimestampFrequency);
                if (wait < TimeSpan.FromMilliseconds(20))
                    wait = TimeSpan.FromMilliseconds(20); // probes still being sent: re-check soon
                await WaitToReadAsync(channel.Reader, wait, ct);
            }
        }
        finally
        {
            await stopSending.CancelAsync();
            try
            {
                await sender;
            }
            catch (OperationCanceledException)
            {
            }
            LogDiscoveryEnded(_logger, seen.Count, _time.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    /// <summary>
    /// Received datagrams waiting to be parsed. Bounded (a flood is dropped rather than buffered without limit); the bound is far
    /// above the two replies per device that a 10,000-device segment sends in one burst.
    /// </summary>
    internal static Channel<ReceivedDatagram> NewDatagramChannel() =>
        Channel.CreateBounded<ReceivedDatagram>(new BoundedChannelOptions(32 * 1024)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.DropWrite,
        });

    /// <summary>The normalised MAC of a reply found by a cheap scan for <c>&lt;MAC&gt;</c>, or null (then the full parse decides).</summary>
    private static string? PeekMac(ReadOnlySpan<byte> payload)
    {
        var open = payload.IndexOf("<MAC>"u8);
        if (open < 0)
            return null;
        var rest = payload[(open + 5)..];
        var close = rest.IndexOf((byte)'<');
        if (close is < 12 or > 32)
            return null;
        Span<char> text = stackalloc char[close];
        for (var i = 0; i < close; i++)
            text[i] = (char)rest[i];
        return SadpValues.NormalizeMac(new string(text));
    }

    private SadpSighting? Accept(ReceivedDatagram d, HashSet<string> uuids)
    {
        var r = SadpMessageReader.Read(d.Payload, _options.MaxDatagramBytes);
        if (!r.IsSuccess)
        {
            LogRejected(_logger, d.From, r.Status, d.Payload.Length);
            return null;
        }
        var m = r.Message!;
        if (m.Kind != SadpMessageKind.ProbeMatch || m.Mac is null)
            return null;
        // Replies echo the probe's Uuid (§4.2); one without a Uuid is still accepted (it reached our private socket).
        if (m.Uuid is not null && !uuids.Contains(m.Uuid))
            return null;
        return new SadpSighting(m.Mac, d.LocalInterface, d.From, m, d.At);
    }

    private async Task SendProbesAsync(IReadOnlyList<SadpSocket> sockets, byte[][] payloads, CancellationToken ct)
    {
        var group = new IPEndPoint(_options.GetMulticastGroup(), _options.Port);
        var broadcast = new IPEndPoint(IPAddress.Broadcast, _options.Port);
        var unicast = _options.GetUnicastTargets().Select(a => new IPEndPoint(a, _options.Port)).ToArray();
        foreach (var socket in sockets)
        {
            foreach (var payload in payloads)
            {
                if (_options.EnableMulticast && !await socket.TrySendAsync(payload, group, ct))
                    LogSendFailed(_logger, group, socket.LocalInterface);
                if (_options.EnableBroadcast && !await socket.TrySendAsync(payload, broadcast, ct))
                    LogSendFailed(_logger, broadcast, socket.LocalInterface);
                foreach (var target in unicast)
                {
                    // A target the OS cannot reach from this interface just fails here; another interface may reach it.
                    if (IPAddress.IsLoopback(target.Address) == IPAddress.IsLoopback(socket.LocalInterface))
                        await socket.TrySendAsync(payload, target, ct);
                }
            }
        }
    }

    private List<SadpSocket> OpenSockets()
    {
        var list = new List<SadpSocket>();
        try
        {
            foreach (var address in _options.GetInterfaceAddresses())
                list.Add(new SadpSocket(address, _options));
        }
        catch
        {
            foreach (var s in list)
                s.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
        return list;
    }

    private static async Task WaitToReadAsync(ChannelReader<ReceivedDatagram> reader, TimeSpan timeout, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            await reader.WaitToReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            // timeout or caller cancellation: the loop re-checks both
        }
    }

    private sealed class AsyncDisposables(IEnumerable<IAsyncDisposable> items) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var i in items)
                await i.DisposeAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "SADP discovery ended: {Count} devices in {Milliseconds} ms")]
    private static partial void LogDiscoveryEnded(ILogger logger, int count, double milliseconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "SADP datagram from {From} rejected: {Status} ({Bytes} bytes)")]
    private static partial void LogRejected(ILogger logger, IPEndPoint from, SadpReadStatus status, int bytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SADP send to {Destination} from {Interface} failed")]
    private static partial void LogSendFailed(ILogger logger, IPEndPoint destination, IPAddress @interface);
}
