using HikFleet.Core.Audit;
using HikFleet.Core.Common;
using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Security;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace HikFleet.Core.Tenants;

/// <summary>Tenants: the clients of an MSP. Only administrators create them.</summary>
public sealed class TenantService(IDbContextFactory<FleetDbContext> contexts, AuditLog audit)
{
    public async Task<ServiceResult> CreateAsync(FleetScope scope, string? name, CancellationToken cancellationToken = default)
    {
        var result = await CreateCoreAsync(scope, name, cancellationToken);
        await audit.RecordAsync(scope, "tenant.create", result, result.Id, parameters: new { name }, cancellationToken: cancellationToken);
        return result;
    }

    private async Task<ServiceResult> CreateCoreAsync(FleetScope scope, string? name, CancellationToken cancellationToken)
    {
        if (!scope.Can(FleetPermissions.Administer))
        {
            return ServiceResult.Forbidden("Only administrators create tenants.");
        }

        name = name?.Trim() ?? "";
        if (name.Length is 0 or > 200)
        {
            return ServiceResult.Invalid("name", "A tenant needs a name of 1 to 200 characters.");
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var tenant = new Tenant { Name = name };
        db.Tenants.Add(tenant);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return ServiceResult.Ok(tenant.Id);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return ServiceResult.Conflict("name", "A tenant with that name exists.");
        }
    }
}
