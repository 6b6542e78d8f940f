using HikFleet.Isapi.Models;
using HikFleet.Isapi.Xml;

namespace HikFleet.Isapi;

public sealed partial class IsapiClient
{
    /// <summary><c>GET /ISAPI/ContentMgmt/Storage</c> (§2.9).</summary>
    public Task<StorageInfo> GetStorageAsync(CancellationToken cancellationToken = default) =>
        GetModelAsync("/ISAPI/ContentMgmt/Storage", StorageInfo.ReadXml, StorageInfo.FromXml, cancellationToken);

    /// <summary><c>GET /ISAPI/ContentMgmt/InputProxy/channels</c> (NVR cameras, §2.12).</summary>
    public async Task<IReadOnlyList<InputProxyChannel>> GetInputProxyChannelsAsync(CancellationToken cancellationToken = default)
    {
        var root = await GetXmlAsync("/ISAPI/ContentMgmt/InputProxy/channels", cancellationToken);
        return root.Children("InputProxyChannel").Select(InputProxyChannel.FromXml).ToList();
    }

    /// <summary><c>GET /ISAPI/ContentMgmt/InputProxy/channels/status</c>; cameras answer <see cref="IsapiErrorKind.NotSupported"/> (§2.12).</summary>
    public async Task<IReadOnlyList<InputProxyChannelStatus>> GetInputProxyChannelStatusAsync(CancellationToken cancellationToken = default)
    {
        var root = await GetXmlAsync("/ISAPI/ContentMgmt/InputProxy/channels/status", cancellationToken);
        return root.Children("InputProxyChannelStatus").Select(InputProxyChannelStatus.FromXml).ToList();
    }

    /// <summary><c>GET /ISAPI/System/Network/EZVIZ</c> (§2.11).</summary>
    public async Task<CloudAccess> GetCloudAccessAsync(CancellationToken cancellationToken = default) =>
        CloudAccess.FromXml(await GetXmlAsync("/ISAPI/System/Network/EZVIZ", cancellationToken));

    /// <summary><c>PUT /ISAPI/System/Network/EZVIZ</c> with only <c>enabled</c> (§2.11).</summary>
    public Task<IsapiResult> SetCloudAccessAsync(bool enabled, CancellationToken cancellationToken = default) =>
        SendForStatusAsync(HttpMethod.Put, "/ISAPI/System/Network/EZVIZ", X("EZVIZ", Opt("enabled", enabled)), cancellationToken);
}
