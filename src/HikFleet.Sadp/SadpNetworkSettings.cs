namespace HikFleet.Sadp;

/// <summary>Network parameters for the SADP <c>update</c> command (§4.4). Unset optional values keep what the device reported.</summary>
/// <param name="IPv4Address">New IPv4 address.</param>
/// <param name="IPv4SubnetMask">New subnet mask.</param>
/// <param name="IPv4Gateway">New gateway.</param>
/// <param name="Dhcp">Turn DHCP on (the static values are then ignored by the device).</param>
public sealed record SadpNetworkSettings(string IPv4Address, string IPv4SubnetMask, string IPv4Gateway, bool Dhcp = false)
{
    /// <summary>SDK port; defaults to the device's current value, else 8000.</summary>
    public int? CommandPort { get; init; }
    /// <summary>HTTP port; sent only when set.</summary>
    public int? HttpPort { get; init; }
    /// <summary>SDK-over-TLS port; sent only when set.</summary>
    public int? SdkOverTlsPort { get; init; }
    /// <summary>IPv6 address; sent only when set.</summary>
    public string? IPv6Address { get; init; }
    /// <summary>IPv6 gateway; sent only when set.</summary>
    public string? IPv6Gateway { get; init; }
    /// <summary>IPv6 prefix length; sent only when set.</summary>
    public int? IPv6MaskLen { get; init; }
}
