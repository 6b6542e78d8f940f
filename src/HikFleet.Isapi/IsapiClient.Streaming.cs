using HikFleet.Isapi.Models;
using HikFleet.Isapi.Xml;

namespace HikFleet.Isapi;

public sealed partial class IsapiClient
{
    /// <summary><c>GET /ISAPI/Streaming/channels</c> (§2.8).</summary>
    public async Task<IReadOnlyList<StreamingChannel>> GetStreamingChannelsAsync(CancellationToken cancellationToken = default)
    {
        var root = await GetXmlAsync("/ISAPI/Streaming/channels", cancellationToken);
        return root.Name.LocalName == "StreamingChannel" ? [StreamingChannel.FromXml(root)]
            : root.Children("StreamingChannel").Select(StreamingChannel.FromXml).ToList();
    }

    /// <summary><c>GET /ISAPI/Streaming/channels/&lt;id&gt;</c> (101 main, 102 sub).</summary>
    public async Task<StreamingChannel> GetStreamingChannelAsync(int id, CancellationToken cancellationToken = default) =>
        StreamingChannel.FromXml(await GetXmlAsync($"/ISAPI/Streaming/channels/{id}", cancellationToken));

    /// <summary><c>PUT /ISAPI/Streaming/channels/&lt;id&gt;</c> with only the fields set; fps go out in hundredths (§2.8).</summary>
    public Task<IsapiResult> SetStreamingChannelAsync(StreamingChannel channel, CancellationToken cancellationToken = default)
    {
        var video = X("Video",
            Opt("videoCodecType", channel.VideoCodecType), Opt("videoResolutionWidth", channel.Width), Opt("videoResolutionHeight", channel.Height),
            Opt("videoQualityControlType", channel.QualityControlType), Opt("constantBitRate", channel.ConstantBitRate),
            Opt("vbrUpperCap", channel.VbrUpperCap), Opt("maxFrameRate", channel.MaxFrameRate is { } f ? (int)Math.Round(f * 100) : null),
            Opt("GovLength", channel.GovLength), Opt("keyFrameInterval", channel.KeyFrameInterval), Opt("H264Profile", channel.H264Profile),
            channel.SmartCodecEnabled is { } sc ? X("SmartCodec", Opt("enabled", sc)) : null);
        var audio = channel.AudioEnabled is null && channel.AudioCompressionType is null ? null
            : X("Audio", Opt("enabled", channel.AudioEnabled), Opt("audioCompressionType", channel.AudioCompressionType));
        return SendForStatusAsync(HttpMethod.Put, $"/ISAPI/Streaming/channels/{channel.Id}", X("StreamingChannel",
            Opt("id", channel.Id), Opt("channelName", channel.ChannelName), Opt("enabled", channel.Enabled),
            video.HasElements ? video : null, audio), cancellationToken);
    }

    /// <summary>
    /// <c>GET /ISAPI/Streaming/channels/&lt;id&gt;/picture</c>: a JPEG, bounded by <see cref="IsapiOptions.MaxResponseBytes"/>.
    /// Quirks handled as hikvision_next does (§2.8): a transient statusCode 3 <c>deviceError</c> is retried up to twice, and a
    /// statusCode 6 <c>badXmlContent</c> (NVR channels) is retried once on <c>/ISAPI/ContentMgmt/StreamingProxy/channels/&lt;id&gt;/picture</c>.
    /// </summary>
    public Task<Snapshot> GetSnapshotAsync(int channelId = 101, CancellationToken cancellationToken = default) =>
        GetSnapshotAsync(channelId, closeConnection: false, cancellationToken);

    /// <inheritdoc cref="GetSnapshotAsync(int, CancellationToken)"/>
    /// <param name="channelId">The streaming channel (101 = camera 1, main stream).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <param name="closeConnection">The last request of a burst (a health check): the device closes the connection after the
    /// picture, so it is not kept idle until the device's 10 s keep-alive (§5 item 14) ends it anyway.</param>
    public async Task<Snapshot> GetSnapshotAsync(int channelId, bool closeConnection, CancellationToken cancellationToken = default)
    {
        var (buffer, length, mediaType) = await GetPictureAsync(channelId, closeConnection, pooled: false, cancellationToken);
        return new Snapshot(buffer.AsMemory(0, length), mediaType);
    }

