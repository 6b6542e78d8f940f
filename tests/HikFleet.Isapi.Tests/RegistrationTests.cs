using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HikFleet.Isapi.Tests;

/// <summary><c>AddIsapi</c> binds options from configuration and shares one lockout guard.</summary>
public sealed class RegistrationTests
{
    [Fact]
    public void AddIsapi_BindsTheSection_AndSharesTheGuard()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Isapi:RequestTimeout"] = "00:00:07",
            ["Isapi:MaxXmlBytes"] = "65536",
        }).Build();
        using var provider = new ServiceCollection().AddIsapi(config.GetSection(IsapiOptions.SectionName)).BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<IsapiOptions>>().Value;
        var factory = provider.GetRequiredService<IIsapiClientFactory>();

        Assert.Equal(TimeSpan.FromSeconds(7), options.RequestTimeout);
        Assert.Equal(65536, options.MaxXmlBytes);
        Assert.Same(factory.Lockout, provider.GetRequiredService<Security.IsapiLockoutGuard>());
        using var client = factory.Create(new IsapiEndpoint("127.0.0.1", 80), new IsapiCredentials("admin", "x"));
        Assert.Equal(new Uri("http://127.0.0.1/"), client.Endpoint.BaseUri);
    }

    [Fact]
    public void AddIsapi_InvalidOptions_FailOnUse()
    {
        using var provider = new ServiceCollection().AddIsapi(o => o.MaxXmlBytes = 10).BuildServiceProvider();
        Assert.Throws<ArgumentOutOfRangeException>(() => provider.GetRequiredService<IIsapiClientFactory>().Create(new IsapiEndpoint("127.0.0.1"), null));
    }
}
