using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using HikFleet.Snmp.Ber;

namespace HikFleet.Snmp.V3;

/// <summary>
/// What the client knows about one SNMPv3 agent's engine: its engine ID, boots and time (RFC 3414 section 4, discovery), and the
/// users' keys localised to it. Discovery runs once per agent; a notInTimeWindow report re-synchronises once; an
/// unknownEngineID report (the agent got a new engine ID) re-discovers once. Authentication reports are never retried.
/// </summary>
internal sealed class EngineState
{
    private static readonly ObjectIdentifier UsmStats = ObjectIdentifier.Parse("1.3.6.1.6.3.15.1.1");
    private static long _salt = Random.Shared.NextInt64();

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConcurrentDictionary<SnmpV3Credentials, LocalizedKeys> _keys = new();
    private volatile Snapshot? _engine;

    /// <summary>Engine ID, boots and time as of <see cref="Stamp"/> (Stopwatch timestamp).</summary>
    private sealed record Snapshot(byte[] EngineId, int Boots, int Time, long Stamp)
    {
        public int TimeNow => (int)Math.Min(int.MaxValue, Time + (long)Stopwatch.GetElapsedTime(Stamp).TotalSeconds);
    }

    private enum Outcome { Response, NotInTimeWindow, UnknownEngineId }

    public async Task<Pdu> ExchangeAsync(SnmpClient client, SnmpTarget target, SnmpV3Credentials user, PduType type, int field1, int field2,
        IReadOnlyList<VarBind> binds, CancellationToken ct)
    {
        if (Encoding.UTF8.GetByteCount(user.User) is 0 or > V3Message.MaxUserNameLength)
            throw new ArgumentException("A v3 user name has 1 to 32 octets.", nameof(user));
        if (user.AuthPassword.Length < 8 || user.PrivPassword.Length < 8)
            throw new ArgumentException("v3 passwords have at least 8 characters (RFC 3414 section 11.2).", nameof(user));
        var pdu = new Pdu(type, client.NextRequestId(), field1, field2, binds);
        var resynced = false;
        var rediscovered = false;
        while (true)
        {
            var engine = _engine ?? await DiscoverAsync(client, target, null, ct).ConfigureAwait(false);
            var keys = _keys.GetOrAdd(user, u => LocalizedKeys.Derive(u, engine.EngineId));
            var (outcome, response, usm) = await SendAsync(client, target, user, keys, engine, pdu, ct).ConfigureAwait(false);
            switch (outcome)
            {
                case Outcome.Response:
                    return response!;
                case Outcome.NotInTimeWindow when !resynced:
                    // RFC 3414 section 4: the (authenticated) report carries the agent's boots and time; adopt them and resend once.
                    resynced = true;
                    _engine = new Snapshot(engine.EngineId, usm!.Boots, usm.Time, Stopwatch.GetTimestamp());
                    continue;
                case Outcome.UnknownEngineId when !rediscovered:
                    rediscovered = true;
                    await DiscoverAsync(client, target, engine, ct).ConfigureAwait(false);
                    continue;
                default:
                    throw new SnmpException(SnmpErrorKind.Authentication,
                        outcome == Outcome.NotInTimeWindow ? "The agent still reports notInTimeWindow after re-synchronising." : "The agent's engine ID keeps changing.");
            }
        }
    }

