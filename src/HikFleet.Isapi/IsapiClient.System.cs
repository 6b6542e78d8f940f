using HikFleet.Isapi.Models;
using HikFleet.Isapi.Xml;

namespace HikFleet.Isapi;

/// <summary>Factory reset scope (§2.2).</summary>
public enum FactoryResetMode
{
    /// <summary>Keeps network settings and users; the device stays activated and reachable.</summary>
    Basic,
    /// <summary>Everything, including activation: the device comes back inactive at its factory address.</summary>
    Full,
}

public sealed partial class IsapiClient
{
    /// <summary><c>GET /ISAPI/System/deviceInfo</c>: identity and firmware (§2.1).</summary>
    public Task<DeviceInfo> GetDeviceInfoAsync(CancellationToken cancellationToken = default) =>
        GetModelAsync("/ISAPI/System/deviceInfo", DeviceInfo.ReadXml, DeviceInfo.FromXml, cancellationToken);

    /// <summary>Renames the device (<c>PUT deviceInfo</c> with only <c>deviceName</c>, §2.1).</summary>
    public Task<IsapiResult> SetDeviceNameAsync(string name, CancellationToken cancellationToken = default) =>
        SendForStatusAsync(HttpMethod.Put, "/ISAPI/System/deviceInfo", X("DeviceInfo", Opt("deviceName", name)), cancellationToken);

    /// <summary><c>GET /ISAPI/System/status</c>: clock, uptime, CPU, memory (§2.1).</summary>
    public Task<DeviceStatus> GetStatusAsync(CancellationToken cancellationToken = default) =>
        GetModelAsync("/ISAPI/System/status", DeviceStatus.ReadXml, DeviceStatus.FromXml, cancellationToken);

    /// <summary><c>GET /ISAPI/System/capabilities</c> (§2.1).</summary>
    public async Task<DeviceCapabilities> GetCapabilitiesAsync(CancellationToken cancellationToken = default) =>
        DeviceCapabilities.FromXml(await GetXmlAsync("/ISAPI/System/capabilities", cancellationToken));

    /// <summary><c>PUT /ISAPI/System/reboot</c>; the device drops off shortly after (§2.2). Forgets the Digest nonce.</summary>
    public async Task<IsapiResult> RebootAsync(CancellationToken cancellationToken = default)
    {
        var result = await SendForStatusAsync(HttpMethod.Put, "/ISAPI/System/reboot", null, cancellationToken);
        ResetAuthentication();
        return result;
    }

    /// <summary><c>PUT /ISAPI/System/factoryReset?mode=basic|full</c> (§2.2). A <see cref="IsapiResult.RebootRequired"/>
    /// answer means the caller must reboot the device itself.</summary>
    public async Task<IsapiResult> FactoryResetAsync(FactoryResetMode mode, CancellationToken cancellationToken = default)
    {
        var result = await SendForStatusAsync(HttpMethod.Put,
            "/ISAPI/System/factoryReset?mode=" + (mode == FactoryResetMode.Full ? "full" : "basic"), null, cancellationToken);
        ResetAuthentication();
        return result;
    }
}
