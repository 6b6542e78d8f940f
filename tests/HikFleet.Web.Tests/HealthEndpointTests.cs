using System.Net;
using System.Text.Json;
using HikFleet.Testing;

namespace HikFleet.Web.Tests;

public sealed class HealthEndpointTests : IClassFixture<FleetWebFactory>
{
    private readonly FleetWebFactory _factory;

    public HealthEndpointTests(FleetWebFactory factory) => _factory = factory;

    [Fact]
    public async Task Healthz_is_200_with_the_database_up_and_503_while_it_refuses_connections()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = _factory.CreateClient();

        var up = await client.GetAsync("/healthz", ct);
        Assert.Equal(HttpStatusCode.OK, up.StatusCode);
        using (var body = JsonDocument.Parse(await up.Content.ReadAsStringAsync(ct)))
        {
            Assert.Equal("Healthy", body.RootElement.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
        }

        var name = _factory.Database.Name;
        try
        {
            // The database goes away as far as the app can tell: no new connections, existing ones cut.
            await TestDatabase.ExecuteAdminAsync($"ALTER DATABASE {name} ALLOW_CONNECTIONS false");
            await TestDatabase.ExecuteAdminAsync(
                $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()");

            var down = await client.GetAsync("/healthz", ct);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
            using var body = JsonDocument.Parse(await down.Content.ReadAsStringAsync(ct));
            Assert.Equal("Unhealthy", body.RootElement.GetProperty("status").GetString());
            Assert.Equal("Unhealthy", body.RootElement.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
            Assert.DoesNotContain("Password", body.RootElement.GetRawText(), StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            await TestDatabase.ExecuteAdminAsync($"ALTER DATABASE {name} ALLOW_CONNECTIONS true");
        }

        var back = await client.GetAsync("/healthz", ct);
        Assert.Equal(HttpStatusCode.OK, back.StatusCode);
    }
}
