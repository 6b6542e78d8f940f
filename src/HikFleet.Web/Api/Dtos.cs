using System.Linq.Expressions;
using HikFleet.Core.Data.Entities;

namespace HikFleet.Web.Api;

public sealed record TenantDto(Guid Id, string Name, DateTimeOffset CreatedAt);

public sealed record TenantCreateDto(string? Name);

public sealed record SiteDto(Guid Id, Guid TenantId, string Name, string TimeZone, IReadOnlyList<string> Subnets, string? NtpServer, int CameraCount,
    string? DiscoveryCron, string? HealthCron, IReadOnlyList<string> SadpInterfaces, IReadOnlyList<string> ProbeRanges, int ProbePort,
    int MissingAfterRuns, string DefaultUserName, string ReprovisionPolicy, int PoeConcurrentPorts, uint Version)
{
    public static readonly Expression<Func<Site, SiteDto>> Projection = s =>
        new SiteDto(s.Id, s.TenantId, s.Name, s.TimeZone, Texts(s.Subnets), s.NtpServer, s.Cameras.Count,
            s.DiscoveryCron, s.HealthCron, Texts(s.SadpInterfaces), s.ProbeRanges, s.ProbePort, s.MissingAfterRuns,
            s.DefaultUserName, s.ReprovisionPolicy.ToString(), s.PoeConcurrentPorts, s.Version);

    // Called in the final projection, so EF reads each array column whole and converts it here (no per-element subquery).
    private static List<string> Texts<T>(IEnumerable<T> values) where T : notnull => values.Select(v => v.ToString()!).ToList();
}

/// <summary>The site's default device credential (write-only: the password is never returned).</summary>
public sealed record SiteCredentialDto(string? UserName, string? Password);

public sealed record FindingDto(string Code, string Message);

public sealed record CameraDto(
    Guid Id, Guid SiteId, string? Name, string? Address, int HttpPort, string Model, string SerialNumber, string MacAddress,
    string? FirmwareVersion, string HealthState, string Lifecycle, IReadOnlyList<FindingDto> Findings, DateTimeOffset? LastSeenAt)
{
    public static readonly Expression<Func<Camera, CameraDto>> Projection = c => new CameraDto(
        c.Id, c.SiteId, c.Name, c.Address == null ? null : c.Address.ToString(), c.HttpPort, c.Model, c.SerialNumber, c.MacAddress,
        c.FirmwareVersion, c.Health.ToString(), c.Lifecycle.ToString(), c.FindingCodes.Select(code => new FindingDto(code, "")).ToList(), c.LastSeenAt);

    /// <summary>From a camera-list row; findings carry their codes (the camera resource has the details).</summary>
    public static CameraDto From(HikFleet.Core.Inventory.CameraListItem c) => new(
        c.Id, c.SiteId, c.Name, c.Address, c.HttpPort, c.Model, c.SerialNumber, c.MacAddress, c.FirmwareVersion, c.Health.ToString(),
        c.Lifecycle.ToString(), c.FindingCodes.Select(code => new FindingDto(code, c.HealthSummary ?? "")).ToList(), c.LastSeenAt);
}

/// <summary>Query string of GET /api/v1/cameras: filters, search, sort and a 1-based page.</summary>
public sealed class CameraListParameters
{
    public Guid? TenantId { get; init; }
    public Guid? SiteId { get; init; }
    /// <summary>One or more health states, comma separated (e.g. <c>Offline,Critical</c>).</summary>
    public string? State { get; init; }
    public string? Finding { get; init; }
    public string? Lifecycle { get; init; }
    public string? Q { get; init; }
    /// <summary>name, health, site, address, model, firmware, lastSeen, healthChanged.</summary>
    public string? Sort { get; init; }
    public bool? Desc { get; init; }
    public int? Page { get; init; }
    public int? PageSize { get; init; }

    public bool TryBuild(out HikFleet.Core.Inventory.CameraListQuery query, out Dictionary<string, string[]> errors)
    {
        errors = [];
        var states = new List<HealthState>();
        foreach (var part in (State ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (Enum.TryParse<HealthState>(part, ignoreCase: true, out var h) && Enum.IsDefined(h) && !int.TryParse(part, out _)) states.Add(h);
            else errors["state"] = [$"Unknown state '{part}'; one or more of {string.Join(", ", Enum.GetNames<HealthState>())}."];
        }

        CameraLifecycle? lifecycle = null;
        if (Lifecycle is { Length: > 0 })
        {
            if (Enum.TryParse<CameraLifecycle>(Lifecycle, ignoreCase: true, out var l) && Enum.IsDefined(l) && !int.TryParse(Lifecycle, out _)) lifecycle = l;
            else errors["lifecycle"] = [$"Unknown lifecycle; one of {string.Join(", ", Enum.GetNames<CameraLifecycle>())}."];
        }

        var sort = HikFleet.Core.Inventory.CameraSort.Name;
        if (Sort is { Length: > 0 } && (!Enum.TryParse(Sort, ignoreCase: true, out sort) || int.TryParse(Sort, out _)))
        {
            errors["sort"] = [$"Unknown sort; one of {string.Join(", ", Enum.GetNames<HikFleet.Core.Inventory.CameraSort>())}."];
        }

        if (Q is { Length: > HikFleet.Core.Inventory.CameraListQuery.MaxSearchLength })
        {
            errors["q"] = [$"Search text has at most {HikFleet.Core.Inventory.CameraListQuery.MaxSearchLength} characters."];
        }

        query = new HikFleet.Core.Inventory.CameraListQuery
        {
            TenantId = TenantId, SiteId = SiteId, States = states, FindingCode = Finding, Lifecycle = lifecycle, Search = Q,
            Sort = sort, Descending = Desc ?? false, Page = Math.Max(Page ?? 1, 1) - 1,
            PageSize = Math.Clamp(PageSize ?? 50, 1, HikFleet.Core.Inventory.CameraListQuery.MaxPageSize),
        };
        return errors.Count == 0;
    }
}

public sealed record CameraUpdateDto(string? Name);

public sealed record PageDto<T>(IReadOnlyList<T> Items, int Total, int Page, int PageSize);

public sealed record TokenDto(Guid Id, string Name, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt,
    DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt);

public sealed record TokenCreateDto(string? Name, int? Days);

public sealed record TokenCreatedDto(Guid Id, string Name, string Token, DateTimeOffset ExpiresAt);

public sealed record MembershipDto(Guid TenantId, IReadOnlyList<Guid> SiteIds);

public sealed record MeDto(string? UserName, string? Role, IReadOnlyList<MembershipDto> Memberships);

public sealed record UserDto(Guid Id, string UserName, string? DisplayName, string? Role, bool LockedOut, IReadOnlyList<MembershipDto> Memberships);
