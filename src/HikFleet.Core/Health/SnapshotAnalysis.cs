using System.Runtime.InteropServices;
using System.Security.Cryptography;
using SkiaSharp;

namespace HikFleet.Core.Health;

/// <summary>What the image check measured on one snapshot.</summary>
/// <param name="Sha256">Hex SHA-256 of the bytes the device sent (identical across checks = frozen encoder).</param>
/// <param name="MeanLuma">Mean brightness 0–255 (BT.601), null when the image could not be decoded.</param>
/// <param name="Problem">Why it could not be decoded, for the evidence.</param>
/// <param name="Decoded">False when only the hash was taken (between brightness reads, <see cref="Health.HealthOptions.SnapshotInterval"/>):
/// then <paramref name="MeanLuma"/>, <paramref name="Problem"/> and <paramref name="Thumbnail"/> are null and say nothing about the picture.</param>
/// <param name="Bytes">Size of the picture the device sent.</param>
/// <param name="Thumbnail">A small JPEG encoded by HikFleet from the decoded pixels (never the device's own bytes), or null.</param>
public sealed record SnapshotMeasurement(string Sha256, double? MeanLuma, string? Problem, bool Decoded = true, int Bytes = 0, byte[]? Thumbnail = null);

/// <summary>
/// Measures a device snapshot. The JPEG is decoded by Skia at a reduced scale (a camera frame is up to 4K; the mean needs no
/// detail), after its header dimensions are checked, so a hostile header claiming a huge image never allocates. The decoded pixels
/// are also the thumbnail: encoded again by Skia, a few KB instead of the camera's picture (hundreds of KB at 1080p and more), and
/// never bytes a device chose — what a browser is served is HikFleet's own JPEG (DESIGN.md "Safety with devices").
/// </summary>
public static class SnapshotAnalysis
{
    /// <summary>The hash alone, without decoding (issue #13: the decode was 15–20 % of a sweep's CPU).</summary>
    public static SnapshotMeasurement Hash(ReadOnlySpan<byte> jpeg) =>
        new(Convert.ToHexStringLower(SHA256.HashData(jpeg)), null, null, Decoded: false, Bytes: jpeg.Length);

    /// <summary>Decodes the picture for its brightness and, when <paramref name="thumbnailWidth"/> is above zero, encodes a
    /// thumbnail of it.</summary>
    /// <param name="maxDimension">Largest width or height accepted from the header.</param>
    /// <param name="thumbnailWidth">The thumbnail is at least this wide (or the picture's own width, if narrower) and less than
    /// twice as wide: the decoder scales by eighths, and the smallest eighth that reaches this width is used (1/8 at least, so a
    /// picture more than eight times wider gives a wider one). 0 = no thumbnail, the picture decoded at 1/8.</param>
    /// <param name="thumbnailQuality">JPEG quality of the thumbnail, 1–100.</param>
    public static SnapshotMeasurement Measure(ReadOnlySpan<byte> jpeg, int maxDimension, int thumbnailWidth = 0, int thumbnailQuality = 70)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(jpeg));
        var bytes = jpeg.Length;
        SnapshotMeasurement Undecodable(string problem) => new(hash, null, problem, Bytes: bytes);
        try
        {
            using var data = SKData.CreateCopy(jpeg);
            using var codec = SKCodec.Create(data);
            if (codec is null) return Undecodable("not a decodable image");
            var info = codec.Info;
            if (info.Width <= 0 || info.Height <= 0 || info.Width > maxDimension || info.Height > maxDimension)
                return Undecodable($"image size {info.Width}x{info.Height} outside the accepted range");
            // In eighths, rounded up (Skia would round to the nearest: 1080p would give a 240-pixel thumbnail for 320).
            var eighths = thumbnailWidth <= 0 ? 1 : Math.Clamp((int)Math.Ceiling(thumbnailWidth * 8.0 / info.Width), 1, 8);
            var scaled = codec.GetScaledDimensions(eighths / 8f);
            var target = new SKImageInfo(Math.Max(1, scaled.Width), Math.Max(1, scaled.Height), SKColorType.Rgba8888, SKAlphaType.Premul);
            using var bitmap = new SKBitmap(target);
            var result = codec.GetPixels(target, bitmap.GetPixels());
            if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
                return Undecodable($"decoding failed ({result})");
            // BT.601 weights in 1/1024ths (306 + 601 + 117), over RGBA pixels read as little-endian words: integer sums, as the
            // thumbnail's decode has 4–16 times the pixels of a 1/8 one.
            var pixels = MemoryMarshal.Cast<byte, uint>(bitmap.GetPixelSpan());
            long sum = 0;
            foreach (var p in pixels) sum += 306 * (p & 0xFF) + 601 * ((p >> 8) & 0xFF) + 117 * ((p >> 16) & 0xFF);
            var count = pixels.Length;
            byte[]? thumbnail = null;
            if (thumbnailWidth > 0)
            {
                using var pixmap = bitmap.PeekPixels();
                using var encoded = pixmap.Encode(new SKJpegEncoderOptions(Math.Clamp(thumbnailQuality, 1, 100), SKJpegEncoderDownsample.Downsample420,
                    SKJpegEncoderAlphaOption.Ignore));
                thumbnail = encoded?.ToArray();
            }

            return new(hash, count == 0 ? null : Math.Round(sum / 1024.0 / count, 1), null, Bytes: bytes, Thumbnail: thumbnail);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return Undecodable("decoding failed: " + ex.GetType().Name);
        }
    }
}
