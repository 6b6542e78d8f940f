// The public surface of HikFleet.Snmp that HikFleet.Core builds against. Bodies are filled in by the codec work (issue #14).
using System.Net;

namespace HikFleet.Snmp;

/// <summary>An SNMP object identifier (e.g. <c>1.3.6.1.2.1.105.1.1.1.3.1.5</c>). Immutable, ordered lexicographically by arc.</summary>
public sealed class ObjectIdentifier : IEquatable<ObjectIdentifier>, IComparable<ObjectIdentifier>
{
    private readonly uint[] _arcs;

    /// <summary>From arcs (at least two).</summary>
    public ObjectIdentifier(params uint[] arcs)
    {
        if (arcs.Length < 2) throw new ArgumentException("An OID has at least two arcs.", nameof(arcs));
        _arcs = (uint[])arcs.Clone();
    }

    /// <summary>The arcs.</summary>
    public IReadOnlyList<uint> Arcs => _arcs;

    /// <summary>Parses dotted notation (a leading dot is allowed).</summary>
    public static ObjectIdentifier Parse(string dotted)
    {
        ArgumentNullException.ThrowIfNull(dotted);
        var parts = dotted.TrimStart('.').Split('.');
        var arcs = new uint[parts.Length];
        for (var i = 0; i < parts.Length; i++)
            if (!uint.TryParse(parts[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out arcs[i]))
                throw new FormatException($"Not an OID: {dotted}");
        return new ObjectIdentifier(arcs);
    }

    /// <summary>This OID with more arcs appended (a table column plus an index).</summary>
    public ObjectIdentifier Append(params uint[] more) => new([.. _arcs, .. more]);

    /// <summary>True when <paramref name="prefix"/> is this OID or an ancestor of it.</summary>
    public bool StartsWith(ObjectIdentifier prefix) => _arcs.AsSpan().StartsWith(prefix._arcs);

    /// <inheritdoc />
    public int CompareTo(ObjectIdentifier? other)
    {
        if (other is null) return 1;
        return _arcs.AsSpan().SequenceCompareTo(other._arcs);
    }

    /// <inheritdoc />
    public bool Equals(ObjectIdentifier? other) => other is not null && _arcs.AsSpan().SequenceEqual(other._arcs);
    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ObjectIdentifier o && Equals(o);
    /// <inheritdoc />
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var a in _arcs) h.Add(a);
        return h.ToHashCode();
    }
    /// <inheritdoc />
    public override string ToString() => string.Join('.', _arcs);
}

/// <summary>Who the client is to the agent.</summary>
public abstract record SnmpCredentials;

/// <summary>SNMP v2c community.</summary>
public sealed record SnmpV2cCredentials(string Community) : SnmpCredentials
{
    /// <inheritdoc />
    public override string ToString() => "SnmpV2cCredentials { Community = *** }";
}

/// <summary>SNMPv3 USM user at authPriv: HMAC-SHA-96 authentication (RFC 3414) and AES-128-CFB privacy (RFC 3826).</summary>
public sealed record SnmpV3Credentials(string User, string AuthPassword, string PrivPassword) : SnmpCredentials
{
    /// <inheritdoc />
    public override string ToString() => $"SnmpV3Credentials {{ User = {User}, AuthPassword = ***, PrivPassword = *** }}";
}

/// <summary>An agent and how to talk to it.</summary>
/// <param name="EndPoint">UDP end point (usually port 161).</param>
/// <param name="Credentials">v2c community or v3 user.</param>
/// <param name="Timeout">Per attempt; default 2 s.</param>
/// <param name="Retries">Further attempts after a timeout (never after an authentication failure); default 1.</param>
public sealed record SnmpTarget(IPEndPoint EndPoint, SnmpCredentials Credentials, TimeSpan? Timeout = null, int Retries = 1);

/// <summary>What went wrong talking to an agent.</summary>
public enum SnmpErrorKind
{
    /// <summary>No answer in time (v2c: also a wrong community — agents stay silent).</summary>
    Timeout,
    /// <summary>v3: unknown user, wrong digest, unsupported security level, or a decryption error (usmStats report).</summary>
    Authentication,
    /// <summary>The agent answered with an error-status (noSuchName, notWritable, wrongValue, …).</summary>
    ErrorStatus,
    /// <summary>The answer could not be decoded or did not match the request.</summary>
    Malformed,
}

/// <summary>A failed SNMP exchange. Messages never carry a community, password or key.</summary>
public class SnmpException : Exception
{
    /// <summary>A failure of the given kind.</summary>
    public SnmpException(SnmpErrorKind kind, string message, int errorStatus = 0, int errorIndex = 0, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
        ErrorStatus = errorStatus;
        ErrorIndex = errorIndex;
    }

    /// <summary>What went wrong.</summary>
    public SnmpErrorKind Kind { get; }
    /// <summary>The agent's error-status (RFC 3416) when <see cref="Kind"/> is ErrorStatus.</summary>
    public int ErrorStatus { get; }
    /// <summary>1-based index of the variable binding the error-status refers to (0 = none).</summary>
    public int ErrorIndex { get; }
}

/// <summary>SNMP value types (RFC 2578 / RFC 3416) including the v2 exceptions.</summary>
public enum SnmpValueType
{
    /// <summary>INTEGER.</summary>
    Integer,
    /// <summary>OCTET STRING.</summary>
    OctetString,
    /// <summary>NULL.</summary>
    Null,
    /// <summary>OBJECT IDENTIFIER.</summary>
    ObjectIdentifier,
    /// <summary>IpAddress.</summary>
    IpAddress,
    /// <summary>Counter32.</summary>
    Counter32,
    /// <summary>Gauge32 / Unsigned32.</summary>
    Gauge32,
    /// <summary>TimeTicks.</summary>
    TimeTicks,
    /// <summary>Opaque.</summary>
    Opaque,
    /// <summary>Counter64.</summary>
    Counter64,
    /// <summary>noSuchObject exception.</summary>
    NoSuchObject,
    /// <summary>noSuchInstance exception.</summary>
    NoSuchInstance,
    /// <summary>endOfMibView exception.</summary>
    EndOfMibView,
}

/// <summary>A typed SNMP value.</summary>
public readonly partial record struct SnmpValue(SnmpValueType Type)
{
    /// <summary>True for noSuchObject / noSuchInstance / endOfMibView.</summary>
    public bool IsException => Type is SnmpValueType.NoSuchObject or SnmpValueType.NoSuchInstance or SnmpValueType.EndOfMibView;
}

/// <summary>One variable binding.</summary>
public sealed record VarBind(ObjectIdentifier Oid, SnmpValue Value);
