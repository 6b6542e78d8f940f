using System.Xml.Linq;
using HikFleet.Simulator.Http;
using static HikFleet.Simulator.Isapi.IsapiXml;

namespace HikFleet.Simulator.Isapi;

internal static partial class IsapiRouter
{
    // ------------------------------------------------------------------ §2.8 streaming

    private static XElement StreamXml(VirtualDevice d, StreamSettings s, bool root)
    {
        object?[] content =
        [
            E("id", s.Id),
            E("channelName", s.ChannelName),
            E("enabled", s.Enabled),
            E("Transport",
                E("maxPacketSize", 1000),
                E("ControlProtocolList",
                    E("ControlProtocol", E("streamingTransport", "RTSP")),
                    E("ControlProtocol", E("streamingTransport", "HTTP"))),
                E("Unicast", E("enabled", true), E("rtpTransportType", "RTP/TCP")),
                E("Multicast", E("enabled", true), E("destIPAddress", "0.0.0.0"), E("videoDestPortNo", 8860)),
                E("Security", E("enabled", true), E("certificateType", "digest"))),
            E("Video",
                E("enabled", true),
                E("videoInputChannelID", s.Id / 100),
                E("videoCodecType", s.VideoCodecType),
                E("videoScanType", "progressive"),
                E("videoResolutionWidth", s.Width),
                E("videoResolutionHeight", s.Height),
                E("videoQualityControlType", s.QualityControlType),
                E("constantBitRate", s.ConstantBitRate),
                E("fixedQuality", s.FixedQuality),
                E("vbrUpperCap", s.VbrUpperCap),
                E("vbrLowerCap", 32),
                E("maxFrameRate", s.MaxFrameRate),
                E("keyFrameInterval", s.KeyFrameInterval),
                E("GovLength", s.GovLength),
                E("H264Profile", s.H264Profile),
                d.ModelInfo.IsLegacy ? null : E("SmartCodec", E("enabled", s.SmartCodec))),
            E("Audio", E("enabled", s.AudioEnabled), E("audioInputChannelID", 1), E("audioCompressionType", "G.711ulaw")),
        ];
        return root ? Root(d.Family, "StreamingChannel", content) : E("StreamingChannel", content);
    }

    private static SimResponse StreamingChannels(VirtualDevice d) =>
        Response(Root(d.Family, "StreamingChannelList", d.Config.Streams.Select(s => (object?)StreamXml(d, s, false)).ToArray()));

    private static SimResponse StreamingChannel(VirtualDevice d, SimRequest r, int id) =>
        d.Config.Streams.FirstOrDefault(s => s.Id == id) is { } s ? Response(StreamXml(d, s, true)) : ResponseStatus.Error(d, r, 4, "notSupport", "no such channel");

    /// <summary>Main-stream resolutions a model offers (a subset of what the real web UI lists).</summary>
    internal static IEnumerable<(int W, int H)> Resolutions(DeviceModel m, int streamId)
    {
        if (streamId % 100 != 1)
            return [(640, 480), (640, 360), (704, 576), (352, 288), (320, 240)];
        return new (int W, int H)[] { (m.MaxWidth, m.MaxHeight), (3840, 2160), (3200, 1800), (2688, 1520), (2560, 1440), (2048, 1536), (1920, 1080), (1280, 720) }
            .Where(r => r.W <= m.MaxWidth && r.H <= m.MaxHeight).Distinct();
    }

