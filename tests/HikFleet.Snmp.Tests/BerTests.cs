using System.Formats.Asn1;
using System.Net;
using HikFleet.Snmp.Ber;

namespace HikFleet.Snmp.Tests;

public sealed class BerTests
{
    private static readonly ObjectIdentifier Oid = ObjectIdentifier.Parse("1.3.6.1.2.1.105.1.1.1.3.1.2");

    public static TheoryData<string> ValueNames() => [.. Values.Keys];

    private static readonly Dictionary<string, SnmpValue> Values = new()
    {
        ["int-neg"] = SnmpValue.Integer(-129),
        ["int-max"] = SnmpValue.Integer(int.MaxValue),
        ["octets"] = SnmpValue.OctetString([0x00, 0xff, 0x80]),
        ["text"] = SnmpValue.OctetString("Grüße"),
        ["null"] = SnmpValue.Null,
        ["oid"] = SnmpValue.Oid(ObjectIdentifier.Parse("1.3.6.1.4.1.8072.3.2.10")),
        ["ip"] = SnmpValue.IpAddress(IPAddress.Parse("192.0.2.7")),
        ["counter32-max"] = SnmpValue.Counter32(uint.MaxValue),
        ["gauge32"] = SnmpValue.Gauge32(370),
        ["timeticks"] = SnmpValue.TimeTicks(123456),
        ["opaque"] = SnmpValue.Opaque([1, 2, 3]),
        ["counter64-max"] = SnmpValue.Counter64(ulong.MaxValue),
        ["noSuchObject"] = SnmpValue.NoSuchObject,
        ["noSuchInstance"] = SnmpValue.NoSuchInstance,
        ["endOfMibView"] = SnmpValue.EndOfMibView,
    };

    [Theory]
    [MemberData(nameof(ValueNames))]
    public void Every_value_type_round_trips_through_a_v2c_message(string name)
    {
        var value = Values[name];
        var pdu = new Pdu(PduType.Response, 42, 0, 0, [new VarBind(Oid, value)]);
        var bytes = SnmpBer.EncodeCommunityMessage(1, "public"u8, pdu);
        var (version, community, decoded) = SnmpBer.DecodeCommunityMessage(bytes);
        Assert.Equal(1, version);
        Assert.Equal("public"u8.ToArray(), community);
        Assert.Equal(PduType.Response, decoded.Type);
        Assert.Equal(42, decoded.RequestId);
        var vb = Assert.Single(decoded.VarBinds);
        Assert.Equal(Oid, vb.Oid);
        Assert.Equal(value, vb.Value);
    }

    [Fact]
    public void Encoding_matches_the_wire_format_of_rfc_3416()
    {
        // GetRequest for sysUpTime.0, community "public", request-id 1: the classic capture.
        var bytes = SnmpBer.EncodeCommunityMessage(1, "public"u8, new Pdu(PduType.GetRequest, 1, 0, 0, [new VarBind(ObjectIdentifier.Parse("1.3.6.1.2.1.1.3.0"), SnmpValue.Null)]));
        Assert.Equal("302602010104067075626C6963A019020101020100020100300E300C06082B060102010103000500", Convert.ToHexString(bytes));

        // Application types carry their [APPLICATION n] tags; Counter32 with the top bit set gets a sign octet.
        var w = new AsnWriter(AsnEncodingRules.BER);
        SnmpBer.WriteValue(w, SnmpValue.Counter32(0x80000000));
        Assert.Equal("41050080000000", Convert.ToHexString(w.Encode()));
        w = new AsnWriter(AsnEncodingRules.BER);
        SnmpBer.WriteValue(w, SnmpValue.NoSuchInstance);
        Assert.Equal("8100", Convert.ToHexString(w.Encode()));
    }