    /// <summary>Discovery (RFC 3414 section 4): an empty noAuthNoPriv request is answered by a usmStatsUnknownEngineIDs report.</summary>
    private async Task<Snapshot> DiscoverAsync(SnmpClient client, SnmpTarget target, Snapshot? stale, CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_engine is { } known && !ReferenceEquals(known, stale))
                return known; // someone else discovered it meanwhile
            var msgId = client.NextRequestId();
            var scoped = V3Message.EncodeScopedPdu(new ScopedPdu([], [], new Pdu(PduType.GetRequest, client.NextRequestId(), 0, 0, [])));
            var message = V3Message.Encode(msgId, MsgFlags.Reportable, new UsmParameters([], 0, 0, [], [], []), scoped, encrypted: false, authKey: null);
            var usm = await UdpExchange.RunAsync(target.EndPoint, _ => message, datagram =>
            {
                V3Decoded d;
                try
                {
                    d = V3Message.Decode(datagram);
                }
                catch (SnmpException e)
                {
                    return UdpExchange.Verdict<UsmParameters>.Fail(e);
                }
                if (d.MsgId != msgId)
                    return UdpExchange.Verdict<UsmParameters>.Ignore;
                if (d.Usm.EngineId.Length is < 5 or > V3Message.MaxEngineIdLength)
                    return UdpExchange.Verdict<UsmParameters>.Fail(new SnmpException(SnmpErrorKind.Malformed, "Discovery answered without a valid engine ID."));
                return UdpExchange.Verdict<UsmParameters>.Accept(d.Usm);
            }, SnmpClient.TimeoutOf(target), Math.Max(0, target.Retries), client.CountSend, ct).ConfigureAwait(false);
            if (stale is null || !stale.EngineId.AsSpan().SequenceEqual(usm.EngineId))
                _keys.Clear(); // keys are localised to an engine ID
            var snapshot = new Snapshot(usm.EngineId, usm.Boots, usm.Time, Stopwatch.GetTimestamp());
            _engine = snapshot;
            return snapshot;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<(Outcome, Pdu?, UsmParameters?)> SendAsync(SnmpClient client, SnmpTarget target, SnmpV3Credentials user,
        LocalizedKeys keys, Snapshot engine, Pdu pdu, CancellationToken ct)
    {
        var msgId = client.NextRequestId();
        var userName = Encoding.UTF8.GetBytes(user.User);
        var scoped = V3Message.EncodeScopedPdu(new ScopedPdu(engine.EngineId, [], pdu));
        const MsgFlags flags = MsgFlags.Auth | MsgFlags.Priv | MsgFlags.Reportable;

        byte[] Build(int attempt)
        {
            // A fresh salt and the current engine time for every attempt (RFC 3826 section 3.1.1.1: never reuse an IV).
            var salt = new byte[UsmCrypto.SaltLength];
            System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(salt, Interlocked.Increment(ref _salt));
            var time = engine.TimeNow;
            var encrypted = UsmCrypto.Encrypt(keys.Priv, engine.Boots, time, salt, scoped);
            var message = V3Message.Encode(msgId, flags, new UsmParameters(engine.EngineId, engine.Boots, time, userName, [], salt), encrypted, encrypted: true, keys.Auth);
            if (message.Length > SnmpBer.MaxMessageSize)
                throw new ArgumentException("The request does not fit one message.");
            return message;
        }

        return await UdpExchange.RunAsync(target.EndPoint, Build, datagram =>
        {
            V3Decoded d;
            try
            {
                d = V3Message.Decode(datagram);
            }
            catch (SnmpException e)
            {
                return UdpExchange.Verdict<(Outcome, Pdu?, UsmParameters?)>.Fail(e);
            }
            if (d.MsgId != msgId)
                return UdpExchange.Verdict<(Outcome, Pdu?, UsmParameters?)>.Ignore;
            var authenticated = (d.Flags & MsgFlags.Auth) != 0;
            if (authenticated && !V3Message.Verify(d, keys.Auth))
                return UdpExchange.Verdict<(Outcome, Pdu?, UsmParameters?)>.Ignore; // not from the agent we share keys with: drop (RFC 3414 3.2 step 6)

            ScopedPdu? scopedPdu = d.Plain;
            if (d.EncryptedPdu is { } cipher)
            {
                if (d.Usm.PrivParameters.Length != UsmCrypto.SaltLength)
                    return UdpExchange.Verdict<(Outcome, Pdu?, UsmParameters?)>.Fail(new SnmpException(SnmpErrorKind.Malformed, "Encrypted answer without an 8-octet salt."));
                try
                {
                    scopedPdu = V3Message.DecodeScopedPdu(UsmCrypto.Decrypt(keys.Priv, d.Usm.Boots, d.Usm.Time, d.Usm.PrivParameters, cipher));
                }
                catch (SnmpException e)
                {
                    return UdpExchange.Verdict<(Outcome, Pdu?, UsmParameters?)>.Fail(e);
                }
            }
            var answer = scopedPdu!.Pdu;
            if (answer.Type == PduType.Report)
                return Classify(answer, d, authenticated);
            if (answer.Type != PduType.Response || answer.RequestId != pdu.RequestId)
                return UdpExchange.Verdict<(Outcome, Pdu?, UsmParameters?)>.Ignore;
            if (!authenticated || d.EncryptedPdu is null)
                return UdpExchange.Verdict<(Outcome, Pdu?, UsmParameters?)>.Fail(new SnmpException(SnmpErrorKind.Malformed, "The answer to an authPriv request was not authenticated and encrypted."));
            Observe(engine, d.Usm);
            return UdpExchange.Verdict<(Outcome, Pdu?, UsmParameters?)>.Accept((Outcome.Response, answer, d.Usm));
        }, SnmpClient.TimeoutOf(target), Math.Max(0, target.Retries), client.CountSend, ct).ConfigureAwait(false);
    }

