using Serilog;
using Serilog.Formatting.Compact;

namespace HikFleet.Web.Extensions;

public static class LoggingExtensions
{
    /// <summary>
    /// Serilog from the <c>Serilog</c> configuration section (console and a rolling file by default). No static
    /// bootstrap logger: two hosts in one process (tests) must not share or freeze a global logger.
    /// With <c>Fleet:Logging:Json=true</c> the console sinks of that section are replaced by one console sink writing compact JSON
    /// (CLEF: one object per line, <c>@t</c>, <c>@mt</c>, <c>@l</c>, <c>@x</c>, <c>@tr</c>/<c>@sp</c> and every property by name), for
    /// log shippers; the file sink keeps its own format.
    /// </summary>
    public static WebApplicationBuilder AddFleetLogging(this WebApplicationBuilder builder)
    {
        var json = builder.Configuration.GetValue("Fleet:Logging:Json", false);
        var configuration = json ? WithoutConsoleSinks(builder.Configuration) : builder.Configuration;
        builder.Services.AddSerilog((services, logger) =>
        {
            logger.ReadFrom.Configuration(configuration)
                .ReadFrom.Services(services)
                .Enrich.FromLogContext();
            if (json)
            {
                logger.WriteTo.Console(new CompactJsonFormatter());
            }
        });
        return builder;
    }

    /// <summary>The <c>Serilog</c> section without its <c>WriteTo</c> entries named <c>Console</c> (every other setting kept).</summary>
    internal static IConfiguration WithoutConsoleSinks(IConfiguration configuration)
    {
        var writeTo = configuration.GetSection("Serilog:WriteTo");
        var consoleEntries = writeTo.GetChildren()
            .Where(entry => string.Equals(entry["Name"], "Console", StringComparison.OrdinalIgnoreCase))
            .Select(entry => entry.Path + ":")
            .ToList();
        var kept = configuration.GetSection("Serilog").AsEnumerable()
            .Where(pair => pair.Value is not null && !consoleEntries.Any(prefix => pair.Key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)))
            .ToDictionary(pair => pair.Key, pair => pair.Value);
        return new ConfigurationBuilder().AddInMemoryCollection(kept).Build();
    }

    public static IApplicationBuilder UseFleetRequestLogging(this IApplicationBuilder app) =>
        app.UseSerilogRequestLogging(options =>
        {
            // Health probes and metric scrapes every few seconds would drown the log.
            options.GetLevel = (context, _, exception) =>
                exception is not null || context.Response.StatusCode >= 500 ? Serilog.Events.LogEventLevel.Error
                : context.Request.Path.StartsWithSegments("/healthz") || context.Request.Path.StartsWithSegments("/metrics") ? Serilog.Events.LogEventLevel.Verbose
                : Serilog.Events.LogEventLevel.Information;
        });
}
