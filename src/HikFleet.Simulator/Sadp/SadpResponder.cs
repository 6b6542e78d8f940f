using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security;
using System.Text;
using System.Xml.Linq;
using HikFleet.Simulator.Isapi;

namespace HikFleet.Simulator.Sadp;

/// <summary>
/// SADP for the whole fleet (§4). One UDP socket on SadpPort receives both the multicast group (joined on SadpInterface only) and
/// unicast to any device address; IP_PKTINFO tells which address a datagram was sent to. Each reply leaves from a short-lived socket
/// bound to the device's own address:SadpPort, so the client sees the device as the source (devices reply to the sender's address and
/// port, §4.1). One receiving socket instead of 10,000 keeps a 10,000-device fleet within the file-descriptor limit.
/// </summary>
internal sealed class SadpResponder : IDisposable
{
    public static readonly IPAddress Group = IPAddress.Parse("239.255.255.250");
    private const int MaxDatagram = 8 * 1024;

    private readonly VirtualFleet _fleet;
    private readonly Socket _socket;
    private readonly CancellationTokenSource _cts = new();

    public int Port { get; }

    public SadpResponder(VirtualFleet fleet)
    {
        _fleet = fleet;
        var o = fleet.Options;
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.PacketInformation, true);
            _socket.Bind(new IPEndPoint(IPAddress.Any, o.SadpPort));
            _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(Group, o.SadpInterface));
            _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, o.SadpInterface.GetAddressBytes());
            _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, o.SadpTtl);
        }
        catch
        {
            _socket.Dispose();
            throw;
        }
        Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
        _ = ReceiveLoopAsync();
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[MaxDatagram];
        var ct = _cts.Token;
        while (!ct.IsCancellationRequested)
        {
            SocketReceiveMessageFromResult result;
            try
            {
                result = await _socket.ReceiveMessageFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), ct).ConfigureAwait(false);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.MessageSize or SocketError.ConnectionReset)
            {
                continue;
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            var sender = (IPEndPoint)result.RemoteEndPoint;
            var destination = result.PacketInformation.Address;
            var probe = Parse(buffer.AsSpan(0, result.ReceivedBytes));
            if (probe is null)
                continue;
            _ = Task.Run(() => Dispatch(probe, sender, destination), ct);
        }
    }

    private static XElement? Parse(ReadOnlySpan<byte> datagram)
    {
        // Some builds put a short binary prefix before the XML (§4.1): skip to the first '<'.
        var start = datagram.IndexOf((byte)'<');
        if (start < 0)
            return null;
        var x = IsapiXml.Parse(datagram[start..].ToArray());
        return x?.Name.LocalName == "Probe" ? x : null;
    }

    private void Dispatch(XElement probe, IPEndPoint sender, IPAddress destination)
    {
        var mac = NormalizeMac(probe.ChildValue("MAC"));
        IEnumerable<VirtualDevice> targets;
        if (destination.Equals(Group) || destination.Equals(IPAddress.Broadcast))
            targets = mac is null ? _fleet.Devices : _fleet.Devices.Where(d => d.Mac == mac);
        else
            targets = _fleet.Devices.Where(d => d.Address.Equals(destination) && (mac is null || d.Mac == mac));

        foreach (var device in targets.ToList())
        {
            if (!device.Online || device.Faults.Hung)
                continue;
            var (reply, after) = Handle(device, probe, sender.Address);
            if (reply is null)
                continue;
            if (_fleet.Options.SadpBinaryPrefix)
                reply = [0x21, 0x02, 0x01, 0x42, .. reply]; // a few bytes before "<?xml" (§4.1)
            Send(device, reply, sender);
            after?.Invoke();
        }
    }

    private void Send(VirtualDevice d, byte[] reply, IPEndPoint to)
    {
        if (_fleet.IsBindable(d.Address))
        {
            try
            {
                // The reply leaves from the device's own address (clients identify devices by it) but from an ephemeral
                // port: a socket bound to deviceAddress:SadpPort would, while it exists, be the best match for unicast
                // datagrams to that device and swallow them instead of the shared listener (a lost activate after
                // exchangecode). Clients answer nothing back to the source port, so its value carries no meaning.
                using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                s.Bind(new IPEndPoint(d.Address, 0));
                s.SendTo(reply, to);
                return;
            }
            catch (SocketException)
            {
                // fall through: answer from the shared socket
            }
        }
        try
        {
            // A device whose address is not on this host is still seen on the L2 segment (§2.3): answer from the shared socket.
            _socket.SendTo(reply, to);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    internal static string? NormalizeMac(string? mac)
    {
        if (string.IsNullOrWhiteSpace(mac))
            return null;
        var hex = new string(mac.Where(Uri.IsHexDigit).ToArray()).ToLowerInvariant();
        return hex.Length == 12 ? string.Join(':', Enumerable.Range(0, 6).Select(i => hex.Substring(i * 2, 2))) : null;
    }

    private (byte[]? Reply, Action? After) Handle(VirtualDevice d, XElement probe, IPAddress client)
    {
        var uuid = probe.ChildValue("Uuid") ?? "";
        var types = probe.ChildValue("Types") ?? "";
        lock (d.Sync)
        {
            switch (types.ToLowerInvariant())
            {
                case "inquiry":
                case "inquiry_v32":
                    return (ProbeMatch(d, uuid, types, null), null);

                case "exchangecode":
                {
                    if (d.Activated)
                        return (ProbeMatch(d, uuid, types, ("Result", "failed"), ("FailReason", "Has activated!")), null);
                    var code = ActivationCrypto.CreateSadpChallenge(probe.ChildValue("Code") ?? "", out var random);
                    if (code is null)
                        return (ProbeMatch(d, uuid, types, ("Result", "failed"), ("FailReason", "Empty encrypt string!")), null);
                    d.Activation.SadpRandom = random;
                    d.Activation.SadpRandomIssued = SimClock.Now;
                    return (ProbeMatch(d, uuid, types, ("Result", "success"), ("Code", code)), null);
                }

                case "activate":
                {
                    if (d.Activated)
                        return (ProbeMatch(d, uuid, types, ("Result", "failed"), ("FailReason", "Has activated!")), null);
                    var random = d.Activation.SadpRandom;
                    if (random is null || System.Diagnostics.Stopwatch.GetElapsedTime(d.Activation.SadpRandomIssued) > IsapiRouter.MaxReal(d, 300))
                        return (ProbeMatch(d, uuid, types, ("Result", "failed"), ("FailReason", "Empty encrypt string!")), null);
                    var password = ActivationCrypto.DecryptSadpPassword(random, probe.ChildValue("Password") ?? "");
                    d.Activation.SadpRandom = null;
                    if (password is null)
                        return (ProbeMatch(d, uuid, types, ("Result", "failed"), ("FailReason", "Password error!")), null);
                    if (PasswordRules.Validate("admin", password) is not null)
                        return (ProbeMatch(d, uuid, types, ("Result", "failed"), ("FailReason", "Risk password!")), null);
                    d.Activate(password);
                    return (ProbeMatch(d, uuid, types, ("Result", "success")), null);
                }

                case "update":
                case "reboot":
                case "restore":
                case "restoreinactive":
                {
                    if (!d.Activated)
                        return (ProbeMatch(d, uuid, types, ("Result", "failed"), ("FailReason", "Device deny! (not activated)")), null);
                    if (d.IsLockedFor(client))
                        return (ProbeMatch(d, uuid, types, ("Result", "failed"), ("FailReason", "Device lock!")), null);
                    if (!PasswordProofValid(d, probe.Child("Password")))
                    {
                        d.LoginFailed(client);
                        return (ProbeMatch(d, uuid, types, ("Result", "failed"), ("FailReason", d.IsLockedFor(client) ? "Device lock!" : "Password error!")), null);
                    }
                    d.LoginSucceeded(client);
                    return types.ToLowerInvariant() switch
                    {
                        "update" => Update(d, uuid, types, probe),
                        "reboot" => (ProbeMatch(d, uuid, types, ("Result", "success")), () => d.ScheduleReboot()),
                        "restore" => (ProbeMatch(d, uuid, types, ("Result", "success")), () => d.ScheduleReboot(() => d.FactoryResetCore(full: false))),
                        _ when d.ModelInfo.IsLegacy => (ProbeMatch(d, uuid, types, ("Result", "failed"), ("FailReason", "Device deny! (not supported)")), null),
                        _ => (ProbeMatch(d, uuid, types, ("Result", "success")), () => d.ScheduleReboot(() => d.FactoryResetCore(full: true))),
                    };
                }

                default:
                    return (null, null); // unknown or unsupported types get no answer, like a device that ignores them
            }
        }
    }

    /// <summary>§4.4: salted proof when the device has a Salt (bSalt="true"); the plain password only on legacy firmware.</summary>
    private static bool PasswordProofValid(VirtualDevice d, XElement? password)
    {
        var admin = d.FindUserById(1);
        if (password is null || admin is null)
            return false;
        var value = password.Value.Trim();
        var salted = string.Equals((string?)password.Attribute("bSalt"), "true", StringComparison.OrdinalIgnoreCase);
        if (d.Salt is null)
            return !salted && value == admin.Password;
        return salted && value == ActivationCrypto.SaltedProof("admin", d.Salt, admin.Password);
    }

    private static (byte[]?, Action?) Update(VirtualDevice d, string uuid, string types, XElement probe)
    {
        var n = d.Config.Network;
        var next = new NetworkSettings
        {
            AddressingType = n.AddressingType, IPv4Address = n.IPv4Address, SubnetMask = n.SubnetMask, Gateway = n.Gateway,
            PrimaryDns = n.PrimaryDns, SecondaryDns = n.SecondaryDns, Mtu = n.Mtu,
        };
        if (probe.ChildValue("IPv4Address") is { } ip)
        {
            if (!IPAddress.TryParse(ip, out var a) || a.AddressFamily != AddressFamily.InterNetwork)
                return (ProbeMatch(d, uuid, types, ("Result", "failed"), ("FailReason", "Invalid IPv4Address")), null);
            next.IPv4Address = a.ToString();
        }
        if (probe.ChildValue("IPv4SubnetMask") is { } mask)
            next.SubnetMask = mask;
        if (probe.ChildValue("IPv4Gateway") is { } gw)
            next.Gateway = gw;
        if (probe.ChildBool("DHCP") is { } dhcp)
            next.AddressingType = dhcp ? "dynamic" : "static";
        var port = probe.ChildInt("HttpPort");
        if (port is < 0 or > 65535)
            return (ProbeMatch(d, uuid, types, ("Result", "failed"), ("FailReason", "Invalid HttpPort")), null);
        var reply = ProbeMatch(d, uuid, types, ("Result", "success"));
        return (reply, () =>
        {
            // SADP update applies at once: the network service restarts, no reboot (§4.4).
            lock (d.Sync)
            {
                d.Config.Network = next;
                d.PendingNetwork = null;
                if (port is > 0)
                    d.Config.HttpPort = port.Value;
            }
            d.ApplyNetworkNow();
        });
    }

    /// <summary>The ProbeMatch with the real field set and quirks of §4.3: dashed lower-case MAC, "V5.6.2build 190701", "flase".</summary>
    internal static byte[] ProbeMatch(VirtualDevice d, string uuid, string types, params (string Name, string Value)[]? extra)
    {
        static string B(bool v) => v ? "true" : "false";
        static string Flase(bool v) => v ? "true" : "flase"; // the firmware's own typo (§4.3, §5.9)
        var m = d.ModelInfo;
        var n = d.Config.Network;
        var now = d.DeviceNow;
        var boot = now.AddSeconds(-d.UptimeSeconds);
        var sb = new StringBuilder(2048);
        sb.Append("<?xml version=\"1.0\" encoding=\"UTF-8\"?><ProbeMatch>");
        void F(string name, string value) => sb.Append('<').Append(name).Append('>').Append(SecurityElement.Escape(value)).Append("</").Append(name).Append('>');
        F("Uuid", uuid);
        F("Types", types);
        F("DeviceType", m.SadpDeviceType.ToString(CultureInfo.InvariantCulture));
        F("DeviceDescription", m.Model);
        F("DeviceSN", d.Serial);
        F("CommandPort", "8000");
        F("HttpPort", d.HttpPort.ToString(CultureInfo.InvariantCulture));
        F("MAC", d.Mac.Replace(':', '-'));
        F("IPv4Address", d.Address.ToString());
        F("IPv4SubnetMask", n.SubnetMask);
        F("IPv4Gateway", n.Gateway.Length == 0 ? "0.0.0.0" : n.Gateway);
        F("IPv6Address", "::");
        F("IPv6Gateway", "::");
        F("IPv6MaskLen", "64");
        F("DHCP", B(n.AddressingType == "dynamic"));
        F("AnalogChannelNum", "0");
        F("DigitalChannelNum", m.DigitalChannels.ToString(CultureInfo.InvariantCulture));
        F("SoftwareVersion", d.FirmwareVersion + d.FirmwareBuild); // no space before "build" (§4.3)
        F("DSPVersion", m.DspVersion);
        F("BootTime", boot.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
        F("Encrypt", B(!m.IsLegacy));
        F("ResetAbility", B(m.IsLegacy));
        F("DiskNumber", m.IsNvr ? "1" : "0");
        F("Activated", B(d.Activated));
        F("PasswordResetAbility", B(!m.IsLegacy));
        F("PasswordResetModeSecond", B(!m.IsLegacy));
        F("DetailOEMCode", "1");
        F("SupportSecurityQuestion", B(!m.IsLegacy));
        F("SupportHCPlatform", B(!m.IsLegacy));
        F("HCPlatformEnable", Flase(d.Config.Cloud.Enabled));
        F("IsModifyVerificationCode", Flase(false));
        if (d.Salt is not null)
            F("Salt", d.Salt);
        F("DeviceLock", Flase(d.IsLocked));
        F("SDKOverTLSPort", m.IsLegacy ? "0" : "8443");
        F("SDKServerStatus", "true");
        F("SDKOverTLSServerStatus", B(!m.IsLegacy));
        F("SupportRestoreInactive", B(!m.IsLegacy));
        F("OEMInfo", "");
        if (extra is not null)
            foreach (var (name, value) in extra)
                F(name, value);
        sb.Append("</ProbeMatch>");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    public void Dispose()
    {
        _cts.Cancel();
        _socket.Dispose();
    }
}
