using System.Security.Cryptography;
using SkiaSharp;

namespace HikFleet.Core.Health;

/// <summary>What the image check measured on one snapshot.</summary>
/// <param name="Sha256">Hex SHA-256 of the bytes the device sent (identical across checks = frozen encoder).</param>
/// <param name="MeanLuma">Mean brightness 0–255 (BT.601), null when the image could not be decoded.</param>
/// <param name="Problem">Why it could not be decoded, for the evidence.</param>
/// <param name="Decoded">False when only the hash was taken (between brightness reads, <see cref="Health.HealthOptions.SnapshotInterval"/>):
/// then <paramref name="MeanLuma"/> and <paramref name="Problem"/> are null and say nothing about the picture.</param>
public sealed record SnapshotMeasurement(string Sha256, double? MeanLuma, string? Problem, bool Decoded = true);

/// <summary>
/// Measures a device snapshot. The JPEG is decoded by Skia at 1/8 scale (a camera frame is up to 4K; the mean needs no detail),
/// after its header dimensions are checked, so a hostile header claiming a huge image never allocates.
/// </summary>
public static class SnapshotAnalysis
{
    /// <summary>The hash alone, without decoding (issue #13: the decode was 15–20 % of a sweep's CPU).</summary>
    public static SnapshotMeasurement Hash(ReadOnlySpan<byte> jpeg) => new(Convert.ToHexStringLower(SHA256.HashData(jpeg)), null, null, Decoded: false);

    public static SnapshotMeasurement Measure(ReadOnlySpan<byte> jpeg, int maxDimension)
    {
        var hash = Hash(jpeg).Sha256;
        try
        {
            using var data = SKData.CreateCopy(jpeg);
            using var codec = SKCodec.Create(data);
            if (codec is null) return new(hash, null, "not a decodable image");
            var info = codec.Info;
            if (info.Width <= 0 || info.Height <= 0 || info.Width > maxDimension || info.Height > maxDimension)
                return new(hash, null, $"image size {info.Width}x{info.Height} outside the accepted range");
            var scaled = codec.GetScaledDimensions(0.125f);
            var target = new SKImageInfo(Math.Max(1, scaled.Width), Math.Max(1, scaled.Height), SKColorType.Rgba8888, SKAlphaType.Premul);
            using var bitmap = new SKBitmap(target);
            var result = codec.GetPixels(target, bitmap.GetPixels());
            if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
                return new(hash, null, $"decoding failed ({result})");
            var pixels = bitmap.GetPixelSpan();
            double sum = 0;
            for (var i = 0; i + 3 < pixels.Length; i += 4)
                sum += 0.299 * pixels[i] + 0.587 * pixels[i + 1] + 0.114 * pixels[i + 2];
            var count = pixels.Length / 4;
            return new(hash, count == 0 ? null : Math.Round(sum / count, 1), null);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return new(hash, null, "decoding failed: " + ex.GetType().Name);
        }
    }
}
