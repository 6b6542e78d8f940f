using System.Globalization;
using System.Text;
using System.Xml.Linq;
using HikFleet.Simulator.Http;
using static HikFleet.Simulator.Isapi.IsapiXml;

namespace HikFleet.Simulator.Isapi;

/// <summary>
/// <c>GET /ISAPI/Event/notification/alertStream</c> (§2.10): HTTP/1.0, no Content-Length, <c>multipart/mixed; boundary=boundary</c>,
/// a videoloss/inactive heartbeat every 10 s (scaled) and VMD events; each part's Content-Length covers the XML and its trailing newline.
/// </summary>
internal static class AlertStream
{
    public static SimResponse Open(VirtualDevice d)
    {
        var reader = d.Subscribe(out var unsubscribe);
        var response = new SimResponse
        {
            ContentType = "multipart/mixed; boundary=boundary",
            NoFaults = true,
        };
        response.Header("MIME-Version", "1.0");
        response.Streamer = async (stream, ct) =>
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, d.SessionToken);
            if (d.ModelInfo.IsNvr && d.Options.NvrAlertStreamCloseSeconds > 0)
            {
                var close = d.Clock.ToReal(d.Options.NvrAlertStreamCloseSeconds);
                linked.CancelAfter(close < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : close);
            }
            var token = linked.Token;
            try
            {
                var heartbeat = d.Clock.ToReal(d.Options.HeartbeatSeconds);
                if (heartbeat < TimeSpan.FromMilliseconds(10))
                    heartbeat = TimeSpan.FromMilliseconds(10);
                var motionEvery = d.Faults.MotionEverySeconds > 0 ? d.Clock.ToReal(d.Faults.MotionEverySeconds) : (TimeSpan?)null;
                var nextHeartbeat = DateTime.UtcNow;
                var nextMotion = motionEvery is { } me ? DateTime.UtcNow + me : DateTime.MaxValue;
                while (!token.IsCancellationRequested)
                {
                    var now = DateTime.UtcNow;
                    if (now >= nextHeartbeat)
                    {
                        await WritePartAsync(stream, d.EventXml("videoloss", "inactive", 0), token).ConfigureAwait(false);
                        nextHeartbeat = now + heartbeat;
                    }
                    if (now >= nextMotion && d.Config.Motion.Enabled)
                    {
                        await WritePartAsync(stream, d.EventXml("VMD", "active", 1), token).ConfigureAwait(false);
                        nextMotion = now + motionEvery!.Value;
                    }
                    var wait = (nextHeartbeat < nextMotion ? nextHeartbeat : nextMotion) - DateTime.UtcNow;
                    if (wait < TimeSpan.FromMilliseconds(1))
                        wait = TimeSpan.FromMilliseconds(1);
                    using var waitCts = CancellationTokenSource.CreateLinkedTokenSource(token);
                    waitCts.CancelAfter(wait);
                    try
                    {
                        while (await reader.WaitToReadAsync(waitCts.Token).ConfigureAwait(false))
                            while (reader.TryRead(out var xml))
                                await WritePartAsync(stream, xml, token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!token.IsCancellationRequested)
                    {
                        // next heartbeat is due
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                unsubscribe();
            }
        };
        return response;
    }

    private static async Task WritePartAsync(Stream stream, string xml, CancellationToken ct)
    {
        var body = Encoding.UTF8.GetBytes(xml);
        var head = Encoding.ASCII.GetBytes($"--boundary\r\nContent-Type: application/xml; charset=\"UTF-8\"\r\nContent-Length: {body.Length}\r\n\r\n");
        await stream.WriteAsync(head, ct).ConfigureAwait(false);
        await stream.WriteAsync(body, ct).ConfigureAwait(false);
        await stream.FlushAsync(ct).ConfigureAwait(false);
    }

    public static string EventXml(VirtualDevice d, string type, string state, int activePostCount)
    {
        // NVR events for IP channels carry channelID = 32 + n (§2.12).
        var channel = d.ModelInfo.IsNvr ? 33 : 1;
        var root = Root(d.Family, "EventNotificationAlert",
            E("ipAddress", d.Address.ToString()),
            E("portNo", d.HttpPort),
            E("protocol", "HTTP"),
            E("macAddress", d.Mac),
            E("channelID", channel),
            d.ModelInfo.IsNvr ? E("dynChannelID", 1) : null,
            E("dateTime", d.DeviceNow.ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture)),
            E("activePostCount", activePostCount),
            E("eventType", type),
            E("eventState", state),
            E("eventDescription", type == "VMD" ? "Motion alarm" : "videoloss alarm"),
            E("channelName", d.Config.OsdName),
            type == "VMD" ? E("DetectionRegionList", E("DetectionRegionEntry", E("regionID", 1), E("sensitivityLevel", d.Config.Motion.SensitivityLevel))) : null);
        var text = Encoding.UTF8.GetString(Bytes(root));
        if (d.Faults.MalformedXml)
            text = text.Replace("<channelName>", "<channelName>R&D ", StringComparison.Ordinal); // unescaped '&' seen in real events (§2.10)
        var declEnd = text.IndexOf("?>", StringComparison.Ordinal);
        return (declEnd >= 0 ? text[(declEnd + 2)..].TrimStart() : text).TrimEnd() + "\r\n";
    }
}

/// <summary>The cameras behind an NVR's PoE ports (§2.12): generated, not separate devices.</summary>
internal static class NvrChannels
{
    internal sealed record ChannelInfo(int Id, string Name, string IpAddress, string Model, string Serial, string Firmware, bool Online);

    public static IReadOnlyList<ChannelInfo> All(VirtualDevice d) =>
        Enumerable.Range(1, d.ModelInfo.DigitalChannels).Select(i => Channel(d, i)!).ToList();

    public static ChannelInfo? Channel(VirtualDevice d, int id)
    {
        if (!d.ModelInfo.IsNvr || id < 1 || id > d.ModelInfo.DigitalChannels)
            return null;
        // Two ports are empty/unreachable: unreachable channels have empty model and serial (§2.12).
        var online = id <= d.ModelInfo.DigitalChannels - 2;
        var model = id % 2 == 0 ? DeviceCatalog.Dome4MP : DeviceCatalog.Turret4K;
        return new ChannelInfo(id, $"{d.Config.OsdName} {id:00}", $"192.168.254.{id + 1}",
            online ? model.Model : "", online ? $"{model.Model}20230101AAWR{d.Serial[^5..]}{id:000}" : "",
            online ? $"{model.FirmwareVersion} {model.FirmwareBuild}" : "", online);
    }

    public static XElement Xml(ChannelInfo c) =>
        E("InputProxyChannel",
            E("id", c.Id),
            E("name", c.Name),
            E("sourceInputPortDescriptor",
                E("proxyProtocol", "HIKVISION"),
                E("addressingFormatType", "ipaddress"),
                E("ipAddress", c.IpAddress),
                E("managePortNo", 8000),
                E("srcInputPort", 1),
                E("userName", "admin"),
                E("connMode", "plugplay"),
                E("streamType", "auto"),
                E("model", c.Model),
                E("serialNumber", c.Serial),
                E("firmwareVersion", c.Firmware)),
            E("certificateValidationEnabled", false),
            E("defaultAdminPortEnabled", true),
            E("enableAnr", false),
            E("enableTiming", true),
            E("devIndex", new Guid(System.Security.Cryptography.MD5.HashData(Encoding.UTF8.GetBytes(c.Serial + c.Id))).ToString().ToUpperInvariant()));
}
