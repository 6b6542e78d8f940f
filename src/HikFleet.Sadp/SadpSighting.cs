using System.Net;

namespace HikFleet.Sadp;

/// <summary>One device seen by discovery: its ProbeMatch, where the reply came from and which local interface received it.</summary>
/// <param name="Mac">Normalised MAC (<c>aa:bb:cc:dd:ee:ff</c>), the de-duplication key.</param>
/// <param name="LocalInterface">The local IPv4 address whose socket received the reply (§4.1: which NIC found the device).</param>
/// <param name="RemoteEndPoint">Source of the reply datagram (the device's address as routed; §4.1 devices reply from their own IP).</param>
/// <param name="Message">The parsed ProbeMatch.</param>
/// <param name="SeenAt">When the reply arrived.</param>
public sealed record SadpSighting(string Mac, IPAddress LocalInterface, IPEndPoint RemoteEndPoint, SadpMessage Message, DateTimeOffset SeenAt)
{
    /// <summary>The device's advertised IPv4 address, or the reply's source address when it advertised none (or garbage).</summary>
    public IPAddress Address =>
        IPAddress.TryParse(Message.IPv4Address, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
            ? ip
            : RemoteEndPoint.Address;

    /// <summary>Serial number (<c>DeviceSN</c>).</summary>
    public string? Serial => Message.DeviceSN;

    /// <summary>Model (<c>DeviceDescription</c>).</summary>
    public string? Model => Message.DeviceDescription;

    /// <summary>False for a factory-fresh device awaiting activation; null when the device did not say.</summary>
    public bool? Activated => Message.Activated;
}
