using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace HikFleet.Simulator.Isapi;

/// <summary>
/// configurationData (§2.6): an opaque, encrypted, device-bound file. AES-GCM under a key only this device knows, so another device
/// refuses it (statusCode 6 importErrorData) and nobody can edit it; padded to the size real exports have (NVRs &gt; 100 KB).
/// </summary>
internal static class ConfigurationBlob
{
    private static readonly byte[] Magic = "HKCFGDAT"u8.ToArray();

    private sealed record Payload(string Serial, string Model, string Firmware, DeviceConfiguration Config);

    public static byte[] Export(VirtualDevice d)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(new Payload(d.Serial, d.Model, $"{d.FirmwareVersion} {d.FirmwareBuild}", d.Config.Clone()));
        var size = d.ModelInfo.IsNvr ? 128 * 1024 : 24 * 1024;
        var plain = new byte[Math.Max(size, json.Length + 4)];
        BitConverter.TryWriteBytes(plain, json.Length);
        json.CopyTo(plain, 4);
        RandomNumberGenerator.Fill(plain.AsSpan(4 + json.Length));
        var nonce = RandomNumberGenerator.GetBytes(12);
        var tag = new byte[16];
        var cipher = new byte[plain.Length];
        using (var gcm = new AesGcm(Key(d), 16))
            gcm.Encrypt(nonce, plain, cipher, tag, Magic);
        return [.. Magic, .. nonce, .. tag, .. cipher];
    }

    /// <summary>The configuration, or null and the subStatusCode of the refusal.</summary>
    public static (DeviceConfiguration? Config, string? Error) Import(VirtualDevice d, byte[] blob)
    {
        if (blob.Length < Magic.Length + 28 + 4 || !blob.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            return (null, "fileFormatError");
        var nonce = blob.AsSpan(8, 12);
        var tag = blob.AsSpan(20, 16);
        var cipher = blob.AsSpan(36);
        var plain = new byte[cipher.Length];
        try
        {
            using var gcm = new AesGcm(Key(d), 16);
            gcm.Decrypt(nonce, cipher, tag, plain, Magic);
        }
        catch (CryptographicException)
        {
            return (null, "importErrorData");
        }
        var length = BitConverter.ToInt32(plain, 0);
        if (length <= 0 || length > plain.Length - 4)
            return (null, "importErrorData");
        var payload = JsonSerializer.Deserialize<Payload>(plain.AsSpan(4, length));
        return payload?.Serial == d.Serial ? (payload.Config, null) : (null, "importErrorData");
    }

    private static byte[] Key(VirtualDevice d) => SHA256.HashData([.. d.ConfigurationSecret, .. Encoding.UTF8.GetBytes(d.Serial)]);
}
