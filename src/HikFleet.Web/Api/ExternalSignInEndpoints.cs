using HikFleet.Core.Audit;
using System.Security.Claims;
using HikFleet.Core.Data;
using HikFleet.Core.Security;
using HikFleet.Web.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace HikFleet.Web.Api;

/// <summary>Single sign-on through OpenID Connect: start, and the return trip that maps the provider's claims to a local user.</summary>
public static class ExternalSignInEndpoints
{
    public static IEndpointRouteBuilder MapExternalSignIn(this IEndpointRouteBuilder endpoints)
    {
        var account = endpoints.MapGroup("/account").ExcludeFromDescription();

        account.MapGet("/external", (string? returnUrl, OidcSettings oidc, SignInManager<FleetUser> signIn) =>
            {
                if (!oidc.Enabled)
                {
                    return Results.NotFound();
                }

                var callback = $"/account/external-callback?returnUrl={Uri.EscapeDataString(AccountEndpoints.SafeReturnUrl(returnUrl))}";
                return Results.Challenge(signIn.ConfigureExternalAuthenticationProperties(OidcSettings.Scheme, callback), [OidcSettings.Scheme]);
            })
            .AllowAnonymous()
            .RequireRateLimiting(Extensions.AuthExtensions.SignInRateLimit);

        account.MapGet("/external-callback", async (string? returnUrl, HttpContext http, OidcSettings oidc, SignInManager<FleetUser> signIn,
                UserManager<FleetUser> users, IDbContextFactory<FleetDbContext> contexts, AuditLog audit, ILogger<OidcSettings> logger) =>
            {
                var info = await signIn.GetExternalLoginInfoAsync();
                await http.SignOutAsync(IdentityConstants.ExternalScheme);
                if (info is null || !oidc.Enabled)
                {
                    return Results.Redirect("/account/login?error=sso");
                }

                var role = MapRole(info.Principal, oidc);
                await using var db = await contexts.CreateDbContextAsync(http.RequestAborted);
                var tenantNames = info.Principal.FindAll(oidc.TenantClaim).Select(c => c.Value).ToList();
                var tenantIds = await db.Tenants.Where(t => tenantNames.Contains(t.Name)).Select(t => t.Id).ToListAsync(http.RequestAborted);
                if (role is null || (role != FleetRoles.Administrator && tenantIds.Count == 0))
                {
                    logger.LogWarning("SSO sign-in of {Subject} refused: no mapped role or tenant", info.ProviderKey);
                    await AuthAudit.RecordAsync(audit, http, AuthAudit.SingleSignOn, await users.FindByLoginAsync(info.LoginProvider, info.ProviderKey),
                        $"sso-{info.ProviderKey}", AuditResult.Refused, "no mapped role or tenant", new { provider = info.LoginProvider, subject = info.ProviderKey });
                    return Results.Redirect("/account/login?error=sso-access");
                }

                var user = await users.FindByLoginAsync(info.LoginProvider, info.ProviderKey);
                if (user is null)
                {
                    var name = info.Principal.FindFirstValue("preferred_username") ?? $"sso-{info.ProviderKey}";
                    if (await users.FindByNameAsync(name) is not null)
                    {
                        // Never attach a provider identity to an existing local account by name: that would let whoever
                        // controls the provider take over "admin".
                        name = $"sso-{info.ProviderKey}";
                    }

                    user = new FleetUser { UserName = name, DisplayName = info.Principal.FindFirstValue("name"), LockoutEnabled = true };
                    var created = await users.CreateAsync(user);
                    if (!created.Succeeded)
                    {
                        logger.LogWarning("SSO user {User} could not be created: {Errors}", name, string.Join(" ", created.Errors.Select(e => e.Description)));
                        return Results.Redirect("/account/login?error=sso");
                    }

                    await users.AddLoginAsync(user, info);
                }

                if (await users.IsLockedOutAsync(user))
                {
                    await AuthAudit.RecordAsync(audit, http, AuthAudit.SingleSignOn, user, user.UserName, AuditResult.Refused, "locked out",
                        new { provider = info.LoginProvider, subject = info.ProviderKey });
                    return Results.Redirect("/account/login?error=locked");
                }

                // The provider is the source of truth: role and tenants follow its claims at every sign-in.
                var current = await users.GetRolesAsync(user);
                await users.RemoveFromRolesAsync(user, current.Where(r => r != role));
                if (!current.Contains(role))
                {
                    await users.AddToRoleAsync(user, role);
                }

                var memberships = await db.TenantMemberships.Where(m => m.UserId == user.Id).ToListAsync(http.RequestAborted);
                db.TenantMemberships.RemoveRange(memberships.Where(m => !tenantIds.Contains(m.TenantId)));
                db.TenantMemberships.AddRange(tenantIds.Where(t => memberships.All(m => m.TenantId != t))
                    .Select(t => new TenantMembership { UserId = user.Id, TenantId = t }));
                await db.SaveChangesAsync(http.RequestAborted);

                await signIn.SignInAsync(user, isPersistent: false, authenticationMethod: OidcSettings.Scheme);
                await AuthAudit.RecordAsync(audit, http, AuthAudit.SingleSignOn, user, user.UserName, AuditResult.Succeeded, null,
                    new { provider = info.LoginProvider, subject = info.ProviderKey, role, tenants = tenantIds });
                logger.LogInformation("User {User} signed in through SSO as {Role}", user.UserName, role);
                return Results.LocalRedirect(AccountEndpoints.SafeReturnUrl(returnUrl));
            })
            .AllowAnonymous();

        return endpoints;
    }

    /// <summary>The most privileged HikFleet role any of the user's provider roles maps to; null when none does.</summary>
    private static string? MapRole(ClaimsPrincipal principal, OidcSettings oidc)
    {
        var mapped = principal.FindAll(oidc.RoleClaim)
            .Select(c => oidc.RoleMap.TryGetValue(c.Value, out var role) ? role : null)
            .Where(r => r is not null && FleetRoles.All.Contains(r))
            .ToList();
        return FleetRoles.All.FirstOrDefault(mapped.Contains);
    }
}
