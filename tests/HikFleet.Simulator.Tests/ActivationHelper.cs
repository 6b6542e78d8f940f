using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;

namespace HikFleet.Simulator.Tests;

/// <summary>The client side of §3.2 and §3.3, written from the reference to drive the device side.</summary>
internal static class ActivationHelper
{
    public static async Task<(HttpResponseMessage, XElement?)> ActivateOverIsapiAsync(HttpClient http, string password)
    {
        using var rsa = RSA.Create(1024);
        var modulus = rsa.ExportParameters(false).Modulus!;
        var key = Convert.ToBase64String(Encoding.ASCII.GetBytes(Convert.ToHexStringLower(modulus)));
        var challenge = await http.PostAsync("/ISAPI/Security/challenge",
            new StringContent($"<PublicKey><key>{key}</key></PublicKey>", Encoding.UTF8, "application/xml"), TestContext.Current.CancellationToken);
        challenge.EnsureSuccessStatusCode();
        var x = XElement.Parse(await challenge.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("Challenge", x.Name.LocalName);
        var cipher = Convert.FromHexString(Encoding.ASCII.GetString(Convert.FromBase64String(x.V("key"))));
        var random = Encoding.ASCII.GetString(rsa.Decrypt(cipher, RSAEncryptionPadding.Pkcs1));
        Assert.Equal(32, random.Length);
        var encrypted = EncryptHttpPassword(random, password);
        var put = await http.PutAsync("/ISAPI/System/activate",
            new StringContent($"<ActivateInfo><password>{encrypted}</password></ActivateInfo>", Encoding.UTF8, "application/xml"), TestContext.Current.CancellationToken);
        var text = await put.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return (put, XElement.Parse(text));
    }

    public static string EncryptHttpPassword(string random, string password)
    {
        var plain = Pad([.. Encoding.ASCII.GetBytes(random[..16]), .. Encoding.UTF8.GetBytes(password)]);
        using var aes = Aes.Create();
        aes.Key = Convert.FromHexString(random);
        return Convert.ToBase64String(Encoding.ASCII.GetBytes(Convert.ToHexStringLower(aes.EncryptEcb(plain, PaddingMode.None))));
    }

    public static string EncryptSadpPassword(string random, string password)
    {
        var key = Encoding.ASCII.GetBytes(random[..16]);
        var plain = Pad([.. key, .. Encoding.UTF8.GetBytes(password)]);
        using var aes = Aes.Create();
        aes.Key = key;
        return Convert.ToBase64String(aes.EncryptEcb(plain, PaddingMode.None));
    }

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

    private static byte[] Pad(byte[] data)
    {
        var padded = new byte[(data.Length + 15) / 16 * 16];
        data.CopyTo(padded, 0);
        return padded;
    }
}
