using Hangfire;
using Hangfire.Dashboard;

namespace HikFleet.Web.Extensions;

public static class JobDashboardExtensions
{
    /// <summary>
    /// The Hangfire dashboard at <c>/hangfire</c>. Until sign-in exists it answers only requests from this machine
    /// (it can trigger and delete jobs); with identity it becomes Administrator-only.
    /// </summary>
    public static WebApplication MapFleetJobDashboard(this WebApplication app)
    {
        var storage = app.Services.GetRequiredService<JobStorage>();
        app.UseHangfireDashboard("/hangfire", new DashboardOptions
        {
            Authorization = [new LocalRequestsOnlyAuthorizationFilter()],
            DashboardTitle = "HikFleet jobs",
            AppPath = "/",
            DisplayStorageConnectionString = false,
        }, storage);
        return app;
    }
}
