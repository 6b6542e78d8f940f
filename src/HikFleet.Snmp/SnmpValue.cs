using System.Net;
using System.Text;

namespace HikFleet.Snmp;

public readonly partial record struct SnmpValue
{
    // One payload field per kind keeps the struct small: numbers (Counter64 as its bit pattern), bytes, or an OID.
    private readonly long _number;
    private readonly byte[]? _bytes;
    private readonly ObjectIdentifier? _oid;

    private SnmpValue(SnmpValueType type, long number, byte[]? bytes, ObjectIdentifier? oid) : this(type)
    {
        _number = number;
        _bytes = bytes;
        _oid = oid;
    }

    /// <summary>INTEGER (Integer32).</summary>
    public static SnmpValue Integer(int value) => new(SnmpValueType.Integer, value, null, null);
    /// <summary>OCTET STRING from bytes (copied).</summary>
    public static SnmpValue OctetString(ReadOnlySpan<byte> value) => new(SnmpValueType.OctetString, 0, value.ToArray(), null);
    /// <summary>OCTET STRING from text (UTF-8).</summary>
    public static SnmpValue OctetString(string value) => new(SnmpValueType.OctetString, 0, Encoding.UTF8.GetBytes(value), null);
    /// <summary>NULL (what a Get request carries).</summary>
    public static SnmpValue Null => new(SnmpValueType.Null);
    /// <summary>OBJECT IDENTIFIER.</summary>
    public static SnmpValue Oid(ObjectIdentifier value) => new(SnmpValueType.ObjectIdentifier, 0, null, value ?? throw new ArgumentNullException(nameof(value)));
    /// <summary>IpAddress (IPv4 only).</summary>
    public static SnmpValue IpAddress(IPAddress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
            throw new ArgumentException("IpAddress is IPv4 only.", nameof(value));
        return new(SnmpValueType.IpAddress, 0, value.GetAddressBytes(), null);
    }
    /// <summary>Counter32.</summary>
    public static SnmpValue Counter32(uint value) => new(SnmpValueType.Counter32, value, null, null);
    /// <summary>Gauge32 / Unsigned32.</summary>
    public static SnmpValue Gauge32(uint value) => new(SnmpValueType.Gauge32, value, null, null);
    /// <summary>TimeTicks (hundredths of a second).</summary>
    public static SnmpValue TimeTicks(uint value) => new(SnmpValueType.TimeTicks, value, null, null);
    /// <summary>Counter64.</summary>
    public static SnmpValue Counter64(ulong value) => new(SnmpValueType.Counter64, unchecked((long)value), null, null);
    /// <summary>Opaque (bytes, copied).</summary>
    public static SnmpValue Opaque(ReadOnlySpan<byte> value) => new(SnmpValueType.Opaque, 0, value.ToArray(), null);
    /// <summary>noSuchObject.</summary>
    public static SnmpValue NoSuchObject => new(SnmpValueType.NoSuchObject);
    /// <summary>noSuchInstance.</summary>
    public static SnmpValue NoSuchInstance => new(SnmpValueType.NoSuchInstance);
    /// <summary>endOfMibView.</summary>
    public static SnmpValue EndOfMibView => new(SnmpValueType.EndOfMibView);

    /// <summary>True for INTEGER, Counter32, Gauge32, TimeTicks and Counter64.</summary>
    public bool IsNumber => Type is SnmpValueType.Integer or SnmpValueType.Counter32 or SnmpValueType.Gauge32 or SnmpValueType.TimeTicks or SnmpValueType.Counter64;

    /// <summary>INTEGER, or an unsigned 32-bit type that fits; otherwise <see cref="InvalidOperationException"/>.</summary>
    public int AsInt32()
    {
        var v = AsInt64();
        return v is >= int.MinValue and <= int.MaxValue ? (int)v : throw new InvalidOperationException($"{Type} value {v} does not fit an Int32.");
    }

    /// <summary>Any numeric type as a signed 64-bit number (Counter64 above <see cref="long.MaxValue"/> throws).</summary>
    public long AsInt64()
    {
        if (!IsNumber)
            throw new InvalidOperationException($"{Type} is not a number.");
        if (Type == SnmpValueType.Counter64 && _number < 0)
            throw new InvalidOperationException("Counter64 value does not fit an Int64.");
        return _number;
    }

    /// <summary>Counter32 / Gauge32 / TimeTicks (or a non-negative INTEGER).</summary>
    public uint AsUInt32()
    {
        var v = AsInt64();
        return v is >= 0 and <= uint.MaxValue ? (uint)v : throw new InvalidOperationException($"{Type} value {v} does not fit a UInt32.");
    }

    /// <summary>Counter64 (or any non-negative number).</summary>
    public ulong AsUInt64()
    {
        if (!IsNumber)
            throw new InvalidOperationException($"{Type} is not a number.");
        if (Type != SnmpValueType.Counter64 && _number < 0)
            throw new InvalidOperationException($"{Type} value {_number} is negative.");
        return unchecked((ulong)_number);
    }

    /// <summary>OCTET STRING / IpAddress / Opaque bytes (a copy).</summary>
    public byte[] AsBytes() => _bytes is { } b ? (byte[])b.Clone() : throw new InvalidOperationException($"{Type} has no bytes.");

    /// <summary>OCTET STRING as UTF-8 text (invalid sequences replaced).</summary>
    public string AsString() => Type == SnmpValueType.OctetString ? Encoding.UTF8.GetString(_bytes!) : throw new InvalidOperationException($"{Type} is not an OCTET STRING.");

    /// <summary>OBJECT IDENTIFIER.</summary>
    public ObjectIdentifier AsOid() => _oid ?? throw new InvalidOperationException($"{Type} is not an OBJECT IDENTIFIER.");

    /// <summary>IpAddress.</summary>
    public IPAddress AsIpAddress() => Type == SnmpValueType.IpAddress ? new IPAddress(_bytes!) : throw new InvalidOperationException($"{Type} is not an IpAddress.");

    /// <summary>TimeTicks as a duration.</summary>
    public TimeSpan AsTimeSpan() => Type == SnmpValueType.TimeTicks ? TimeSpan.FromMilliseconds(_number * 10.0) : throw new InvalidOperationException($"{Type} is not TimeTicks.");

    internal ReadOnlySpan<byte> BytesSpan => _bytes;
    internal long RawNumber => _number;

    /// <inheritdoc />
    public bool Equals(SnmpValue other) =>
        Type == other.Type && _number == other._number && Equals(_oid, other._oid) &&
        (_bytes is null ? other._bytes is null : other._bytes is not null && _bytes.AsSpan().SequenceEqual(other._bytes));

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var h = new HashCode();
        h.Add(Type);
        h.Add(_number);
        h.Add(_oid);
        if (_bytes is not null)
            h.AddBytes(_bytes);
        return h.ToHashCode();
    }

    /// <inheritdoc />
    public override string ToString() => Type switch
    {
        SnmpValueType.Integer or SnmpValueType.Counter32 or SnmpValueType.Gauge32 or SnmpValueType.TimeTicks => $"{Type}: {_number}",
        SnmpValueType.Counter64 => $"{Type}: {unchecked((ulong)_number)}",
        SnmpValueType.OctetString or SnmpValueType.Opaque => $"{Type}: {Convert.ToHexString(_bytes!)}",
        SnmpValueType.IpAddress => $"{Type}: {new IPAddress(_bytes!)}",
        SnmpValueType.ObjectIdentifier => $"{Type}: {_oid}",
        _ => Type.ToString(),
    };
}
