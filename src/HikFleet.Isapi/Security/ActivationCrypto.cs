using System.Security.Cryptography;
using System.Text;

namespace HikFleet.Isapi.Security;

/// <summary>
/// Client side of ISAPI activation (§3.2), System.Security.Cryptography only: an RSA-1024 key whose modulus goes to the
/// device as base64 of its hex text; the device returns an RSA-encrypted 32-hex random R; the password is sent as
/// base64(hex(AES-128-ECB(key = hexdecode(R), zero padding, R[0:16] + password))).
/// </summary>
public sealed class ActivationCrypto : IDisposable
{
    private readonly RSA _rsa = RSA.Create(1024);

    /// <summary>The <c>PublicKey/key</c> value: base64 of the 256-character hex modulus (exponent implicitly 65537).</summary>
    public string PublicKeyBase64()
    {
        var modulus = _rsa.ExportParameters(false).Modulus!;
        var trimmed = modulus.AsSpan().TrimStart((byte)0);
        return Convert.ToBase64String(Encoding.ASCII.GetBytes(Convert.ToHexStringLower(trimmed)));
    }

    /// <summary>Decrypts the <c>Challenge/key</c> value to the random string R (32 hex characters).</summary>
    public string DecryptChallenge(string challengeBase64)
    {
        var hex = Encoding.ASCII.GetString(Convert.FromBase64String(challengeBase64.Trim())).Trim();
        var cipher = Convert.FromHexString(hex);
        var plain = _rsa.Decrypt(cipher, RSAEncryptionPadding.Pkcs1);
        var text = Encoding.ASCII.GetString(plain);
        // R is normally 32 ASCII hex characters; a device sending 16 raw bytes gets the same meaning.
        if (text.Length == 32 && text.All(char.IsAsciiHexDigit)) return text;
        if (plain.Length == 16) return Convert.ToHexStringLower(plain);
        throw new IsapiException(IsapiErrorKind.MalformedAnswer, "The activation challenge did not decrypt to a 16-byte random value.");
    }

    /// <summary>Encrypts the new password for <c>ActivateInfo/password</c>.</summary>
    public static string EncryptPassword(string random, string password)
    {
        var key = Convert.FromHexString(random);
        var plain = Encoding.UTF8.GetBytes(random[..16] + password);
        var padded = new byte[(plain.Length + 15) / 16 * 16];
        plain.CopyTo(padded, 0);
        using var aes = Aes.Create();
        aes.Key = key;
        var cipher = aes.EncryptEcb(padded, PaddingMode.None);
        return Convert.ToBase64String(Encoding.ASCII.GetBytes(Convert.ToHexStringLower(cipher)));
    }

    /// <inheritdoc />
    public void Dispose() => _rsa.Dispose();
}
