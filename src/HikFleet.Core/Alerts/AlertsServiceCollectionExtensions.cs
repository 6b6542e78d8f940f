using Microsoft.Extensions.DependencyInjection;

namespace HikFleet.Core.Alerts;

public static class AlertsServiceCollectionExtensions
{
    /// <summary>Alert rules, evaluation, delivery (email, webhooks); options from <c>Fleet:Alerts</c>.</summary>
    public static IServiceCollection AddFleetAlerts(this IServiceCollection services)
    {
        services.AddOptions<AlertOptions>().BindConfiguration(AlertOptions.SectionName);
        services.AddSingleton<IAlertDeliveryScheduler, HangfireAlertDeliveryScheduler>();
        services.AddSingleton<AlertSender>();
        services.AddSingleton<AlertEvaluator>();
        services.AddSingleton<AlertService>();
        services.AddTransient<AlertEvaluationJob>();
        services.AddTransient<AlertDeliveryJob>();
        return services;
    }
}
