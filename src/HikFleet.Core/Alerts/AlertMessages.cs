using System.Text;
using System.Text.Json;
using HikFleet.Core.Data.Entities;

namespace HikFleet.Core.Alerts;

/// <summary>One camera in a message.</summary>
public sealed record AlertCamera(Guid AlertId, Guid CameraId, string Name, string Serial, string? Address, string Summary, DateTimeOffset Since);

/// <summary>A composed message: subject and text for people, the JSON document for webhooks.</summary>
public sealed record AlertMessage(string Subject, string Body, string Payload);

/// <summary>Composes the messages of alerts: one camera, or one message for a group of a site's cameras (a switch died, not 40 cameras).</summary>
public static class AlertMessages
{
    public const int MaxListed = 50;

    public static AlertMessage Compose(AlertNotificationKind kind, string tenant, string site, Guid siteId, AlertRule rule, IReadOnlyList<AlertCamera> cameras,
        DateTimeOffset now, string? publicUrl)
    {
        var verb = kind switch
        {
            AlertNotificationKind.Opened => "needs attention",
            AlertNotificationKind.Resolved => "recovered",
            _ => "still needs attention (escalated: nobody acknowledged)",
        };
        var subject = cameras.Count == 1
            ? $"[HikFleet] {site}: {cameras[0].Name} {verb} — {cameras[0].Summary}"
            : $"[HikFleet] {site}: {cameras.Count} cameras {verb} — {rule.Name}";
        subject = subject.Length > 300 ? subject[..300] : subject;

        var text = new StringBuilder();
        text.AppendLine($"{tenant} / {site} — rule \"{rule.Name}\"");
        text.AppendLine();
        foreach (var c in cameras.Take(MaxListed))
        {
            text.AppendLine($"- {c.Name} ({c.Serial}{(c.Address is null ? "" : $", {c.Address}")}): {c.Summary}, since {c.Since:u}");
        }

        if (cameras.Count > MaxListed) text.AppendLine($"- … and {cameras.Count - MaxListed} more");
        if (!string.IsNullOrWhiteSpace(publicUrl))
        {
            text.AppendLine();
            text.AppendLine($"{publicUrl.TrimEnd('/')}/alerts");
        }

        var payload = JsonSerializer.Serialize(new
        {
            @event = kind switch { AlertNotificationKind.Opened => "alert.opened", AlertNotificationKind.Resolved => "alert.resolved", _ => "alert.escalated" },
            tenant,
            site = new { id = siteId, name = site },
            rule = new { id = rule.Id, name = rule.Name },
            count = cameras.Count,
            alerts = cameras.Select(c => new { id = c.AlertId, cameraId = c.CameraId, camera = c.Name, serial = c.Serial, address = c.Address, c.Summary, since = c.Since }),
            text = subject,
            sentAt = now,
        }, Json);
        return new AlertMessage(subject, text.ToString(), payload);
    }

    /// <summary>Slack incoming-webhook body.</summary>
    public static string Slack(AlertNotification n) => JsonSerializer.Serialize(new { text = $"*{n.Subject}*\n{n.Body}" }, Json);

    /// <summary>Teams incoming-webhook body (MessageCard).</summary>
    public static string Teams(AlertNotification n) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["@type"] = "MessageCard",
        ["@context"] = "https://schema.org/extensions",
        ["summary"] = n.Subject,
        ["title"] = n.Subject,
        ["text"] = n.Body.Replace("\n", "<br>", StringComparison.Ordinal),
        ["themeColor"] = n.Kind == AlertNotificationKind.Resolved ? "2E7D32" : "C62828",
    }, Json);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
}
