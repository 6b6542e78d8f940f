using System.Threading.RateLimiting;
using HikFleet.Core.Data;
using HikFleet.Core.Security;
using HikFleet.Web.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;

namespace HikFleet.Web.Extensions;

public static class AuthExtensions
{
    public const string SmartScheme = "FleetAuth";
    public const string SignInRateLimit = "sign-in";
    public const string ApiRateLimit = "api";

    /// <summary>
    /// Identity (local accounts, strong passwords, lockout), a hardened cookie for people, bearer tokens for the API,
    /// one authorization policy per permission, deny-by-default, and rate limits for sign-in and the API.
    /// </summary>
    public static WebApplicationBuilder AddFleetAuth(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddIdentityCore<FleetUser>(options =>
            {
                options.Password.RequiredLength = 12;
                options.Password.RequireDigit = true;
                options.Password.RequireLowercase = true;
                options.Password.RequireUppercase = true;
                options.Password.RequireNonAlphanumeric = true;
                options.Password.RequiredUniqueChars = 6;
                options.Lockout.AllowedForNewUsers = true;
                options.Lockout.MaxFailedAccessAttempts = 5;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
                options.User.RequireUniqueEmail = false;
                options.User.AllowedUserNameCharacters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._@+";
            })
            .AddRoles<IdentityRole<Guid>>()
            .AddEntityFrameworkStores<FleetDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders();
        // Identity's stores want a scoped FleetDbContext; pages and services use the factory.
        services.AddScoped(sp => sp.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<FleetDbContext>>().CreateDbContext());

        var oidc = builder.Configuration.GetSection(OidcSettings.SectionName).Get<OidcSettings>() ?? new OidcSettings();
        services.AddSingleton(oidc);
        var authentication = services.AddAuthentication(options =>
            {
                options.DefaultScheme = SmartScheme;
                options.DefaultChallengeScheme = SmartScheme;
            });
        authentication
            .AddPolicyScheme(SmartScheme, "Cookie for people, bearer token for the API", options =>
                options.ForwardDefaultSelector = SelectScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, MetricsScrapeAuthenticationHandler>(MetricsScrapeAuthenticationHandler.SchemeName, null)
            .AddIdentityCookies(cookies => cookies.ApplicationCookie!.Configure(ConfigureCookie));
        if (oidc.Enabled)
        {
            authentication.AddOpenIdConnect(OidcSettings.Scheme, oidc.DisplayName, options =>
            {
                options.SignInScheme = IdentityConstants.ExternalScheme;
                options.Authority = oidc.Authority;
                options.ClientId = oidc.ClientId;
                options.ClientSecret = oidc.ClientSecret;
                options.RequireHttpsMetadata = oidc.RequireHttpsMetadata;
                options.ResponseType = "code";
                options.UsePkce = true;
                options.SaveTokens = false;
                options.MapInboundClaims = false;
                options.GetClaimsFromUserInfoEndpoint = false;
                options.CallbackPath = "/signin-oidc";
                options.Scope.Clear();
                foreach (var scope in oidc.Scopes)
                {
                    options.Scope.Add(scope);
                }
            });
        }

        services.AddAuthorizationBuilder()
            // Deny by default: an endpoint or page without an explicit rule still needs a signed-in user.
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddFleetPermissionPolicies();
        services.AddSingleton<IAuthorizationHandler, PermissionHandler>();
        services.AddSingleton<IAuthorizationHandler, MetricsScrapePermissionHandler>();
        services.AddCascadingAuthenticationState();
        services.AddSingleton<FleetScopeProvider>();
        services.AddSingleton<SetupLink>();
        services.AddHostedService<IdentityBootstrap>();
        services.AddScoped<UserService>();

        var signInPerMinute = builder.Configuration.GetValue("Fleet:RateLimits:SignInPerMinute", 10);
        var apiBurst = builder.Configuration.GetValue("Fleet:RateLimits:ApiBurst", 300);
        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.AddPolicy(SignInRateLimit, context => RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = signInPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
            options.AddPolicy(ApiRateLimit, context => RateLimitPartition.GetTokenBucketLimiter(
                context.User.Identity?.Name ?? context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = apiBurst,
                    TokensPerPeriod = 20,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                }));
        });

        return builder;
    }

    /// <summary>
    /// Cookie for people; a bearer token for the API; on <c>/metrics</c> a bearer is an API token (<c>hfk_…</c>) or else the
    /// configured scrape token.
    /// </summary>
    private static string SelectScheme(HttpContext context)
    {
        if (context.Request.Headers.Authorization.Count == 0)
        {
            return IdentityConstants.ApplicationScheme;
        }

        if (context.Request.Path.StartsWithSegments("/api"))
        {
            return ApiTokenAuthenticationHandler.SchemeName;
        }

        if (context.Request.Path.StartsWithSegments("/metrics"))
        {
            string? header = context.Request.Headers.Authorization;
            return header is not null && header.StartsWith("Bearer " + ApiTokenService.TokenPrefix, StringComparison.OrdinalIgnoreCase)
                ? ApiTokenAuthenticationHandler.SchemeName
                : MetricsScrapeAuthenticationHandler.SchemeName;
        }

        return IdentityConstants.ApplicationScheme;
    }

    private static AuthorizationBuilder AddFleetPermissionPolicies(this AuthorizationBuilder authorization)
    {
        foreach (var permission in FleetPermissions.All)
        {
            authorization.AddPolicy(permission, policy => policy.RequireAuthenticatedUser().AddRequirements(new PermissionRequirement(permission)));
        }

        return authorization;
    }

    private static void ConfigureCookie(CookieAuthenticationOptions options)
    {
        options.Cookie.Name = "hikfleet.auth";
        options.Cookie.HttpOnly = true;
        options.Cookie.SameSite = SameSiteMode.Strict;
        options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        options.ExpireTimeSpan = TimeSpan.FromHours(8);
        options.SlidingExpiration = true;
        options.LoginPath = "/account/login";
        options.LogoutPath = "/account/logout";
        options.AccessDeniedPath = "/account/denied";
        options.Events.OnRedirectToLogin = context => RedirectOrStatus(context, StatusCodes.Status401Unauthorized);
        options.Events.OnRedirectToAccessDenied = context => RedirectOrStatus(context, StatusCodes.Status403Forbidden);
    }

    /// <summary>Paths answered to programs (or with their own pages): a status code, never an HTML redirect.</summary>
    public static bool IsMachinePath(PathString path) =>
        path.StartsWithSegments("/api") || path.StartsWithSegments("/hangfire") || path.StartsWithSegments("/openapi") || path.StartsWithSegments("/metrics");

    /// <summary>API callers get a status code, never an HTML login page.</summary>
    private static Task RedirectOrStatus(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        if (IsMachinePath(context.Request.Path))
        {
            context.Response.StatusCode = status;
            return Task.CompletedTask;
        }

        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }
}
