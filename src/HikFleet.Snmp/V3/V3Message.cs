using System.Formats.Asn1;
using HikFleet.Snmp.Ber;

namespace HikFleet.Snmp.V3;

/// <summary>msgFlags bits (RFC 3412 section 6.4).</summary>
[Flags]
internal enum MsgFlags : byte
{
    None = 0,
    Auth = 1,
    Priv = 2,
    Reportable = 4,
}

/// <summary>UsmSecurityParameters (RFC 3414 section 2.4).</summary>
internal sealed record UsmParameters(byte[] EngineId, int Boots, int Time, byte[] UserName, byte[] AuthParameters, byte[] PrivParameters);

/// <summary>A decoded SNMPv3 message; <see cref="AuthOffset"/> locates msgAuthenticationParameters in the raw bytes (for the MAC check).</summary>
internal sealed record V3Decoded(int MsgId, MsgFlags Flags, UsmParameters Usm, int AuthOffset, ReadOnlyMemory<byte> Raw, byte[]? EncryptedPdu, ScopedPdu? Plain);

/// <summary>ScopedPDU (RFC 3412 section 6.8).</summary>
internal sealed record ScopedPdu(byte[] ContextEngineId, byte[] ContextName, Pdu Pdu);

/// <summary>SNMPv3 message format (RFC 3412 section 6) with the User-based Security Model (RFC 3414) on System.Formats.Asn1.</summary>
internal static class V3Message
{
    public const int UsmSecurityModel = 3;
    public const int MaxEngineIdLength = 32;
    public const int MaxUserNameLength = 32;

    public static byte[] EncodeScopedPdu(ScopedPdu scoped)
    {
        var w = new AsnWriter(AsnEncodingRules.BER);
        using (w.PushSequence())
        {
            w.WriteOctetString(scoped.ContextEngineId);
            w.WriteOctetString(scoped.ContextName);
            SnmpBer.WritePdu(w, scoped.Pdu);
        }
        return w.Encode();
    }

    /// <summary>
    /// Encodes a message. With <see cref="MsgFlags.Auth"/> the 12 authentication octets are written as zeros and filled with
    /// HMAC-SHA-96 over the whole message (RFC 3414 section 6.3.1); <paramref name="msgData"/> is then the encrypted scoped PDU
    /// (priv) or the plain one.
    /// </summary>
    public static byte[] Encode(int msgId, MsgFlags flags, UsmParameters usm, byte[] msgData, bool encrypted, byte[]? authKey)
    {
        var sec = new AsnWriter(AsnEncodingRules.BER);
        using (sec.PushSequence())
        {
            sec.WriteOctetString(usm.EngineId);
            sec.WriteInteger(usm.Boots);
            sec.WriteInteger(usm.Time);
            sec.WriteOctetString(usm.UserName);
            sec.WriteOctetString((flags & MsgFlags.Auth) != 0 ? new byte[UsmCrypto.MacLength] : []);
            sec.WriteOctetString(usm.PrivParameters);
        }
        var w = new AsnWriter(AsnEncodingRules.BER);
        using (w.PushSequence())
        {
            w.WriteInteger(3);
            using (w.PushSequence())
            {
                w.WriteInteger(msgId);
                w.WriteInteger(SnmpBer.MaxMessageSize);
                w.WriteOctetString([(byte)flags]);
                w.WriteInteger(UsmSecurityModel);
            }
            w.WriteOctetString(sec.Encode());
            if (encrypted)
                w.WriteOctetString(msgData);
            else
                w.WriteEncodedValue(msgData);
        }
        var message = w.Encode();
        if ((flags & MsgFlags.Auth) != 0)
        {
            var decoded = Decode(message);
            UsmCrypto.Mac(authKey!, message).CopyTo(message.AsSpan(decoded.AuthOffset));
        }
        return message;
    }

