using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using HikFleet.Core.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace HikFleet.Web.Auth;

/// <summary>
/// <c>Authorization: Bearer &lt;Fleet:Observability:Metrics:ScrapeToken&gt;</c> on <c>/metrics</c>: a scraper (Prometheus) authenticated by a
/// shared secret from configuration, holding exactly one permission, <see cref="FleetPermissions.ScrapeMetrics"/>. No token configured:
/// this scheme never succeeds (only an administrator's cookie or API token can read the metrics).
/// </summary>
public sealed class MetricsScrapeAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IConfiguration configuration)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "MetricsScrapeToken";
    public const string TokenKey = "Fleet:Observability:Metrics:ScrapeToken";
    public const string PermissionClaim = "hikfleet:permission";

    /// <summary>A shorter secret is ignored (and the start logs why): a guessable scrape token would open fleet-wide numbers.</summary>
    public const int MinimumTokenLength = 24;

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var expected = configuration[TokenKey];
        if (string.IsNullOrEmpty(expected) || expected.Length < MinimumTokenLength)
        {
            return Task.FromResult(AuthenticateResult.Fail("No scrape token is configured."));
        }

        // Fixed-time comparison of hashes: neither the length nor a prefix of the secret leaks through timing.
        var given = SHA256.HashData(Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim()));
        if (!CryptographicOperations.FixedTimeEquals(given, SHA256.HashData(Encoding.UTF8.GetBytes(expected))))
        {
            return Task.FromResult(AuthenticateResult.Fail("The scrape token does not match."));
        }

        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, "metrics-scraper"), new Claim(PermissionClaim, FleetPermissions.ScrapeMetrics)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        return Task.CompletedTask;
    }
}

/// <summary>Grants <see cref="FleetPermissions.ScrapeMetrics"/> (and nothing else) to a principal of the scrape-token scheme.</summary>
public sealed class MetricsScrapePermissionHandler : AuthorizationHandler<PermissionRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, PermissionRequirement requirement)
    {
        if (requirement.Permission == FleetPermissions.ScrapeMetrics
            && context.User.Identities.Any(i => i.IsAuthenticated && i.AuthenticationType == MetricsScrapeAuthenticationHandler.SchemeName
                && i.HasClaim(MetricsScrapeAuthenticationHandler.PermissionClaim, FleetPermissions.ScrapeMetrics)))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
