using HikFleet.Snmp.Ber;
using HikFleet.Snmp.V3;

namespace HikFleet.Snmp.Tests;

public sealed class UsmTests
{
    [Fact]
    public void Password_to_key_and_localisation_match_rfc_3414_appendix_a_3_2()
    {
        var ku = UsmKeys.PasswordToKeySha1("maplesyrup");
        Assert.Equal("9fb5cc0381497b3793528939ff788d5d79145211", Convert.ToHexStringLower(ku));
        var kul = UsmKeys.Localize(ku, Convert.FromHexString("000000000000000000000002"));
        Assert.Equal("6695febc9288e36282235fc7151f128497b38f3f", Convert.ToHexStringLower(kul));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(333)]
    public void Aes_cfb_keeps_the_length_and_round_trips(int length)
    {
        var key = Convert.FromHexString("00112233445566778899AABBCCDDEEFF");
        var salt = Convert.FromHexString("0102030405060708");
        var plain = Enumerable.Range(0, length).Select(i => (byte)i).ToArray();
        var cipher = UsmCrypto.Encrypt(key, 3, 1000, salt, plain);
        Assert.Equal(length, cipher.Length);
        Assert.Equal(plain, UsmCrypto.Decrypt(key, 3, 1000, salt, cipher));
        if (length > 0)
        {
            Assert.NotEqual(plain, cipher);
            // The IV is boots || time || salt: any of them changing changes the key stream.
            Assert.NotEqual(cipher, UsmCrypto.Encrypt(key, 3, 1001, salt, plain));
            Assert.NotEqual(cipher, UsmCrypto.Encrypt(key, 4, 1000, salt, plain));
        }
    }

    [Fact]
    public void Aes_cfb_is_aes_128_cfb_128_with_the_rfc_3826_iv()
    {
        // NIST SP 800-38A F.3.13 (CFB128-AES128.Encrypt), with the IV split the RFC 3826 way: boots || time || salt.
        var key = Convert.FromHexString("2b7e151628aed2a6abf7158809cf4f3c");
        var iv = Convert.FromHexString("000102030405060708090a0b0c0d0e0f");
        var boots = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(iv);
        var time = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(iv.AsSpan(4));
        var plain = Convert.FromHexString("6bc1bee22e409f96e93d7e117393172aae2d8a57");
        var cipher = UsmCrypto.Encrypt(key, boots, time, iv.AsSpan(8), plain);
        Assert.Equal("3b3fd92eb72dad20333449f8e83cfb4ac8a64537", Convert.ToHexStringLower(cipher));
    }

    [Fact]
    public void An_authenticated_message_verifies_and_any_changed_octet_breaks_it()
    {
        var authKey = UsmKeys.Localize(UsmKeys.PasswordToKeySha1("auth-password"), Convert.FromHexString("80001F8880AABBCCDDEEFF0011"));
        var scoped = V3Message.EncodeScopedPdu(new ScopedPdu([1, 2, 3, 4, 5], [], new Pdu(PduType.GetRequest, 5, 0, 0, [new VarBind(ObjectIdentifier.Parse("1.3.6.1.2.1.1.5.0"), SnmpValue.Null)])));
        var usm = new UsmParameters([1, 2, 3, 4, 5], 2, 300, "ops"u8.ToArray(), [], [9, 9, 9, 9, 9, 9, 9, 9]);
        var message = V3Message.Encode(77, MsgFlags.Auth | MsgFlags.Priv | MsgFlags.Reportable, usm, scoped, encrypted: true, authKey);
        var decoded = V3Message.Decode(message);
        Assert.Equal(77, decoded.MsgId);
        Assert.Equal("ops"u8.ToArray(), decoded.Usm.UserName);
        Assert.Equal(2, decoded.Usm.Boots);
        Assert.Equal(300, decoded.Usm.Time);
        Assert.True(V3Message.Verify(decoded, authKey));
        Assert.False(V3Message.Verify(decoded, UsmKeys.Localize(UsmKeys.PasswordToKeySha1("other-password"), [1, 2, 3, 4, 5])));
        for (var i = 0; i < message.Length; i++)
        {
            var tampered = (byte[])message.Clone();
            tampered[i] ^= 0x01;
            bool ok;
            try
            {
                ok = V3Message.Verify(V3Message.Decode(tampered), authKey);
            }
            catch (SnmpException e) when (e.Kind == SnmpErrorKind.Malformed)
            {
                ok = false;
            }
            Assert.False(ok, $"octet {i} changed and the message still verified");
        }
    }

    [Fact]
    public void Credentials_and_keys_never_print_their_secrets()
    {
        var c = new SnmpV3Credentials("ops", "auth-secret-1", "priv-secret-1");
        Assert.DoesNotContain("secret", c.ToString());
        Assert.DoesNotContain("secret", new SnmpTarget(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 161), c).ToString());
        Assert.DoesNotContain("public", new SnmpV2cCredentials("public").ToString());
        Assert.Equal("LocalizedKeys { *** }", LocalizedKeys.Derive(c, [1, 2, 3, 4, 5]).ToString());
    }
}
