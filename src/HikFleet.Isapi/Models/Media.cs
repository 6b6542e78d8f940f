using System.Xml.Linq;
using HikFleet.Isapi.Xml;

namespace HikFleet.Isapi.Models;

/// <summary><c>StreamingChannel</c> (§2.8). Null members are left out of a write (send only what changes).</summary>
public sealed record StreamingChannel
{
    /// <summary>channel×100 + stream: 101 main, 102 sub.</summary>
    public int Id { get; init; }
    /// <summary>Channel name.</summary>
    public string? ChannelName { get; init; }
    /// <summary>Stream enabled.</summary>
    public bool? Enabled { get; init; }
    /// <summary>H.264, H.265, MJPEG.</summary>
    public string? VideoCodecType { get; init; }
    /// <summary>Width in pixels.</summary>
    public int? Width { get; init; }
    /// <summary>Height in pixels.</summary>
    public int? Height { get; init; }
    /// <summary>CBR or VBR.</summary>
    public string? QualityControlType { get; init; }
    /// <summary>kbps.</summary>
    public int? ConstantBitRate { get; init; }
    /// <summary>kbps.</summary>
    public int? VbrUpperCap { get; init; }
    /// <summary>Frames per second; the wire value is in hundredths (2500 = 25 fps); 0 on NVR proxies means "full".</summary>
    public double? MaxFrameRate { get; init; }
    /// <summary>GOP length.</summary>
    public int? GovLength { get; init; }
    /// <summary>Key frame interval (ms).</summary>
    public int? KeyFrameInterval { get; init; }
    /// <summary>H.264 profile.</summary>
    public string? H264Profile { get; init; }
    /// <summary>Smart codec (H.264+/H.265+).</summary>
    public bool? SmartCodecEnabled { get; init; }
    /// <summary>Audio enabled.</summary>
    public bool? AudioEnabled { get; init; }
    /// <summary>Audio codec.</summary>
    public string? AudioCompressionType { get; init; }

    internal static StreamingChannel FromXml(XElement x)
    {
        var v = x.Child("Video");
        var a = x.Child("Audio");
        return new StreamingChannel
        {
            Id = x.Int("id") ?? 0,
            ChannelName = x.Text("channelName"),
            Enabled = x.Bool("enabled"),
            VideoCodecType = v?.Text("videoCodecType"),
            Width = v?.Int("videoResolutionWidth"),
            Height = v?.Int("videoResolutionHeight"),
            QualityControlType = v?.Text("videoQualityControlType"),
            ConstantBitRate = v?.Int("constantBitRate"),
            VbrUpperCap = v?.Int("vbrUpperCap"),
            MaxFrameRate = v?.Double("maxFrameRate") / 100.0,
            GovLength = v?.Int("GovLength"),
            KeyFrameInterval = v?.Int("keyFrameInterval"),
            H264Profile = v?.Text("H264Profile"),
            SmartCodecEnabled = v?.Child("SmartCodec")?.Bool("enabled"),
            AudioEnabled = a?.Bool("enabled"),
            AudioCompressionType = a?.Text("audioCompressionType"),
        };
    }
}

/// <summary>Motion detection of a video input (§2.8). Null members are left out of a write.</summary>
public sealed record MotionDetection
{
    /// <summary>Enabled.</summary>
    public bool? Enabled { get; init; }
    /// <summary>0–100.</summary>
    public int? SensitivityLevel { get; init; }
    /// <summary>grid, …</summary>
    public string? RegionType { get; init; }
    /// <summary>Rows × 6 hex characters (22 cells MSB-first per row; <c>fffffc</c> is a full row).</summary>
    public string? GridMap { get; init; }
    /// <summary>Grid rows.</summary>
    public int? RowGranularity { get; init; }
    /// <summary>Grid columns.</summary>
    public int? ColumnGranularity { get; init; }
    /// <summary>e.g. <c>human,vehicle</c>.</summary>
    public string? TargetType { get; init; }

    internal static MotionDetection FromXml(XElement x)
    {
        var layout = x.Child("MotionDetectionLayout");
        var grid = x.Child("Grid");
        return new MotionDetection
        {
            Enabled = x.Bool("enabled"),
            RegionType = x.Text("regionType"),
            RowGranularity = grid?.Int("rowGranularity"),
            ColumnGranularity = grid?.Int("columnGranularity"),
            SensitivityLevel = layout?.Int("sensitivityLevel"),
            GridMap = layout?.Child("layout")?.Text("gridMap"),
            TargetType = layout?.Text("targetType"),
        };
    }
}

/// <summary>A video input (<c>/ISAPI/System/Video/inputs/channels/&lt;id&gt;</c>); its name is the OSD channel name (§2.8).</summary>
/// <param name="Id">Input id.</param>
/// <param name="Name">The OSD channel-name text.</param>
/// <param name="InputPort">Input port.</param>
public sealed record VideoInputChannel(int Id, string? Name, int? InputPort)
{
    internal static VideoInputChannel FromXml(XElement x) => new(x.Int("id") ?? 0, x.Text("name"), x.Int("inputPort"));
}

/// <summary>A snapshot (§2.8).</summary>
/// <param name="Data">The image bytes.</param>
/// <param name="MediaType">Normally image/jpeg.</param>
public sealed record Snapshot(ReadOnlyMemory<byte> Data, string? MediaType)
{
    /// <summary>True when the bytes start with the JPEG SOI marker.</summary>
    public bool IsJpeg => Data.Length > 3 && Data.Span[0] == 0xFF && Data.Span[1] == 0xD8;
}

/// <summary>
/// A snapshot in a buffer rented from <see cref="System.Buffers.ArrayPool{T}.Shared"/>; <see cref="Dispose"/> returns it, so read
/// <see cref="Span"/> (or copy it with <see cref="ToArray"/>) before. For a caller that only hashes the picture and lets it go: a
/// health check every minute, where a fresh array per picture was the largest allocation of the check (issue #13).
/// </summary>
public sealed class PooledSnapshot : IDisposable
{
    private byte[]? _buffer;

    internal PooledSnapshot(byte[] buffer, int length, string? mediaType)
    {
        _buffer = buffer;
        Length = length;
        MediaType = mediaType;
    }

    /// <summary>Normally image/jpeg.</summary>
    public string? MediaType { get; }

    /// <summary>Bytes of the picture.</summary>
    public int Length { get; }

    /// <summary>The picture (valid until <see cref="Dispose"/>).</summary>
    public ReadOnlySpan<byte> Span => (_buffer ?? throw new ObjectDisposedException(nameof(PooledSnapshot))).AsSpan(0, Length);

    /// <summary>A copy of the picture to keep.</summary>
    public byte[] ToArray() => Span.ToArray();

    /// <summary>Returns the buffer to the pool (once; later reads of <see cref="Span"/> throw).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } buffer) System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
    }
}
