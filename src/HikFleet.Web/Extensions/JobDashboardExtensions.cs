using Hangfire;
using HikFleet.Core.Security;

namespace HikFleet.Web.Extensions;

public static class JobDashboardExtensions
{
    /// <summary>The Hangfire dashboard at <c>/hangfire</c>, for administrators only (it can trigger and delete jobs).</summary>
    public static WebApplication MapFleetJobDashboard(this WebApplication app)
    {
        var storage = app.Services.GetRequiredService<JobStorage>();
        app.MapHangfireDashboardWithAuthorizationPolicy(FleetPermissions.Administer, "/hangfire", new DashboardOptions
        {
            DashboardTitle = "HikFleet jobs",
            AppPath = "/",
            DisplayStorageConnectionString = false,
        }, storage);
        return app;
    }
}
