namespace HikFleet.Isapi;

/// <summary>Bounds and timeouts of the ISAPI client, bound from the <c>Isapi</c> configuration section.</summary>
public sealed class IsapiOptions
{
    /// <summary>The default configuration section name.</summary>
    public const string SectionName = "Isapi";

    /// <summary>TCP (and TLS) connect timeout.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);
    /// <summary>Whole-call timeout for ordinary requests (headers and body).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(20);
    /// <summary>Whole-call timeout for firmware upload and configuration export/import.</summary>
    public TimeSpan TransferTimeout { get; set; } = TimeSpan.FromMinutes(10);
    /// <summary>Longest wait for the next bytes of a body; ends a slow drip that still sends now and then only through
    /// <see cref="RequestTimeout"/>, but ends a stalled body quickly.</summary>
    public TimeSpan ReadIdleTimeout { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>Largest XML answer accepted (bytes, and characters for the XML reader).</summary>
    public int MaxXmlBytes { get; set; } = 1024 * 1024;
    /// <summary>Largest binary answer kept in memory (snapshots).</summary>
    public int MaxResponseBytes { get; set; } = 16 * 1024 * 1024;
    /// <summary>Largest configuration export streamed to the caller.</summary>
    public long MaxConfigurationBytes { get; set; } = 256L * 1024 * 1024;
    /// <summary>Alert stream: silence after which the stream is considered dead (cameras send a heartbeat about every 10 s).</summary>
    public TimeSpan AlertStreamIdleTimeout { get; set; } = TimeSpan.FromSeconds(35);
    /// <summary>Alert stream: first reconnect delay; doubles up to <see cref="AlertStreamMaxReconnectDelay"/>.</summary>
    public TimeSpan AlertStreamReconnectDelay { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>Alert stream: longest reconnect delay.</summary>
    public TimeSpan AlertStreamMaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>Idle pooled connections are dropped before the device's own 10 s keep-alive (§5 item 14).</summary>
    public TimeSpan PooledConnectionIdleTimeout { get; set; } = TimeSpan.FromSeconds(8);
    /// <summary>Connections per device; cameras are small servers.</summary>
    public int MaxConnectionsPerDevice { get; set; } = 4;
    /// <summary>Lockout guard: how long a credential the device rejected stays blocked when the device did not say
    /// (no <c>unlockTime</c>). Null = until the caller supplies another credential.</summary>
    public TimeSpan? RejectedCredentialHold { get; set; }

    internal void Validate()
    {
        if (MaxXmlBytes < 1024) throw new ArgumentOutOfRangeException(nameof(MaxXmlBytes));
        if (MaxResponseBytes < 1024) throw new ArgumentOutOfRangeException(nameof(MaxResponseBytes));
        if (RequestTimeout <= TimeSpan.Zero || ReadIdleTimeout <= TimeSpan.Zero || ConnectTimeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(RequestTimeout), "Timeouts must be positive.");
    }
}
