using HikFleet.Isapi.Models;
using HikFleet.Isapi.Xml;

namespace HikFleet.Isapi;

public sealed partial class IsapiClient
{
    /// <summary><c>GET /ISAPI/System/Network/interfaces</c> (§2.3).</summary>
    public async Task<IReadOnlyList<NetworkInterfaceInfo>> GetNetworkInterfacesAsync(CancellationToken cancellationToken = default)
    {
        var root = await GetXmlAsync("/ISAPI/System/Network/interfaces", cancellationToken);
        return root.Name.LocalName == "NetworkInterface" ? [NetworkInterfaceInfo.FromXml(root)]
            : root.Children("NetworkInterface").Select(NetworkInterfaceInfo.FromXml).ToList();
    }

    /// <summary><c>GET /ISAPI/System/Network/interfaces/&lt;id&gt;/ipAddress</c> (§2.3).</summary>
    public async Task<IpAddressSettings> GetIpAddressAsync(int interfaceId = 1, CancellationToken cancellationToken = default) =>
        IpAddressSettings.FromXml(await GetXmlAsync($"/ISAPI/System/Network/interfaces/{interfaceId}/ipAddress", cancellationToken));

    /// <summary>
    /// <c>PUT /ISAPI/System/Network/interfaces/&lt;id&gt;/ipAddress</c> with only the fields set (§2.3). Many models answer
    /// <see cref="IsapiResult.RebootRequired"/>: the old address stays live until the caller reboots the device.
    /// </summary>
    public Task<IsapiResult> SetIpAddressAsync(IpAddressSettings settings, int interfaceId = 1, CancellationToken cancellationToken = default) =>
        SendForStatusAsync(HttpMethod.Put, $"/ISAPI/System/Network/interfaces/{interfaceId}/ipAddress", X("IPAddress",
            Opt("ipVersion", settings.IpVersion), Opt("addressingType", settings.AddressingType), Opt("ipAddress", settings.IpAddress),
            Opt("subnetMask", settings.SubnetMask),
            settings.DefaultGateway is null ? null : X("DefaultGateway", Opt("ipAddress", settings.DefaultGateway)),
            settings.PrimaryDns is null ? null : X("PrimaryDNS", Opt("ipAddress", settings.PrimaryDns)),
            settings.SecondaryDns is null ? null : X("SecondaryDNS", Opt("ipAddress", settings.SecondaryDns))), cancellationToken);
}
