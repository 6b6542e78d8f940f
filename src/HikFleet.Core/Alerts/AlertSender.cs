using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Hangfire;
using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Vault;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace HikFleet.Core.Alerts;

/// <summary>
/// Delivers one message to one channel: email through the configured SMTP relay (MailKit), a generic webhook (JSON signed with
/// HMAC-SHA256 over "timestamp.body": header <c>X-HikFleet-Signature: sha256=&lt;hex&gt;</c> and <c>X-HikFleet-Timestamp</c>), or a
/// Slack / Teams incoming webhook. Webhooks do not follow redirects. Throws on failure (the job retries).
/// </summary>
public sealed class AlertSender(IOptions<AlertOptions> options, CredentialVault vault) : IDisposable
{
    public const string SignatureHeader = "X-HikFleet-Signature", TimestampHeader = "X-HikFleet-Timestamp", EventHeader = "X-HikFleet-Event",
        DeliveryHeader = "X-HikFleet-Delivery";

    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    private AlertOptions Options => options.Value;

    /// <summary>The signature a receiver recomputes: HMAC-SHA256(secret, "{timestamp}.{body}") as lower-case hex.</summary>
    public static string Sign(string secret, string timestamp, string body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));

    public async Task SendAsync(AlertChannel channel, AlertNotification n, DateTimeOffset now, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Options.SendTimeout);
        switch (channel.Kind)
        {
            case AlertChannelKind.Email:
                await EmailAsync(channel, n, timeout.Token);
                break;
            case AlertChannelKind.Webhook:
                var secret = channel.SecretSealed is { } s && channel.SecretKeyId is { } k ? vault.OpenSecret(k, s, SecretContext(channel.Id)) : null;
                await PostAsync(channel.Target, n.Payload, n, now, secret, timeout.Token);
                break;
            case AlertChannelKind.Slack:
                await PostAsync(channel.Target, AlertMessages.Slack(n), n, now, null, timeout.Token);
                break;
            case AlertChannelKind.Teams:
                await PostAsync(channel.Target, AlertMessages.Teams(n), n, now, null, timeout.Token);
                break;
            default:
                throw new InvalidOperationException($"Unknown channel kind {channel.Kind}.");
        }
    }

    /// <summary>What a webhook secret is bound to when sealed (a sealed value copied to another channel does not open).</summary>
    public static string SecretContext(Guid channelId) => $"alert-channel:{channelId:D}";

    private async Task PostAsync(string url, string body, AlertNotification n, DateTimeOffset now, string? secret, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(EventHeader, n.Kind switch
        {
            AlertNotificationKind.Opened => "alert.opened", AlertNotificationKind.Resolved => "alert.resolved", _ => "alert.escalated",
        });
        request.Headers.Add(DeliveryHeader, n.Id.ToString("D"));
        if (secret is not null)
        {
            var timestamp = now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
            request.Headers.Add(TimestampHeader, timestamp);
            request.Headers.Add(SignatureHeader, Sign(secret, timestamp, body));
        }

        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (!response.IsSuccessStatusCode) throw new AlertDeliveryException($"The webhook answered HTTP {(int)response.StatusCode}.");
    }

    private async Task EmailAsync(AlertChannel channel, AlertNotification n, CancellationToken ct)
    {
        var smtp = Options.Smtp;
        if (string.IsNullOrWhiteSpace(smtp.Host)) throw new AlertDeliveryException("No SMTP relay is configured (Fleet:Alerts:Smtp:Host).");
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(smtp.From));
        foreach (var address in AlertChannels.Addresses(channel.Target)) message.To.Add(MailboxAddress.Parse(address));
        message.Subject = n.Subject;
        message.Headers.Add("X-HikFleet-Delivery", n.Id.ToString("D"));
        message.Body = new TextPart("plain") { Text = n.Body };
        using var client = new SmtpClient { Timeout = (int)Options.SendTimeout.TotalMilliseconds };
        var security = Enum.TryParse<SecureSocketOptions>(smtp.Security, ignoreCase: true, out var parsed) ? parsed : SecureSocketOptions.Auto;
        await client.ConnectAsync(smtp.Host, smtp.Port, security, ct);
        if (!string.IsNullOrEmpty(smtp.UserName)) await client.AuthenticateAsync(smtp.UserName, smtp.Password ?? "", ct);
        await client.SendAsync(message, ct);
        await client.DisconnectAsync(true, ct);
    }

    public void Dispose() => _http.Dispose();
}

public sealed class AlertDeliveryException(string message) : Exception(message);

/// <summary>
/// Sends one message; on failure schedules itself again after the next of <see cref="AlertOptions.EffectiveRetryDelays"/> (Hangfire), and
/// marks the message failed after the last. A message already sent is never sent again.
/// </summary>
public sealed class AlertDeliveryJob(IDbContextFactory<FleetDbContext> contexts, AlertSender sender, IAlertDeliveryScheduler scheduler,
    IOptions<AlertOptions> options, TimeProvider time, ILogger<AlertDeliveryJob> logger)
{
    [AutomaticRetry(Attempts = 0)]
    public async Task SendAsync(Guid notificationId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var n = await db.AlertNotifications.SingleOrDefaultAsync(x => x.Id == notificationId, cancellationToken);
        if (n is null || n.State != AlertDeliveryState.Pending) return;
        var channel = await db.AlertChannels.AsNoTracking().SingleOrDefaultAsync(c => c.Id == n.ChannelId, cancellationToken);
        n.Attempts++;
        try
        {
            if (channel is null || !channel.Enabled) throw new AlertDeliveryException("The channel was removed or disabled.");
            await sender.SendAsync(channel, n, time.GetUtcNow(), cancellationToken);
            n.State = AlertDeliveryState.Sent;
            n.SentAt = time.GetUtcNow();
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The reason without secrets: a webhook URL is a credential (Slack, Teams), the SMTP password is one; neither may reach
            // the history or the log even if an exception message quotes them.
            n.LastError = Bound(Redact($"{e.GetType().Name}: {e.Message}", channel?.Target, options.Value.Smtp.Password), 1000);
            var delays = options.Value.EffectiveRetryDelays;
            if (n.Attempts > delays.Count || channel is null || !channel.Enabled) n.State = AlertDeliveryState.Failed;
            else scheduler.Schedule(n.Id, delays[n.Attempts - 1]);
            logger.LogWarning("Alert message {NotificationId} to channel {ChannelId} failed (attempt {Attempt}): {Error}", n.Id, n.ChannelId, n.Attempts,
                n.LastError);
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    private static string Bound(string s, int max) => s.Length <= max ? s : s[..max];

    private static string Redact(string text, params string?[] secrets) =>
        secrets.Where(x => !string.IsNullOrEmpty(x)).Aggregate(text, (t, x) => t.Replace(x!, "[redacted]", StringComparison.Ordinal));
}
