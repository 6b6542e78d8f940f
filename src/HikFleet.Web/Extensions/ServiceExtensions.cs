using HikFleet.Core;
using HikFleet.Core.Data;
using HikFleet.Web.Components;
using HikFleet.Web.Health;
using MudBlazor.Services;

namespace HikFleet.Web.Extensions;

public static class ServiceExtensions
{
    /// <summary>Everything the web node hosts: the fleet core and its jobs, the Blazor UI, health checks.</summary>
    public static WebApplicationBuilder AddFleetServices(this WebApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetFleetConnectionString();
        var runJobs = builder.Configuration.GetValue("Fleet:RunJobServer", true);
        builder.Services.AddFleetCore(connectionString, runJobs);

        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServices();

        builder.Services.AddHealthChecks()
            .AddCheck<FleetDatabaseHealthCheck>("database", tags: ["ready"])
            .AddCheck<JobStorageHealthCheck>("jobs", tags: ["ready"]);

        return builder;
    }

    /// <summary>Applies migrations and seeds the first tenant before anything else touches the database.</summary>
    public static async Task PrepareFleetDatabaseAsync(this WebApplication app)
    {
        var migrator = app.Services.GetRequiredService<FleetDatabaseMigrator>();
        await migrator.MigrateAsync(app.Lifetime.ApplicationStopping);
        await migrator.EnsureDefaultTenantAsync(app.Configuration["Fleet:DefaultTenant"] ?? "Default", app.Lifetime.ApplicationStopping);
    }

    public static WebApplication UseFleetPipeline(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/error", createScopeForErrors: true);
        }

        app.UseStatusCodePagesWithReExecute("/not-found");
        app.UseFleetRequestLogging();
        app.UseAntiforgery();
        return app;
    }

    public static WebApplication MapFleetEndpoints(this WebApplication app)
    {
        app.MapStaticAssets();
        app.MapFleetHealth();
        app.MapFleetJobDashboard();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
