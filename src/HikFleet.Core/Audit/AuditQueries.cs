using HikFleet.Core.Data;
using HikFleet.Core.Security;
using Microsoft.EntityFrameworkCore;

namespace HikFleet.Core.Audit;

/// <summary>What an auditor filters by. Every field is optional; times are inclusive-exclusive.</summary>
public sealed record AuditFilter
{
    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }
    /// <summary>Actor name contains (case-insensitive).</summary>
    public string? Actor { get; init; }
    /// <summary>An action (<c>camera.reboot</c>) or a prefix ending in a dot (<c>camera.</c>).</summary>
    public string? Action { get; init; }
    public Guid? TenantId { get; init; }
    public Guid? SiteId { get; init; }
    public Guid? CameraId { get; init; }
    public AuditResult? Result { get; init; }
    /// <summary>Entries with ids up to this one (archiving a prefix).</summary>
    public long? UpToId { get; init; }

    /// <summary>One line for an export header.</summary>
    public string Describe() => string.Join("; ", new[]
    {
        From is { } f ? $"from={f:O}" : null, To is { } t ? $"to={t:O}" : null, Actor is { } a ? $"actor~{a}" : null,
        Action is { } ac ? $"action={ac}" : null, TenantId is { } ti ? $"tenant={ti}" : null, SiteId is { } si ? $"site={si}" : null,
        CameraId is { } ci ? $"camera={ci}" : null, Result is { } r ? $"result={r.ToWire()}" : null,
        UpToId is { } u ? $"up to id {u}" : null,
    }.Where(x => x is not null)) is { Length: > 0 } text ? text : "all entries in scope";
}

/// <summary>A page of audit entries, newest first.</summary>
public sealed record AuditPage(IReadOnlyList<AuditEntry> Items, int Total);

/// <summary>The auditor's read side: filtered, scope-limited queries over the audit trail.</summary>
public sealed class AuditQueries(IDbContextFactory<FleetDbContext> contexts)
{
    public const int MaxPageSize = 500;

    /// <summary>Entries matching <paramref name="filter"/> within the caller's scope, newest first.</summary>
    public async Task<AuditPage> SearchAsync(FleetScope scope, AuditFilter filter, int skip, int take, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var query = Apply(scope.AuditEntries(db).AsNoTracking(), filter);
        var total = await query.CountAsync(cancellationToken);
        var items = await query.OrderByDescending(e => e.Id).Skip(Math.Max(skip, 0)).Take(Math.Clamp(take, 1, MaxPageSize)).ToListAsync(cancellationToken);
        return new AuditPage(items, total);
    }

    /// <summary>Streams matching entries oldest first (exports): memory does not grow with the trail.</summary>
    public async IAsyncEnumerable<AuditEntry> StreamAsync(FleetScope scope, AuditFilter filter,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        // Keyset pages rather than one long reader: the retrying execution strategy would buffer a single query entirely.
        long after = 0;
        while (true)
        {
            var last = after;
            var page = await Apply(scope.AuditEntries(db).AsNoTracking(), filter).Where(e => e.Id > last).OrderBy(e => e.Id).Take(1000)
                .ToListAsync(cancellationToken);
            foreach (var entry in page) yield return entry;
            if (page.Count < 1000) yield break;
            after = page[^1].Id;
        }
    }

    private static IQueryable<AuditEntry> Apply(IQueryable<AuditEntry> query, AuditFilter filter)
    {
        if (filter.From is { } from) query = query.Where(e => e.OccurredAt >= from.ToUniversalTime());
        if (filter.To is { } to) query = query.Where(e => e.OccurredAt < to.ToUniversalTime());
        if (!string.IsNullOrWhiteSpace(filter.Actor))
        {
            var pattern = "%" + EscapeLike(filter.Actor.Trim()) + "%";
            query = query.Where(e => EF.Functions.ILike(e.ActorName, pattern, "\\"));
        }

        if (!string.IsNullOrWhiteSpace(filter.Action))
        {
            var action = filter.Action.Trim();
            query = action.EndsWith('.')
                ? query.Where(e => e.Action.StartsWith(action))
                : query.Where(e => e.Action == action);
        }

        if (filter.TenantId is { } tenant) query = query.Where(e => e.TenantId == tenant);
        if (filter.SiteId is { } site) query = query.Where(e => e.SiteId == site);
        if (filter.CameraId is { } camera) query = query.Where(e => e.CameraId == camera);
        if (filter.Result is { } result) query = query.Where(e => e.Result == result);
        if (filter.UpToId is { } upTo) query = query.Where(e => e.Id <= upTo);
        return query;
    }

    private static string EscapeLike(string value) => value.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");
}
