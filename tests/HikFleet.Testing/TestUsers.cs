using HikFleet.Core.Security;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace HikFleet.Testing;

/// <summary>Creates users straight in the test database: a role, memberships and, when asked, a real password hash.</summary>
public static class TestUsers
{
    public static async Task<FleetUser> CreateAsync(
        TestDatabase database, string userName, string role, IEnumerable<TenantMembership>? memberships = null, string? password = null)
    {
        await using var db = database.CreateContext();
        var roleRow = await db.Roles.SingleOrDefaultAsync(r => r.Name == role);
        if (roleRow is null)
        {
            roleRow = new IdentityRole<Guid>(role) { Id = Guid.NewGuid(), NormalizedName = role.ToUpperInvariant() };
            db.Roles.Add(roleRow);
            await db.SaveChangesAsync();
        }

        var user = new FleetUser { UserName = userName, NormalizedUserName = userName.ToUpperInvariant(), LockoutEnabled = true };
        if (password is not null)
        {
            user.PasswordHash = new PasswordHasher<FleetUser>().HashPassword(user, password);
        }

        user.Memberships = (memberships ?? []).Select(m => new TenantMembership { TenantId = m.TenantId, SiteIds = m.SiteIds }).ToList();
        db.Users.Add(user);
        db.UserRoles.Add(new IdentityUserRole<Guid> { UserId = user.Id, RoleId = roleRow.Id });
        await db.SaveChangesAsync();
        return user;
    }
}
