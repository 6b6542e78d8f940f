using HikFleet.Core.Audit;
using Microsoft.EntityFrameworkCore;
using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using HikFleet.Core.Security;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace HikFleet.Web.Tests;

public sealed class TwoFactorTests : IClassFixture<FleetWebFactory>
{
    private readonly FleetWebFactory _factory;

    public TwoFactorTests(FleetWebFactory factory) => _factory = factory;

    /// <summary>RFC 6238 TOTP (SHA-1, 30 s, 6 digits), written here independently of Identity's implementation.</summary>
    private static string Totp(string base32Key, DateTimeOffset at)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var bits = string.Concat(base32Key.TrimEnd('=').ToUpperInvariant().Select(c => Convert.ToString(alphabet.IndexOf(c), 2).PadLeft(5, '0')));
        var key = Enumerable.Range(0, bits.Length / 8).Select(i => Convert.ToByte(bits.Substring(i * 8, 8), 2)).ToArray();
        var counter = BitConverter.GetBytes(at.ToUnixTimeSeconds() / 30);
        if (BitConverter.IsLittleEndian)
        {
            Array.Reverse(counter);
        }

        var hash = HMACSHA1.HashData(key, counter);
        var offset = hash[^1] & 0x0F;
        var value = ((hash[offset] & 0x7F) << 24) | (hash[offset + 1] << 16) | (hash[offset + 2] << 8) | hash[offset + 3];
        return (value % 1_000_000).ToString("D6");
    }

    [Fact]
    public async Task With_two_factor_on_the_password_alone_does_not_sign_in()
    {
        var ct = TestContext.Current.CancellationToken;
        var created = await _factory.CreateUserAsync(FleetRoles.Viewer);
        string key;
        using (var scope = _factory.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<FleetUser>>();
            var user = (await users.FindByIdAsync(created.Id.ToString()))!;
            await users.ResetAuthenticatorKeyAsync(user);
            key = (await users.GetAuthenticatorKeyAsync(user))!;
            Assert.True(await users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, Totp(key, DateTimeOffset.UtcNow)));
            await users.SetTwoFactorEnabledAsync(user, true);
        }

        using var client = _factory.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = true });
        var first = await FleetWebFactory.SignInAsync(client, created.UserName!, FleetWebFactory.Password);
        Assert.StartsWith("/account/login-2fa", first.Headers.Location!.ToString());
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/sites", ct)).StatusCode);

        async Task<HttpResponseMessage> SendCodeAsync(string code)
        {
            var page = await client.GetStringAsync("/account/login-2fa", ct);
            var token = Regex.Match(page, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
            return await client.PostAsync("/account/login-2fa", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token),
                ["code"] = code,
                ["returnUrl"] = "/sites",
            }), ct);
        }

        var wrong = await SendCodeAsync(Totp(key, DateTimeOffset.UtcNow.AddHours(1)));
        Assert.Contains("error=code", wrong.Headers.Location!.ToString());
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/sites", ct)).StatusCode);

        var right = await SendCodeAsync(Totp(key, DateTimeOffset.UtcNow));
        Assert.Equal("/sites", right.Headers.Location!.ToString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/sites", ct)).StatusCode);

        // Signing out is recorded too; then the pages are closed again.
        var home = await client.GetStringAsync("/sites", ct);
        var antiforgery = Regex.Match(home, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        using var signOut = await client.PostAsync("/account/logout", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(antiforgery),
        }), ct);
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/sites", ct)).StatusCode);

        // The audit trail tells the whole story, in order, without the codes.
        await using var db = _factory.Database.CreateContext();
        var story = await db.AuditEntries.Where(e => e.ActorId == created.Id.ToString()).OrderBy(e => e.Id)
            .Select(e => new { e.Action, e.Result, e.ResultDetail }).ToListAsync(ct);
        Assert.Equal(
        [
            ("auth.sign_in", "refused", "second factor required"), ("auth.second_factor", "refused", "wrong code"),
            ("auth.second_factor", "succeeded", (string?)null), ("auth.sign_out", "succeeded", null),
        ], story.Select(e => (e.Action, e.Result.ToWire(), e.ResultDetail)));
    }
}
