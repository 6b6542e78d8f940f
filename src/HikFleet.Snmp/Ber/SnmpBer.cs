using System.Formats.Asn1;

namespace HikFleet.Snmp.Ber;

/// <summary>
/// BER of SNMP values, variable bindings and PDUs on top of System.Formats.Asn1 (RFC 3416 / RFC 2578 types: application tags
/// IpAddress [APPLICATION 0] … Counter64 [APPLICATION 6], PDUs [CONTEXT 0..8], v2 exceptions [CONTEXT 0..2] as primitive NULLs).
/// Decoding treats input as hostile: anything that does not decode is an <see cref="SnmpException"/> of kind Malformed.
/// </summary>
public static class SnmpBer
{
    /// <summary>The largest message this codec writes or reads (the UDP payload limit).</summary>
    public const int MaxMessageSize = 65507;
    /// <summary>The most variable bindings one PDU may carry (a hostile agent cannot make us allocate more).</summary>
    public const int MaxVarBinds = 4096;
    /// <summary>The most arcs an OID may have (RFC 2578: 128 sub-identifiers).</summary>
    public const int MaxOidArcs = 128;

    internal static readonly Asn1Tag IpAddressTag = new(TagClass.Application, 0);
    internal static readonly Asn1Tag Counter32Tag = new(TagClass.Application, 1);
    internal static readonly Asn1Tag Gauge32Tag = new(TagClass.Application, 2);
    internal static readonly Asn1Tag TimeTicksTag = new(TagClass.Application, 3);
    internal static readonly Asn1Tag OpaqueTag = new(TagClass.Application, 4);
    internal static readonly Asn1Tag Counter64Tag = new(TagClass.Application, 6);
    internal static readonly Asn1Tag NoSuchObjectTag = new(TagClass.ContextSpecific, 0);
    internal static readonly Asn1Tag NoSuchInstanceTag = new(TagClass.ContextSpecific, 1);
    internal static readonly Asn1Tag EndOfMibViewTag = new(TagClass.ContextSpecific, 2);

    /// <summary>The constructed [CONTEXT n] tag of a PDU.</summary>
    public static Asn1Tag PduTag(PduType type) => new(TagClass.ContextSpecific, (int)type, isConstructed: true);

    // ------------------------------------------------------------------ writing

    /// <summary>Writes one value.</summary>
    public static void WriteValue(AsnWriter w, SnmpValue value)
    {
        switch (value.Type)
        {
            case SnmpValueType.Integer: w.WriteInteger(value.RawNumber); break;
            case SnmpValueType.OctetString: w.WriteOctetString(value.BytesSpan); break;
            case SnmpValueType.Null: w.WriteNull(); break;
            case SnmpValueType.ObjectIdentifier: w.WriteObjectIdentifier(value.AsOid().ToString()); break;
            case SnmpValueType.IpAddress: w.WriteOctetString(value.BytesSpan, IpAddressTag); break;
            case SnmpValueType.Counter32: w.WriteInteger((ulong)value.RawNumber, Counter32Tag); break;
            case SnmpValueType.Gauge32: w.WriteInteger((ulong)value.RawNumber, Gauge32Tag); break;
            case SnmpValueType.TimeTicks: w.WriteInteger((ulong)value.RawNumber, TimeTicksTag); break;
            case SnmpValueType.Opaque: w.WriteOctetString(value.BytesSpan, OpaqueTag); break;
            case SnmpValueType.Counter64: w.WriteInteger(unchecked((ulong)value.RawNumber), Counter64Tag); break;
            case SnmpValueType.NoSuchObject: w.WriteNull(NoSuchObjectTag); break;
            case SnmpValueType.NoSuchInstance: w.WriteNull(NoSuchInstanceTag); break;
            case SnmpValueType.EndOfMibView: w.WriteNull(EndOfMibViewTag); break;
            default: throw new ArgumentOutOfRangeException(nameof(value), value.Type, "Unknown SNMP value type.");
        }
    }

