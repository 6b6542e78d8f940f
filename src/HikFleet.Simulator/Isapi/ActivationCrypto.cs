using System.Security.Cryptography;
using System.Text;

namespace HikFleet.Simulator.Isapi;

/// <summary>
/// The device side of activation. §3.2 (ISAPI): the client's RSA-1024 modulus arrives as base64(hex(modulus)); the device answers
/// base64(hex(RSA-PKCS1(R))) where R is 32 hex characters, and the password comes back as
/// base64(hex(AES-128-ECB(key = hexdecode(R), zero padding, R[0:16] + password))). §3.3 variant A (SADP exchangecode): the client key
/// is base64(DER PKCS#1 RSAPublicKey), the answer base64(RSA-PKCS1(R)), the password base64(AES-128-ECB(key = ASCII R[0:16], …)).
/// </summary>
internal static class ActivationCrypto
{
    public static string NewRandom() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>Returns base64(hex(cipher)) of R under the client's key, or null if the key is not a 1024-bit modulus.</summary>
    public static string? CreateHttpChallenge(string base64HexModulus, out string random)
    {
        random = NewRandom();
        byte[] modulus;
        try
        {
            var hex = Encoding.ASCII.GetString(Convert.FromBase64String(base64HexModulus)).Trim();
            modulus = Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            return null;
        }
        modulus = modulus.SkipWhile(b => b == 0).ToArray();
        if (modulus.Length != 128)
            return null;
        using var rsa = RSA.Create();
        rsa.ImportParameters(new RSAParameters { Modulus = modulus, Exponent = [1, 0, 1] });
        var cipher = rsa.Encrypt(Encoding.ASCII.GetBytes(random), RSAEncryptionPadding.Pkcs1);
        return Convert.ToBase64String(Encoding.ASCII.GetBytes(Convert.ToHexStringLower(cipher)));
    }

    public static string? DecryptHttpPassword(string random, string base64HexCipher)
    {
        byte[] cipher;
        try
        {
            cipher = Convert.FromHexString(Encoding.ASCII.GetString(Convert.FromBase64String(base64HexCipher)).Trim());
        }
        catch (FormatException)
        {
            return null;
        }
        return DecryptPrefixed(Convert.FromHexString(random), Encoding.ASCII.GetBytes(random[..16]), cipher);
    }

    /// <summary>SADP exchangecode: base64(RSA-PKCS1(R)) under a DER PKCS#1 public key, or null when the key is unusable.</summary>
    public static string? CreateSadpChallenge(string base64Der, out string random)
    {
        random = NewRandom();
        try
        {
            using var rsa = RSA.Create();
            rsa.ImportRSAPublicKey(Convert.FromBase64String(base64Der), out _);
            if (rsa.KeySize is < 1024 or > 4096)
                return null;
            return Convert.ToBase64String(rsa.Encrypt(Encoding.ASCII.GetBytes(random), RSAEncryptionPadding.Pkcs1));
        }
        catch (Exception e) when (e is FormatException or CryptographicException)
        {
            return null;
        }
    }

    public static string? DecryptSadpPassword(string random, string base64Cipher)
    {
        byte[] cipher;
        try
        {
            cipher = Convert.FromBase64String(base64Cipher);
        }
        catch (FormatException)
        {
            return null;
        }
        var key = Encoding.ASCII.GetBytes(random[..16]);
        return DecryptPrefixed(key, key, cipher);
    }

    private static string? DecryptPrefixed(byte[] key, byte[] prefix, byte[] cipher)
    {
        if (cipher.Length < 32 || cipher.Length % 16 != 0 || cipher.Length > 1024)
            return null;
        using var aes = Aes.Create();
        aes.Key = key;
        var plain = aes.DecryptEcb(cipher, PaddingMode.None);
        if (!plain.AsSpan(0, 16).SequenceEqual(prefix))
            return null;
        var password = plain.AsSpan(16).TrimEnd((byte)0);
        return password.Length == 0 ? null : Encoding.UTF8.GetString(password);
    }

    /// <summary>§4.4 salted proof: base64(AES-128-ECB(k, 64-byte buffer starting with k)), k = MD5(SHA256hex(user + Salt + password)).</summary>
    public static string SaltedProof(string user, string salt, string password)
    {
        var sha = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(user + salt + password)));
        var k = MD5.HashData(Encoding.ASCII.GetBytes(sha));
        var buffer = new byte[64];
        k.CopyTo(buffer, 0);
        using var aes = Aes.Create();
        aes.Key = k;
        return Convert.ToBase64String(aes.EncryptEcb(buffer, PaddingMode.None));
    }
}
