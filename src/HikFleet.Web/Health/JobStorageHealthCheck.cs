using Hangfire;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HikFleet.Web.Health;

/// <summary>Unhealthy when Hangfire's storage is unreachable; degraded when no job server is alive to run jobs.</summary>
public sealed class JobStorageHealthCheck(JobStorage storage) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var servers = storage.GetMonitoringApi().Servers();
            var alive = servers.Count(s => s.Heartbeat is { } beat && DateTime.UtcNow - beat < TimeSpan.FromMinutes(2));
            return Task.FromResult(alive > 0
                ? HealthCheckResult.Healthy($"{alive} job server(s)")
                : HealthCheckResult.Degraded("No job server is running."));
        }
        catch (Exception ex)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("The job storage does not answer.", ex));
        }
    }
}
