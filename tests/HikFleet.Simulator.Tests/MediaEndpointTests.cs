using System.Net;
using System.Text;
using System.Xml.Linq;

namespace HikFleet.Simulator.Tests;

/// <summary>§2.8–§2.12: streams, snapshot, OSD, motion, storage, EZVIZ, alertStream, NVR input proxy.</summary>
public sealed class MediaEndpointTests(FleetFixture fx) : IClassFixture<FleetFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Streaming_channels_list_get_and_put_with_frame_rate_in_hundredths()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec());
        using var c = new DeviceClient(d);
        var (_, list) = await c.GetAsync("/ISAPI/Streaming/channels");
        Assert.Equal(DeviceClient.Ver20 + "StreamingChannelList", list!.Name);
        Assert.Equal(["101", "102"], list.Elements().Select(e => e.Element(DeviceClient.Ver20 + "id")!.Value));
        var (_, main) = await c.GetAsync("/ISAPI/Streaming/channels/101");
        Assert.Equal("StreamingChannel", main!.Name.LocalName);
        Assert.Equal("2500", main.V("maxFrameRate"));
        Assert.Equal("3840", main.V("videoResolutionWidth"));
        var (_, tooLow) = await c.PutAsync("/ISAPI/Streaming/channels/101", "<StreamingChannel><id>101</id><Video><maxFrameRate>25</maxFrameRate></Video></StreamingChannel>");
        Xml.AssertStatus(tooLow, 6, "badParameters");
        var (_, res) = await c.PutAsync("/ISAPI/Streaming/channels/102", "<StreamingChannel><id>102</id><Video><videoResolutionWidth>3840</videoResolutionWidth><videoResolutionHeight>2160</videoResolutionHeight></Video></StreamingChannel>");
        Xml.AssertStatus(res, 6, "badParameters");
        var (ok, okX) = await c.PutAsync("/ISAPI/Streaming/channels/101",
            "<StreamingChannel version=\"2.0\" xmlns=\"http://www.hikvision.com/ver20/XMLSchema\"><id>101</id><Video><videoCodecType>H.264</videoCodecType><maxFrameRate>2000</maxFrameRate><constantBitRate>6144</constantBitRate><videoQualityControlType>CBR</videoQualityControlType></Video></StreamingChannel>");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Xml.AssertStatus(okX, 1, "ok");
        var s = d.Streams.Single(x => x.Id == 101);
        Assert.Equal((2000, "H.264", 6144, "CBR"), (s.MaxFrameRate, s.VideoCodecType, s.ConstantBitRate, s.QualityControlType));
        Xml.AssertStatus((await c.GetAsync("/ISAPI/Streaming/channels/103")).Xml, 4, "notSupport");
    }

    [Fact]
    public async Task Picture_is_a_real_jpeg_that_changes_over_time_and_faults_make_it_black_or_frozen()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec());
        using var c = new DeviceClient(d);
        async Task<byte[]> Snap()
        {
            var r = await c.Http.GetAsync("/ISAPI/Streaming/channels/101/picture", Ct);
            Assert.Equal("image/jpeg", r.Content.Headers.ContentType!.MediaType);
            return await r.Content.ReadAsByteArrayAsync(Ct);
        }
        var first = await Snap();
        AssertJpeg(first, 640, 360);
        var second = first;
        for (var i = 0; i < 20 && second.AsSpan().SequenceEqual(first); i++)
        {
            await Task.Delay(37, Ct); // tens of simulated seconds: the scene moves on
            second = await Snap();
        }
        AssertJpeg(second, 640, 360);
        Assert.NotEqual(first, second);

        d.Faults.FrozenImage = true;
        var frozen1 = await Snap();
        await Task.Delay(50, Ct);
        Assert.Equal(frozen1, await Snap());
        d.Faults.FrozenImage = false;

        d.Faults.BlackImage = true;
        var black = await Snap();
        AssertJpeg(black, 640, 360);
        Assert.True(black.Length < first.Length / 3, "a black frame compresses far better than a scene");
    }

    /// <summary>Checks the JPEG structure: SOI, JFIF, quantisation and Huffman tables, baseline SOF0 with the size, SOS, EOI.</summary>
    internal static void AssertJpeg(byte[] jpeg, int width, int height)
    {
        Assert.Equal([0xFF, 0xD8], jpeg[..2]);
        Assert.Equal([0xFF, 0xD9], jpeg[^2..]);
        var markers = new List<byte>();
        var i = 2;
        while (i < jpeg.Length - 4)
        {
            Assert.Equal(0xFF, jpeg[i]);
            var marker = jpeg[i + 1];
            markers.Add(marker);
            var length = jpeg[i + 2] << 8 | jpeg[i + 3];
            if (marker == 0xC0)
            {
                Assert.Equal(height, jpeg[i + 5] << 8 | jpeg[i + 6]);
                Assert.Equal(width, jpeg[i + 7] << 8 | jpeg[i + 8]);
            }
            if (marker == 0xDA)
                break;
            i += 2 + length;
        }
        // A live picture carries its simulated second in a comment segment (COM, 0xFE) after APP0, as an OSD clock would change it.
        Assert.Equal([0xE0, 0xDB, 0xC0, 0xC4, 0xDA], markers.Where(m => m != 0xFE));
        // entropy-coded data: every 0xFF is stuffed (followed by 0x00) up to the EOI
        var scan = jpeg.AsSpan(i + 14, jpeg.Length - i - 16);
        for (var k = 0; k < scan.Length - 1; k++)
            if (scan[k] == 0xFF)
                Assert.Equal(0, scan[k + 1]);
    }

    [Fact]
    public async Task Osd_name_motion_detection_storage_and_ezviz_round_trip()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec());
        using var c = new DeviceClient(d);
        Xml.AssertStatus((await c.PutAsync("/ISAPI/System/Video/inputs/channels/1", "<VideoInputChannel><id>1</id><inputPort>1</inputPort><name>Gate</name></VideoInputChannel>")).Xml, 1, "ok");
        var (_, input) = await c.GetAsync("/ISAPI/System/Video/inputs/channels/1");
        Assert.Equal("Gate", input!.V("name"));
        var (_, inputs) = await c.GetAsync("/ISAPI/System/Video/inputs/channels");
        Assert.Equal("VideoInputChannelList", inputs!.Name.LocalName);

        var (_, motion) = await c.GetAsync("/ISAPI/System/Video/inputs/channels/1/motionDetection");
        Assert.Equal(DeviceClient.Ver20 + "MotionDetection", motion!.Name);
        Assert.Equal(108, motion.V("gridMap").Length);
        Xml.AssertStatus((await c.PutAsync("/ISAPI/System/Video/inputs/channels/1/motionDetection", "<MotionDetection><MotionDetectionLayout><sensitivityLevel>101</sensitivityLevel></MotionDetectionLayout></MotionDetection>")).Xml, 6, "badParameters");
        Xml.AssertStatus((await c.PutAsync("/ISAPI/System/Video/inputs/channels/1/motionDetection", "<MotionDetection><enabled>false</enabled><MotionDetectionLayout><sensitivityLevel>20</sensitivityLevel><layout><gridMap>" + string.Concat(Enumerable.Repeat("000000", 18)) + "</gridMap></layout></MotionDetectionLayout></MotionDetection>")).Xml, 1, "ok");
        Assert.False(d.Motion.Enabled);
        Assert.Equal(20, d.Motion.SensitivityLevel);

        var (_, storage) = await c.GetAsync("/ISAPI/ContentMgmt/Storage");
        Assert.Equal(DeviceClient.Ver20 + "storage", storage!.Name);
        var hddList = storage.Elements().First();
        Assert.Equal(DeviceClient.Ver10 + "hddList", hddList.Name); // nested ver10 (§1.3)
        Assert.Equal("ok", storage.V("status"));
        Assert.Equal("30436", storage.V("capacity"));
        d.Faults.SdCardError = true;
        var (_, broken) = await c.GetAsync("/ISAPI/ContentMgmt/Storage/hdd/1");
        Assert.Equal("error", broken!.V("status"));

        var (_, ez) = await c.GetAsync("/ISAPI/System/Network/EZVIZ");
        Assert.Equal("EZVIZ", ez!.Name.LocalName);
        Xml.AssertStatus((await c.PutAsync("/ISAPI/System/Network/EZVIZ", "<EZVIZ><enabled>true</enabled></EZVIZ>")).Xml, 1, "ok");
        Assert.True(d.Cloud.Enabled);
        Xml.AssertStatus((await c.PutAsync("/ISAPI/System/Network/EZVIZ", "<EZVIZ><enabled>false</enabled></EZVIZ>")).Xml, 1, "ok");
        Assert.False(d.Cloud.Enabled);
    }

    [Fact]
    public async Task Alert_stream_is_http_1_0_multipart_with_heartbeats_and_motion_events()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec());
        using var c = new DeviceClient(d);
        using var response = await c.Http.GetAsync("/ISAPI/Event/notification/alertStream", HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new Version(1, 0), response.Version);
        Assert.Equal("multipart/mixed; boundary=boundary", response.Content.Headers.ContentType!.ToString());
        Assert.Null(response.Content.Headers.ContentLength);
        await using var stream = await response.Content.ReadAsStreamAsync(Ct);
        var parts = new List<XElement>();
        var buffer = new StringBuilder();
        var chunk = new byte[4096];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(5000);
        var triggered = false;
        while (!parts.Any(p => p.V("eventType") == "VMD"))
        {
            var n = await stream.ReadAsync(chunk, timeout.Token);
            Assert.NotEqual(0, n);
            buffer.Append(Encoding.UTF8.GetString(chunk, 0, n));
            var text = buffer.ToString();
            int start;
            while ((start = text.IndexOf("--boundary\r\n", StringComparison.Ordinal)) >= 0)
            {
                var headEnd = text.IndexOf("\r\n\r\n", start, StringComparison.Ordinal);
                if (headEnd < 0)
                    break;
                var head = text[start..headEnd];
                Assert.Contains("Content-Type: application/xml; charset=\"UTF-8\"", head);
                var length = int.Parse(head[(head.IndexOf("Content-Length: ", StringComparison.Ordinal) + 16)..].Split("\r\n")[0]);
                if (text.Length < headEnd + 4 + length)
                    break;
                var xml = text.Substring(headEnd + 4, length);
                Assert.EndsWith("\n", xml); // Content-Length covers the trailing newline (§2.10)
                parts.Add(XElement.Parse(xml));
                text = text[(headEnd + 4 + length)..];
            }
            buffer.Clear().Append(text);
            if (!triggered && parts.Count >= 2)
            {
                d.TriggerMotion();
                triggered = true;
            }
        }
        var heartbeat = parts.First();
        Assert.Equal(DeviceClient.Ver20 + "EventNotificationAlert", heartbeat.Name);
        Assert.Equal(("videoloss", "inactive", "0"), (heartbeat.V("eventType"), heartbeat.V("eventState"), heartbeat.V("activePostCount")));
        Assert.Equal(d.Mac, heartbeat.V("macAddress"));
        var vmd = parts.First(p => p.V("eventType") == "VMD");
        Assert.Equal("active", vmd.V("eventState"));
    }

    [Fact]
    public async Task Nvr_lists_its_poe_cameras_and_their_status()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec { Model = DeviceCatalog.Nvr8P.Model });
        using var c = new DeviceClient(d);
        var (_, list) = await c.GetAsync("/ISAPI/ContentMgmt/InputProxy/channels");
        Assert.Equal(DeviceClient.IsapiOrg + "InputProxyChannelList", list!.Name);
        Assert.Equal("8", list.Attribute("size")!.Value);
        var channels = list.Elements().ToList();
        Assert.Equal(8, channels.Count);
        Assert.All(channels, ch => Assert.Equal("plugplay", ch.V("connMode")));
        Assert.Contains(channels, ch => ch.V("model") == "");
        var (_, status) = await c.GetAsync("/ISAPI/ContentMgmt/InputProxy/channels/status");
        var online = status!.Elements().Select(e => e.V("online")).ToList();
        Assert.Equal(6, online.Count(o => o == "true"));
        var (_, streams) = await c.GetAsync("/ISAPI/Streaming/channels");
        Assert.Contains(streams!.Elements(), e => e.V("id") == "801");
        var pic = await c.Http.GetAsync("/ISAPI/Streaming/channels/101/picture", Ct);
        Assert.Equal("image/jpeg", pic.Content.Headers.ContentType!.MediaType);
        var (_, offline) = await c.GetAsync("/ISAPI/Streaming/channels/801/picture");
        Xml.AssertStatus(offline, 3, "deviceError");
    }
}
