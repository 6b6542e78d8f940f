namespace HikFleet.Core.Data.Entities;

/// <summary>Where alert messages go: an email list, a generic signed webhook, a Slack or a Teams incoming webhook (issue #11).</summary>
public sealed class AlertChannel
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid TenantId { get; set; }
    public required string Name { get; set; }
    public AlertChannelKind Kind { get; set; }
    /// <summary>Email: addresses separated by commas. Webhooks: the http(s) URL.</summary>
    public required string Target { get; set; }
    /// <summary>Generic webhook: the HMAC-SHA256 signing secret, sealed with the vault's key (never stored or logged in clear).</summary>
    public byte[]? SecretSealed { get; set; }
    public string? SecretKeyId { get; set; }
    public bool Enabled { get; set; } = true;
    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
}

public enum AlertChannelKind
{
    Email,
    /// <summary>JSON POST signed with HMAC-SHA256 (<c>X-HikFleet-Signature</c>), retried with backoff.</summary>
    Webhook,
    Slack,
    Teams,
}

/// <summary>
/// Which camera conditions alert whom: health states and/or findings of a tenant (or one site), held for at least a delay (shorter
/// flaps never alert), quiet hours during which messages wait, and an escalation when nobody acknowledges.
/// </summary>
public sealed class AlertRule
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid TenantId { get; set; }
    /// <summary>Null: every site of the tenant.</summary>
    public Guid? SiteId { get; set; }
    public required string Name { get; set; }
    public List<HealthState> States { get; set; } = [];
    /// <summary>Finding codes (docs/health.md), e.g. <c>storage-error</c>.</summary>
    public List<string> Findings { get; set; } = [];
    /// <summary>The condition must hold this long, without a break, before anyone is told.</summary>
    public int DelaySeconds { get; set; } = 300;
    public List<Guid> ChannelIds { get; set; } = [];
    /// <summary>Daily quiet hours in the site's time zone: messages wait until they end (and are dropped if the alert resolved meanwhile).</summary>
    public TimeOnly? QuietStart { get; set; }
    public TimeOnly? QuietEnd { get; set; }
    /// <summary>Not acknowledged this long after the first message: the escalation channels are told.</summary>
    public int? EscalateAfterMinutes { get; set; }
    public List<Guid> EscalationChannelIds { get; set; } = [];
    public bool Enabled { get; set; } = true;
    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
    public uint Version { get; set; }
}

/// <summary>One episode of a rule's condition on one camera: opened, maybe acknowledged, resolved (by itself or by a person).</summary>
public sealed class Alert
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid TenantId { get; set; }
    public Guid SiteId { get; set; }
    public Guid CameraId { get; set; }
    public Camera? Camera { get; set; }
    public Guid RuleId { get; set; }
    /// <summary><c>state</c> or <c>finding:&lt;code&gt;</c>.</summary>
    public required string Key { get; set; }
    /// <summary>When the condition began (an episode); a person's resolve holds until the condition clears and starts again.</summary>
    public DateTimeOffset ConditionSince { get; set; }
    public required string Summary { get; set; }
    public AlertState State { get; set; } = AlertState.Open;
    public DateTimeOffset OpenedAt { get; set; }
    public DateTimeOffset? OpenNotifiedAt { get; set; }
    public DateTimeOffset? AcknowledgedAt { get; set; }
    public string? AcknowledgedBy { get; set; }
    public DateTimeOffset? EscalatedAt { get; set; }
    public DateTimeOffset? ResolvedAt { get; set; }
    /// <summary>"condition cleared", or the person who resolved it.</summary>
    public string? ResolvedBy { get; set; }
    public DateTimeOffset? ResolveNotifiedAt { get; set; }
    /// <summary>No message was ever needed (it resolved before its first message went out, e.g. during quiet hours).</summary>
    public bool Suppressed { get; set; }
    public uint Version { get; set; }
}

public enum AlertState
{
    Open,
    Acknowledged,
    Resolved,
}

/// <summary>One message to one channel (about one alert or a group of a site's alerts): the alert history.</summary>
public sealed class AlertNotification
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid TenantId { get; set; }
    public Guid SiteId { get; set; }
    public Guid RuleId { get; set; }
    public Guid ChannelId { get; set; }
    public AlertNotificationKind Kind { get; set; }
    public List<Guid> AlertIds { get; set; } = [];
    public required string Subject { get; set; }
    public required string Body { get; set; }
    /// <summary>The JSON document webhooks receive.</summary>
    public required string Payload { get; set; }
    public AlertDeliveryState State { get; set; } = AlertDeliveryState.Pending;
    public int Attempts { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? SentAt { get; set; }
}

public enum AlertNotificationKind
{
    Opened,
    Resolved,
    Escalated,
}

public enum AlertDeliveryState
{
    Pending,
    Sent,
    Failed,
}
