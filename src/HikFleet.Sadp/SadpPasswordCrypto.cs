using System.Security.Cryptography;
using System.Text;

namespace HikFleet.Sadp;

/// <summary>
/// The password transforms SADP commands carry. Both are reverse-engineered ([R] in the protocol reference) and use AES-128-ECB
/// with zero padding because that is what the devices implement, not because it is good cryptography.
/// </summary>
public static class SadpPasswordCrypto
{
    /// <summary>
    /// §3.3 variant A (<c>exchangecode</c> then <c>activate</c>): <c>base64(AES-128-ECB(key = ASCII R[0:16], zero padding,
    /// R[0:16] + password))</c>, where R is the random string the device sent RSA-encrypted in its <c>Code</c>.
    /// </summary>
    /// <param name="random">The decrypted random R (at least 16 bytes).</param>
    /// <param name="password">The new admin password.</param>
    public static string EncryptActivationPassword(ReadOnlySpan<byte> random, string password)
    {
        if (random.Length < 16)
            throw new ArgumentException("The device random must be at least 16 bytes.", nameof(random));
        var key = random[..16];
        var pw = Encoding.UTF8.GetBytes(password);
        var plain = new byte[16 + pw.Length];
        key.CopyTo(plain);
        pw.CopyTo(plain, 16);
        return Convert.ToBase64String(AesEcbZeroPad(key, plain));
    }

    /// <summary>
    /// Inverse of <see cref="EncryptActivationPassword"/> (what a device does): returns the password, or <see langword="null"/>
    /// when the cipher text does not start with R[0:16]. Used by tests and by anyone implementing the device side.
    /// </summary>
    public static string? DecryptActivationPassword(ReadOnlySpan<byte> random, string base64)
    {
        if (random.Length < 16)
            return null;
        byte[] cipher;
        try
        {
            cipher = Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            return null;
        }
        if (cipher.Length < 32 || cipher.Length % 16 != 0)
            return null;
        using var aes = Aes.Create();
        aes.Key = random[..16].ToArray();
        var plain = aes.DecryptEcb(cipher, PaddingMode.None);
        if (!plain.AsSpan(0, 16).SequenceEqual(random[..16]))
            return null;
        return Encoding.UTF8.GetString(plain.AsSpan(16).TrimEnd((byte)0));
    }

    /// <summary>
    /// §4.4 salted password proof (<c>&lt;Password bSalt="true"&gt;</c>) for devices that advertise a <c>Salt</c>:
    /// <c>k = MD5(SHA256hex(user + Salt + password))</c> (the 16 digest bytes of the MD5 of the lower-case SHA-256 hex string),
    /// value = <c>base64(AES-128-ECB(k, 64-byte zero-filled buffer starting with k))</c>.
    /// </summary>
    public static string CreateSaltedProof(string user, string salt, string password)
    {
        var sha = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(user + salt + password)));
        var k = MD5.HashData(Encoding.ASCII.GetBytes(sha));
        var buffer = new byte[64];
        k.CopyTo(buffer, 0);
        return Convert.ToBase64String(AesEcbZeroPad(k, buffer));
    }

    private static byte[] AesEcbZeroPad(ReadOnlySpan<byte> key, byte[] plain)
    {
        var padded = new byte[(plain.Length + 15) / 16 * 16];
        plain.CopyTo(padded, 0);
        using var aes = Aes.Create();
        aes.Key = key.ToArray();
        return aes.EncryptEcb(padded, PaddingMode.None);
    }
}
