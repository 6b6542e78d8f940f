using System.Security.Cryptography;
using System.Text;
using HikFleet.Isapi.Http;
using HikFleet.Isapi.Security;

namespace HikFleet.Isapi.Tests;

/// <summary>Password rules (§3.4), activation crypto (§3.2) and challenge parsing (§1.2).</summary>
public sealed class SecurityTests
{
    [Theory]
    [InlineData("abc", PasswordStrength.Risky)]
    [InlineData("abcdefgh", PasswordStrength.Risky)]
    [InlineData("12345678", PasswordStrength.Risky)]
    [InlineData("nimda", PasswordStrength.Risky)]
    [InlineData("abcd1234", PasswordStrength.Weak)]
    [InlineData("ABCD1234", PasswordStrength.Weak)]
    [InlineData("abcdEFGH", PasswordStrength.Fair)]
    [InlineData("abcd!@#$", PasswordStrength.Fair)]
    [InlineData("abcD1234", PasswordStrength.Strong)]
    [InlineData("Abcd!234xyz", PasswordStrength.Strong)]
    [InlineData("Abcd!234xyzAbcd!234", PasswordStrength.Risky)] // longer than 16
    public void Strength(string password, PasswordStrength expected) => Assert.Equal(expected, PasswordRules.Evaluate(password, "admin"));

    [Fact]
    public void UserNameReversed_IsRisky() => Assert.Equal(PasswordStrength.Risky, PasswordRules.Evaluate("Nimda#2024", "4202#admiN"));

    [Fact]
    public void Generated_AreStrong_FourClasses_XmlSafe_AndDistinct()
    {
        var seen = new HashSet<string>();
        for (var i = 0; i < 200; i++)
        {
            var p = PasswordRules.Generate(12 + i % 5);
            Assert.InRange(p.Length, 12, 16);
            Assert.Equal(PasswordStrength.Strong, PasswordRules.Evaluate(p, "admin"));
            Assert.Contains(p, char.IsAsciiLetterLower);
            Assert.Contains(p, char.IsAsciiLetterUpper);
            Assert.Contains(p, char.IsAsciiDigit);
            Assert.Contains(p, c => !char.IsAsciiLetterOrDigit(c));
            Assert.True(PasswordRules.IsXmlSafe(p), p);
            Assert.True(seen.Add(p));
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => PasswordRules.Generate(8));
    }

    [Fact]
    public void ActivationCrypto_RoundTripsThroughADeviceSideImplementation()
    {
        using var client = new ActivationCrypto();
        // Device side per §3.2: read the hex modulus, encrypt a 32-hex random with RSA PKCS#1 v1.5.
        var modulusHex = Encoding.ASCII.GetString(Convert.FromBase64String(client.PublicKeyBase64()));
        Assert.Equal(256, modulusHex.Length);
        using var devicePublic = RSA.Create();
        devicePublic.ImportParameters(new RSAParameters { Modulus = Convert.FromHexString(modulusHex), Exponent = [1, 0, 1] });
        var random = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var challenge = Convert.ToBase64String(Encoding.ASCII.GetBytes(Convert.ToHexStringLower(devicePublic.Encrypt(Encoding.ASCII.GetBytes(random), RSAEncryptionPadding.Pkcs1))));

        var r = client.DecryptChallenge(challenge);
        Assert.Equal(random, r);

        var sent = ActivationCrypto.EncryptPassword(r, "Abcd!234xyz");
        using var aes = Aes.Create();
        aes.Key = Convert.FromHexString(random);
        var plain = aes.DecryptEcb(Convert.FromHexString(Encoding.ASCII.GetString(Convert.FromBase64String(sent))), PaddingMode.None);
        var text = Encoding.UTF8.GetString(plain).TrimEnd('\0');
        Assert.Equal(random[..16] + "Abcd!234xyz", text);
    }

    [Fact]
    public void Challenge_TwoSchemesInOneHeader_AreSplit()
    {
        var all = AuthChallenge.ParseAll(["Digest qop=\"auth\", realm=\"IP Camera(C2183)\", nonce=\"4e54\", stale=\"FALSE\", Basic realm=\"IP Camera(76475)\""]);
        Assert.Equal(2, all.Count);
        Assert.True(all[0].IsDigest);
        Assert.Equal("IP Camera(C2183)", all[0]["realm"]);
        Assert.Equal("MD5", all[0].Algorithm);
        Assert.True(all[0].QopAuth);
        Assert.False(all[0].Stale);
        Assert.True(all[1].IsBasic);
        Assert.Equal("IP Camera(76475)", all[1]["realm"]);
    }

    [Fact]
    public void Challenge_Sha256StaleOpaque()
    {
        var c = AuthChallenge.ParseAll(["Digest realm=\"r\", nonce=\"n\", opaque=\"o\", algorithm=SHA-256, qop=\"auth,auth-int\", stale=TRUE"])[0];
        Assert.Equal("SHA-256", c.Algorithm);
        Assert.True(c.Stale);
        Assert.True(c.QopAuth);
        Assert.Equal("o", c["opaque"]);
    }

    [Fact]
    public void Credentials_NeverPrintThePassword() =>
        Assert.DoesNotContain("Sekret", new IsapiCredentials("admin", "Sekret#123").ToString(), StringComparison.Ordinal);
}
