using Microsoft.EntityFrameworkCore;
using HikFleet.Core.Data;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HikFleet.Web.Health;

/// <summary>Healthy when the fleet database answers a query within the probe's time.</summary>
public sealed class FleetDatabaseHealthCheck(IDbContextFactory<FleetDbContext> contexts) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            // CanConnect bypasses the retrying execution strategy: a probe must answer quickly, not after three retries.
            return await db.Database.CanConnectAsync(cancellationToken)
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy("The fleet database does not answer.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("The fleet database does not answer.", ex);
        }
    }
}
