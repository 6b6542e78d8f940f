using HikFleet.Core;
using HikFleet.Core.Data;
using HikFleet.Web.Api;
using HikFleet.Web.Components;
using HikFleet.Web.Health;
using Microsoft.AspNetCore.DataProtection;
using MudBlazor.Services;

namespace HikFleet.Web.Extensions;

public static class ServiceExtensions
{
    /// <summary>Everything the web node hosts: the fleet core and its jobs, the Blazor UI, the API, health checks.</summary>
    public static WebApplicationBuilder AddFleetServices(this WebApplicationBuilder builder)
    {
        var connectionString = DevelopmentDatabase.Resolve(builder.Configuration, builder.Environment);
        var runJobs = builder.Configuration.GetValue("Fleet:RunJobServer", true);
        builder.Services.AddFleetCore(connectionString, runJobs, DevelopmentDatabase.ResolveOwner(builder.Configuration, builder.Environment));
        // The read side of operations for the pages and the API (the engine itself registers in Core's AddFleetOperations).
        builder.Services.AddSingleton<Core.Operations.OperationQueries>();

        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServices();
        builder.Services.AddProblemDetails();
        var keys = builder.Configuration["Fleet:DataProtection:KeysPath"];
        var dataProtection = builder.Services.AddDataProtection().SetApplicationName("HikFleet");
        if (!string.IsNullOrWhiteSpace(keys))
        {
            // Sign-in cookies and antiforgery tokens survive restarts only if the keys do. Several web nodes share one
            // directory (or move this to the database when scaling out).
            dataProtection.PersistKeysToFileSystem(new DirectoryInfo(keys));
        }

        builder.Services.AddOpenApi("v1");

        builder.Services.AddHealthChecks()
            .AddCheck<FleetDatabaseHealthCheck>("database", tags: ["ready"])
            .AddCheck<JobStorageHealthCheck>("jobs", tags: ["ready"]);

        return builder;
    }

    /// <summary>Applies migrations and seeds the first tenant before anything else touches the database.</summary>
    public static async Task PrepareFleetDatabaseAsync(this WebApplication app)
    {
        if (!app.Configuration.GetValue("Fleet:CliVerb", false))
        {
            // The vault key is loaded (or created, on first run) now: a missing or unreadable key stops the start, not a later job.
            app.Services.GetRequiredService<Core.Vault.VaultKeyRing>();
        }

        var migrator = app.Services.GetRequiredService<FleetDatabaseMigrator>();
        await migrator.MigrateAsync(app.Lifetime.ApplicationStopping);
        await migrator.EnsureDefaultTenantAsync(app.Configuration["Fleet:DefaultTenant"] ?? "Default", app.Lifetime.ApplicationStopping);
    }

    /// <summary>
    /// Declares the recurring jobs (Core owns the list) on the fleet's job storage. A node that stopped abruptly (killed, out of
    /// memory, power) can leave one of Hangfire's recurring-job locks behind; it expires after the storage's lock timeout (1 min).
    /// Declaring then waits for the lock and fails: the app must start anyway (it would otherwise crash again at every restart
    /// within that minute), and declares the schedules as soon as the lock is free.
    /// </summary>
    public static async Task DeclareFleetSchedulesAsync(this WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("HikFleet.Web.Schedules");
        var stopping = app.Lifetime.ApplicationStopping;
        if (await TryDeclareAsync(app.Services, logger, stopping)) return;
        _ = Task.Run(async () =>
        {
            while (!stopping.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(5), stopping);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                if (await TryDeclareAsync(app.Services, logger, stopping)) return;
            }
        }, CancellationToken.None);
    }

    private static async Task<bool> TryDeclareAsync(IServiceProvider services, ILogger logger, CancellationToken ct)
    {
        try
        {
            Core.Jobs.FleetSchedules.Declare(services.GetRequiredService<Hangfire.IRecurringJobManager>());
            await services.GetRequiredService<Core.Jobs.SiteScheduleSync>().SyncAllAsync(ct);
            logger.LogInformation("Recurring jobs declared");
            return true;
        }
        catch (Exception ex) when (ex is Hangfire.PostgreSql.PostgreSqlDistributedLockException or Hangfire.Storage.DistributedLockTimeoutException)
        {
            logger.LogWarning("Recurring jobs not declared yet: {Reason} (a node that stopped abruptly holds the lock until it expires); " +
                              "trying again in 5 s", ex.Message);
            return false;
        }
    }

    public static WebApplication UseFleetPipeline(this WebApplication app)
    {
        app.UseFleetSecurityHeaders();
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/error", createScopeForErrors: true);
        }

        // Page views get a friendly "not found"; API callers keep their Problem Details, the job dashboard its own pages,
        // and a refused form post its plain 400.
        app.UseWhen(c => HttpMethods.IsGet(c.Request.Method) && !AuthExtensions.IsMachinePath(c.Request.Path), page => page.UseStatusCodePagesWithReExecute("/not-found"));
        app.UseFleetRequestLogging();
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.UseSwaggerUI(options =>
        {
            options.RoutePrefix = "api/docs";
            options.DocumentTitle = "HikFleet API";
            options.SwaggerEndpoint("/openapi/v1.json", "HikFleet API v1");
        });
        return app;
    }

    public static WebApplication MapFleetEndpoints(this WebApplication app)
    {
        app.MapStaticAssets().AllowAnonymous();
        app.MapFleetHealth();
        app.MapFleetJobDashboard();
        app.MapAccountEndpoints();
        app.MapExternalSignIn();
        app.MapFleetApi();
        app.MapFleetMetrics();
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
