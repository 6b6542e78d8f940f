using HikFleet.Core.Audit;
using HikFleet.Core.Common;
using HikFleet.Core.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace HikFleet.Core.Security;

/// <summary>What an administrator submits to create a user.</summary>
public sealed class UserInput
{
    public string UserName { get; set; } = "";
    public string? DisplayName { get; set; }
    public string Role { get; set; } = FleetRoles.Viewer;
    public string Password { get; set; } = "";
    public List<TenantMembership> Memberships { get; set; } = [];
}

/// <summary>A user as the user list shows it.</summary>
public sealed record UserSummary(Guid Id, string UserName, string? DisplayName, string? Role, bool LockedOut,
    IReadOnlyList<TenantMembership> Memberships);

/// <summary>
/// Users and their memberships. Administrators manage everyone; a TenantAdmin manages the non-administrator users of its
/// own tenants and can hand out only memberships it holds itself.
/// </summary>
public sealed class UserService(UserManager<FleetUser> users, IDbContextFactory<FleetDbContext> contexts, AuditLog audit)
{
    public async Task<List<UserSummary>> ListAsync(FleetScope scope, CancellationToken cancellationToken = default)
    {
        if (!scope.Can(FleetPermissions.ManageUsers))
        {
            return [];
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await db.Users.AsNoTracking().Include(u => u.Memberships)
            .Select(u => new
            {
                u.Id, u.UserName, u.DisplayName, u.LockoutEnd, u.Memberships,
                Role = db.UserRoles.Where(ur => ur.UserId == u.Id).Join(db.Roles, ur => ur.RoleId, r => r.Id, (_, r) => r.Name).FirstOrDefault(),
            })
            .OrderBy(u => u.UserName)
            .ToListAsync(cancellationToken);

        return rows
            .Where(u => scope.IsAdministrator
                || (u.Role != FleetRoles.Administrator && u.Memberships.Count > 0 && u.Memberships.All(m => scope.CoversTenant(m.TenantId))))
            .Select(u => new UserSummary(u.Id, u.UserName ?? "", u.DisplayName, u.Role, u.LockoutEnd > DateTimeOffset.UtcNow, u.Memberships))
            .ToList();
    }

    public async Task<ServiceResult> CreateAsync(FleetScope scope, UserInput input, CancellationToken cancellationToken = default)
    {
        var result = await CreateCoreAsync(scope, input, cancellationToken);
        // The password never reaches the audit trail (the redactor would mask it anyway); what was granted does.
        await audit.RecordAsync(scope, "user.create", result, input.Memberships.FirstOrDefault()?.TenantId, parameters: new
        {
            userName = input.UserName, role = input.Role, userId = result.Id,
            memberships = input.Memberships.Select(m => new { m.TenantId, m.SiteIds }),
        }, cancellationToken: cancellationToken);
        return result;
    }

    private async Task<ServiceResult> CreateCoreAsync(FleetScope scope, UserInput input, CancellationToken cancellationToken)
    {
        if (!scope.Can(FleetPermissions.ManageUsers))
        {
            return ServiceResult.Forbidden("Your role may not manage users.");
        }

        var errors = new Dictionary<string, string[]>();
        if (!FleetRoles.All.Contains(input.Role))
        {
            errors[nameof(UserInput.Role)] = [$"Unknown role; one of {string.Join(", ", FleetRoles.All)}."];
        }
        else if (input.Role == FleetRoles.Administrator && !scope.IsAdministrator)
        {
            return ServiceResult.Forbidden("Only administrators create administrators.");
        }

        if (input.Role != FleetRoles.Administrator && input.Memberships.Count == 0)
        {
            errors[nameof(UserInput.Memberships)] = ["A user other than an administrator needs at least one tenant."];
        }

        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            var tenantIds = input.Memberships.Select(m => m.TenantId).Distinct().ToList();
            var visible = await scope.Tenants(db).Where(t => tenantIds.Contains(t.Id)).Select(t => t.Id).ToListAsync(cancellationToken);
            if (visible.Count != tenantIds.Count || tenantIds.Any(t => !scope.CoversTenant(t)))
            {
                errors[nameof(UserInput.Memberships)] = ["No such tenant."];
            }
        }

        if (errors.Count > 0)
        {
            return ServiceResult.Invalid(errors);
        }

        var user = new FleetUser
        {
            UserName = input.UserName.Trim(),
            DisplayName = string.IsNullOrWhiteSpace(input.DisplayName) ? null : input.DisplayName.Trim(),
            LockoutEnabled = true,
            Memberships = input.Memberships.Select(m => new TenantMembership { TenantId = m.TenantId, SiteIds = [.. m.SiteIds] }).ToList(),
        };
        var created = await users.CreateAsync(user, input.Password);
        if (!created.Succeeded)
        {
            return ServiceResult.Invalid(created.Errors
                .GroupBy(e => e.Code.Contains("Password", StringComparison.Ordinal) ? nameof(UserInput.Password) : nameof(UserInput.UserName))
                .ToDictionary(g => g.Key, g => g.Select(e => e.Description).ToArray()));
        }

        await users.AddToRoleAsync(user, input.Role);
        return ServiceResult.Ok(user.Id);
    }

    /// <summary>Locks a user out (or lets them back in). Their API tokens stop working with the lock.</summary>
    public async Task<ServiceResult> SetLockedAsync(FleetScope scope, Guid userId, bool locked, CancellationToken cancellationToken = default)
    {
        var result = await SetLockedCoreAsync(scope, userId, locked, cancellationToken);
        await audit.RecordAsync(scope, locked ? "user.lock" : "user.unlock", result, parameters: new { userId }, cancellationToken: cancellationToken);
        return result;
    }

    private async Task<ServiceResult> SetLockedCoreAsync(FleetScope scope, Guid userId, bool locked, CancellationToken cancellationToken)
    {
        var visible = await ListAsync(scope, cancellationToken);
        if (visible.All(u => u.Id != userId))
        {
            return ServiceResult.NotFound("No such user.");
        }

        if (userId == scope.UserId)
        {
            return ServiceResult.Invalid("", "You cannot lock yourself out.");
        }

        var user = await users.FindByIdAsync(userId.ToString());
        if (user is null)
        {
            return ServiceResult.NotFound("No such user.");
        }

        await users.SetLockoutEnabledAsync(user, true);
        await users.SetLockoutEndDateAsync(user, locked ? DateTimeOffset.MaxValue : null);
        await users.UpdateSecurityStampAsync(user);
        return ServiceResult.Ok(user.Id);
    }
}
