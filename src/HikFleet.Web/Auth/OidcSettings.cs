namespace HikFleet.Web.Auth;

/// <summary>
/// Optional single sign-on through an OpenID Connect provider (<c>Fleet:Oidc</c>). Off unless <see cref="Authority"/> is set.
/// The provider decides who is who: its role and tenant claims are mapped on every sign-in, so removing someone's group in
/// the identity provider removes their access here at the next sign-in.
/// </summary>
public sealed class OidcSettings
{
    public const string SectionName = "Fleet:Oidc";
    public const string Scheme = "oidc";

    public string? Authority { get; set; }
    public string? ClientId { get; set; }
    public string? ClientSecret { get; set; }
    public string DisplayName { get; set; } = "Single sign-on";
    public bool RequireHttpsMetadata { get; set; } = true;
    public List<string> Scopes { get; set; } = ["openid", "profile"];

    /// <summary>The claim that carries group or role names (e.g. <c>roles</c>, <c>groups</c>).</summary>
    public string RoleClaim { get; set; } = "roles";

    /// <summary>Provider value → HikFleet role, e.g. <c>"cctv-admins": "Administrator"</c>. Unmapped values grant nothing.</summary>
    public Dictionary<string, string> RoleMap { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The claim that lists tenant names the user belongs to (ignored for administrators).</summary>
    public string TenantClaim { get; set; } = "tenants";

    public bool Enabled => !string.IsNullOrWhiteSpace(Authority) && !string.IsNullOrWhiteSpace(ClientId);
}
