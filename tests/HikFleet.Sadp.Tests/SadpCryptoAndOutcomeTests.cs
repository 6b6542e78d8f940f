using System.Security.Cryptography;
using System.Text;
using HikFleet.Sadp;

namespace HikFleet.Sadp.Tests;

public sealed class SadpCryptoAndOutcomeTests
{
    [Fact]
    public void ActivationPassword_VariantA_RoundTripsThroughRsaExchange()
    {
        // Client side: the public key exactly as ActivateAsync sends it (DER PKCS#1, base64).
        using var client = RSA.Create(1024);
        var code = Convert.ToBase64String(client.ExportRSAPublicKey());
        // Device side (§3.3): import the key, RSA-PKCS#1-encrypt a random ASCII string.
        using var device = RSA.Create();
        device.ImportRSAPublicKey(Convert.FromBase64String(code), out _);
        var random = Encoding.ASCII.GetBytes(Convert.ToHexString(RandomNumberGenerator.GetBytes(16)));
        var reply = device.Encrypt(random, RSAEncryptionPadding.Pkcs1);
        var r = client.Decrypt(reply, RSAEncryptionPadding.Pkcs1);
        Assert.Equal(random, r);

        var cipher = SadpPasswordCrypto.EncryptActivationPassword(r, "Camera#Pass2026");
        var raw = Convert.FromBase64String(cipher);
        Assert.Equal(32, raw.Length); // R[0:16] (16 bytes) + 15-byte password, zero-padded to a 16-byte multiple
        using var aes = Aes.Create();
        aes.Key = random[..16];
        Assert.Equal(aes.EncryptEcb(random[..16], PaddingMode.None), raw[..16]); // ECB: first block is AES(R[0:16])
        Assert.Equal("Camera#Pass2026", SadpPasswordCrypto.DecryptActivationPassword(random, cipher));
        Assert.Null(SadpPasswordCrypto.DecryptActivationPassword(Encoding.ASCII.GetBytes(new string('0', 32)), cipher));
    }

    [Fact]
    public void SaltedProof_Is64BytesAndDependsOnEveryInput()
    {
        var salt = new string('a', 64);
        var proof = SadpPasswordCrypto.CreateSaltedProof("admin", salt, "Secret#2026x");
        Assert.Equal(64, Convert.FromBase64String(proof).Length);
        Assert.Equal(proof, SadpPasswordCrypto.CreateSaltedProof("admin", salt, "Secret#2026x"));
        Assert.NotEqual(proof, SadpPasswordCrypto.CreateSaltedProof("admin", salt, "Secret#2026y"));
        Assert.NotEqual(proof, SadpPasswordCrypto.CreateSaltedProof("admin", new string('b', 64), "Secret#2026x"));
        Assert.NotEqual(proof, SadpPasswordCrypto.CreateSaltedProof("root", salt, "Secret#2026x"));
        // §4.4: the key is MD5(SHA256hex(user+salt+password)) and the buffer starts with the key.
        var k = MD5.HashData(Encoding.ASCII.GetBytes(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("admin" + salt + "Secret#2026x")))));
        using var aes = Aes.Create();
        aes.Key = k;
        var plain = aes.DecryptEcb(Convert.FromBase64String(proof), PaddingMode.None);
        Assert.Equal(k, plain[..16]);
        Assert.All(plain[16..], b => Assert.Equal(0, b));
    }

    [Theory]
    [InlineData("success", null, SadpCommandStatus.Success)]
    [InlineData("Succ!", null, SadpCommandStatus.Success)]
    [InlineData("Has activated!", null, SadpCommandStatus.AlreadyActivated)]
    [InlineData("failed", "Has activated!", SadpCommandStatus.AlreadyActivated)]
    [InlineData("Password error!", null, SadpCommandStatus.WrongPassword)]
    [InlineData("failed", "Password error!", SadpCommandStatus.WrongPassword)]
    [InlineData("Risk password!", null, SadpCommandStatus.RiskyPassword)]
    [InlineData("failed", "riskPassword", SadpCommandStatus.RiskyPassword)]
    [InlineData("Device lock!", null, SadpCommandStatus.Locked)]
    [InlineData("failed", "Device lock!", SadpCommandStatus.Locked)]
    [InlineData("Device deny!", null, SadpCommandStatus.Failed)]
    [InlineData("failed", null, SadpCommandStatus.Failed)]
    [InlineData(null, null, SadpCommandStatus.Failed)]
    public void Outcome_MapsDeviceResults(string? result, string? reason, SadpCommandStatus expected)
    {
        var reply = new SadpMessage { Kind = SadpMessageKind.ProbeMatch, Result = result };
        if (reason is not null)
            reply.UnknownFields["Description"] = reason;
        var outcome = SadpCommandOutcome.FromReply(reply);
        Assert.Equal(expected, outcome.Status);
        Assert.Same(reply, outcome.Reply);
        if (expected != SadpCommandStatus.Success)
            Assert.False(string.IsNullOrEmpty(outcome.Detail));
    }
}
