using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using HikFleet.Core.Security;
using Microsoft.EntityFrameworkCore;

namespace HikFleet.Web.Tests;

public sealed class ApiTokenTests : IClassFixture<FleetWebFactory>
{
    private readonly FleetWebFactory _factory;

    public ApiTokenTests(FleetWebFactory factory) => _factory = factory;

    private Task<(int ExitCode, string StdOut, string StdErr)> RunCliAsync(params string[] args) => _factory.RunCliAsync(args);

    [Fact]
    public async Task A_token_from_the_cli_verb_works_until_it_is_revoked()
    {
        var ct = TestContext.Current.CancellationToken;
        var user = await _factory.CreateUserAsync(FleetRoles.Administrator);

        var (exit, stdout, stderr) = await RunCliAsync("token", "create", "--user", user.UserName!, "--name", "ci pipeline");

        Assert.True(exit == 0, stderr);
        var token = stdout.Trim();
        Assert.StartsWith(ApiTokenService.TokenPrefix, token);
        Assert.DoesNotContain('\n', token);

        using var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var me = await client.GetFromJsonAsync<JsonElement>("/api/v1/me", ct);
        Assert.Equal(user.UserName, me.GetProperty("userName").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/sites", ct)).StatusCode);

        await using (var db = _factory.Database.CreateContext())
        {
            var stored = await db.ApiTokens.SingleAsync(t => t.UserId == user.Id, ct);
            Assert.Equal("ci pipeline", stored.Name);
            Assert.DoesNotContain(token, Convert.ToBase64String(stored.Hash));
            var (revokeExit, _, revokeErr) = await RunCliAsync("token", "revoke", "--id", stored.Id.ToString());
            Assert.True(revokeExit == 0, revokeErr);

            var trail = (await db.AuditEntries.Where(e => e.Action.StartsWith("token.")).OrderBy(e => e.Id).ToListAsync(ct))
                .Where(e => (e.Parameters ?? "").Contains(stored.Id.ToString(), StringComparison.Ordinal)).ToList();
            Assert.Equal(["token.create", "token.revoke"], trail.Select(e => e.Action));
            Assert.Equal(user.UserName, trail[0].ActorName);
            Assert.Contains(stored.Prefix, trail[0].Parameters);
            Assert.DoesNotContain(token, trail[0].Parameters);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/sites", ct)).StatusCode);
    }

    [Fact]
    public async Task The_cli_verb_refuses_an_unknown_user_and_prints_nothing_on_stdout()
    {
        var (exit, stdout, stderr) = await RunCliAsync("token", "create", "--user", "nobody-here", "--name", "x");

        Assert.Equal(1, exit);
        Assert.Equal("", stdout.Trim());
        Assert.Contains("no user named", stderr);
    }

    [Fact]
    public async Task An_expired_or_unknown_token_is_refused()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = await _factory.ApiClientAsync(FleetRoles.Viewer);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/sites", ct)).StatusCode);

        await using (var db = _factory.Database.CreateContext())
        {
            var me = await client.GetFromJsonAsync<JsonElement>("/api/v1/me", ct);
            var name = me.GetProperty("userName").GetString();
            var userId = await db.Users.Where(u => u.UserName == name).Select(u => u.Id).SingleAsync(ct);
            await db.ApiTokens.Where(t => t.UserId == userId)
                .ExecuteUpdateAsync(t => t.SetProperty(x => x.ExpiresAt, DateTimeOffset.UtcNow.AddMinutes(-1)), ct);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/sites", ct)).StatusCode);

        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiTokenService.TokenPrefix + "forged");
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/sites", ct)).StatusCode);
    }

    [Fact]
    public async Task Tokens_made_through_the_api_are_shown_once_and_revocable_by_their_owner_only()
    {
        var ct = TestContext.Current.CancellationToken;
        using var owner = await _factory.ApiClientAsync(FleetRoles.Operator);
        using var stranger = await _factory.ApiClientAsync(FleetRoles.Operator);

        var created = await owner.PostAsJsonAsync("/api/v1/tokens", new { name = "script", days = 7 }, ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>(ct);
        var id = body.GetProperty("id").GetGuid();
        Assert.StartsWith(ApiTokenService.TokenPrefix, body.GetProperty("token").GetString());
        Assert.DoesNotContain(body.GetProperty("token").GetString()!, await owner.GetStringAsync("/api/v1/tokens", ct));

        Assert.Equal(HttpStatusCode.NotFound, (await stranger.DeleteAsync($"/api/v1/tokens/{id}", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await owner.DeleteAsync($"/api/v1/tokens/{id}", ct)).StatusCode);
    }
}