    /// <summary>Writes a PDU.</summary>
    public static void WritePdu(AsnWriter w, Pdu pdu)
    {
        using (w.PushSequence(PduTag(pdu.Type)))
        {
            w.WriteInteger(pdu.RequestId);
            w.WriteInteger(pdu.ErrorStatus);
            w.WriteInteger(pdu.ErrorIndex);
            using (w.PushSequence())
            {
                foreach (var vb in pdu.VarBinds)
                {
                    using (w.PushSequence())
                    {
                        w.WriteObjectIdentifier(vb.Oid.ToString());
                        WriteValue(w, vb.Value);
                    }
                }
            }
        }
    }

    /// <summary>A v1/v2c message: SEQUENCE { version, community, PDU } (RFC 1901).</summary>
    public static byte[] EncodeCommunityMessage(int version, ReadOnlySpan<byte> community, Pdu pdu)
    {
        var w = new AsnWriter(AsnEncodingRules.BER);
        using (w.PushSequence())
        {
            w.WriteInteger(version);
            w.WriteOctetString(community);
            WritePdu(w, pdu);
        }
        return w.Encode();
    }

    // ------------------------------------------------------------------ reading

    /// <summary>Runs a decoder, mapping every decoding failure to <see cref="SnmpErrorKind.Malformed"/>.</summary>
    public static T Decode<T>(Func<T> decode, string what)
    {
        try
        {
            return decode();
        }
        catch (Exception e) when (e is AsnContentException or FormatException or OverflowException or ArgumentException or InvalidOperationException)
        {
            throw new SnmpException(SnmpErrorKind.Malformed, $"Malformed {what}: {e.Message}", inner: e);
        }
    }

    /// <summary>Reads an OID, refusing arcs beyond 32 bits or more than <see cref="MaxOidArcs"/> arcs.</summary>
    public static ObjectIdentifier ReadOid(AsnReader r)
    {
        var text = r.ReadObjectIdentifier();
        var oid = ObjectIdentifier.Parse(text);
        if (oid.Arcs.Count > MaxOidArcs)
            throw new FormatException($"OID with {oid.Arcs.Count} arcs");
        return oid;
    }

    /// <summary>
    /// Reads an unsigned application integer. Tolerates the missing sign octet some agents write for values with the top bit set
    /// (e.g. Counter32 0xFFFFFFFF as four octets), but never more than <paramref name="bits"/> bits.
    /// </summary>
    private static ulong ReadUnsigned(AsnReader r, Asn1Tag tag, int bits)
    {
        // Read as raw primitive content: AsnReader's integer reader rightly refuses FF FF FF FF as non-minimal.
        if (!r.TryReadPrimitiveOctetString(out var content, tag))
            throw new FormatException("constructed integer");
        var bytes = content.Span;
        if (bytes.Length == 0)
            throw new FormatException("empty integer");
        if (bytes.Length > 1 && bytes[0] == 0)
            bytes = bytes[1..];
        if (bytes.Length > bits / 8)
            throw new FormatException($"integer of {bytes.Length} octets for a {bits}-bit type");
        ulong v = 0;
        foreach (var b in bytes)
            v = (v << 8) | b;
        return v;
    }

