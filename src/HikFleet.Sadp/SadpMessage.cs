namespace HikFleet.Sadp;

/// <summary>The two SADP XML document kinds: a client's <c>Probe</c> (inquiry or command) and a device's <c>ProbeMatch</c> (reply).</summary>
public enum SadpMessageKind
{
    /// <summary><c>&lt;Probe&gt;</c>: an inquiry or a command sent by a client (§4.2, §4.4).</summary>
    Probe,

    /// <summary><c>&lt;ProbeMatch&gt;</c>: a device's reply (§4.3).</summary>
    ProbeMatch,
}

/// <summary>
/// One SADP message (protocol reference §4): every field of §4.3 (ProbeMatch) and §4.4 (commands) as a typed property, plus every
/// element this library does not know kept, in order, in <see cref="UnknownFields"/>. Values are normalised on read
/// (<see cref="SadpValues"/>): MAC <c>aa:bb:cc:dd:ee:ff</c>, lenient booleans, versions with one space before "build".
/// A known element whose value cannot be parsed (say <c>&lt;Activated&gt;maybe&lt;/Activated&gt;</c>) leaves the typed property
/// <see langword="null"/> and is kept verbatim in <see cref="UnknownFields"/>, so nothing a device sent is lost.
/// </summary>
public sealed class SadpMessage
{
    /// <summary>Probe (client to device) or ProbeMatch (device to client).</summary>
    public SadpMessageKind Kind { get; set; }

    /// <summary>Correlation id: upper-case UUID chosen by the client, echoed by the device (§4.2).</summary>
    public string? Uuid { get; set; }

    /// <summary>Message type: <c>inquiry</c>, <c>inquiry_v32</c>, <c>exchangecode</c>, <c>activate</c>, <c>update</c>, <c>reboot</c>, ... (§4.4).</summary>
    public string? Types { get; set; }

    // ---- identity and network (§4.3) ----

    /// <summary>Numeric model family code (e.g. 141945), not a string (§4.3).</summary>
    public long? DeviceType { get; set; }
    /// <summary>Model, e.g. <c>DS-2CD2385G1-I</c>.</summary>
    public string? DeviceDescription { get; set; }
    /// <summary>Full serial number.</summary>
    public string? DeviceSN { get; set; }
    /// <summary>SDK port (8000).</summary>
    public int? CommandPort { get; set; }
    /// <summary>HTTP port.</summary>
    public int? HttpPort { get; set; }
    /// <summary>Device MAC, normalised to <c>aa:bb:cc:dd:ee:ff</c> (devices send <c>58-50-ed-1f-e3-85</c>).</summary>
    public string? Mac { get; set; }
    /// <summary>Current IPv4 address.</summary>
    public string? IPv4Address { get; set; }
    /// <summary>Current IPv4 subnet mask.</summary>
    public string? IPv4SubnetMask { get; set; }
    /// <summary>Current IPv4 gateway.</summary>
    public string? IPv4Gateway { get; set; }
    /// <summary>IPv6 address (<c>::</c> when unused).</summary>
    public string? IPv6Address { get; set; }
    /// <summary>IPv6 gateway (<c>::</c> when unused).</summary>
    public string? IPv6Gateway { get; set; }
    /// <summary>IPv6 prefix length.</summary>
    public int? IPv6MaskLen { get; set; }
    /// <summary>Whether DHCP is on.</summary>
    public bool? Dhcp { get; set; }
    /// <summary>Analog channels: &gt; 0 means a DVR.</summary>
    public int? AnalogChannelNum { get; set; }
    /// <summary>Digital channels: &gt; 1 means an NVR.</summary>
    public int? DigitalChannelNum { get; set; }
    /// <summary>Firmware version, normalised to <c>V5.6.2 build 190701</c> (devices omit the space).</summary>
    public string? SoftwareVersion { get; set; }
    /// <summary>DSP version, normalised like <see cref="SoftwareVersion"/>.</summary>
    public string? DspVersion { get; set; }
    /// <summary>Device-local boot time without zone (<see cref="DateTimeKind.Unspecified"/>); see <see cref="IsBootClockUnset"/>.</summary>
    public DateTime? BootTime { get; set; }
    /// <summary>True when the device reported a 1970 boot time: its clock was never set (§4.3, §5 item 14).</summary>
    public bool IsBootClockUnset => BootTime is { Year: 1970 };
    /// <summary>The device supports encrypted SADP passwords.</summary>
    public bool? Encrypt { get; set; }
    /// <summary>Legacy reset-code capability.</summary>
    public bool? ResetAbility { get; set; }
    /// <summary>Number of disks (recorders).</summary>
    public int? DiskNumber { get; set; }
    /// <summary>False on a factory-fresh (inactive) device: the key field for reprovisioning.</summary>
    public bool? Activated { get; set; }
    /// <summary>Which password-reset flows are supported (opaque device value).</summary>
    public string? PasswordResetAbility { get; set; }
    /// <summary>Second password-reset mode (opaque device value).</summary>
    public string? PasswordResetModeSecond { get; set; }
    /// <summary>1 = Hikvision; other values = OEM.</summary>
    public long? DetailOemCode { get; set; }
    /// <summary>Security-question reset supported.</summary>
    public bool? SupportSecurityQuestion { get; set; }
    /// <summary>GUID-file reset supported.</summary>
    public bool? SupportGuid { get; set; }
    /// <summary>E-mail reset supported.</summary>
    public bool? SupportMailBox { get; set; }
    /// <summary>Hik-Connect supported.</summary>
    public bool? SupportHCPlatform { get; set; }
    /// <summary>Hik-Connect enabled (firmware often sends the typo <c>flase</c>).</summary>
    public bool? HCPlatformEnable { get; set; }
    /// <summary>EZVIZ verification-code state.</summary>
    public bool? IsModifyVerificationCode { get; set; }
    /// <summary>64 hex characters; when present the device expects the salted password proof of §4.4.</summary>
    public string? Salt { get; set; }
    /// <summary>SADP login locked.</summary>
    public bool? DeviceLock { get; set; }
    /// <summary>SDK-over-TLS port (8443).</summary>
    public int? SdkOverTlsPort { get; set; }
    /// <summary>SDK server status (opaque device value).</summary>
    public string? SdkServerStatus { get; set; }
    /// <summary>SDK-over-TLS server status (opaque device value).</summary>
    public string? SdkOverTlsServerStatus { get; set; }

