using Microsoft.Extensions.DependencyInjection;

namespace HikFleet.Core.Operations;

public static class OperationsServiceCollectionExtensions
{
    /// <summary>The operations engine: workflows, runner, jobs, backups, the firmware library; options from <c>Fleet:Operations</c> and <c>Fleet:Firmware</c>.</summary>
    public static IServiceCollection AddFleetOperations(this IServiceCollection services)
    {
        services.AddOptions<OperationOptions>().BindConfiguration(OperationOptions.SectionName).PostConfigure(o =>
        {
            // The crash-test switch only works in the Testing environment: a stray setting must never kill a production node.
            if (Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") != "Testing") o.KillProcessAfterStep = null;
        });
        services.AddSingleton<IOperationScheduler, HangfireOperationScheduler>();
        services.AddSingleton<DeviceLink>();
        services.AddSingleton<ConfigurationBackups>();
        services.AddSingleton<DeviceSteps>();
        services.AddSingleton<IOperationWorkflow, RebootWorkflow>();
        services.AddSingleton<IOperationWorkflow, FactoryResetWorkflow>();
        services.AddSingleton<IOperationWorkflow, ReprovisionWorkflow>();
        services.AddSingleton<IOperationWorkflow, BackupWorkflow>();
        services.AddSingleton<IOperationWorkflow, PasswordRotationWorkflow>();
        services.AddSingleton<IOperationWorkflow, FirmwareUpgradeWorkflow>();
        services.AddSingleton<IOperationWorkflow, PowerCycleWorkflow>();
        services.AddOptions<Firmware.FirmwareOptions>().BindConfiguration(Firmware.FirmwareOptions.SectionName);
        services.AddSingleton<Firmware.FirmwareStore>();
        services.AddSingleton<Firmware.FirmwareLibrary>();
        services.AddSingleton<OperationCreator>();
        services.AddSingleton<OperationRunner>();
        services.AddSingleton<OperationService>();
        services.AddTransient<OperationJob>();
        services.AddTransient<OperationWatchdogJob>();
        services.AddTransient<ScheduledRotationJob>();
        services.AddHostedService<OperationResumer>();
        return services;
    }
}
