using System.Security.Cryptography;
using System.Text;

namespace HikFleet.Snmp.V3;

/// <summary>
/// USM key derivation (RFC 3414 section 2.6 and appendix A.2.2): a password is stretched to one megabyte and hashed (Ku), then
/// localised to one agent's engine (Kul = H(Ku || engineID || Ku)). SHA-1 throughout (usmHMACSHAAuthProtocol); AES-128 privacy
/// uses the first 16 octets of the localised privacy key (RFC 3826 section 1.2).
/// </summary>
public static class UsmKeys
{
    private const int StretchedLength = 1024 * 1024;

    /// <summary>Ku: SHA-1 over the password repeated to 1,048,576 octets.</summary>
    public static byte[] PasswordToKeySha1(string password)
    {
        ArgumentException.ThrowIfNullOrEmpty(password);
        var pw = Encoding.UTF8.GetBytes(password);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        var block = new byte[64];
        var index = 0;
        for (var count = 0; count < StretchedLength; count += block.Length)
        {
            for (var i = 0; i < block.Length; i++)
                block[i] = pw[index++ % pw.Length];
            sha.AppendData(block);
        }
        CryptographicOperations.ZeroMemory(pw);
        return sha.GetHashAndReset();
    }

    /// <summary>Kul = SHA-1(Ku || engineID || Ku).</summary>
    public static byte[] Localize(ReadOnlySpan<byte> ku, ReadOnlySpan<byte> engineId)
    {
        var buffer = new byte[ku.Length * 2 + engineId.Length];
        ku.CopyTo(buffer);
        engineId.CopyTo(buffer.AsSpan(ku.Length));
        ku.CopyTo(buffer.AsSpan(ku.Length + engineId.Length));
        var kul = SHA1.HashData(buffer);
        CryptographicOperations.ZeroMemory(buffer);
        return kul;
    }
}

/// <summary>The localised keys of one user at one engine. Never printed.</summary>
internal sealed class LocalizedKeys(byte[] auth, byte[] priv)
{
    /// <summary>HMAC-SHA-96 key (20 octets).</summary>
    public byte[] Auth { get; } = auth;
    /// <summary>AES-128 key (16 octets).</summary>
    public byte[] Priv { get; } = priv;

    public static LocalizedKeys Derive(SnmpV3Credentials user, byte[] engineId)
    {
        var authKu = UsmKeys.PasswordToKeySha1(user.AuthPassword);
        var privKu = UsmKeys.PasswordToKeySha1(user.PrivPassword);
        var keys = new LocalizedKeys(UsmKeys.Localize(authKu, engineId), UsmKeys.Localize(privKu, engineId)[..16]);
        CryptographicOperations.ZeroMemory(authKu);
        CryptographicOperations.ZeroMemory(privKu);
        return keys;
    }

    public override string ToString() => "LocalizedKeys { *** }";
}

/// <summary>HMAC-SHA-96 (RFC 3414 section 6) and AES-128-CFB (RFC 3826 section 3).</summary>
internal static class UsmCrypto
{
    public const int MacLength = 12;
    public const int SaltLength = 8;

    /// <summary>The first 96 bits of HMAC-SHA-1 over the whole message (authentication parameters zeroed).</summary>
    public static byte[] Mac(byte[] authKey, ReadOnlySpan<byte> message) => HMACSHA1.HashData(authKey, message)[..MacLength];

    /// <summary>IV = msgAuthoritativeEngineBoots (4 octets) || msgAuthoritativeEngineTime (4 octets) || salt (8 octets).</summary>
    private static byte[] Iv(int boots, int time, ReadOnlySpan<byte> salt)
    {
        var iv = new byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(iv, boots);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(iv.AsSpan(4), time);
        salt.CopyTo(iv.AsSpan(8));
        return iv;
    }

    /// <summary>AES-128 in CFB-128 without padding (the ciphertext is as long as the plaintext).</summary>
    public static byte[] Encrypt(byte[] key, int boots, int time, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> plaintext) => Cfb(key, Iv(boots, time, salt), plaintext, encrypt: true);

    /// <summary>The inverse of <see cref="Encrypt"/>.</summary>
    public static byte[] Decrypt(byte[] key, int boots, int time, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> ciphertext) => Cfb(key, Iv(boots, time, salt), ciphertext, encrypt: false);

    private static byte[] Cfb(byte[] key, byte[] iv, ReadOnlySpan<byte> input, bool encrypt)
    {
        // .NET's CFB with PaddingMode.None wants whole blocks; CFB is a stream mode, so pad with zeros and cut the output back.
        using var aes = Aes.Create();
        aes.Key = key;
        var padded = new byte[(input.Length + 15) / 16 * 16];
        input.CopyTo(padded);
        var output = encrypt
            ? aes.EncryptCfb(padded, iv, PaddingMode.None, feedbackSizeInBits: 128)
            : aes.DecryptCfb(padded, iv, PaddingMode.None, feedbackSizeInBits: 128);
        return output[..input.Length];
    }
}
