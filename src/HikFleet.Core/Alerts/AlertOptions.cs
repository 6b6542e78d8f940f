namespace HikFleet.Core.Alerts;

/// <summary>Alert delivery settings (<c>Fleet:Alerts</c>).</summary>
public sealed class AlertOptions
{
    public const string SectionName = "Fleet:Alerts";

    /// <summary>How long a new alert (or a resolve) waits for others of the same site and rule, so one message covers a site outage.</summary>
    public TimeSpan GroupWindow { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Waits between delivery attempts of a message (Hangfire schedules each retry); after the last it is marked failed. Empty: 30 s,
    /// 2 min, 10 min, 30 min, 2 h. (Not defaulted in place: the configuration binder appends to an array that already has items.)
    /// </summary>
    public TimeSpan[] RetryDelays { get; set; } = [];

    public IReadOnlyList<TimeSpan> EffectiveRetryDelays => RetryDelays.Length > 0
        ? RetryDelays
        : [TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2)];

    /// <summary>Time limit of one webhook POST or SMTP session.</summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>The SMTP relay email channels use.</summary>
    public SmtpSettings Smtp { get; set; } = new();

    /// <summary>Base address of this HikFleet for links in messages (e.g. https://hikfleet.example.com); none when empty.</summary>
    public string? PublicUrl { get; set; }
}

public sealed class SmtpSettings
{
    public string? Host { get; set; }
    public int Port { get; set; } = 587;
    /// <summary>None, StartTls (default when the port is 587), SslOnConnect (465) or Auto.</summary>
    public string Security { get; set; } = "Auto";
    public string? UserName { get; set; }
    public string? Password { get; set; }
    public string From { get; set; } = "HikFleet <hikfleet@localhost>";
}