    /// <summary>Turns a Report into an outcome: resync / rediscover, or an error that is never retried.</summary>
    private static UdpExchange.Verdict<(Outcome, Pdu?, UsmParameters?)> Classify(Pdu report, V3Decoded d, bool authenticated)
    {
        var oid = report.VarBinds.Count > 0 ? report.VarBinds[0].Oid : null;
        var counter = oid is not null && oid.StartsWith(UsmStats) && oid.Arcs.Count == UsmStats.Arcs.Count + 2 ? oid.Arcs[^2] : 0u;
        string reason;
        switch (counter)
        {
            case 2 when authenticated: // notInTimeWindow is only believed when authenticated (RFC 3414 section 3.2 step 7b)
                return UdpExchange.Verdict<(Outcome, Pdu?, UsmParameters?)>.Accept((Outcome.NotInTimeWindow, null, d.Usm));
            case 4:
                return UdpExchange.Verdict<(Outcome, Pdu?, UsmParameters?)>.Accept((Outcome.UnknownEngineId, null, d.Usm));
            case 1: reason = "usmStatsUnsupportedSecLevels: the user is not configured for authPriv (SHA + AES)"; break;
            case 2: reason = "usmStatsNotInTimeWindows (unauthenticated report)"; break;
            case 3: reason = "usmStatsUnknownUserNames: unknown user"; break;
            case 5: reason = "usmStatsWrongDigests: wrong authentication password"; break;
            case 6: reason = "usmStatsDecryptionErrors: wrong privacy password"; break;
            default:
                return UdpExchange.Verdict<(Outcome, Pdu?, UsmParameters?)>.Fail(new SnmpException(SnmpErrorKind.Malformed, $"The agent reported {oid?.ToString() ?? "nothing"}."));
        }
        // Never retried: repeating bad credentials is how a fleet tool locks devices out (and switches alarm on it).
        return UdpExchange.Verdict<(Outcome, Pdu?, UsmParameters?)>.Fail(new SnmpException(SnmpErrorKind.Authentication, $"The agent refused the v3 credentials ({reason})."));
    }

    /// <summary>Keeps the local notion of the agent's clock current from authenticated answers (RFC 3414 section 3.2 step 7b).</summary>
    private void Observe(Snapshot engine, UsmParameters usm)
    {
        if (!ReferenceEquals(_engine, engine) && _engine is not null)
            return;
        if (usm.Boots > engine.Boots || (usm.Boots == engine.Boots && usm.Time > engine.TimeNow))
            _engine = new Snapshot(engine.EngineId, usm.Boots, usm.Time, Stopwatch.GetTimestamp());
    }
}
