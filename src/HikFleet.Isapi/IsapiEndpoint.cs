namespace HikFleet.Isapi;

/// <summary>Where a device answers ISAPI.</summary>
/// <param name="Host">IP address or host name.</param>
/// <param name="Port">HTTP(S) port.</param>
/// <param name="UseHttps">HTTPS (device certificates are self-signed: trust on first use, then pin).</param>
/// <param name="PinnedCertificateSha256">Hex SHA-256 of the certificate seen before; a different one is
/// <see cref="IsapiErrorKind.CertificateChanged"/>. Null = trust the first certificate and report it.</param>
public sealed record IsapiEndpoint(string Host, int Port = 80, bool UseHttps = false, string? PinnedCertificateSha256 = null)
{
    /// <summary>The base URI.</summary>
    public Uri BaseUri => new UriBuilder(UseHttps ? "https" : "http", Host, Port).Uri;

    /// <summary>Builds an endpoint from an http/https URI.</summary>
    public static IsapiEndpoint FromUri(Uri uri, string? pinnedCertificateSha256 = null) =>
        new(uri.Host, uri.Port, uri.Scheme == Uri.UriSchemeHttps, pinnedCertificateSha256);

    /// <summary>Stable key for per-device state (lockout guard).</summary>
    internal string Key => $"{Host.ToLowerInvariant()}:{Port}";
}

/// <summary>A device account. <see cref="ToString"/> never shows the password.</summary>
public sealed record IsapiCredentials(string UserName, string Password)
{
    /// <inheritdoc />
    public override string ToString() => $"IsapiCredentials {{ UserName = {UserName} }}";
}
