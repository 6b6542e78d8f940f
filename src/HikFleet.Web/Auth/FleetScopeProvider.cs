using System.Security.Claims;
using HikFleet.Core.Data;
using HikFleet.Core.Security;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.EntityFrameworkCore;

namespace HikFleet.Web.Auth;

/// <summary>
/// Turns a signed-in principal into its <see cref="FleetScope"/>, read fresh from the database so a changed role or
/// membership applies at the next request, not at the next sign-in.
/// </summary>
public sealed class FleetScopeProvider(IDbContextFactory<FleetDbContext> contexts)
{
    /// <summary>The scope of whoever a component renders for (Blazor circuits have no HttpContext to ask).</summary>
    public async Task<FleetScope> GetAsync(AuthenticationStateProvider authentication, CancellationToken cancellationToken = default) =>
        await GetAsync((await authentication.GetAuthenticationStateAsync()).User, cancellationToken);

    public async Task<FleetScope> GetAsync(ClaimsPrincipal user, CancellationToken cancellationToken = default)
    {
        if (user.Identity?.IsAuthenticated != true || !Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var userId))
        {
            return FleetScope.Nobody;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await FleetScope.LoadAsync(db, userId, cancellationToken);
    }
}
