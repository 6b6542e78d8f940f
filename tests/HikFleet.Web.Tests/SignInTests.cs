using System.Net;
using HikFleet.Core.Security;
using HikFleet.Web.Auth;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace HikFleet.Web.Tests;

/// <summary>First run and sign-in through the real forms, cookies and antiforgery.</summary>
public sealed class SignInTests : IClassFixture<FleetWebFactory>
{
    private readonly FleetWebFactory _factory;

    public SignInTests(FleetWebFactory factory) => _factory = factory;

    [Fact]
    public async Task A_wrong_password_is_refused_and_five_lock_the_account()
    {
        var ct = TestContext.Current.CancellationToken;
        var user = await _factory.CreateUserAsync(FleetRoles.Viewer);
        using var client = _factory.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = true });

        for (var i = 0; i < 5; i++)
        {
            var failed = await FleetWebFactory.SignInAsync(client, user.UserName!, "Wrong-Passw0rd!");
            Assert.Contains("error=", failed.Headers.Location!.ToString());
        }

        // Now even the right password is refused until the lock ends.
        var locked = await FleetWebFactory.SignInAsync(client, user.UserName!, FleetWebFactory.Password);
        Assert.Contains("error=locked", locked.Headers.Location!.ToString());
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/sites", ct)).StatusCode);

        // Every attempt is in the audit trail, refused, with why, and without either password.
        await using var db = _factory.Database.CreateContext();
        var entries = await db.AuditEntries.Where(e => e.Action == "auth.sign_in" && e.ActorId == user.Id.ToString()).OrderBy(e => e.Id).ToListAsync(ct);
        Assert.Equal(6, entries.Count);
        Assert.All(entries, e => Assert.Equal(HikFleet.Core.Audit.AuditResult.Refused, e.Result));
        Assert.Equal("locked out", entries[^1].ResultDetail);
        Assert.DoesNotContain(entries, e => (e.Parameters ?? "").Contains("Passw0rd", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_right_password_opens_the_pages_and_a_foreign_return_url_is_ignored()
    {
        var ct = TestContext.Current.CancellationToken;
        var user = await _factory.CreateUserAsync(FleetRoles.Viewer);
        using var client = _factory.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = true });

        var form = await client.GetStringAsync("/account/login", ct);
        var token = System.Text.RegularExpressions.Regex.Match(form, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        var response = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token),
            ["username"] = user.UserName!,
            ["password"] = FleetWebFactory.Password,
            ["returnUrl"] = "https://evil.example/steal",
        }), ct);

        Assert.Equal("/", response.Headers.Location!.ToString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/sites", ct)).StatusCode);
        Assert.Contains("hikfleet.auth", string.Join(";", response.Headers.GetValues("Set-Cookie")));
        Assert.Contains("httponly", string.Join(";", response.Headers.GetValues("Set-Cookie")), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", string.Join(";", response.Headers.GetValues("Set-Cookie")), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_sign_in_post_without_the_antiforgery_token_is_rejected()
    {
        var ct = TestContext.Current.CancellationToken;
        var user = await _factory.CreateUserAsync(FleetRoles.Viewer);
        using var client = _factory.CreateClient(new() { AllowAutoRedirect = false });

        var response = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = user.UserName!,
            ["password"] = FleetWebFactory.Password,
        }), ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Pages_carry_a_content_security_policy_and_no_framing()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = _factory.CreateClient();

        var response = await client.GetAsync("/account/login", ct);

        var csp = string.Join(" ", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", csp);
        Assert.DoesNotContain("unsafe-eval", csp);
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.Equal("nosniff", string.Join("", response.Headers.GetValues("X-Content-Type-Options")));
    }

    [Fact]
    public void The_setup_link_opens_once_and_only_for_its_token()
    {
        var setup = new SetupLink();
        var token = setup.Issue();

        Assert.False(setup.TryConsume("wrong"));
        Assert.False(setup.TryConsume(null));
        Assert.True(setup.IsOpen);
        Assert.True(setup.TryConsume(token));
        Assert.False(setup.IsOpen);
        Assert.False(setup.TryConsume(token));
        _ = _factory.Services.GetRequiredService<SetupLink>();
    }
}
