using HikFleet.Snmp.Ber;
using HikFleet.Snmp.V3;

namespace HikFleet.Snmp.Tests;

/// <summary>The client against answers a real agent does not give: strays, garbage, loops, reports.</summary>
public sealed class HostileAgentTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly ObjectIdentifier Root = ObjectIdentifier.Parse("1.3.6.1.2.1.17");

    private static Pdu RequestOf(byte[] datagram) => SnmpBer.DecodeCommunityMessage(datagram).Pdu;

    private static byte[] Response(int requestId, params VarBind[] binds) =>
        SnmpBer.EncodeCommunityMessage(1, "public"u8, new Pdu(PduType.Response, requestId, 0, 0, binds));

    private static SnmpTarget Target(FakeAgent agent, int retries = 0, int timeoutMs = 300) =>
        new(agent.EndPoint, new SnmpV2cCredentials("public"), TimeSpan.FromMilliseconds(timeoutMs), retries);

    [Fact]
    public async Task Stray_and_late_datagrams_are_ignored_and_the_matching_response_is_taken()
    {
        await using var agent = new FakeAgent(req =>
        {
            var pdu = RequestOf(req);
            return
            [
                Response(pdu.RequestId + 1, new VarBind(pdu.VarBinds[0].Oid, SnmpValue.OctetString("stray"))),  // an older request's answer
                SnmpBer.EncodeCommunityMessage(1, "public"u8, pdu with { Type = PduType.GetRequest }),          // not a response
                Response(pdu.RequestId, new VarBind(pdu.VarBinds[0].Oid, SnmpValue.OctetString("mine"))),
            ];
        });
        using var client = new SnmpClient();
        var v = await client.GetAsync(Target(agent), [Root.Append(1, 0)], Ct);
        Assert.Equal("mine", v[0].Value.AsString());
    }

    [Fact]
    public async Task Garbage_from_the_agent_is_malformed_and_a_get_answered_for_other_oids_too()
    {
        await using (var agent = new FakeAgent(_ => [[0x30, 0x03, 0x02, 0x01]]))
        using (var client = new SnmpClient())
            Assert.Equal(SnmpErrorKind.Malformed, (await Assert.ThrowsAsync<SnmpException>(() => client.GetAsync(Target(agent), [Root.Append(1, 0)], Ct))).Kind);

        await using (var agent = new FakeAgent(req => [Response(RequestOf(req).RequestId, new VarBind(Root.Append(9, 9), SnmpValue.Integer(1)))]))
        using (var client = new SnmpClient())
            Assert.Equal(SnmpErrorKind.Malformed, (await Assert.ThrowsAsync<SnmpException>(() => client.GetAsync(Target(agent), [Root.Append(1, 0)], Ct))).Kind);
    }

    [Fact]
    public async Task A_walk_that_does_not_advance_stops_with_malformed_instead_of_looping()
    {
        // The agent answers every GetBulk with the same row: a naive walker would ask forever.
        await using var agent = new FakeAgent(req => [Response(RequestOf(req).RequestId, new VarBind(Root.Append(1, 1), SnmpValue.Integer(1)))]);
        using var client = new SnmpClient();
        var e = await Assert.ThrowsAsync<SnmpException>(() => client.WalkAsync(Target(agent), Root, Ct));
        Assert.Equal(SnmpErrorKind.Malformed, e.Kind);
        Assert.Equal(2, agent.Received); // the first answer is fine, the second repeats it
    }

    [Fact]
    public async Task TooBig_halves_the_repetitions_and_timeouts_are_retried()
    {
        var repetitions = new List<int>();
        await using var agent = new FakeAgent(req =>
        {
            var pdu = RequestOf(req);
            repetitions.Add(pdu.ErrorIndex);
            if (pdu.ErrorIndex > 6)
                return [SnmpBer.EncodeCommunityMessage(1, "public"u8, new Pdu(PduType.Response, pdu.RequestId, SnmpErrorStatus.TooBig, 0, []))];
            return [Response(pdu.RequestId, new VarBind(ObjectIdentifier.Parse("1.3.6.1.2.1.18.1"), SnmpValue.Integer(1)))]; // past the subtree
        });
        using var client = new SnmpClient();
        Assert.Empty(await client.WalkAsync(Target(agent), Root, Ct));
        Assert.Equal([24, 12, 6], repetitions);

        await using var silent = new FakeAgent(_ => []);
        var e = await Assert.ThrowsAsync<SnmpException>(() => client.GetAsync(Target(silent, retries: 2, timeoutMs: 100), [Root], Ct));
        Assert.Equal(SnmpErrorKind.Timeout, e.Kind);
        Assert.Equal(3, silent.Received);
    }

    /// <summary>A v3 agent that answers discovery, then answers the request with the given usmStats report (unauthenticated).</summary>
    private static FakeAgent V3Reporting(uint usmStat)
    {
        var engineId = Convert.FromHexString("80001F8880AABBCCDDEEFF0011");
        return new FakeAgent(req =>
        {
            var d = V3Message.Decode(req);
            var stat = d.Usm.EngineId.Length == 0 ? 4u : usmStat;
            var report = new Pdu(PduType.Report, 0, 0, 0, [new VarBind(ObjectIdentifier.Parse($"1.3.6.1.6.3.15.1.1.{stat}.0"), SnmpValue.Counter32(1))]);
            var scoped = V3Message.EncodeScopedPdu(new ScopedPdu(engineId, [], report));
            return [V3Message.Encode(d.MsgId, MsgFlags.None, new UsmParameters(engineId, 7, 1234, d.Usm.UserName, [], []), scoped, encrypted: false, authKey: null)];
        });
    }

    [Theory]
    [InlineData(1u)] // unsupportedSecLevel
    [InlineData(3u)] // unknownUserName
    [InlineData(5u)] // wrongDigest
    [InlineData(6u)] // decryptionError
    public async Task V3_authentication_reports_fail_at_once_and_are_never_retried(uint usmStat)
    {
        await using var agent = V3Reporting(usmStat);
        using var client = new SnmpClient();
        var target = new SnmpTarget(agent.EndPoint, new SnmpV3Credentials("ops", "auth-secret-1", "priv-secret-1"), TimeSpan.FromSeconds(2), Retries: 5);
        var e = await Assert.ThrowsAsync<SnmpException>(() => client.GetAsync(target, [Root], Ct));
        Assert.Equal(SnmpErrorKind.Authentication, e.Kind);
        Assert.Equal(2, agent.Received); // discovery + one request
        Assert.DoesNotContain("secret", e.ToString());
    }

    [Fact]
    public async Task An_unauthenticated_notInTimeWindow_report_is_not_believed()
    {
        await using var agent = V3Reporting(2);
        using var client = new SnmpClient();
        var target = new SnmpTarget(agent.EndPoint, new SnmpV3Credentials("ops", "auth-secret-1", "priv-secret-1"), TimeSpan.FromSeconds(2), Retries: 5);
        var e = await Assert.ThrowsAsync<SnmpException>(() => client.GetAsync(target, [Root], Ct));
        Assert.Equal(SnmpErrorKind.Authentication, e.Kind);
        Assert.Equal(2, agent.Received);
    }
}
