using HikFleet.Core.Audit;
using HikFleet.Core.Security;
using HikFleet.Web.Auth;
using HikFleet.Web.Extensions;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace HikFleet.Web.Api;

/// <summary>Form posts of the sign-in, sign-out and first-run setup pages (static pages: they set cookies).</summary>
public static class AccountEndpoints
{
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var account = endpoints.MapGroup("/account").ExcludeFromDescription();

        account.MapPost("/login", async (
                [FromForm] string? username, [FromForm] string? password, [FromForm] string? returnUrl,
                SignInManager<FleetUser> signIn, AuditLog audit, HttpContext http, ILogger<FleetUser> logger) =>
            {
                if (string.IsNullOrEmpty(username) || string.IsNullOrEmpty(password))
                {
                    return Results.Redirect(LoginUrl("missing", returnUrl));
                }

                var result = await signIn.PasswordSignInAsync(username, password, isPersistent: false, lockoutOnFailure: true);
                await AuthAudit.RecordAsync(audit, http, AuthAudit.SignIn, await signIn.UserManager.FindByNameAsync(username), username,
                    result.Succeeded ? AuditResult.Succeeded : AuditResult.Refused,
                    result.Succeeded ? null : result.IsLockedOut ? "locked out" : result.RequiresTwoFactor ? "second factor required" : "bad credentials");
                if (result.Succeeded)
                {
                    logger.LogInformation("User {User} signed in", username);
                    return Results.LocalRedirect(SafeReturnUrl(returnUrl));
                }

                if (result.RequiresTwoFactor)
                {
                    return Results.Redirect($"/account/login-2fa?returnUrl={Uri.EscapeDataString(SafeReturnUrl(returnUrl))}");
                }

                logger.LogWarning("Failed sign-in for {User} ({Reason})", username, result.IsLockedOut ? "locked out" : "bad credentials");
                return Results.Redirect(LoginUrl(result.IsLockedOut ? "locked" : "invalid", returnUrl));
            })
            .AllowAnonymous()
            .RequireRateLimiting(AuthExtensions.SignInRateLimit);

        account.MapPost("/login-2fa", async (
                [FromForm] string? code, [FromForm] string? returnUrl, SignInManager<FleetUser> signIn, AuditLog audit, HttpContext http,
                ILogger<FleetUser> logger) =>
            {
                var cleaned = (code ?? "").Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
                var pending = await signIn.GetTwoFactorAuthenticationUserAsync();
                var result = await signIn.TwoFactorAuthenticatorSignInAsync(cleaned, isPersistent: false, rememberClient: false);
                await AuthAudit.RecordAsync(audit, http, AuthAudit.SecondFactor, pending, pending?.UserName,
                    result.Succeeded ? AuditResult.Succeeded : AuditResult.Refused,
                    result.Succeeded ? null : pending is null ? "no first step" : result.IsLockedOut ? "locked out" : "wrong code");
                if (result.Succeeded)
                {
                    return Results.LocalRedirect(SafeReturnUrl(returnUrl));
                }

                logger.LogWarning("Failed second factor ({Reason})", result.IsLockedOut ? "locked out" : "wrong code");
                return Results.Redirect(result.IsLockedOut
                    ? LoginUrl("locked", returnUrl)
                    : $"/account/login-2fa?error=code&returnUrl={Uri.EscapeDataString(SafeReturnUrl(returnUrl))}");
            })
            .AllowAnonymous()
            .RequireRateLimiting(AuthExtensions.SignInRateLimit);

        account.MapPost("/logout", async (SignInManager<FleetUser> signIn, AuditLog audit, HttpContext http) =>
            {
                await AuthAudit.RecordSignOutAsync(audit, http, http.User);
                await signIn.SignOutAsync();
                return Results.Redirect("/account/login");
            })
            .RequireAuthorization();

        endpoints.MapPost("/setup", async (
                [FromForm] string? token, [FromForm] string? password, [FromForm] string? confirm,
                SetupLink setup, UserManager<FleetUser> users, IConfiguration configuration, AuditLog audit, HttpContext http) =>
            {
                if (users.Users.Any() || !setup.IsOpen)
                {
                    return Results.Redirect("/account/login");
                }

                if (string.IsNullOrEmpty(password) || password != confirm)
                {
                    return Results.Redirect($"/setup?token={Uri.EscapeDataString(token ?? "")}&error=mismatch");
                }

                // Check the password before spending the one-time token on it.
                foreach (var validator in users.PasswordValidators)
                {
                    var check = await validator.ValidateAsync(users, new FleetUser(), password);
                    if (!check.Succeeded)
                    {
                        return Results.Redirect($"/setup?token={Uri.EscapeDataString(token ?? "")}&error=weak");
                    }
                }

                if (!setup.TryConsume(token))
                {
                    return Results.Redirect("/setup?error=token");
                }

                var name = configuration["Fleet:Bootstrap:AdminUser"] is { Length: > 0 } configured ? configured : "admin";
                var created = await IdentityBootstrap.CreateAdministratorAsync(users, name, password);
                await AuthAudit.RecordAsync(audit, http, AuthAudit.Setup, await users.FindByNameAsync(name), name,
                    created.Succeeded ? AuditResult.Succeeded : AuditResult.Failed, created.Succeeded ? "first administrator created" : "could not create the administrator");
                return created.Succeeded ? Results.Redirect("/account/login?created=1") : Results.Redirect("/setup?error=failed");
            })
            .AllowAnonymous()
            .RequireRateLimiting(AuthExtensions.SignInRateLimit)
            .ExcludeFromDescription();

        return endpoints;
    }

    private static string LoginUrl(string error, string? returnUrl) =>
        $"/account/login?error={error}&returnUrl={Uri.EscapeDataString(SafeReturnUrl(returnUrl))}";

    /// <summary>Only local paths: an open redirect after sign-in is a phishing tool.</summary>
    internal static string SafeReturnUrl(string? returnUrl) =>
        returnUrl is { Length: > 0 } url && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal)
            ? url
            : "/";
}
