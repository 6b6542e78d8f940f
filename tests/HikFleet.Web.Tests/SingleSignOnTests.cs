using System.Net;
using System.Text.RegularExpressions;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Security;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;

namespace HikFleet.Web.Tests;

/// <summary>OpenID Connect sign-in against a real (minimal) provider on loopback, with role and tenant claims mapped.</summary>
public sealed class SingleSignOnTests : IAsyncLifetime
{
    private FakeOidcProvider _provider = null!;
    private FleetWebFactory _factory = null!;

    public async ValueTask InitializeAsync()
    {
        _provider = await FakeOidcProvider.StartAsync();
        _factory = new FleetWebFactory();
        _factory.Settings["Fleet:Oidc:Authority"] = _provider.Authority;
        _factory.Settings["Fleet:Oidc:ClientId"] = FakeOidcProvider.ClientId;
        _factory.Settings["Fleet:Oidc:ClientSecret"] = FakeOidcProvider.ClientSecret;
        _factory.Settings["Fleet:Oidc:RequireHttpsMetadata"] = "false";
        _factory.Settings["Fleet:Oidc:RoleMap:cctv-operators"] = FleetRoles.Operator;
        _factory.Settings["Fleet:Oidc:RoleMap:cctv-viewers"] = FleetRoles.Viewer;
        await _factory.InitializeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _provider.DisposeAsync();
    }

    /// <summary>Walks the browser's part: app → provider → form post back → app callback. Returns the final redirect.</summary>
    private async Task<(HttpClient App, HttpResponseMessage Final)> SignInThroughProviderAsync(CancellationToken ct)
    {
        // https: the correlation and nonce cookies of the handler are Secure.
        var app = _factory.CreateClient(new WebApplicationFactoryClientOptions
        {
            AllowAutoRedirect = false, HandleCookies = true, BaseAddress = new Uri("https://localhost"),
        });
        var start = await app.GetAsync("/account/external?returnUrl=/sites", ct);
        Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
        var authorize = start.Headers.Location!;
        Assert.StartsWith(_provider.Authority + "/authorize", authorize.ToString());

        using var browser = new HttpClient();
        var page = await browser.GetStringAsync(authorize, ct);
        string Field(string name) => WebUtility.HtmlDecode(Regex.Match(page, $"name=\"{name}\" value=\"([^\"]*)\"").Groups[1].Value);
        var action = WebUtility.HtmlDecode(Regex.Match(page, "action=\"([^\"]*)\"").Groups[1].Value);
        Assert.Equal("https://localhost/signin-oidc", action);

        var back = await app.PostAsync("/signin-oidc", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["code"] = Field("code"),
            ["state"] = Field("state"),
        }), ct);
        Assert.Equal(HttpStatusCode.Redirect, back.StatusCode);
        var final = await app.GetAsync(back.Headers.Location!, ct);
        return (app, final);
    }

    [Fact]
    public async Task A_provider_user_with_a_mapped_group_gets_that_role_in_its_tenants_only()
    {
        var ct = TestContext.Current.CancellationToken;
        _ = _factory.Server;
        await using (var db = _factory.Database.CreateContext())
        {
            db.Tenants.AddRange(new Tenant { Name = "Harbour Ltd" }, new Tenant { Name = "Other Co" });
            await db.SaveChangesAsync(ct);
        }

        _provider.User = new()
        {
            ["sub"] = "u-1001", ["preferred_username"] = "jane.ops", ["name"] = "Jane Ops",
            ["roles"] = new[] { "cctv-operators", "unrelated-group" }, ["tenants"] = new[] { "Harbour Ltd" },
        };
        var (app, final) = await SignInThroughProviderAsync(ct);

        Assert.Equal("/sites", final.Headers.Location?.ToString());
        Assert.Equal(HttpStatusCode.OK, (await app.GetAsync("/sites", ct)).StatusCode);
        await using (var db = _factory.Database.CreateContext())
        {
            var user = await db.Users.Include(u => u.Memberships).SingleAsync(u => u.UserName == "jane.ops", ct);
            var scope = await FleetScope.LoadAsync(db, user.Id, ct);
            Assert.Equal(FleetRoles.Operator, scope.Role);
            Assert.Equal(["Harbour Ltd"], await scope.Tenants(db).Select(t => t.Name).ToListAsync(ct));
            Assert.Null(user.PasswordHash);
        }

        // The provider moves her to viewers: the next sign-in follows.
        _provider.User["roles"] = new[] { "cctv-viewers" };
        await SignInThroughProviderAsync(ct);
        await using (var db = _factory.Database.CreateContext())
        {
            var user = await db.Users.SingleAsync(u => u.UserName == "jane.ops", ct);
            Assert.Equal(FleetRoles.Viewer, (await FleetScope.LoadAsync(db, user.Id, ct)).Role);
        }
    }

    [Fact]
    public async Task A_provider_user_without_a_mapped_role_is_refused()
    {
        var ct = TestContext.Current.CancellationToken;
        _ = _factory.Server;
        _provider.User = new() { ["sub"] = "u-2002", ["preferred_username"] = "stranger", ["roles"] = new[] { "everyone" } };

        var (app, final) = await SignInThroughProviderAsync(ct);

        Assert.Contains("error=sso-access", final.Headers.Location!.ToString());
        Assert.Equal(HttpStatusCode.Redirect, (await app.GetAsync("/sites", ct)).StatusCode);
        await using var db = _factory.Database.CreateContext();
        Assert.False(await db.Users.AnyAsync(u => u.UserName == "stranger", ct));
    }
}