    /// <summary>Reads one value of any SNMP type.</summary>
    public static SnmpValue ReadValue(AsnReader r)
    {
        var tag = r.PeekTag();
        if (tag.TagClass == TagClass.Universal)
        {
            switch ((UniversalTagNumber)tag.TagValue)
            {
                case UniversalTagNumber.Integer:
                    if (!r.TryReadInt32(out var i))
                        throw new FormatException("INTEGER outside Integer32");
                    return SnmpValue.Integer(i);
                case UniversalTagNumber.OctetString:
                    return SnmpValue.OctetString(r.ReadOctetString());
                case UniversalTagNumber.Null:
                    r.ReadNull();
                    return SnmpValue.Null;
                case UniversalTagNumber.ObjectIdentifier:
                    return SnmpValue.Oid(ReadOid(r));
            }
        }
        else if (tag.TagClass == TagClass.Application && !tag.IsConstructed)
        {
            switch (tag.TagValue)
            {
                case 0:
                    var ip = r.ReadOctetString(IpAddressTag);
                    if (ip.Length != 4)
                        throw new FormatException($"IpAddress of {ip.Length} octets");
                    return SnmpValue.IpAddress(new System.Net.IPAddress(ip));
                case 1: return SnmpValue.Counter32((uint)ReadUnsigned(r, Counter32Tag, 32));
                case 2: return SnmpValue.Gauge32((uint)ReadUnsigned(r, Gauge32Tag, 32));
                case 3: return SnmpValue.TimeTicks((uint)ReadUnsigned(r, TimeTicksTag, 32));
                case 4: return SnmpValue.Opaque(r.ReadOctetString(OpaqueTag));
                case 6: return SnmpValue.Counter64(ReadUnsigned(r, Counter64Tag, 64));
            }
        }
        else if (tag.TagClass == TagClass.ContextSpecific && !tag.IsConstructed)
        {
            switch (tag.TagValue)
            {
                case 0: r.ReadNull(NoSuchObjectTag); return SnmpValue.NoSuchObject;
                case 1: r.ReadNull(NoSuchInstanceTag); return SnmpValue.NoSuchInstance;
                case 2: r.ReadNull(EndOfMibViewTag); return SnmpValue.EndOfMibView;
            }
        }
        throw new FormatException($"unexpected value tag {tag}");
    }

    /// <summary>Reads a PDU (any of [CONTEXT 0..8] except the v1 trap).</summary>
    public static Pdu ReadPdu(AsnReader r)
    {
        var tag = r.PeekTag();
        if (tag.TagClass != TagClass.ContextSpecific || !tag.IsConstructed || tag.TagValue is < 0 or > 8 || tag.TagValue == (int)PduType.TrapV1)
            throw new FormatException($"not a PDU: {tag}");
        var type = (PduType)tag.TagValue;
        var p = r.ReadSequence(tag);
        if (!p.TryReadInt32(out var requestId) || !p.TryReadInt32(out var errorStatus) || !p.TryReadInt32(out var errorIndex))
            throw new FormatException("PDU header integers out of range");
        var list = p.ReadSequence();
        var binds = new List<VarBind>();
        while (list.HasData)
        {
            if (binds.Count >= MaxVarBinds)
                throw new FormatException($"more than {MaxVarBinds} variable bindings");
            var vb = list.ReadSequence();
            var oid = ReadOid(vb);
            var value = ReadValue(vb);
            vb.ThrowIfNotEmpty();
            binds.Add(new VarBind(oid, value));
        }
        p.ThrowIfNotEmpty();
        return new Pdu(type, requestId, errorStatus, errorIndex, binds);
    }

    /// <summary>Decodes a v1/v2c message; throws Malformed for anything else (including trailing bytes).</summary>
    public static (int Version, byte[] Community, Pdu Pdu) DecodeCommunityMessage(ReadOnlyMemory<byte> message) => Decode(() =>
    {
        if (message.Length > MaxMessageSize)
            throw new FormatException($"{message.Length} bytes");
        var outer = new AsnReader(message, AsnEncodingRules.BER);
        var seq = outer.ReadSequence();
        outer.ThrowIfNotEmpty();
        if (!seq.TryReadInt32(out var version))
            throw new FormatException("version out of range");
        var community = seq.ReadOctetString();
        var pdu = ReadPdu(seq);
        seq.ThrowIfNotEmpty();
        return (version, community, pdu);
    }, "SNMP message");

    /// <summary>Peeks at the msgVersion of a message (0 = v1, 1 = v2c, 3 = v3) without decoding the rest.</summary>
    public static int PeekVersion(ReadOnlyMemory<byte> message) => Decode(() =>
    {
        var seq = new AsnReader(message, AsnEncodingRules.BER).ReadSequence();
        return seq.TryReadInt32(out var v) ? v : throw new FormatException("version out of range");
    }, "SNMP message");

}
