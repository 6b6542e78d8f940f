using System.Security.Claims;
using HikFleet.Core.Common;
using HikFleet.Core.Operations;
using HikFleet.Core.Profiles;
using HikFleet.Core.Security;
using HikFleet.Web.Auth;
using Microsoft.AspNetCore.Mvc;

namespace HikFleet.Web.Api;

/// <summary>A profile as the API returns it.</summary>
public sealed record ProfileDto(Guid Id, Guid TenantId, Guid? SiteId, string? SiteName, string Name, ProfileSettings Settings, DateTimeOffset UpdatedAt,
    uint Version)
{
    public static ProfileDto From(ProfileView v) => new(v.Id, v.TenantId, v.SiteId, v.SiteName, v.Name, v.Settings, v.UpdatedAt, v.Version);
}

/// <summary>The dry run of a camera's profile: each field that would change, from → to.</summary>
public sealed record ProfileDiffDto(Guid CameraId, IReadOnlyList<SettingsDifference> Differences, string? Note);

/// <summary>Push the effective profile to these cameras (one ApplyProfile operation each).</summary>
public sealed record ProfileApplyDto(IReadOnlyList<Guid>? CameraIds, string? Reason);

public sealed record ProfileApplyItemDto(Guid CameraId, string Result, Guid? OperationId, string Message);

public sealed record ProfileApplyResultDto(Guid? BatchId, int Started, IReadOnlyList<ProfileApplyItemDto> Items);

/// <summary>Configuration profiles: list and edit (ManageSites), dry-run difference of a camera and apply (Operate).</summary>
public static class ProfilesApi
{
    // ProfileService is taken [FromServices] explicitly: a host without AddFleetProfiles fails the request, never the start-up.
    public static RouteGroupBuilder MapProfileEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/profiles", async (ClaimsPrincipal user, FleetScopeProvider scopes, [FromServices] ProfileService profiles, CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                return Results.Ok((await profiles.ListAsync(scope, ct)).Select(ProfileDto.From).ToList());
            })
            .RequireAuthorization(FleetPermissions.Read);

        api.MapPost("/profiles", async (ProfileInput body, ClaimsPrincipal user, FleetScopeProvider scopes, [FromServices] ProfileService profiles,
                CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                var result = await profiles.CreateAsync(scope, body, ct);
                return await ApiResults.FromAsync(result, async id =>
                    Results.Created($"/api/v1/profiles/{id}", (await profiles.ListAsync(scope, ct)).Where(p => p.Id == id).Select(ProfileDto.From).Single()));
            })
            .RequireAuthorization(FleetPermissions.ManageSites);

        api.MapPut("/profiles/{id:guid}", async (Guid id, ProfileInput body, ClaimsPrincipal user, FleetScopeProvider scopes,
                [FromServices] ProfileService profiles, CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                var result = await profiles.UpdateAsync(scope, id, body, ct);
                return await ApiResults.FromAsync(result, async _ =>
                    Results.Ok((await profiles.ListAsync(scope, ct)).Where(p => p.Id == id).Select(ProfileDto.From).Single()));
            })
            .RequireAuthorization(FleetPermissions.ManageSites);

        api.MapDelete("/profiles/{id:guid}", async (Guid id, ClaimsPrincipal user, FleetScopeProvider scopes, [FromServices] ProfileService profiles,
                CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                return ApiResults.From(await profiles.DeleteAsync(scope, id, ct), _ => Results.NoContent());
            })
            .RequireAuthorization(FleetPermissions.ManageSites);

        // A dry run logs in to the camera and reads it (never writes): operators' business, like any other device contact.
        api.MapGet("/cameras/{id:guid}/profile-diff", async (Guid id, ClaimsPrincipal user, FleetScopeProvider scopes,
                [FromServices] ProfileService profiles, CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                var dry = await profiles.DryRunAsync(scope, id, ct);
                return ApiResults.From(dry.Result, _ => Results.Ok(new ProfileDiffDto(id, dry.Differences, dry.Note)));
            })
            .RequireAuthorization(FleetPermissions.Operate);

        api.MapPost("/profiles/apply", async (ProfileApplyDto body, ClaimsPrincipal user, FleetScopeProvider scopes, [FromServices] ProfileService profiles,
                CancellationToken ct) =>
            {
                var scope = await scopes.GetAsync(user, ct);
                var result = await profiles.ApplyAsync(scope, body.CameraIds ?? [], body.Reason, ct);
                if (result.Error is { } error) return Results.ValidationProblem(new Dictionary<string, string[]> { [""] = [error] });
                return Results.Ok(new ProfileApplyResultDto(result.BatchId, result.Started,
                    result.Items.Select(i => new ProfileApplyItemDto(i.CameraId, i.Kind.ToString(), i.OperationId, i.Message)).ToList()));
            })
            .RequireAuthorization(FleetPermissions.Operate);
        return api;
    }
}
