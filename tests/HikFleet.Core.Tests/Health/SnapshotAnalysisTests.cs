using System.Text;
using HikFleet.Core.Health;
using SkiaSharp;

namespace HikFleet.Core.Tests.Health;

/// <summary>The picture check's decode, brightness and thumbnail, on pictures made here at real camera sizes.</summary>
public sealed class SnapshotAnalysisTests
{
    /// <summary>A JPEG of the given size: left half black, right half white (mean luma ≈ 127.5).</summary>
    private static byte[] Picture(int width, int height)
    {
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.Black);
            using var white = new SKPaint { Color = SKColors.White };
            canvas.DrawRect(width / 2f, 0, width / 2f, height, white);
        }

        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 90);
        return data.ToArray();
    }

    /// <summary>The pixel size of a thumbnail (fails on null or undecodable bytes); the health tests use it too.</summary>
    internal static (int Width, int Height) Size(byte[]? jpeg)
    {
        Assert.NotNull(jpeg);
        using var bitmap = SKBitmap.Decode(jpeg);
        Assert.NotNull(bitmap);
        return (bitmap.Width, bitmap.Height);
    }

    [Theory]
    [InlineData(1920, 1080, 480, 270)] // 2/8: the smallest eighth at least 320 wide
    [InlineData(3840, 2160, 480, 270)] // 1/8
    [InlineData(2560, 1440, 320, 180)] // 1/8
    [InlineData(640, 360, 320, 180)]   // 4/8
    [InlineData(200, 100, 200, 100)]   // narrower than the width: its own size, never enlarged
    public void A_thumbnail_is_encoded_at_the_smallest_decoder_scale_that_reaches_the_width(int width, int height, int thumbWidth, int thumbHeight)
    {
        var picture = Picture(width, height);
        var m = SnapshotAnalysis.Measure(picture, 8192, thumbnailWidth: 320);

        Assert.Null(m.Problem);
        Assert.True(m.Decoded);
        Assert.Equal(picture.Length, m.Bytes);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(picture)), m.Sha256);
        Assert.InRange(m.MeanLuma!.Value, 120, 135);
        Assert.NotNull(m.Thumbnail);
        Assert.Equal((thumbWidth, thumbHeight), Size(m.Thumbnail));
        Assert.True(m.Thumbnail.Length < picture.Length || width <= 320, $"thumbnail {m.Thumbnail.Length} bytes of a {picture.Length}-byte picture");
    }

    [Fact]
    public void Without_a_width_no_thumbnail_is_made_and_the_brightness_is_still_measured()
    {
        var m = SnapshotAnalysis.Measure(Picture(1920, 1080), 8192, thumbnailWidth: 0);
        Assert.Null(m.Thumbnail);
        Assert.InRange(m.MeanLuma!.Value, 120, 135);
    }

    [Fact]
    public void A_picture_carrying_a_script_after_its_end_gives_a_thumbnail_without_it()
    {
        // A polyglot: a valid JPEG followed by HTML. The device's bytes are never served; the thumbnail is encoded from pixels.
        var hostile = Picture(640, 360).Concat(Encoding.ASCII.GetBytes("<html><script>alert(document.cookie)</script></html>")).ToArray();
        var m = SnapshotAnalysis.Measure(hostile, 8192, thumbnailWidth: 320);

        Assert.NotNull(m.Thumbnail);
        Assert.Equal((320, 180), Size(m.Thumbnail));
        Assert.DoesNotContain("script", Encoding.Latin1.GetString(m.Thumbnail), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_header_claiming_a_huge_picture_or_bytes_that_are_no_picture_give_no_thumbnail()
    {
        var large = SnapshotAnalysis.Measure(Picture(1920, 1080), maxDimension: 1000, thumbnailWidth: 320);
        Assert.Null(large.Thumbnail);
        Assert.Null(large.MeanLuma);
        Assert.Contains("1920x1080", large.Problem);

        var garbage = SnapshotAnalysis.Measure("not a picture at all"u8, 8192, thumbnailWidth: 320);
        Assert.Null(garbage.Thumbnail);
        Assert.Equal("not a decodable image", garbage.Problem);
        Assert.Equal(20, garbage.Bytes);
    }
}
