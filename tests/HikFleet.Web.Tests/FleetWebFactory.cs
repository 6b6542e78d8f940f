using System.Diagnostics;
using HikFleet.Core.Vault;
using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using HikFleet.Core.Security;
using HikFleet.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace HikFleet.Web.Tests;

/// <summary>The real HikFleet web host (migrations, identity, Hangfire, Serilog, Blazor) on its own fresh database.</summary>
public sealed partial class FleetWebFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string Password = "Test-Passw0rd!x";

    public TestDatabase Database { get; } = new();

    /// <summary>Extra configuration for one test class (e.g. single sign-on); set before the host starts.</summary>
    public Dictionary<string, string> Settings { get; } = new();

    /// <summary>This host's vault key ring as text (tests that open credentials directly build a <c>VaultKeyRing</c> from it).</summary>
    public string VaultKeys { get; } = VaultKeyRing.NewKeyLine();

    public string FirmwareDirectory { get; } = Path.Combine(Path.GetTempPath(), $"hikfleet-web-firmware-{Guid.NewGuid():N}");

    public async ValueTask InitializeAsync() => await Database.InitializeAsync();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Fleet", Database.ConnectionString);
        builder.UseSetting("Fleet:DefaultTenant", "Test tenant");
        builder.UseSetting("Fleet:RateLimits:SignInPerMinute", "1000");
        builder.UseSetting("Fleet:RateLimits:ApiBurst", "10000");
        // A fresh vault key per host, from configuration text (the environment-variable path), never a file in the repository.
        builder.UseSetting("Fleet:Vault:Keys", VaultKeys);
        // Firmware images in a scratch directory, never under the source tree.
        builder.UseSetting("Fleet:Firmware:Directory", FirmwareDirectory);
        // Console only: tests must not leave log files behind.
        builder.UseSetting("Serilog:WriteTo:1:Name", "Console");
        builder.UseSetting("Serilog:MinimumLevel:Default", "Warning");
        builder.UseSetting("Serilog:MinimumLevel:Override:Hangfire", "Warning");
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }
    }

    /// <summary>Runs the real web app's CLI verb in its own process, against the test database.</summary>
    public async Task<(int ExitCode, string StdOut, string StdErr)> RunCliAsync(params string[] args)
    {
        var start = AppProcess(Database.ConnectionString, args);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>The real web app (HikFleet.Web.dll) as its own process against <paramref name="connectionString"/>, output redirected, logs on the console.</summary>
    public static ProcessStartInfo AppProcess(string connectionString, params string[] args)
    {
        var dll = typeof(Program).Assembly.Location;
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["ConnectionStrings__Fleet"] = connectionString;
        start.Environment["Fleet__Firmware__Directory"] = Path.Combine(Path.GetTempPath(), "hikfleet-app-firmware");
        start.Environment["Serilog__WriteTo__1__Name"] = "Console";
        return start;
    }

    /// <summary>Makes sure the host (and its migrations) runs before a test touches the database directly.</summary>
    public void EnsureStarted() => _ = Server;

    public async Task<FleetUser> CreateUserAsync(string role, params TenantMembership[] memberships)
    {
        EnsureStarted();
        return await TestUsers.CreateAsync(Database, $"{role.ToLowerInvariant()}-{Guid.NewGuid():N}"[..24], role, memberships, Password);
    }

    /// <summary>An API client authenticated by a fresh bearer token of a new user with this role and scope.</summary>
    public async Task<HttpClient> ApiClientAsync(string role, params TenantMembership[] memberships)
    {
        var user = await CreateUserAsync(role, memberships);
        var (_, secret) = await Services.GetRequiredService<ApiTokenService>().CreateAsync(user.Id, "test");
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return client;
    }

    /// <summary>A browser-like client signed in through the real sign-in form (antiforgery token and all).</summary>
    public async Task<HttpClient> SignedInClientAsync(string role, params TenantMembership[] memberships)
    {
        var user = await CreateUserAsync(role, memberships);
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        await SignInAsync(client, user.UserName!, Password);
        return client;
    }

    public static async Task<HttpResponseMessage> SignInAsync(HttpClient client, string userName, string password)
    {
        var form = await client.GetStringAsync("/account/login");
        var token = AntiforgeryField().Match(form).Groups[1].Value;
        var response = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token),
            ["username"] = userName,
            ["password"] = password,
            ["returnUrl"] = "/",
        }));
        return response;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Database.DisposeAsync();
        if (Directory.Exists(FirmwareDirectory)) Directory.Delete(FirmwareDirectory, recursive: true);
    }
}