    // ---- further fields named in sadp.dll strings (§4.3 "others") ----

    /// <summary>OEM information.</summary>
    public string? OemInfo { get; set; }
    /// <summary>EZVIZ code.</summary>
    public string? EzvizCode { get; set; }
    /// <summary>NVR pushes its password to cameras.</summary>
    public bool? SyncIpcPassword { get; set; }
    /// <summary>Binding supported.</summary>
    public bool? SupportBind { get; set; }
    /// <summary>Maximum bindings.</summary>
    public int? MaxBindNum { get; set; }
    /// <summary>The <c>restoreInactive</c> command is supported.</summary>
    public bool? SupportRestoreInactive { get; set; }
    /// <summary>EZVIZ unbind supported.</summary>
    public bool? SupportEzvizUnbind { get; set; }
    /// <summary>Wi-Fi MAC, normalised like <see cref="Mac"/>.</summary>
    public string? WifiMac { get; set; }
    /// <summary>Licensed.</summary>
    public bool? Licensed { get; set; }
    /// <summary>System mode (opaque).</summary>
    public string? SystemMode { get; set; }
    /// <summary>Specific device type (opaque).</summary>
    public string? SpecificDeviceType { get; set; }
    /// <summary>EHome/ISUP version.</summary>
    public string? EHomeVer { get; set; }
    /// <summary>DHCP supported.</summary>
    public bool? DhcpAbility { get; set; }
    /// <summary>Security mode (opaque).</summary>
    public string? SecurityMode { get; set; }
    /// <summary>Wi-Fi region setting supported.</summary>
    public bool? SupportWifiRegion { get; set; }
    /// <summary>Channel default password supported.</summary>
    public bool? SupportChannelDefaultPassword { get; set; }

    // ---- command fields (§4.4, §3.3) ----

    /// <summary><c>update</c> sends <c>PWErrorParse=true</c> so the device reports password errors distinctly.</summary>
    public bool? PWErrorParse { get; set; }
    /// <summary>Password proof (encrypted or salted; never logged).</summary>
    public string? Password { get; set; }
    /// <summary>The <c>bSalt="true"</c> attribute of <c>Password</c>: the value is the salted proof of §4.4.</summary>
    public bool PasswordSalted { get; set; }
    /// <summary>Key-exchange code: the client's public key in <c>exchangecode</c>, the encrypted random in the reply (§3.3).</summary>
    public string? Code { get; set; }
    /// <summary>Command result in a reply: <c>success</c>/<c>failed</c> or a sadp.dll string such as <c>Password error!</c>.</summary>
    public string? Result { get; set; }
    /// <summary>Variant-B key exchange reply (§3.3).</summary>
    public string? EncryptString { get; set; }
    /// <summary>GUID for GUID-file reset.</summary>
    public string? Guid { get; set; }
    /// <summary>E-mail for e-mail reset.</summary>
    public string? MailBox { get; set; }
    /// <summary>EHome device id.</summary>
    public string? DevId { get; set; }
    /// <summary>EHome key.</summary>
    public string? EHomeKey { get; set; }

    /// <summary>
    /// Elements this library does not model (or known elements whose value did not parse), by element name, in document order.
    /// Elements with child elements keep their inner XML as text. Written back after the known fields.
    /// </summary>
    public OrderedDictionary<string, string> UnknownFields { get; } = new(StringComparer.Ordinal);

    /// <summary>A client probe of the given type with a fresh upper-case UUID.</summary>
    public static SadpMessage NewProbe(string types) =>
        new() { Kind = SadpMessageKind.Probe, Uuid = System.Guid.NewGuid().ToString("D").ToUpperInvariant(), Types = types };

    /// <inheritdoc/>
    public override string ToString() => $"{Kind} {Types} {Mac} {IPv4Address} {Uuid}";
}
