using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using HikFleet.Isapi.Events;
using HikFleet.Isapi.Http;

namespace HikFleet.Isapi;

/// <summary>How <see cref="IsapiClient.ReadAlertStreamAsync"/> behaves.</summary>
public sealed record AlertStreamOptions
{
    /// <summary>Reconnect with exponential backoff when the stream ends or breaks (NVRs close it after ~40 s, §2.10).</summary>
    public bool Reconnect { get; init; } = true;
    /// <summary>Yield heartbeats (flagged <see cref="IsapiEvent.IsHeartbeat"/>) as well as real events.</summary>
    public bool IncludeHeartbeats { get; init; } = true;
    /// <summary>Called before each reconnect with the attempt number (1-based) and the reason.</summary>
    public Action<int, Exception?>? Reconnecting { get; init; }
}

public sealed partial class IsapiClient
{
    /// <summary>
    /// <c>GET /ISAPI/Event/notification/alertStream</c> as an endless sequence of events (§2.10). Parts are framed by
    /// Content-Length or boundary scan, bare <c>&amp;</c> is sanitised, heartbeats are flagged, a silent stream counts as
    /// dead after <see cref="IsapiOptions.AlertStreamIdleTimeout"/>, and the stream is reopened with backoff. Errors a
    /// reconnect cannot fix (credentials, lockout, not supported, not activated, certificate changed) end the sequence
    /// with an <see cref="IsapiException"/>. Stops when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public async IAsyncEnumerable<IsapiEvent> ReadAlertStreamAsync(AlertStreamOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        options ??= new AlertStreamOptions();
        var delay = _options.AlertStreamReconnectDelay;
        var attempt = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Exception? failure = null;
            HttpResponseMessage? response = null;
            try
            {
                response = await OpenAlertStreamAsync(cancellationToken);
            }
            catch (IsapiException ex) when (IsRecoverable(ex) && options.Reconnect)
            {
                failure = ex;
            }

            if (response is not null)
            {
                using (response)
                {
                    var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
                    var reader = new MultipartMixedReader(stream,
                        MultipartMixedReader.BoundaryFrom(response.Content.Headers.ContentType?.ToString()),
                        _options.MaxXmlBytes, _options.AlertStreamIdleTimeout);
                    while (true)
                    {
                        var (evt, error, ended) = await NextEventAsync(reader, cancellationToken);
                        if (evt is not null)
                        {
                            delay = _options.AlertStreamReconnectDelay;
                            attempt = 0;
                            if (options.IncludeHeartbeats || !evt.IsHeartbeat) yield return evt;
                            continue;
                        }
                        if (ended)
                        {
                            failure = error;
                            break;
                        }
                    }
                }
            }

            if (!options.Reconnect)
            {
                if (failure is not null) throw failure;
                yield break;
            }
            attempt++;
            options.Reconnecting?.Invoke(attempt, failure);
            var jitter = TimeSpan.FromMilliseconds(Random.Shared.Next(0, (int)Math.Max(1, delay.TotalMilliseconds / 5)));
            await Task.Delay(delay + jitter, cancellationToken);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.AlertStreamMaxReconnectDelay.Ticks));
            ResetAuthentication(); // a rebooted device has forgotten our nonce
        }
    }

    private static bool IsRecoverable(IsapiException ex) =>
        ex.Kind is IsapiErrorKind.Unreachable or IsapiErrorKind.Timeout or IsapiErrorKind.Busy or IsapiErrorKind.DeviceError or IsapiErrorKind.MalformedAnswer;

    private Task<HttpResponseMessage> OpenAlertStreamAsync(CancellationToken ct)
    {
        const string path = "/ISAPI/Event/notification/alertStream";
        return ExecuteAsync(NewRequest(HttpMethod.Get, path), false, _options.RequestTimeout, async (response, scope) =>
        {
            var mediaType = MediaTypes.Of(response.Content);
            if (!response.IsSuccessStatusCode || (mediaType is not null && !mediaType.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase)))
            {
                var (buffer, length) = await ReadBoundedAsync(response, _options.MaxXmlBytes, scope);
                var root = InterpretXml(response, buffer, length, path);
                throw new IsapiException(IsapiErrorKind.MalformedAnswer, $"{path}: expected a multipart stream, got <{root.Name.LocalName}>.")
                { RequestPath = path, HttpStatus = response.StatusCode };
            }
            return response;
        }, ct);
    }

    /// <summary>Next event; (null, error, true) when the connection is finished. A single unparseable part is skipped.</summary>
    private async Task<(IsapiEvent? Event, Exception? Error, bool Ended)> NextEventAsync(MultipartMixedReader reader, CancellationToken ct)
    {
        while (true)
        {
            MultipartPart? part;
            try
            {
                part = await reader.ReadPartAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                throw;
            }
            catch (IsapiException ex)
            {
                return (null, ex, true);
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException or ObjectDisposedException or System.Net.Sockets.SocketException)
            {
                return (null, new IsapiException(IsapiErrorKind.Unreachable, "Alert stream broke: " + ex.Message, ex), true);
            }
            if (part is null) return (null, null, true);
            var type = part.ContentType ?? "";
            try
            {
                if (type.Contains("json", StringComparison.OrdinalIgnoreCase))
                    return (IsapiEvent.FromJson(Encoding.UTF8.GetString(part.Body)), null, false);
                if (type.Length == 0 || type.Contains("xml", StringComparison.OrdinalIgnoreCase) || type.StartsWith("text/", StringComparison.OrdinalIgnoreCase))
                    return (IsapiEvent.FromXml(Encoding.UTF8.GetString(part.Body), _options.MaxXmlBytes), null, false);
            }
            catch (Exception ex) when (ex is IsapiException or System.Text.Json.JsonException)
            {
                // One bad part does not cost the stream; the next heartbeat proves the device is alive.
            }
            // image/jpeg attachments and unknown parts are skipped.
        }
    }
}
