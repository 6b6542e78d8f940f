using HikFleet.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace HikFleet.Web.Tests;

/// <summary>The real HikFleet web host (migrations, Hangfire, Serilog, Blazor) on its own fresh database.</summary>
public sealed class FleetWebFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public TestDatabase Database { get; } = new();

    public async ValueTask InitializeAsync() => await Database.InitializeAsync();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Fleet", Database.ConnectionString);
        builder.UseSetting("Fleet:DefaultTenant", "Test tenant");
        // Console only: tests must not leave log files behind.
        builder.UseSetting("Serilog:WriteTo:1:Name", "Console");
        builder.UseSetting("Serilog:MinimumLevel:Default", "Warning");
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Database.DisposeAsync();
    }
}
