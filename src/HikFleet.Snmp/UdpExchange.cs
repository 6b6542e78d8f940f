using System.Net;
using System.Net.Sockets;

namespace HikFleet.Snmp;

/// <summary>
/// One request/answer exchange over its own connected UDP socket (the kernel then drops datagrams from any other address). The
/// answer filter ignores strays (a late answer to an earlier request, a duplicate) and keeps waiting until the attempt's deadline.
/// </summary>
internal static class UdpExchange
{
    /// <summary>What the filter made of one datagram.</summary>
    internal readonly record struct Verdict<T>(bool Accepted, T? Value, Exception? Failure)
    {
        public static Verdict<T> Ignore => default;
        public static Verdict<T> Accept(T value) => new(true, value, null);
        public static Verdict<T> Fail(Exception e) => new(true, default, e);
    }

    /// <summary>
    /// Sends <paramref name="build"/>(attempt) and waits for a datagram the filter accepts; on a timeout retries up to
    /// <paramref name="retries"/> times. Returns the accepted value, or throws the filter's failure, or Timeout.
    /// </summary>
    public static async Task<T> RunAsync<T>(IPEndPoint endPoint, Func<int, byte[]> build, Func<ReadOnlyMemory<byte>, Verdict<T>> filter,
        TimeSpan timeout, int retries, Action onSend, CancellationToken ct)
    {
        using var socket = new Socket(endPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        socket.Connect(endPoint);
        var buffer = new byte[65536];
        var refused = false;
        for (var attempt = 0; attempt <= retries; attempt++)
        {
            var message = build(attempt);
            onSend();
            try
            {
                await socket.SendAsync(message, SocketFlags.None, ct).ConfigureAwait(false);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
            {
                // The ICMP port-unreachable of an earlier datagram surfaces on the next socket call: count it as no answer.
                refused = true;
                continue;
            }
            using var attemptCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            attemptCts.CancelAfter(timeout);
            try
            {
                while (true)
                {
                    var n = await socket.ReceiveAsync(buffer, SocketFlags.None, attemptCts.Token).ConfigureAwait(false);
                    var verdict = filter(buffer.AsMemory(0, n));
                    if (!verdict.Accepted)
                        continue;
                    if (verdict.Failure is not null)
                        throw verdict.Failure;
                    return verdict.Value!;
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                // this attempt timed out
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
            {
                refused = true;
            }
        }
        throw new SnmpException(SnmpErrorKind.Timeout,
            $"No answer from {endPoint} after {retries + 1} attempt(s) of {timeout.TotalMilliseconds:0} ms{(refused ? " (port unreachable)" : "")}.");
    }
}
