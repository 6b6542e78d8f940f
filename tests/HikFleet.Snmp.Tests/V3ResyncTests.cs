using HikFleet.Testing.Snmp;

namespace HikFleet.Snmp.Tests;

/// <summary>A switch reboot seen by a v3 manager: engine boots + 1, so the cached time is stale (RFC 3414 section 3.2 step 7).</summary>
public sealed class V3ResyncTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task After_an_agent_restart_a_notInTimeWindow_report_resynchronises_once_and_the_request_goes_through()
    {
        await using var agent = await PoeSwitchAgent.StartAsync(PoeSwitchModel.ForCameras([("CAM-A", "44:19:b6:00:00:0a")], uplinkMacs: 1), Ct);
        using var client = new SnmpClient();
        var target = agent.V3Target();
        var sysName = ObjectIdentifier.Parse("1.3.6.1.2.1.1.5.0");
        var boots = ObjectIdentifier.Parse("1.3.6.1.6.3.10.2.1.2.0"); // snmpEngineBoots
        var first = await client.GetAsync(target, [sysName, boots], Ct);
        Assert.Equal(2, client.MessagesSent); // discovery + request

        await agent.RestartAsync(Ct);

        var sent = client.MessagesSent;
        var second = await client.GetAsync(target, [sysName, boots], Ct);
        Assert.Equal("poe-sw-1", second[0].Value.AsString());
        Assert.True(first[1].Value.AsInt64() + 1 == second[1].Value.AsInt64(), $"boots {first[1].Value} then {second[1].Value}\n{agent.Log}"); // it really rebooted
        Assert.Equal(sent + 2, client.MessagesSent); // the stale request (answered notInTimeWindow) and its resend; no rediscovery
        await client.GetAsync(target, [sysName], Ct);
        Assert.Equal(sent + 3, client.MessagesSent); // in sync again
    }

    [Fact]
    public async Task A_new_engine_id_on_the_same_address_is_rediscovered_once()
    {
        await using var agent = await PoeSwitchAgent.StartAsync(PoeSwitchModel.ForCameras([("CAM-A", "44:19:b6:00:00:0a")], uplinkMacs: 1), Ct);
        using var client = new SnmpClient();
        var target = agent.V3Target();
        var engineId = ObjectIdentifier.Parse("1.3.6.1.6.3.10.2.1.1.0"); // snmpEngineID
        var before = (await client.GetAsync(target, [engineId], Ct))[0].Value.AsBytes();

        await agent.RestartAsync(Ct, newEngineId: true);

        var sent = client.MessagesSent;
        var after = (await client.GetAsync(target, [engineId], Ct))[0].Value.AsBytes();
        Assert.NotEqual(before, after);
        Assert.Equal(sent + 3, client.MessagesSent); // request (unknownEngineID report), discovery, resend with keys localised anew
    }
}
