using HikFleet.Core.Security;
using Microsoft.AspNetCore.Identity;

namespace HikFleet.Web.Auth;

/// <summary>
/// First run: makes sure the roles exist and, while no user exists, either creates the administrator from
/// configuration (<c>Fleet:Bootstrap:AdminPassword</c>) or prints a one-time setup link. Never a fixed default password.
/// </summary>
public sealed class IdentityBootstrap(IServiceProvider services, IConfiguration configuration, SetupLink setup,
    IHostApplicationLifetime lifetime, ILogger<IdentityBootstrap> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole<Guid>>>();
        foreach (var role in FleetRoles.All)
        {
            if (!await roles.RoleExistsAsync(role))
            {
                await roles.CreateAsync(new IdentityRole<Guid>(role));
            }
        }

        var users = scope.ServiceProvider.GetRequiredService<UserManager<FleetUser>>();
        if (users.Users.Any())
        {
            return;
        }

        var name = configuration["Fleet:Bootstrap:AdminUser"] is { Length: > 0 } configured ? configured : "admin";
        if (configuration["Fleet:Bootstrap:AdminPassword"] is { Length: > 0 } password)
        {
            var result = await CreateAdministratorAsync(users, name, password);
            if (!result.Succeeded)
            {
                throw new InvalidOperationException(
                    "Fleet:Bootstrap:AdminPassword is not acceptable: " + string.Join(" ", result.Errors.Select(e => e.Description)));
            }

            logger.LogWarning("Created the administrator {User} from configuration; remove Fleet:Bootstrap:AdminPassword now", name);
            return;
        }

        var token = setup.Issue();
        // Print the link once the server listens, with the address it really listens on.
        lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = services.GetService<Microsoft.AspNetCore.Hosting.Server.IServer>()?.Features
                .Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()?.Addresses;
            var baseUrl = (addresses?.FirstOrDefault() ?? "http://127.0.0.1:5080").TrimEnd('/');
            logger.LogWarning("No user exists yet. Create the administrator '{User}' once at {Url}/setup?token={Token}", name, baseUrl, token);
        });
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public static async Task<IdentityResult> CreateAdministratorAsync(UserManager<FleetUser> users, string name, string password)
    {
        var user = new FleetUser { UserName = name, DisplayName = "Administrator" };
        var created = await users.CreateAsync(user, password);
        return created.Succeeded ? await users.AddToRoleAsync(user, FleetRoles.Administrator) : created;
    }
}