    private static SimResponse PutStreamingChannel(VirtualDevice d, SimRequest r, DeviceUser user, int id)
    {
        if (RequireOperator(d, r, user) is { } denied)
            return denied;
        var s = d.Config.Streams.FirstOrDefault(x => x.Id == id);
        if (s is null)
            return ResponseStatus.Error(d, r, 4, "notSupport", "no such channel");
        var (x, err) = ParseBody(d, r, "StreamingChannel");
        if (err is not null)
            return err;
        if (x!.ChildInt("id") is { } bodyId && bodyId != id)
            return ResponseStatus.Error(d, r, 6, "badParameters", "id does not match the URL");
        var v = x.Child("Video");
        var codec = v?.ChildValue("videoCodecType") ?? s.VideoCodecType;
        if (codec is not ("H.264" or "H.265" or "MJPEG") || codec == "H.265" && d.ModelInfo.IsLegacy)
            return ResponseStatus.Error(d, r, 6, "badParameters", "videoCodecType");
        var w = v?.ChildInt("videoResolutionWidth") ?? s.Width;
        var h = v?.ChildInt("videoResolutionHeight") ?? s.Height;
        if (!Resolutions(d.ModelInfo, id).Contains((w, h)))
            return ResponseStatus.Error(d, r, 6, "badParameters", "resolution not supported");
        var fps = v?.ChildInt("maxFrameRate") ?? s.MaxFrameRate;
        // maxFrameRate is in hundredths of fps (§2.8): 2500 = 25 fps. A client writing "25" asks for 0.25 fps, which is refused.
        if (fps < 100 || fps > d.ModelInfo.MaxFrameRate)
            return ResponseStatus.Error(d, r, 6, "badParameters", $"maxFrameRate 100..{d.ModelInfo.MaxFrameRate} (hundredths of fps)");
        var qc = v?.ChildValue("videoQualityControlType") ?? s.QualityControlType;
        if (qc is not ("CBR" or "VBR"))
            return ResponseStatus.Error(d, r, 6, "badParameters", "videoQualityControlType");
        var cbr = v?.ChildInt("constantBitRate") ?? s.ConstantBitRate;
        var vbr = v?.ChildInt("vbrUpperCap") ?? s.VbrUpperCap;
        if (cbr is < 32 or > 16384 || vbr is < 32 or > 16384)
            return ResponseStatus.Error(d, r, 6, "badParameters", "bit rate 32..16384 kbps");
        var gov = v?.ChildInt("GovLength") ?? s.GovLength;
        if (gov is < 1 or > 400)
            return ResponseStatus.Error(d, r, 6, "badParameters", "GovLength");
        s.VideoCodecType = codec;
        s.Width = w;
        s.Height = h;
        s.MaxFrameRate = fps;
        s.QualityControlType = qc;
        s.ConstantBitRate = cbr;
        s.VbrUpperCap = vbr;
        s.GovLength = gov;
        s.KeyFrameInterval = v?.ChildInt("keyFrameInterval") ?? s.KeyFrameInterval;
        s.FixedQuality = v?.ChildInt("fixedQuality") ?? s.FixedQuality;
        s.H264Profile = v?.ChildValue("H264Profile") ?? s.H264Profile;
        s.SmartCodec = v?.Child("SmartCodec")?.ChildBool("enabled") ?? s.SmartCodec;
        s.ChannelName = x.ChildValue("channelName") ?? s.ChannelName;
        s.Enabled = x.ChildBool("enabled") ?? s.Enabled;
        s.AudioEnabled = x.Child("Audio")?.ChildBool("enabled") ?? s.AudioEnabled;
        return ResponseStatus.Ok(d, r);
    }

    private static SimResponse Picture(VirtualDevice d, SimRequest r, int id)
    {
        if (!d.Config.Streams.Any(s => s.Id == id))
            return ResponseStatus.Error(d, r, 4, "notSupport", "no such channel");
        if (d.ModelInfo.IsNvr && NvrChannels.Channel(d, id / 100) is { Online: false })
            return ResponseStatus.Error(d, r, 3, "deviceError", "channel offline");
        byte[] jpeg;
        if (d.Faults.BlackImage)
            jpeg = JpegFrames.Black;
        else
        {
            // A frozen encoder repeats one frame byte for byte; a live one differs every second, as the burnt-in OSD clock
            // makes real snapshots differ (the 16 cached frames alone would repeat and look frozen to a hash check).
            var second = (long)d.Clock.SimulatedSecondsSince(JpegFrames.Epoch);
            jpeg = d.Faults.FrozenImage ? JpegFrames.Frame(d.Index) : JpegFrames.WithClock(JpegFrames.Frame(second + d.Index), second);
        }
        return new SimResponse { Body = jpeg, ContentType = "image/jpeg" };
    }

    // ------------------------------------------------------------------ video input (OSD name), overlays, motion

    private static XElement VideoInputXml(VirtualDevice d, bool root)
    {
        object?[] content =
        [
            E("id", 1),
            E("inputPort", 1),
            E("videoInputEnabled", true),
            E("name", d.Config.OsdName),
            E("videoFormat", "PAL"),
            E("resDesc", $"{d.ModelInfo.MaxWidth}*{d.ModelInfo.MaxHeight}@25fps"),
        ];
        return root ? Root(d.Family, "VideoInputChannel", content) : E("VideoInputChannel", content);
    }