    /// <summary>
    /// The picture as <see cref="GetSnapshotAsync(int, bool, CancellationToken)"/> reads it, in a pooled buffer that the caller
    /// returns by disposing the result (a health check that only hashes it: no array per picture).
    /// </summary>
    /// <param name="channelId">The streaming channel (101 = camera 1, main stream).</param>
    /// <param name="closeConnection">The last request of a burst: <c>Connection: close</c>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<PooledSnapshot> GetPooledSnapshotAsync(int channelId, bool closeConnection, CancellationToken cancellationToken = default)
    {
        var (buffer, length, mediaType) = await GetPictureAsync(channelId, closeConnection, pooled: true, cancellationToken);
        return new PooledSnapshot(buffer, length, mediaType);
    }

    private async Task<(byte[] Buffer, int Length, string? MediaType)> GetPictureAsync(int channelId, bool closeConnection, bool pooled,
        CancellationToken cancellationToken)
    {
        var path = $"/ISAPI/Streaming/channels/{channelId}/picture";
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await GetSnapshotFromAsync(path, closeConnection, pooled, cancellationToken);
            }
            catch (IsapiException ex) when (ex is { StatusCode: 3 } && attempt < 2)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200 * (attempt + 1)), cancellationToken);
            }
            catch (IsapiException ex) when (ex is { StatusCode: 6, SubStatusCode: "badXmlContent" } && !path.Contains("StreamingProxy", StringComparison.Ordinal))
            {
                path = $"/ISAPI/ContentMgmt/StreamingProxy/channels/{channelId}/picture";
            }
        }
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))] // no box per snapshot
    private async ValueTask<(byte[] Buffer, int Length, string? MediaType)> GetSnapshotFromAsync(string path, bool closeConnection, bool pooled,
        CancellationToken cancellationToken)
    {
        var (buffer, length, mediaType) = await GetBinaryAsync(path, _options.MaxResponseBytes, cancellationToken, closeConnection, pooled);
        if (mediaType is not null && !mediaType.StartsWith("image/", StringComparison.OrdinalIgnoreCase) &&
            !mediaType.Equals("application/octet-stream", StringComparison.OrdinalIgnoreCase))
        {
            if (pooled) System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            throw new IsapiException(IsapiErrorKind.MalformedAnswer, $"{path}: expected an image, got '{mediaType}'.") { RequestPath = path };
        }

        return (buffer, length, mediaType);
    }

    /// <summary><c>GET /ISAPI/System/Video/inputs/channels/&lt;id&gt;</c> (the OSD name lives here, §2.8).</summary>
    public async Task<VideoInputChannel> GetVideoInputAsync(int channelId = 1, CancellationToken cancellationToken = default) =>
        VideoInputChannel.FromXml(await GetXmlAsync($"/ISAPI/System/Video/inputs/channels/{channelId}", cancellationToken));

    /// <summary>Sets the OSD channel name: <c>PUT …/Video/inputs/channels/&lt;id&gt;</c> with <c>name</c> (§2.8).</summary>
    public Task<IsapiResult> SetOsdNameAsync(string name, int channelId = 1, CancellationToken cancellationToken = default) =>
        SendForStatusAsync(HttpMethod.Put, $"/ISAPI/System/Video/inputs/channels/{channelId}",
            X("VideoInputChannel", Opt("id", channelId), Opt("inputPort", channelId), Opt("name", name)), cancellationToken);

    /// <summary><c>GET …/Video/inputs/channels/&lt;id&gt;/motionDetection</c> (§2.8).</summary>
    public async Task<MotionDetection> GetMotionDetectionAsync(int channelId = 1, CancellationToken cancellationToken = default) =>
        MotionDetection.FromXml(await GetXmlAsync($"/ISAPI/System/Video/inputs/channels/{channelId}/motionDetection", cancellationToken));

    /// <summary><c>PUT …/motionDetection</c> with only the fields set.</summary>
    public Task<IsapiResult> SetMotionDetectionAsync(MotionDetection motion, int channelId = 1, CancellationToken cancellationToken = default)
    {
        var grid = motion.RowGranularity is null && motion.ColumnGranularity is null ? null
            : X("Grid", Opt("rowGranularity", motion.RowGranularity), Opt("columnGranularity", motion.ColumnGranularity));
        var layout = motion.SensitivityLevel is null && motion.GridMap is null && motion.TargetType is null ? null
            : X("MotionDetectionLayout", Opt("sensitivityLevel", motion.SensitivityLevel),
                motion.GridMap is null ? null : X("layout", Opt("gridMap", motion.GridMap)), Opt("targetType", motion.TargetType));
        return SendForStatusAsync(HttpMethod.Put, $"/ISAPI/System/Video/inputs/channels/{channelId}/motionDetection",
            X("MotionDetection", Opt("enabled", motion.Enabled), Opt("regionType", motion.RegionType), grid, layout), cancellationToken);
    }
}
