using HikFleet.Core.Operations;
using Microsoft.Extensions.DependencyInjection;

namespace HikFleet.Core.Profiles;

public static class ProfilesServiceCollectionExtensions
{
    /// <summary>Configuration profiles (editing, dry run, apply workflow) and scheduled backups. Called by <c>AddFleetCore</c> after <c>AddFleetOperations</c>.</summary>
    public static IServiceCollection AddFleetProfiles(this IServiceCollection services)
    {
        // Idempotent: a second call would register the workflow twice, and the engine keys workflows by kind.
        if (services.Any(d => d.ServiceType == typeof(ProfileService))) return services;
        services.AddSingleton<IOperationWorkflow, ApplyProfileWorkflow>();
        services.AddSingleton<ProfileService>();
        services.AddTransient<ScheduledBackupJob>();
        return services;
    }
}
