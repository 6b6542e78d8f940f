using HikFleet.Core.Observability;
using HikFleet.Core.Security;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace HikFleet.Web.Extensions;

/// <summary>
/// OpenTelemetry for the web node: HikFleet's meters (fleet gauges, jobs, operations, ISAPI), ASP.NET Core and runtime metrics on a
/// Prometheus endpoint (<c>/metrics</c>, authorized: see docs/observability.md), and, only when an OTLP endpoint is configured,
/// traces and metrics pushed there. Nothing leaves the machine unless <c>Fleet:Observability:Otlp:Endpoint</c> is set.
/// </summary>
public static class ObservabilityExtensions
{
    public const string MetricsPath = "/metrics";

    public static WebApplicationBuilder AddFleetObservability(this WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection("Fleet:Observability");
        var metricsEnabled = section.GetValue("Metrics:Enabled", true);
        var otlp = section["Otlp:Endpoint"];
        var otlpUri = string.IsNullOrWhiteSpace(otlp) ? null : new Uri(otlp, UriKind.Absolute);
        if (!metricsEnabled && otlpUri is null)
        {
            return builder;
        }

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("hikfleet", serviceInstanceId: Environment.MachineName));
        telemetry.WithMetrics(metrics =>
        {
            // OpenTelemetry keeps at most 2,000 series per metric by default and folds the rest into one overflow series; the fleet
            // gauges have one series per site and state (1,000 sites x 8 states = 8,000), so they get a limit of their own.
            var fleetLimit = section.GetValue("Metrics:FleetCardinalityLimit", 50_000);
            metrics.AddMeter([.. FleetTelemetry.MeterNames])
                .AddView(instrument => instrument.Meter.Name == FleetTelemetry.FleetMeterName
                    ? new MetricStreamConfiguration { CardinalityLimit = fleetLimit } : null)
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation();
            if (metricsEnabled)
            {
                // The exporter's own cache keeps a burst of scrapes to one collection; the fleet gauges cache their query for longer.
                metrics.AddPrometheusExporter(options => options.ScrapeResponseCacheDurationMilliseconds = 1000);
            }

            if (otlpUri is not null)
            {
                metrics.AddOtlpExporter(options => ConfigureOtlp(options, otlpUri, section, "v1/metrics"));
            }
        });
        if (otlpUri is not null)
        {
            // Traces are exported only where someone collects them; without a collector no span is even recorded.
            telemetry.WithTracing(tracing => tracing
                .AddSource([.. FleetTelemetry.SourceNames])
                .AddAspNetCoreInstrumentation(options => options.Filter = context =>
                    !context.Request.Path.StartsWithSegments(MetricsPath) && !context.Request.Path.StartsWithSegments("/healthz"))
                .AddOtlpExporter(options => ConfigureOtlp(options, otlpUri, section, "v1/traces")));
        }

        return builder;
    }

    /// <summary>
    /// The collector's base address (<c>http://collector:4317</c> for gRPC, <c>http://collector:4318</c> for HTTP). Over HTTP an endpoint
    /// set in code is used verbatim, so each signal gets its own path appended here (<c>/v1/traces</c>, <c>/v1/metrics</c>).
    /// </summary>
    private static void ConfigureOtlp(OtlpExporterOptions options, Uri endpoint, IConfigurationSection section, string signalPath)
    {
        var http = string.Equals(section["Otlp:Protocol"], "http", StringComparison.OrdinalIgnoreCase);
        options.Protocol = http ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
        options.Endpoint = http ? new Uri(endpoint.ToString().TrimEnd('/') + "/" + signalPath) : endpoint;
        if (TimeSpan.TryParse(section["Otlp:ExportInterval"], System.Globalization.CultureInfo.InvariantCulture, out var interval))
        {
            options.BatchExportProcessorOptions.ScheduledDelayMilliseconds = (int)interval.TotalMilliseconds;
        }
    }

    /// <summary>
    /// <c>GET /metrics</c> in the Prometheus text format, for holders of <see cref="FleetPermissions.ScrapeMetrics"/> only: an
    /// administrator (cookie or API token) or the configured scrape token. Never anonymous: the counts span every tenant.
    /// </summary>
    public static WebApplication MapFleetMetrics(this WebApplication app)
    {
        if (!app.Configuration.GetValue("Fleet:Observability:Metrics:Enabled", true))
        {
            return app;
        }

        // The gauges exist once their service does; create it with the host, not on the first scrape.
        app.Services.GetRequiredService<FleetGauges>();
        var token = app.Configuration[Auth.MetricsScrapeAuthenticationHandler.TokenKey];
        if (!string.IsNullOrEmpty(token) && token.Length < Auth.MetricsScrapeAuthenticationHandler.MinimumTokenLength)
        {
            app.Logger.LogWarning("The metrics scrape token is shorter than {Length} characters and is ignored",
                Auth.MetricsScrapeAuthenticationHandler.MinimumTokenLength);
        }

        app.MapPrometheusScrapingEndpoint(MetricsPath).RequireAuthorization(FleetPermissions.ScrapeMetrics);
        return app;
    }
}
