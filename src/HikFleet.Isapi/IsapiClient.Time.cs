using HikFleet.Isapi.Models;
using HikFleet.Isapi.Xml;

namespace HikFleet.Isapi;

public sealed partial class IsapiClient
{
    /// <summary><c>GET /ISAPI/System/time</c> (§2.4).</summary>
    public async Task<TimeSettings> GetTimeAsync(CancellationToken cancellationToken = default) =>
        TimeSettings.FromXml(await GetXmlAsync("/ISAPI/System/time", cancellationToken));

    /// <summary><c>PUT /ISAPI/System/time</c> with only the fields set (§2.4). <see cref="TimeSettings.LocalTimeText"/>
    /// wins over <see cref="TimeSettings.LocalTime"/> so a caller can send the device-local form without offset.</summary>
    public Task<IsapiResult> SetTimeAsync(TimeSettings settings, CancellationToken cancellationToken = default) =>
        SendForStatusAsync(HttpMethod.Put, "/ISAPI/System/time", X("Time",
            Opt("timeMode", settings.TimeMode),
            Opt("localTime", settings.LocalTimeText ?? settings.LocalTime?.ToString("yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture)),
            Opt("timeZone", settings.TimeZone)), cancellationToken);

    /// <summary><c>GET /ISAPI/System/time/ntpServers</c> (§2.4).</summary>
    public async Task<IReadOnlyList<NtpServer>> GetNtpServersAsync(CancellationToken cancellationToken = default)
    {
        var root = await GetXmlAsync("/ISAPI/System/time/ntpServers", cancellationToken);
        return root.Name.LocalName == "NTPServer" ? [NtpServer.FromXml(root)] : root.Children("NTPServer").Select(NtpServer.FromXml).ToList();
    }

    /// <summary><c>PUT /ISAPI/System/time/ntpServers/&lt;id&gt;</c> (§2.4).</summary>
    public Task<IsapiResult> SetNtpServerAsync(NtpServer server, CancellationToken cancellationToken = default) =>
        SendForStatusAsync(HttpMethod.Put, $"/ISAPI/System/time/ntpServers/{server.Id}", X("NTPServer",
            Opt("id", server.Id), Opt("addressingFormatType", server.AddressingFormatType ?? (server.HostName is not null ? "hostname" : "ipaddress")),
            Opt("hostName", server.HostName), Opt("ipAddress", server.IpAddress), Opt("portNo", server.PortNo),
            Opt("synchronizeInterval", server.SynchronizeIntervalMinutes)), cancellationToken);
}
