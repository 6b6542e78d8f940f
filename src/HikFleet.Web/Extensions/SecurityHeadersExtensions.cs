namespace HikFleet.Web.Extensions;

public static class SecurityHeadersExtensions
{
    // Blazor Server needs its own scripts and a same-origin WebSocket; MudBlazor sets inline styles.
    // No inline scripts, no third-party origins (the app must work with no internet at all).
    private const string AppPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
        "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'";

    // The job dashboard and the API reference page are third-party pages with inline scripts of their own.
    private const string ToolPolicy =
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'";

    public static IApplicationBuilder UseFleetSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var headers = context.Response.Headers;
        var tool = context.Request.Path.StartsWithSegments("/hangfire") || context.Request.Path.StartsWithSegments("/api/docs");
        headers.ContentSecurityPolicy = tool ? ToolPolicy : AppPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        return next();
    });
}