    private static SimResponse VideoInputs(VirtualDevice d) =>
        Response(Root(d.Family, "VideoInputChannelList", d.ModelInfo.IsNvr ? null : VideoInputXml(d, false)));

    private static SimResponse VideoInput(VirtualDevice d) => Response(VideoInputXml(d, true));

    private static SimResponse PutVideoInput(VirtualDevice d, SimRequest r, DeviceUser user)
    {
        if (RequireOperator(d, r, user) is { } denied)
            return denied;
        var (x, err) = ParseBody(d, r, "VideoInputChannel");
        if (err is not null)
            return err;
        if (x!.ChildValue("name") is { } name)
        {
            if (name.Length is 0 or > 32)
                return ResponseStatus.Error(d, r, 6, "badParameters", "name length 1..32");
            d.Config.OsdName = name;
        }
        return ResponseStatus.Ok(d, r);
    }

    private static SimResponse Overlays(VirtualDevice d) =>
        Response(Root(d.Family, "VideoOverlay",
            E("normalizedScreenSize", E("normalizedScreenWidth", 704), E("normalizedScreenHeight", 576)),
            E("TextOverlayList"),
            E("DateTimeOverlay", E("enabled", true), E("positionX", 0), E("positionY", 544), E("dateStyle", "YYYY-MM-DD"), E("timeStyle", "24hour"), E("displayWeek", true)),
            E("channelNameOverlay", E("enabled", true), E("positionX", 512), E("positionY", 64))));

    private static SimResponse MotionDetection(VirtualDevice d)
    {
        var m = d.Config.Motion;
        return Response(Root(d.Family, "MotionDetection",
            E("enabled", m.Enabled),
            E("enableHighlight", false),
            E("samplingInterval", 2),
            E("startTriggerTime", 500),
            E("endTriggerTime", 500),
            E("regionType", "grid"),
            E("Grid", E("rowGranularity", 18), E("columnGranularity", 22)),
            E("MotionDetectionLayout",
                E("sensitivityLevel", m.SensitivityLevel),
                E("layout", E("gridMap", m.GridMap)),
                d.ModelInfo.Family == DeviceFamily.Camera ? E("targetType", m.TargetType) : null)));
    }

    private static SimResponse PutMotionDetection(VirtualDevice d, SimRequest r, DeviceUser user)
    {
        if (RequireOperator(d, r, user) is { } denied)
            return denied;
        var (x, err) = ParseBody(d, r, "MotionDetection");
        if (err is not null)
            return err;
        var m = d.Config.Motion;
        var layout = x!.Child("MotionDetectionLayout");
        var sensitivity = layout?.ChildInt("sensitivityLevel") ?? m.SensitivityLevel;
        if (sensitivity is < 0 or > 100)
            return ResponseStatus.Error(d, r, 6, "badParameters", "sensitivityLevel 0..100");
        var grid = layout?.Child("layout")?.ChildValue("gridMap") ?? m.GridMap;
        if (grid.Length != 18 * 6 || !grid.All(Uri.IsHexDigit))
            return ResponseStatus.Error(d, r, 6, "badParameters", "gridMap is 18 rows of 6 hex characters");
        m.Enabled = x.ChildBool("enabled") ?? m.Enabled;
        m.SensitivityLevel = sensitivity;
        m.GridMap = grid.ToLowerInvariant();
        m.TargetType = layout?.ChildValue("targetType") ?? m.TargetType;
        return ResponseStatus.Ok(d, r);
    }

    // ------------------------------------------------------------------ §2.9 storage

    private static XElement HddListXml(VirtualDevice d)
    {
        object? hdd = null;
        var status = d.Faults.SdCardError ? "error" : "ok";
        if (d.ModelInfo.IsNvr)
            hdd = E("hdd", E("id", 1), E("hddName", "hdd1"), E("hddPath", ""), E("hddType", "SATA"), E("status", status),
                E("capacity", 1907729), E("freeSpace", 0), E("property", "RW"), E("group", 1));
        else if (d.ModelInfo.HasSdCard)
            hdd = E("hdd", E("id", 1), E("hddName", "hdde"), E("hddPath", ""), E("hddType", "SD"), E("status", status),
                E("capacity", 30436), E("freeSpace", status == "ok" ? 12288 + d.Index % 1000 : 0), E("property", "RW"), E("formatType", "EXT4"));
        // Current camera firmware nests a ver10 hddList inside its ver20 document (§1.3).
        return d.Family == DeviceFamily.Camera
            ? Nested(Ver10, "1.0", "hddList", hdd)
            : E("hddList", hdd);
    }

