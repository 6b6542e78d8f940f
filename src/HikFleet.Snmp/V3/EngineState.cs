using HikFleet.Snmp.Ber;

namespace HikFleet.Snmp.V3;

/// <summary>What the client knows about one SNMPv3 agent's engine (filled by discovery).</summary>
internal sealed class EngineState
{
    public Task<Pdu> ExchangeAsync(SnmpClient client, SnmpTarget target, SnmpV3Credentials user, PduType type, int field1, int field2,
        IReadOnlyList<VarBind> binds, CancellationToken ct) => throw new NotImplementedException();
}
