using System.Security.Claims;
using HikFleet.Core.Security;
using Microsoft.AspNetCore.Authorization;

namespace HikFleet.Web.Auth;

/// <summary>A policy per permission; <see cref="FleetPermissions"/> says which roles hold it.</summary>
public sealed record PermissionRequirement(string Permission) : IAuthorizationRequirement;

public sealed class PermissionHandler : AuthorizationHandler<PermissionRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, PermissionRequirement requirement)
    {
        var role = context.User.FindFirstValue(ClaimTypes.Role);
        if (context.User.Identity?.IsAuthenticated == true && FleetPermissions.RoleGrants(role, requirement.Permission))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
