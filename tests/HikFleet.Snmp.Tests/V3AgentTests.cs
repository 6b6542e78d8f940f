using System.Diagnostics;
using HikFleet.Snmp.Poe;

namespace HikFleet.Snmp.Tests;

/// <summary>SNMPv3 USM authPriv (HMAC-SHA-96 + AES-128-CFB) against the real net-snmp agent.</summary>
public sealed class V3AgentTests(SwitchFixture fx) : IClassFixture<SwitchFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly ObjectIdentifier SysName = ObjectIdentifier.Parse("1.3.6.1.2.1.1.5.0");
    private static readonly ObjectIdentifier WrongDigests = ObjectIdentifier.Parse("1.3.6.1.6.3.15.1.1.5.0");
    private static readonly ObjectIdentifier UnknownUserNames = ObjectIdentifier.Parse("1.3.6.1.6.3.15.1.1.3.0");
    private static readonly ObjectIdentifier DecryptionErrors = ObjectIdentifier.Parse("1.3.6.1.6.3.15.1.1.6.0");

    private async Task<long> AgentCounterAsync(ObjectIdentifier oid) => (await fx.Client.GetAsync(fx.Agent.V2cTarget(), [oid], Ct))[0].Value.AsInt64();

    [Fact]
    public async Task Get_walk_and_set_work_at_authPriv()
    {
        using var client = new SnmpClient();
        var target = fx.Agent.V3Target();
        var v = await client.GetAsync(target, [SysName], Ct);
        Assert.Equal("poe-sw-1", v[0].Value.AsString());
        Assert.Equal(2, client.MessagesSent); // discovery + the request
        await client.GetAsync(target, [SysName], Ct);
        Assert.Equal(3, client.MessagesSent); // the engine is cached

        var rows = await client.WalkAsync(target, ObjectIdentifier.Parse("1.3.6.1.2.1.17"), Ct);
        Assert.True(rows.Count > 100);

        var mib = new PoeSwitchMib(client);
        var camera = fx.Fleet.Devices[2]; // port 3
        await mib.SetPortPowerAsync(target, 1, 3, false, Ct);
        Assert.False(camera.Online);
        Assert.Equal(PseDetectionStatus.Disabled, Assert.Single(await mib.ReadPortsAsync(target, Ct), p => p.Port == 3).Detection);
        await mib.SetPortPowerAsync(target, 1, 3, true, Ct);
        var watch = Stopwatch.StartNew();
        while (!camera.Online && watch.Elapsed < TimeSpan.FromSeconds(10))
            await Task.Delay(10, Ct);
        Assert.True(camera.Online);
        Assert.Equal(PseDetectionStatus.DeliveringPower, Assert.Single(await mib.ReadPortsAsync(target, Ct), p => p.Port == 3).Detection);
    }

    [Fact]
    public async Task Wrong_auth_password_is_an_authentication_failure_sent_exactly_once()
    {
        using var client = new SnmpClient();
        await client.GetAsync(fx.Agent.V3Target(), [SysName], Ct); // engine discovered and cached
        var before = await AgentCounterAsync(WrongDigests);
        var sent = client.MessagesSent;
        var target = new SnmpTarget(fx.Agent.EndPoint, fx.Agent.V3Credentials with { AuthPassword = "wrong-" + fx.Agent.V3AuthPassword }, TimeSpan.FromSeconds(1), Retries: 3);

        var e = await Assert.ThrowsAsync<SnmpException>(() => client.GetAsync(target, [SysName], Ct));
        Assert.Equal(SnmpErrorKind.Authentication, e.Kind);
        Assert.Equal(sent + 1, client.MessagesSent); // no retry despite Retries = 3
        Assert.Equal(before + 1, await AgentCounterAsync(WrongDigests)); // and the agent saw exactly one
        Assert.DoesNotContain(fx.Agent.V3AuthPassword, e.ToString());
        Assert.DoesNotContain(fx.Agent.V3PrivPassword, e.ToString());
        Assert.DoesNotContain(fx.Agent.V3AuthPassword, target.ToString());
    }

    [Fact]
    public async Task Unknown_user_is_an_authentication_failure()
    {
        using var client = new SnmpClient();
        var before = await AgentCounterAsync(UnknownUserNames);
        var target = new SnmpTarget(fx.Agent.EndPoint, fx.Agent.V3Credentials with { User = "nobody" }, TimeSpan.FromSeconds(1), Retries: 2);
        var e = await Assert.ThrowsAsync<SnmpException>(() => client.GetAsync(target, [SysName], Ct));
        Assert.Equal(SnmpErrorKind.Authentication, e.Kind);
        Assert.Equal(2, client.MessagesSent); // discovery + one request
        Assert.Equal(before + 1, await AgentCounterAsync(UnknownUserNames));
    }

    [Fact]
    public async Task Wrong_priv_password_times_out_because_net_snmp_cannot_tell_it_from_garbage()
    {
        // The MAC is right (auth password), so the agent decrypts with its key, gets noise, counts snmpInASNParseErrs and stays
        // silent (RFC 3414 lets it; usmStatsDecryptionErrors is only for undecryptable lengths). To us that is a Timeout, retried
        // like any timeout; an agent that does send usmStatsDecryptionErrors gets an Authentication failure instead (unit-tested).
        using var client = new SnmpClient();
        await client.GetAsync(fx.Agent.V3Target(), [SysName], Ct);
        var parseErrors = ObjectIdentifier.Parse("1.3.6.1.2.1.11.6.0"); // snmpInASNParseErrs
        var before = await AgentCounterAsync(parseErrors);
        var digestsBefore = await AgentCounterAsync(WrongDigests);
        var sent = client.MessagesSent;
        var target = new SnmpTarget(fx.Agent.EndPoint, fx.Agent.V3Credentials with { PrivPassword = "wrong-" + fx.Agent.V3PrivPassword }, TimeSpan.FromMilliseconds(300), Retries: 1);
        var e = await Assert.ThrowsAsync<SnmpException>(() => client.GetAsync(target, [SysName], Ct));
        Assert.Equal(SnmpErrorKind.Timeout, e.Kind);
        Assert.Equal(sent + 2, client.MessagesSent);
        Assert.Equal(before + 2, await AgentCounterAsync(parseErrors));
        Assert.Equal(digestsBefore, await AgentCounterAsync(WrongDigests)); // the authentication itself was right
        Assert.DoesNotContain(fx.Agent.V3PrivPassword, e.ToString());
    }
}
