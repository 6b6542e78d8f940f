using HikFleet.Isapi.Models;
using HikFleet.Isapi.Security;
using HikFleet.Isapi.Xml;

namespace HikFleet.Isapi;

public sealed partial class IsapiClient
{
    /// <summary><c>GET /SDK/activateStatus</c> without credentials (§3.2). Like the public clients, any <c>true</c> in the
    /// answer means activated, since no capture of the exact shape exists.</summary>
    public async Task<ActivationStatus> GetActivationStatusAsync(CancellationToken cancellationToken = default)
    {
        var root = await GetXmlAsync("/SDK/activateStatus", cancellationToken, anonymous: true);
        var flag = root.Child("Activated") ?? root.Child("activated") ?? root.Descendant("Activated");
        var activated = flag is not null ? IsapiValues.ParseBool(flag.Value) == true : root.Value.Contains("true", StringComparison.OrdinalIgnoreCase);
        return new ActivationStatus(activated);
    }

    /// <summary>
    /// Activates a factory-fresh device with <paramref name="password"/> over ISAPI (§3.2: RSA-1024 challenge, AES-128-ECB),
    /// then uses <c>admin</c>/<paramref name="password"/> as this client's credential. A risky password (level 0, §3.4)
    /// is refused before anything is sent.
    /// </summary>
    public async Task<IsapiResult> ActivateAsync(string password, CancellationToken cancellationToken = default)
    {
        if (PasswordRules.Evaluate(password, "admin") == PasswordStrength.Risky)
            throw new ArgumentException("The device rejects this password (level 0 'risky', §3.4).", nameof(password));
        using var crypto = new ActivationCrypto();
        var challenge = await SendXmlAsync(HttpMethod.Post, "/ISAPI/Security/challenge",
            X("PublicKey", Opt("key", crypto.PublicKeyBase64())), cancellationToken, anonymous: true);
        var key = challenge.Text("key") ?? throw new IsapiException(IsapiErrorKind.MalformedAnswer, "The challenge answer has no key.");
        string random;
        try
        {
            random = crypto.DecryptChallenge(key);
        }
        catch (Exception ex) when (ex is FormatException or System.Security.Cryptography.CryptographicException)
        {
            throw new IsapiException(IsapiErrorKind.MalformedAnswer, "The activation challenge could not be decrypted.", ex);
        }
        var result = await SendForStatusAsync(HttpMethod.Put, "/ISAPI/System/activate",
            X("ActivateInfo", Opt("password", ActivationCrypto.EncryptPassword(random, password))), cancellationToken, anonymous: true);
        _credentials = new IsapiCredentials(_credentials?.UserName ?? "admin", password);
        ResetAuthentication();
        return result;
    }
}