    private static SimResponse Storage(VirtualDevice d) =>
        Response(Root(d.Family, "storage",
            HddListXml(d),
            E("nasList"),
            new XElement("workMode", new XAttribute("opt", "group,quota"), d.ModelInfo.IsNvr ? "group" : "quota")));

    private static SimResponse HddList(VirtualDevice d)
    {
        var list = HddListXml(d);
        var root = d.Family == DeviceFamily.Camera ? list : Root(d.Family, "hddList", list.Elements().ToArray<object?>());
        return Response(root);
    }

    private static SimResponse Hdd(VirtualDevice d, SimRequest r, int id)
    {
        var hdd = HddListXml(d).Elements().FirstOrDefault();
        if (id != 1 || hdd is null)
            return ResponseStatus.Error(d, r, 4, "notSupport", "no such disk");
        var ns = d.Family == DeviceFamily.Camera ? Ver10 : Ns(d.Family);
        return Response(Nested(ns, d.Family == DeviceFamily.Camera ? "1.0" : Version(d.Family), "hdd", hdd.Elements().Select(e => (object?)new XElement(e.Name.LocalName, e.Value)).ToArray()));
    }

    // ------------------------------------------------------------------ §2.11 EZVIZ

    private static SimResponse Ezviz(VirtualDevice d)
    {
        var c = d.Config.Cloud;
        return Response(Root(d.Family, "EZVIZ",
            E("enabled", c.Enabled),
            E("registerStatus", false), // there is no cloud on loopback
            E("redirect", true),
            E("serverAddress", E("addressingFormatType", "hostname"), E("hostName", "dev.ezvizlife.com")),
            E("verificationCode", c.VerificationCode),
            E("offlineStatus", c.Enabled ? "timeout" : "")));
    }

    private static SimResponse PutEzviz(VirtualDevice d, SimRequest r, DeviceUser user)
    {
        if (RequireAdmin(d, r, user) is { } denied)
            return denied;
        var (x, err) = ParseBody(d, r, "EZVIZ");
        if (err is not null)
            return err;
        d.Config.Cloud.Enabled = x!.ChildBool("enabled") ?? d.Config.Cloud.Enabled;
        if (x.ChildValue("verificationCode") is { } code)
        {
            if (code.Length is < 6 or > 12)
                return ResponseStatus.Error(d, r, 6, "badParameters", "verificationCode 6..12 characters");
            d.Config.Cloud.VerificationCode = code;
        }
        return ResponseStatus.Ok(d, r);
    }

    // ------------------------------------------------------------------ §2.12 NVR

    private static SimResponse InputProxyChannels(VirtualDevice d, SimRequest r)
    {
        if (!d.ModelInfo.IsNvr)
            return ResponseStatus.Error(d, r, 4, "notSupport");
        var channels = NvrChannels.All(d);
        var root = Root(d.Family, "InputProxyChannelList", channels.Select(c => (object?)NvrChannels.Xml(c)).ToArray());
        root.Add(new XAttribute("size", channels.Count));
        return Response(root);
    }

    private static SimResponse InputProxyChannel(VirtualDevice d, SimRequest r, int id) =>
        NvrChannels.Channel(d, id) is { } c
            ? Response(Root(d.Family, "InputProxyChannel", NvrChannels.Xml(c).Elements().ToArray<object?>()))
            : ResponseStatus.Error(d, r, 6, "badParameters", "no such channel");

    private static SimResponse InputProxyStatus(VirtualDevice d, SimRequest r)
    {
        if (!d.ModelInfo.IsNvr)
            return ResponseStatus.Error(d, r, 4, "notSupport");
        return Response(Root(d.Family, "InputProxyChannelStatusList",
            NvrChannels.All(d).Select(c => (object?)E("InputProxyChannelStatus",
                E("id", c.Id),
                E("sourceInputPortDescriptor", E("proxyProtocol", "HIKVISION"), E("addressingFormatType", "ipaddress"), E("ipAddress", c.IpAddress), E("managePortNo", 8000)),
                E("online", c.Online),
                E("chanDetectResult", c.Online ? "connect" : "netUnreachable"))).ToArray()));
    }
}
