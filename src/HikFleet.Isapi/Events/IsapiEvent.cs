using System.Text.Json;
using System.Xml.Linq;
using HikFleet.Isapi.Xml;

namespace HikFleet.Isapi.Events;

/// <summary>One <c>EventNotificationAlert</c> from the alert stream (§2.10).</summary>
public sealed record IsapiEvent
{
    /// <summary>VMD, videoloss, PIR, fielddetection, linedetection, tamperdetection, IO, duration, …</summary>
    public string? EventType { get; init; }
    /// <summary>active or inactive.</summary>
    public string? EventState { get; init; }
    /// <summary>Description text.</summary>
    public string? EventDescription { get; init; }
    /// <summary>Channel id as sent (NVRs may send 32 + n for IP channel n).</summary>
    public int? ChannelId { get; init; }
    /// <summary>Dynamic (IP) channel id on NVRs.</summary>
    public int? DynChannelId { get; init; }
    /// <summary>Channel name.</summary>
    public string? ChannelName { get; init; }
    /// <summary>
    /// The camera channel the event is about: <see cref="DynChannelId"/> when sent, else <see cref="ChannelId"/> with the
    /// NVR offset removed (channelID 32 + n means IP channel n, §2.10, §2.12).
    /// </summary>
    public int? Channel => DynChannelId ?? (ChannelId > 32 ? ChannelId - 32 : ChannelId);
    /// <summary>Event time with offset.</summary>
    public DateTimeOffset? DateTime { get; init; }
    /// <summary>Repeat counter; 0 on heartbeats.</summary>
    public int? ActivePostCount { get; init; }
    /// <summary>Device IP.</summary>
    public string? IpAddress { get; init; }
    /// <summary>Device MAC, normalised.</summary>
    public string? MacAddress { get; init; }
    /// <summary>
    /// The idle heartbeat (<c>videoloss</c>, <c>inactive</c>, <c>activePostCount</c> 0, about every 10 s): a liveness
    /// signal, not video loss (§2.10).
    /// </summary>
    public bool IsHeartbeat { get; init; }
    /// <summary>Content type of the part (application/xml, application/json).</summary>
    public string? ContentType { get; init; }

    /// <summary>Parses an XML part (bare <c>&amp;</c> sanitised first).</summary>
    public static IsapiEvent FromXml(string xml, int maxCharacters)
    {
        var x = IsapiXml.Parse(IsapiXml.SanitizeAmpersands(xml), maxCharacters);
        var type = x.Text("eventType");
        var state = x.Text("eventState");
        var count = x.Int("activePostCount");
        return new IsapiEvent
        {
            EventType = type,
            EventState = state,
            EventDescription = x.Text("eventDescription"),
            ChannelId = x.Int("channelID"),
            DynChannelId = x.Int("dynChannelID"),
            ChannelName = x.Text("channelName"),
            DateTime = x.Time("dateTime"),
            ActivePostCount = count,
            IpAddress = x.Text("ipAddress"),
            MacAddress = Models.DeviceInfo.NormalizeMac(x.Text("macAddress")),
            IsHeartbeat = IsHeartbeatOf(type, state, count),
            ContentType = "application/xml",
        };
    }

    /// <summary>Parses a JSON part (access-control devices, §2.10).</summary>
    public static IsapiEvent FromJson(string json)
    {
        using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 16 });
        var root = doc.RootElement;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("EventNotificationAlert", out var inner)) root = inner;
        string? S(string name) => root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var v)
            ? v.ValueKind == JsonValueKind.String ? v.GetString() : v.ToString() : null;
        var type = S("eventType");
        var state = S("eventState");
        var count = IsapiValues.ParseInt(S("activePostCount"));
        return new IsapiEvent
        {
            EventType = type,
            EventState = state,
            EventDescription = S("eventDescription"),
            ChannelId = IsapiValues.ParseInt(S("channelID")),
            DateTime = IsapiValues.ParseDateTime(S("dateTime")),
            ActivePostCount = count,
            IpAddress = S("ipAddress"),
            MacAddress = Models.DeviceInfo.NormalizeMac(S("macAddress")),
            IsHeartbeat = IsHeartbeatOf(type, state, count),
            ContentType = "application/json",
        };
    }

    private static bool IsHeartbeatOf(string? type, string? state, int? count) =>
        string.Equals(type, "videoloss", StringComparison.OrdinalIgnoreCase) &&
        string.Equals(state, "inactive", StringComparison.OrdinalIgnoreCase) && (count ?? 0) == 0;
}
