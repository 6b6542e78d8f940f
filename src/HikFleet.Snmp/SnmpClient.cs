using System.Collections.Concurrent;
using System.Net;
using System.Text;
using HikFleet.Snmp.Ber;
using HikFleet.Snmp.V3;

namespace HikFleet.Snmp;

/// <summary>
/// A UDP SNMP manager: Get, GetBulk walk and Set over v2c or v3 (engine discovery and time synchronisation done once per agent and
/// cached; a notInTimeWindow report re-synchronises once). Thread-safe; one instance serves many agents.
/// </summary>
/// <remarks>
/// Each exchange uses its own connected UDP socket, so answers from other addresses never reach it and concurrent requests never
/// see each other's datagrams. Timeouts are retried <see cref="SnmpTarget.Retries"/> times with the same request-id (a late answer
/// to the first attempt still counts); v3 authentication failures are never retried (a fleet tool retrying bad credentials locks
/// devices out and sets off switch alarms).
/// </remarks>
public sealed class SnmpClient : IDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(2);
    private int _requestId = Random.Shared.Next(1, 1 << 30);
    private long _messagesSent;
    private readonly ConcurrentDictionary<IPEndPoint, EngineState> _engines = new();

    /// <summary>GetBulk max-repetitions of a walk (halved on tooBig).</summary>
    public int MaxRepetitions { get; init; } = 24;

    /// <summary>Datagrams this client has sent (every attempt and discovery counts): lets tests prove a request was not retried.</summary>
    public long MessagesSent => Interlocked.Read(ref _messagesSent);

    /// <summary>Reads the given instances (GetRequest). Missing instances come back as exception values, not errors.</summary>
    public async Task<IReadOnlyList<VarBind>> GetAsync(SnmpTarget target, IReadOnlyList<ObjectIdentifier> oids, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(oids);
        var binds = oids.Select(o => new VarBind(o, SnmpValue.Null)).ToList();
        var response = await ExchangeAsync(target, PduType.GetRequest, 0, 0, binds, cancellationToken).ConfigureAwait(false);
        ThrowOnErrorStatus(response, "Get");
        if (response.VarBinds.Count != oids.Count)
            throw new SnmpException(SnmpErrorKind.Malformed, $"Get of {oids.Count} instance(s) answered with {response.VarBinds.Count}.");
        for (var i = 0; i < oids.Count; i++)
            if (!response.VarBinds[i].Oid.Equals(oids[i]))
                throw new SnmpException(SnmpErrorKind.Malformed, $"Get of {oids[i]} answered for {response.VarBinds[i].Oid}.");
        return response.VarBinds;
    }

    /// <summary>
    /// The instance following each given OID (GetNextRequest), in one request. Past the end of the agent's MIB the value is
    /// endOfMibView. Prefer <see cref="WalkAsync"/> for tables: GetBulk needs far fewer round trips.
    /// </summary>
    public async Task<IReadOnlyList<VarBind>> GetNextAsync(SnmpTarget target, IReadOnlyList<ObjectIdentifier> oids, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(oids);
        var binds = oids.Select(o => new VarBind(o, SnmpValue.Null)).ToList();
        var response = await ExchangeAsync(target, PduType.GetNextRequest, 0, 0, binds, cancellationToken).ConfigureAwait(false);
        ThrowOnErrorStatus(response, "GetNext");
        if (response.VarBinds.Count != oids.Count)
            throw new SnmpException(SnmpErrorKind.Malformed, $"GetNext of {oids.Count} OID(s) answered with {response.VarBinds.Count}.");
        for (var i = 0; i < oids.Count; i++)
            if (!response.VarBinds[i].Value.IsException && response.VarBinds[i].Oid.CompareTo(oids[i]) <= 0)
                throw new SnmpException(SnmpErrorKind.Malformed, $"GetNext after {oids[i]} answered {response.VarBinds[i].Oid}.");
        return response.VarBinds;
    }

    /// <summary>Every instance under <paramref name="root"/> in order (GetBulkRequest), at most <paramref name="maxRows"/> (then Malformed).</summary>
    public async Task<IReadOnlyList<VarBind>> WalkAsync(SnmpTarget target, ObjectIdentifier root, CancellationToken cancellationToken, int maxRows = 100_000)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(root);
        var rows = new List<VarBind>();
        var current = root;
        var repetitions = Math.Max(1, MaxRepetitions);
        while (true)
        {
            var response = await ExchangeAsync(target, PduType.GetBulkRequest, 0, repetitions, [new VarBind(current, SnmpValue.Null)], cancellationToken).ConfigureAwait(false);
            if (response.ErrorStatus == SnmpErrorStatus.TooBig && repetitions > 1)
            {
                repetitions /= 2;
                continue;
            }
            ThrowOnErrorStatus(response, "GetBulk");
            if (response.VarBinds.Count == 0)
                throw new SnmpException(SnmpErrorKind.Malformed, $"GetBulk after {current} answered with no variable bindings.");
            foreach (var vb in response.VarBinds)
            {
                if (vb.Value.IsException || !vb.Oid.StartsWith(root))
                    return rows;
                // Loop guard: an agent that answers a non-increasing OID would walk us in circles forever.
                if (vb.Oid.CompareTo(current) <= 0)
                    throw new SnmpException(SnmpErrorKind.Malformed, $"Walk of {root}: {vb.Oid} does not follow {current}.");
                if (rows.Count >= maxRows)
                    throw new SnmpException(SnmpErrorKind.Malformed, $"Walk of {root} exceeded {maxRows} rows.");
                rows.Add(vb);
                current = vb.Oid;
            }
        }
    }

    /// <summary>Writes the given values (SetRequest); returns the agent's response bindings; an error-status throws.</summary>
    public async Task<IReadOnlyList<VarBind>> SetAsync(SnmpTarget target, IReadOnlyList<VarBind> values, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(values);
        var response = await ExchangeAsync(target, PduType.SetRequest, 0, 0, values, cancellationToken).ConfigureAwait(false);
        ThrowOnErrorStatus(response, "Set");
        return response.VarBinds;
    }

    private static void ThrowOnErrorStatus(Pdu response, string operation)
    {
        if (response.ErrorStatus == 0)
            return;
        var which = response.ErrorIndex > 0 && response.ErrorIndex <= response.VarBinds.Count
            ? $" on {response.VarBinds[response.ErrorIndex - 1].Oid}" : "";
        throw new SnmpException(SnmpErrorKind.ErrorStatus, $"{operation} failed: {SnmpErrorStatus.Name(response.ErrorStatus)}{which}.",
            response.ErrorStatus, response.ErrorIndex);
    }

    internal int NextRequestId() => Interlocked.Increment(ref _requestId) & 0x7FFFFFFF;

    internal void CountSend() => Interlocked.Increment(ref _messagesSent);

    internal static TimeSpan TimeoutOf(SnmpTarget target) => target.Timeout is { } t && t > TimeSpan.Zero ? t : DefaultTimeout;

    private Task<Pdu> ExchangeAsync(SnmpTarget target, PduType type, int field1, int field2, IReadOnlyList<VarBind> binds, CancellationToken ct)
    {
        if (binds.Count > SnmpBer.MaxVarBinds)
            throw new ArgumentException($"At most {SnmpBer.MaxVarBinds} variable bindings per request.", nameof(binds));
        return target.Credentials switch
        {
            SnmpV2cCredentials c => CommunityExchangeAsync(target, c, type, field1, field2, binds, ct),
            SnmpV3Credentials u => _engines.GetOrAdd(target.EndPoint, static _ => new EngineState()).ExchangeAsync(this, target, u, type, field1, field2, binds, ct),
            _ => throw new ArgumentException("Unsupported credentials.", nameof(target)),
        };
    }

    private Task<Pdu> CommunityExchangeAsync(SnmpTarget target, SnmpV2cCredentials credentials, PduType type, int field1, int field2,
        IReadOnlyList<VarBind> binds, CancellationToken ct)
    {
        var requestId = NextRequestId();
        var community = Encoding.UTF8.GetBytes(credentials.Community);
        var message = SnmpBer.EncodeCommunityMessage(1, community, new Pdu(type, requestId, field1, field2, binds));
        if (message.Length > SnmpBer.MaxMessageSize)
            throw new ArgumentException("The request does not fit one message.", nameof(binds));
        return UdpExchange.RunAsync(target.EndPoint, _ => message, datagram =>
        {
            Pdu pdu;
            try
            {
                var (version, _, decoded) = SnmpBer.DecodeCommunityMessage(datagram);
                if (version != 1)
                    return UdpExchange.Verdict<Pdu>.Ignore;
                pdu = decoded;
            }
            catch (SnmpException e)
            {
                return UdpExchange.Verdict<Pdu>.Fail(e); // the agent's own address sent garbage: not an answer we can use
            }
            // A late answer to an earlier request (or a duplicate) is ignored; only the matching response ends the wait.
            if (pdu.Type != PduType.Response || pdu.RequestId != requestId)
                return UdpExchange.Verdict<Pdu>.Ignore;
            return UdpExchange.Verdict<Pdu>.Accept(pdu);
        }, TimeoutOf(target), Math.Max(0, target.Retries), CountSend, ct);
    }

    /// <inheritdoc />
    public void Dispose() => _engines.Clear();
}