    /// <summary>Decodes a v3 message (without checking its MAC or decrypting it). Anything unexpected is Malformed.</summary>
    public static V3Decoded Decode(ReadOnlyMemory<byte> raw) => SnmpBer.Decode(() =>
    {
        if (raw.Length > SnmpBer.MaxMessageSize)
            throw new FormatException($"{raw.Length} bytes");
        var outer = new AsnReader(raw, AsnEncodingRules.BER);
        var seq = outer.ReadSequence();
        outer.ThrowIfNotEmpty();
        if (!seq.TryReadInt32(out var version) || version != 3)
            throw new FormatException("not an SNMPv3 message");
        var global = seq.ReadSequence();
        if (!global.TryReadInt32(out var msgId) || msgId < 0 || !global.TryReadInt32(out var maxSize) || maxSize < 484)
            throw new FormatException("msgID or msgMaxSize out of range");
        var flagBytes = global.ReadOctetString();
        if (flagBytes.Length != 1)
            throw new FormatException("msgFlags is not one octet");
        var flags = (MsgFlags)flagBytes[0];
        if ((flags & (MsgFlags.Priv | MsgFlags.Auth)) == MsgFlags.Priv)
            throw new FormatException("privacy without authentication");
        if (!global.TryReadInt32(out var model) || model != UsmSecurityModel)
            throw new FormatException($"security model {model}");
        global.ThrowIfNotEmpty();

        if (!seq.TryReadPrimitiveOctetString(out var secParams))
            throw new FormatException("constructed msgSecurityParameters");
        var usmReader = new AsnReader(secParams, AsnEncodingRules.BER);
        var usmSeq = usmReader.ReadSequence();
        usmReader.ThrowIfNotEmpty();
        var engineId = usmSeq.ReadOctetString();
        if (!usmSeq.TryReadInt32(out var boots) || boots < 0 || !usmSeq.TryReadInt32(out var time) || time < 0)
            throw new FormatException("engine boots/time out of range");
        var user = usmSeq.ReadOctetString();
        if (!usmSeq.TryReadPrimitiveOctetString(out var authParams))
            throw new FormatException("constructed msgAuthenticationParameters");
        var privParams = usmSeq.ReadOctetString();
        usmSeq.ThrowIfNotEmpty();
        if (engineId.Length > MaxEngineIdLength || user.Length > MaxUserNameLength)
            throw new FormatException("engine ID or user name too long");
        if ((flags & MsgFlags.Auth) != 0 && authParams.Length != UsmCrypto.MacLength)
            throw new FormatException($"authentication parameters of {authParams.Length} octets");
        var authOffset = AuthParametersOffset(raw.Span);
        if (!raw.Span.Slice(authOffset, authParams.Length).SequenceEqual(authParams.Span))
            throw new FormatException("msgAuthenticationParameters not where the encoding says");

        byte[]? encrypted = null;
        ScopedPdu? plain = null;
        if ((flags & MsgFlags.Priv) != 0)
            encrypted = seq.ReadOctetString();
        else
            plain = ReadScopedPdu(seq);
        seq.ThrowIfNotEmpty();
        return new V3Decoded(msgId, flags, new UsmParameters(engineId, boots, time, user, authParams.ToArray(), privParams), authOffset, raw, encrypted, plain);
    }, "SNMPv3 message");

    public static ScopedPdu DecodeScopedPdu(ReadOnlyMemory<byte> bytes) => SnmpBer.Decode(() =>
    {
        // Decrypted CFB output has no padding, but other agents (DES-era habits) may leave trailing octets: read one value only.
        var r = new AsnReader(bytes, AsnEncodingRules.BER);
        return ReadScopedPdu(r);
    }, "scoped PDU");

    private static ScopedPdu ReadScopedPdu(AsnReader r)
    {
        var s = r.ReadSequence();
        var contextEngineId = s.ReadOctetString();
        var contextName = s.ReadOctetString();
        var pdu = SnmpBer.ReadPdu(s);
        s.ThrowIfNotEmpty();
        return new ScopedPdu(contextEngineId, contextName, pdu);
    }

    /// <summary>
    /// Offset of the msgAuthenticationParameters contents in the raw message, found by walking the (already validated) TLV
    /// structure: SEQUENCE { version, msgGlobalData, OCTET STRING { SEQUENCE { engineID, boots, time, user, >auth< … } } }.
    /// </summary>
    private static int AuthParametersOffset(ReadOnlySpan<byte> raw)
    {
        var pos = ContentStart(raw, 0);             // message SEQUENCE
        pos = Skip(raw, pos);                        // msgVersion
        pos = Skip(raw, pos);                        // msgGlobalData
        pos = ContentStart(raw, pos);                // msgSecurityParameters OCTET STRING
        pos = ContentStart(raw, pos);                // UsmSecurityParameters SEQUENCE
        for (var i = 0; i < 4; i++)                  // engineID, boots, time, userName
            pos = Skip(raw, pos);
        return ContentStart(raw, pos);               // msgAuthenticationParameters
    }

    private static int ContentStart(ReadOnlySpan<byte> raw, int pos) => Header(raw, pos).ContentStart;

    private static int Skip(ReadOnlySpan<byte> raw, int pos)
    {
        var (start, length) = Header(raw, pos);
        return start + length;
    }

    /// <summary>One BER header with a single-octet tag and a definite length (what SNMP uses; indefinite lengths are refused).</summary>
    private static (int ContentStart, int Length) Header(ReadOnlySpan<byte> raw, int pos)
    {
        if (pos + 2 > raw.Length || (raw[pos] & 0x1F) == 0x1F)
            throw new FormatException("truncated or multi-octet tag");
        int first = raw[pos + 1];
        if (first < 0x80)
            return (pos + 2, first);
        var n = first & 0x7F;
        if (n is 0 or > 3 || pos + 2 + n > raw.Length)
            throw new FormatException("indefinite or oversized length");
        var length = 0;
        for (var i = 0; i < n; i++)
            length = (length << 8) | raw[pos + 2 + i];
        if (pos + 2 + n + length > raw.Length)
            throw new FormatException("length beyond the message");
        return (pos + 2 + n, length);
    }

    /// <summary>True when the message's MAC is right (RFC 3414 section 3.2 step 6).</summary>
    public static bool Verify(V3Decoded message, byte[] authKey)
    {
        var copy = message.Raw.ToArray();
        copy.AsSpan(message.AuthOffset, UsmCrypto.MacLength).Clear();
        var expected = UsmCrypto.Mac(authKey, copy);
        return System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(expected, message.Usm.AuthParameters);
    }
}
