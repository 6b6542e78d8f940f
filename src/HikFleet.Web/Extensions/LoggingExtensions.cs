using Serilog;

namespace HikFleet.Web.Extensions;

public static class LoggingExtensions
{
    /// <summary>
    /// Serilog from the <c>Serilog</c> configuration section (console and a rolling file by default). No static
    /// bootstrap logger: two hosts in one process (tests) must not share or freeze a global logger.
    /// </summary>
    public static WebApplicationBuilder AddFleetLogging(this WebApplicationBuilder builder)
    {
        builder.Services.AddSerilog((services, logger) => logger
            .ReadFrom.Configuration(builder.Configuration)
            .ReadFrom.Services(services)
            .Enrich.FromLogContext());
        return builder;
    }

    public static IApplicationBuilder UseFleetRequestLogging(this IApplicationBuilder app) =>
        app.UseSerilogRequestLogging(options =>
        {
            // Health probes every few seconds would drown the log.
            options.GetLevel = (context, _, exception) =>
                exception is not null || context.Response.StatusCode >= 500 ? Serilog.Events.LogEventLevel.Error
                : context.Request.Path.StartsWithSegments("/healthz") ? Serilog.Events.LogEventLevel.Verbose
                : Serilog.Events.LogEventLevel.Information;
        });
}
