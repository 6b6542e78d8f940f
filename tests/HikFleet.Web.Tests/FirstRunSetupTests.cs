using System.Net;
using System.Text.RegularExpressions;
using HikFleet.Web.Auth;
using Microsoft.Extensions.DependencyInjection;

namespace HikFleet.Web.Tests;

/// <summary>A fresh installation has no user and no default password: only the printed one-time link creates the administrator.</summary>
public sealed class FirstRunSetupTests : IClassFixture<FleetWebFactory>
{
    private readonly FleetWebFactory _factory;

    public FirstRunSetupTests(FleetWebFactory factory) => _factory = factory;

    [Fact]
    public async Task The_setup_link_creates_the_administrator_once()
    {
        var ct = TestContext.Current.CancellationToken;
        _factory.EnsureStarted();
        using var client = _factory.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = true });
        var setup = _factory.Services.GetRequiredService<SetupLink>();
        Assert.True(setup.IsOpen, "a fresh install must offer the setup link");
        var token = setup.Issue(); // the same token the start-up log printed

        async Task<HttpResponseMessage> PostAsync(string presented, string password)
        {
            var page = await client.GetStringAsync($"/setup?token={presented}", ct);
            var antiforgery = Regex.Match(page, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
            return await client.PostAsync("/setup", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["__RequestVerificationToken"] = WebUtility.HtmlDecode(antiforgery),
                ["token"] = presented,
                ["password"] = password,
                ["confirm"] = password,
            }), ct);
        }

        Assert.Contains("error=token", (await PostAsync("not-the-token", "Adm1n-Passw0rd!")).Headers.Location!.ToString());
        Assert.Contains("error=weak", (await PostAsync(token, "short")).Headers.Location!.ToString());
        Assert.True(setup.IsOpen, "a refused attempt must not spend the link");

        var done = await PostAsync(token, "Adm1n-Passw0rd!");
        Assert.Equal("/account/login?created=1", done.Headers.Location!.ToString());
        Assert.False(setup.IsOpen);

        var signedIn = await FleetWebFactory.SignInAsync(client, "admin", "Adm1n-Passw0rd!");
        Assert.Equal("/", signedIn.Headers.Location!.ToString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/users", ct)).StatusCode);
    }
}
