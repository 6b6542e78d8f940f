using System.Net;
using System.Text.Json;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Vault;
using HikFleet.Snmp;
using HikFleet.Snmp.Poe;
using Microsoft.Extensions.Options;

namespace HikFleet.Core.Poe;

/// <summary>
/// Talks to a switch: opens its sealed credentials (bound to the switch id) into an <see cref="SnmpTarget"/> for each exchange and
/// drives it through the standard MIBs. One SNMP client for the process.
/// </summary>
public sealed class PoeSwitchAccess(CredentialVault vault, IOptions<PoeOptions> options) : IDisposable
{
    private readonly SnmpClient _client = new();
    private PoeSwitchMib? _mib;

    public PoeSwitchMib Mib => _mib ??= new PoeSwitchMib(_client);

    /// <summary>The SNMP credentials of a switch as people give them.</summary>
    public sealed record Credentials(SnmpVersion Version, string? Community, string? User, string? AuthPassword, string? PrivPassword);

    private sealed record V3Secret(string Auth, string Priv);

    public static string SecretContext(Guid switchId) => $"poe-switch:{switchId:D}";

    /// <summary>Seals the secret part of <paramref name="credentials"/> onto the switch (community, or the v3 passwords).</summary>
    public void Seal(PoeSwitch sw, Credentials credentials)
    {
        var secret = credentials.Version == SnmpVersion.V2c
            ? credentials.Community!
            : JsonSerializer.Serialize(new V3Secret(credentials.AuthPassword!, credentials.PrivPassword!));
        (sw.SecretKeyId, sw.SecretSealed) = vault.SealSecret(secret, SecretContext(sw.Id));
        sw.SnmpVersion = credentials.Version;
        sw.SnmpUser = credentials.Version == SnmpVersion.V3 ? credentials.User : null;
    }

    /// <summary>How to reach the switch now (secrets opened in memory only for this exchange).</summary>
    public SnmpTarget Target(PoeSwitch sw)
    {
        var secret = vault.OpenSecret(sw.SecretKeyId, sw.SecretSealed, SecretContext(sw.Id));
        SnmpCredentials credentials = sw.SnmpVersion == SnmpVersion.V2c
            ? new SnmpV2cCredentials(secret)
            : JsonSerializer.Deserialize<V3Secret>(secret) is { } v3
                ? new SnmpV3Credentials(sw.SnmpUser ?? "", v3.Auth, v3.Priv)
                : throw new VaultException("The switch's SNMPv3 secret is damaged.");
        return new SnmpTarget(new IPEndPoint(sw.Address, sw.SnmpPort), credentials, options.Value.SnmpTimeout, options.Value.SnmpRetries);
    }

    /// <summary>A failure of a switch exchange as people read it (never a community or password: <see cref="SnmpException"/> carries none).</summary>
    public static string Describe(Exception e) => e switch
    {
        SnmpException { Kind: SnmpErrorKind.Timeout } => "The switch did not answer SNMP in time (address, port, or v2c community wrong?).",
        SnmpException { Kind: SnmpErrorKind.Authentication } s => $"The switch refused the SNMPv3 credentials ({Bound(s.Message)}); not retried.",
        SnmpException { Kind: SnmpErrorKind.ErrorStatus } s => $"The switch refused the request: {Bound(s.Message)}",
        SnmpException s => $"The switch's answer could not be read: {Bound(s.Message)}",
        VaultException v => v.Message,
        _ => $"{e.GetType().Name}: {Bound(e.Message)}",
    };

    private static string Bound(string s) => s.Length <= 200 ? s : s[..200] + "…";

    public void Dispose() => _client.Dispose();
}
