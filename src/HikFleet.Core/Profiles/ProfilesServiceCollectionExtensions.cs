using HikFleet.Core.Operations;
using Microsoft.Extensions.DependencyInjection;

namespace HikFleet.Core.Profiles;

public static class ProfilesServiceCollectionExtensions
{
    /// <summary>Configuration profiles (editing, dry run, apply workflow) and scheduled backups. Call after <c>AddFleetOperations</c>.</summary>
    public static IServiceCollection AddFleetProfiles(this IServiceCollection services)
    {
        services.AddSingleton<OperationCreator>();
        services.AddSingleton<IOperationWorkflow, ApplyProfileWorkflow>();
        services.AddSingleton<ProfileService>();
        services.AddTransient<ScheduledBackupJob>();
        return services;
    }
}