    [Fact]
    public void Counter32_without_its_sign_octet_is_tolerated_but_not_wider_than_32_bits()
    {
        // Some agents write 0xFFFFFFFF as four octets (no leading zero): read it as 4294967295.
        Assert.Equal(uint.MaxValue, ReadValue("4104FFFFFFFF").AsUInt32());
        Assert.Equal(SnmpErrorKind.Malformed, Assert.Throws<SnmpException>(() => ReadValue("410501FFFFFFFF")).Kind);
        Assert.Equal(SnmpErrorKind.Malformed, Assert.Throws<SnmpException>(() => ReadValue("4609010203040506070809")).Kind); // Counter64 of 9 octets
        Assert.Equal(ulong.MaxValue, ReadValue("4609" + "00FFFFFFFFFFFFFFFF").AsUInt64());
    }

    private static SnmpValue ReadValue(string hex) => SnmpBer.Decode(() => SnmpBer.ReadValue(new AsnReader(Convert.FromHexString(hex), AsnEncodingRules.BER)), "value");

    public static TheoryData<string, string> MalformedMessages() => new()
    {
        { "empty", "" },
        { "not a sequence", "0401FF" },
        { "truncated", "302602010104067075626C6963A219020101020100020100300E300C06082B060102010103" },
        { "length beyond the data", "30FF020101" },
        { "trailing bytes", "302602010104067075626C6963A219020101020100020100300E300C06082B06010201010300050000" },
        { "unknown value tag", "302602010104067075626C6963A219020101020100020100300E300C06082B060102010103008700" },
        { "IpAddress of 5 octets", "302B02010104067075626C6963A21E0201010201000201003013301106082B0601020101030040050102030405" },
        { "v1 trap PDU", "302602010104067075626C6963A419020101020100020100300E300C06082B060102010103000500" },
        { "request-id beyond Int32", "302A02010104067075626C6963A21D020500FFFFFFFF020100020100300E300C06082B060102010103000500" },
        { "OID arc beyond 32 bits", "302B02010104067075626C6963A21E02010102010002010030133011060D2B0601020101039080808080000500" },
        { "indefinite length, unterminated", "3080020101" },
    };

    [Theory]
    [MemberData(nameof(MalformedMessages))]
    public void Malformed_messages_are_rejected_as_malformed(string why, string hex)
    {
        var e = Assert.Throws<SnmpException>(() => SnmpBer.DecodeCommunityMessage(Convert.FromHexString(hex)));
        Assert.True(e.Kind == SnmpErrorKind.Malformed, why);
    }

    [Fact]
    public void A_pdu_with_more_variable_bindings_than_the_limit_is_rejected()
    {
        var binds = Enumerable.Range(0, SnmpBer.MaxVarBinds + 1).Select(i => new VarBind(Oid, SnmpValue.Null)).ToList();
        var bytes = SnmpBer.EncodeCommunityMessage(1, "x"u8, new Pdu(PduType.Response, 1, 0, 0, binds));
        Assert.Equal(SnmpErrorKind.Malformed, Assert.Throws<SnmpException>(() => SnmpBer.DecodeCommunityMessage(bytes)).Kind);
    }

    [Fact]
    public void Value_accessors_refuse_the_wrong_type_and_values_print_without_surprises()
    {
        Assert.Equal(5, SnmpValue.Gauge32(5).AsInt32());
        Assert.Throws<InvalidOperationException>(() => SnmpValue.OctetString("x").AsInt32());
        Assert.Throws<InvalidOperationException>(() => SnmpValue.Integer(-1).AsUInt32());
        Assert.Throws<InvalidOperationException>(() => SnmpValue.Counter64(ulong.MaxValue).AsInt64());
        Assert.Equal(TimeSpan.FromSeconds(1), SnmpValue.TimeTicks(100).AsTimeSpan());
        Assert.Equal(IPAddress.Parse("10.0.0.1"), SnmpValue.IpAddress(IPAddress.Parse("10.0.0.1")).AsIpAddress());
        Assert.Equal("OctetString: 0AFF", SnmpValue.OctetString([0x0a, 0xff]).ToString());
        Assert.NotEqual(SnmpValue.OctetString("a"), SnmpValue.OctetString("b"));
        Assert.Equal(SnmpValue.OctetString("a").GetHashCode(), SnmpValue.OctetString("a").GetHashCode());
    }
}
