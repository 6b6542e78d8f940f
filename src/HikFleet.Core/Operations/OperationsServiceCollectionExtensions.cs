using Microsoft.Extensions.DependencyInjection;

namespace HikFleet.Core.Operations;

public static class OperationsServiceCollectionExtensions
{
    /// <summary>The operations engine: workflows, runner, jobs, backups; options from <c>Fleet:Operations</c>.</summary>
    public static IServiceCollection AddFleetOperations(this IServiceCollection services)
    {
        services.AddOptions<OperationOptions>().BindConfiguration(OperationOptions.SectionName);
        services.AddSingleton<IOperationScheduler, HangfireOperationScheduler>();
        services.AddSingleton<DeviceLink>();
        services.AddSingleton<ConfigurationBackups>();
        services.AddSingleton<DeviceSteps>();
        services.AddSingleton<IOperationWorkflow, RebootWorkflow>();
        services.AddSingleton<IOperationWorkflow, FactoryResetWorkflow>();
        services.AddSingleton<IOperationWorkflow, ReprovisionWorkflow>();
        services.AddSingleton<IOperationWorkflow, BackupWorkflow>();
        services.AddSingleton<OperationRunner>();
        services.AddSingleton<OperationService>();
        services.AddTransient<OperationJob>();
        services.AddTransient<OperationWatchdogJob>();
        services.AddHostedService<OperationResumer>();
        return services;
    }
}
