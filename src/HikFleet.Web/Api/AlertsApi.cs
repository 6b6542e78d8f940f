using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Serialization;
using HikFleet.Core.Alerts;
using HikFleet.Core.Security;
using HikFleet.Web.Auth;
using Microsoft.AspNetCore.Mvc;

namespace HikFleet.Web.Api;

/// <summary>A new channel's answer: the webhook signing secret appears here once and never again.</summary>
public sealed record AlertChannelCreatedDto(Guid Id, string? Secret);

/// <summary>
/// Alerts under <c>/api/v1</c>: live alerts and history (Read), acknowledge and resolve (Operate), messages sent (Read), rules and
/// channels (ManageSites of the tenant; channel targets are masked when listed: webhook URLs are credentials).
/// </summary>
public static class AlertsApi
{
    // Enums as names both ways (states, kinds): what people write and read. Bodies are read with these options, not the global ones.
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private static async Task<(T? Body, IResult? Problem)> ReadAsync<T>(HttpRequest request, CancellationToken ct) where T : class
    {
        try
        {
            var body = await request.ReadFromJsonAsync<T>(Json, ct);
            return body is null ? (null, Results.ValidationProblem(new Dictionary<string, string[]> { [""] = ["Send a JSON body."] })) : (body, null);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return (null, Results.ValidationProblem(new Dictionary<string, string[]> { [""] = [$"Unreadable JSON: {e.Message}"] }));
        }
    }

    public static RouteGroupBuilder MapAlertEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/alerts", async (bool? live, Guid? cameraId, ClaimsPrincipal user, FleetScopeProvider scopes, [FromServices] AlertService alerts,
                CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                return Results.Json(await alerts.AlertsAsync(scope, live ?? true, 500, cameraId, ct), Json);
            })
            .RequireAuthorization(FleetPermissions.Read);

        api.MapPost("/alerts/{id:guid}/acknowledge", async (Guid id, ClaimsPrincipal user, FleetScopeProvider scopes, [FromServices] AlertService alerts,
                CancellationToken ct) => ApiResults.From(await alerts.AcknowledgeAsync(await scopes.GetAsync(user, ct), id, ct), _ => Results.NoContent()))
            .RequireAuthorization(FleetPermissions.Operate);

        api.MapPost("/alerts/{id:guid}/resolve", async (Guid id, ClaimsPrincipal user, FleetScopeProvider scopes, [FromServices] AlertService alerts,
                CancellationToken ct) => ApiResults.From(await alerts.ResolveAsync(await scopes.GetAsync(user, ct), id, ct), _ => Results.NoContent()))
            .RequireAuthorization(FleetPermissions.Operate);

        api.MapGet("/alert-notifications", async (ClaimsPrincipal user, FleetScopeProvider scopes, [FromServices] AlertService alerts, CancellationToken ct) =>
                Results.Json(await alerts.NotificationsAsync(await scopes.GetAsync(user, ct), 500, ct), Json))
            .RequireAuthorization(FleetPermissions.Read);

        api.MapGet("/alert-rules", async (ClaimsPrincipal user, FleetScopeProvider scopes, [FromServices] AlertService alerts, CancellationToken ct) =>
                Results.Json(await alerts.RulesAsync(await scopes.GetAsync(user, ct), ct), Json))
            .RequireAuthorization(FleetPermissions.Read);

        api.MapPost("/alert-rules", async (HttpRequest request, ClaimsPrincipal user, FleetScopeProvider scopes, [FromServices] AlertService alerts,
                CancellationToken ct) =>
            {
                var (body, problem) = await ReadAsync<AlertRuleInput>(request, ct);
                if (problem is not null) return problem;
                var result = await alerts.SaveRuleAsync(await scopes.GetAsync(user, ct), null, body!, ct);
                return ApiResults.From(result, id => Results.Created($"/api/v1/alert-rules/{id}", new { id }));
            })
            .RequireAuthorization(FleetPermissions.ManageSites);

        api.MapPut("/alert-rules/{id:guid}", async (Guid id, HttpRequest request, ClaimsPrincipal user, FleetScopeProvider scopes,
                [FromServices] AlertService alerts, CancellationToken ct) =>
            {
                var (body, problem) = await ReadAsync<AlertRuleInput>(request, ct);
                if (problem is not null) return problem;
                return ApiResults.From(await alerts.SaveRuleAsync(await scopes.GetAsync(user, ct), id, body!, ct), _ => Results.NoContent());
            })
            .RequireAuthorization(FleetPermissions.ManageSites);

        api.MapDelete("/alert-rules/{id:guid}", async (Guid id, ClaimsPrincipal user, FleetScopeProvider scopes, [FromServices] AlertService alerts,
                CancellationToken ct) => ApiResults.From(await alerts.DeleteRuleAsync(await scopes.GetAsync(user, ct), id, ct), _ => Results.NoContent()))
            .RequireAuthorization(FleetPermissions.ManageSites);

        api.MapGet("/alert-channels", async (ClaimsPrincipal user, FleetScopeProvider scopes, [FromServices] AlertService alerts, CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                return Results.Json((await alerts.ChannelsAsync(scope, ct)).Where(c => AlertService.CanManage(scope, c.TenantId)), Json);
            })
            .RequireAuthorization(FleetPermissions.ManageSites);

        api.MapPost("/alert-channels", async (HttpRequest request, ClaimsPrincipal user, FleetScopeProvider scopes, [FromServices] AlertService alerts,
                CancellationToken ct) =>
            {
                var (body, problem) = await ReadAsync<AlertChannelInput>(request, ct);
                if (problem is not null) return problem;
                var (result, secret) = await alerts.AddChannelAsync(await scopes.GetAsync(user, ct), body!, ct);
                return ApiResults.From(result, id => Results.Created($"/api/v1/alert-channels/{id}", new AlertChannelCreatedDto(id, secret)));
            })
            .RequireAuthorization(FleetPermissions.ManageSites);

        api.MapDelete("/alert-channels/{id:guid}", async (Guid id, ClaimsPrincipal user, FleetScopeProvider scopes, [FromServices] AlertService alerts,
                CancellationToken ct) => ApiResults.From(await alerts.DeleteChannelAsync(await scopes.GetAsync(user, ct), id, ct), _ => Results.NoContent()))
            .RequireAuthorization(FleetPermissions.ManageSites);

        return api;
    }
}
