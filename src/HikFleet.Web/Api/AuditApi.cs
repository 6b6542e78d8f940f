using System.Security.Claims;
using HikFleet.Core.Audit;
using HikFleet.Core.Audit.Export;
using HikFleet.Core.Security;
using HikFleet.Web.Auth;
using Microsoft.AspNetCore.Mvc;

namespace HikFleet.Web.Api;

/// <summary>The auditor's API: search the trail, export it (CSV verifiable offline, PDF for people), see and re-check the chain.</summary>
public static class AuditApi
{
    public static void MapAuditEndpoints(this RouteGroupBuilder api)
    {
        var audit = api.MapGroup("/audit").RequireAuthorization(FleetPermissions.ReadAudit);

        audit.MapGet("", async ([AsParameters] AuditQueryParameters query, ClaimsPrincipal user, FleetScopeProvider scopes, AuditQueries queries,
                CancellationToken ct) =>
            {
                if (query.ToFilter(out var error) is not { } filter) return error!;
                var scope = await scopes.GetAsync(user, ct);
                var page = await queries.SearchAsync(scope, filter, query.Skip ?? 0, query.Take ?? 100, ct);
                return Results.Ok(new AuditPageDto(page.Total, page.Items.Select(AuditEntryDto.From).ToList()));
            });

        audit.MapGet("/export.csv", (HttpContext http, [AsParameters] AuditQueryParameters query, ClaimsPrincipal user, FleetScopeProvider scopes,
            AuditExportService exports, TimeProvider time, CancellationToken ct) => ExportAsync(http, query, user, scopes, exports, time, AuditExportFormat.Csv, ct));
        audit.MapGet("/export.pdf", (HttpContext http, [AsParameters] AuditQueryParameters query, ClaimsPrincipal user, FleetScopeProvider scopes,
            AuditExportService exports, TimeProvider time, CancellationToken ct) => ExportAsync(http, query, user, scopes, exports, time, AuditExportFormat.Pdf, ct));

        audit.MapGet("/chain", (AuditChainMonitor monitor) =>
            monitor.Latest is { } state ? Results.Ok(AuditChainDto.From(state)) : Results.Ok(new AuditChainDto(null, null, null, null, null, null, null, null)));

        audit.MapPost("/chain/verify", async (AuditChainMonitor monitor, ClaimsPrincipal user, FleetScopeProvider scopes, CancellationToken ct) =>
        {
            var scope = await scopes.GetAsync(user, ct);
            return Results.Ok(AuditChainDto.From(await monitor.VerifyAsync($"on demand by {scope.UserName}", ct)));
        });
    }

    private static async Task<IResult> ExportAsync(HttpContext http, AuditQueryParameters query, ClaimsPrincipal user, FleetScopeProvider scopes,
        AuditExportService exports, TimeProvider time, AuditExportFormat format, CancellationToken ct)
    {
        if (query.ToFilter(out var error) is not { } filter) return error!;
        var scope = await scopes.GetAsync(user, ct);
        if (!AuditExportService.Authorize(scope).Succeeded) return Results.Forbid();
        http.Response.ContentType = AuditExportService.ContentType(format);
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{AuditExportService.FileName(format, time.GetUtcNow())}\"";
        http.Response.Headers.CacheControl = "no-store";
        await exports.ExportAsync(scope, filter, format, http.Response.Body, ct);
        return Results.Empty;
    }
}

/// <summary>Query-string filter of the audit endpoints.</summary>
public sealed class AuditQueryParameters
{
    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }
    public string? Actor { get; init; }
    public string? Action { get; init; }
    public Guid? TenantId { get; init; }
    public Guid? SiteId { get; init; }
    public Guid? CameraId { get; init; }
    public string? Result { get; init; }
    public int? Skip { get; init; }
    public int? Take { get; init; }

    internal AuditFilter? ToFilter(out IResult? error)
    {
        error = null;
        AuditResult? result = null;
        if (!string.IsNullOrWhiteSpace(Result))
        {
            try
            {
                result = AuditWire.ParseResult(Result.Trim().ToLowerInvariant());
            }
            catch (FormatException)
            {
                error = Results.ValidationProblem(new Dictionary<string, string[]> { ["result"] = ["Use succeeded, failed or refused."] });
                return null;
            }
        }

        if (From is { } f && To is { } t && t <= f)
        {
            error = Results.ValidationProblem(new Dictionary<string, string[]> { ["to"] = ["'to' must be after 'from'."] });
            return null;
        }

        if (Take is < 1 or > AuditQueries.MaxPageSize)
        {
            error = Results.ValidationProblem(new Dictionary<string, string[]> { ["take"] = [$"Between 1 and {AuditQueries.MaxPageSize}."] });
            return null;
        }

        return new AuditFilter
        {
            From = From, To = To, Actor = Actor, Action = Action, TenantId = TenantId, SiteId = SiteId, CameraId = CameraId, Result = result,
        };
    }
}

public sealed record AuditPageDto(int Total, IReadOnlyList<AuditEntryDto> Items);

public sealed record AuditEntryDto(long Id, DateTimeOffset OccurredAt, string ActorKind, string ActorName, string? ClientAddress, Guid? TenantId,
    Guid? SiteId, Guid? CameraId, string Action, string? Parameters, string? Reason, string Result, string? ResultDetail, string? CorrelationId,
    string PreviousHash, string Hash)
{
    public static AuditEntryDto From(AuditEntry e) => new(e.Id, e.OccurredAt, e.ActorKind.ToWire(), e.ActorName, e.ClientAddress?.ToString(),
        e.TenantId, e.SiteId, e.CameraId, e.Action, e.Parameters, e.Reason, e.Result.ToWire(), e.ResultDetail, e.CorrelationId,
        Convert.ToHexStringLower(e.PreviousHash), Convert.ToHexStringLower(e.Hash));
}

public sealed record AuditChainDto(bool? Intact, long? Entries, long? LastId, string? LastHash, long? BrokenEntryId, string? Detail, DateTimeOffset? CheckedAt,
    string? Trigger)
{
    public static AuditChainDto From(AuditChainState s) => new(s.Verification.IsIntact, s.Verification.VerifiedCount, s.Verification.LastVerifiedId,
        s.Verification.LastHashHex, s.Verification.BrokenEntryId, s.Verification.Detail, s.At, s.Trigger);
}
