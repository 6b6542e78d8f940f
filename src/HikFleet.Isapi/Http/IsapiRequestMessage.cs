namespace HikFleet.Isapi.Http;

/// <summary>
/// The request <see cref="IsapiClient"/> sends: the per-request Digest facts live in fields, not in
/// <see cref="HttpRequestMessage.Options"/> (whose dictionary is created on first access, even a read: ~250 bytes per
/// request, issue #13). <see cref="DigestAuthenticationHandler"/> still honours the option keys on any other request.
/// </summary>
internal sealed class IsapiRequestMessage(HttpMethod method, Uri requestUri) : HttpRequestMessage(method, requestUri)
{
    /// <summary>Send without credentials (as <see cref="DigestAuthenticationHandler.Anonymous"/>).</summary>
    public bool Anonymous { get; set; }

    /// <summary>A credential went out with the last attempt (as <see cref="DigestAuthenticationHandler.CredentialSent"/>).</summary>
    public bool CredentialSent { get; set; }

    /// <summary>The nonce the last authorised attempt was signed with.</summary>
    public string? NonceUsed { get; set; }
}
