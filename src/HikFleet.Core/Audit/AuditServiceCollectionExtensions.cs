using Microsoft.Extensions.DependencyInjection;

namespace HikFleet.Core.Audit;

public static class AuditServiceCollectionExtensions
{
    /// <summary>The audit log, its verifier and the verification job. Needs the fleet database and a <see cref="TimeProvider"/>.</summary>
    public static IServiceCollection AddFleetAudit(this IServiceCollection services)
    {
        services.AddSingleton<AuditLog>();
        services.AddSingleton<AuditVerifier>();
        services.AddTransient<AuditChainVerificationJob>();
        services.AddOptions<AuditOptions>().BindConfiguration(AuditOptions.SectionName);
        services.AddSingleton<AuditChainMonitor>();
        services.AddSingleton<AuditQueries>();
        services.AddSingleton<Export.AuditExportService>();
        return services;
    }
}
