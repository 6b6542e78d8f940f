using System.Net;
using HikFleet.Sadp;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HikFleet.Sadp.Tests;

public sealed class SadpOptionsTests
{
    [Fact]
    public void Defaults_AreSafeForTestMachines()
    {
        var o = new SadpOptions();
        Assert.Equal([IPAddress.Loopback], o.GetInterfaceAddresses());
        Assert.Equal(0, o.MulticastTtl);
        Assert.False(o.EnableBroadcast);
        Assert.True(o.EnableMulticast);
        Assert.Equal(37020, o.Port);
        Assert.Equal("239.255.255.250", o.MulticastGroup);
        Assert.Empty(o.UnicastTargets);
        Assert.Empty(o.Validate());
    }

    [Fact]
    public void AddSadp_BindsConfigurationSection()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sadp:Interfaces:0"] = "127.0.0.1",
            ["Sadp:Interfaces:1"] = "127.0.0.2",
            ["Sadp:Port"] = "40000",
            ["Sadp:MulticastTtl"] = "1",
            ["Sadp:EnableMulticast"] = "false",
            ["Sadp:UnicastTargets:0"] = "127.0.0.9",
            ["Sadp:QuietWindow"] = "00:00:02",
            ["Sadp:MaxDuration"] = "00:00:10",
        }).Build();
        using var sp = new ServiceCollection().AddSadp(config.GetSection(SadpOptions.SectionName)).BuildServiceProvider();
        var o = sp.GetRequiredService<IOptions<SadpOptions>>().Value;
        Assert.Equal(["127.0.0.1", "127.0.0.2"], o.Interfaces); // replaced, not appended to a default
        Assert.Equal(40000, o.Port);
        Assert.Equal(1, o.MulticastTtl);
        Assert.False(o.EnableMulticast);
        Assert.Equal(["127.0.0.9"], o.UnicastTargets);
        Assert.Equal(TimeSpan.FromSeconds(2), o.QuietWindow);
        Assert.Equal(TimeSpan.FromSeconds(10), o.MaxDuration);
        Assert.Same(sp.GetRequiredService<SadpClient>(), sp.GetRequiredService<SadpClient>());
    }

    [Fact]
    public void WithInterfaces_ReplacesOnlyTheInterfaces()
    {
        var o = new SadpOptions { Port = 40001, MulticastTtl = 0, UnicastTargets = ["127.0.0.9"] };
        var copy = o.WithInterfaces(["127.0.0.3"]);
        Assert.Equal(["127.0.0.3"], copy.Interfaces);
        Assert.Empty(o.Interfaces);
        Assert.Equal((40001, 0, false), (copy.Port, copy.MulticastTtl, copy.EnableBroadcast));
        copy.UnicastTargets.Add("127.0.0.10");
        Assert.Equal(["127.0.0.9"], o.UnicastTargets);
    }

    [Fact]
    public void AddSadp_WithDelegate_Configures()
    {
        using var sp = new ServiceCollection().AddSadp(o => o.Port = 41000).BuildServiceProvider();
        Assert.Equal(41000, sp.GetRequiredService<IOptions<SadpOptions>>().Value.Port);
        Assert.NotNull(sp.GetRequiredService<SadpClient>());
    }

    [Fact]
    public void InvalidOptions_AreRejected_WhenResolved()
    {
        using var sp = new ServiceCollection().AddSadp(o =>
        {
            o.Interfaces = ["not-an-ip"];
            o.MulticastGroup = "10.0.0.1";
            o.MulticastTtl = 300;
        }).BuildServiceProvider();
        var ex = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<SadpClient>());
        Assert.Contains(ex.Failures, f => f.Contains("not-an-ip", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.Contains("MulticastGroup", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.Contains("MulticastTtl", StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => new SadpClient(new SadpOptions { Port = 0 }));
    }
}
