using System.Linq.Expressions;
using HikFleet.Core.Data.Entities;

namespace HikFleet.Web.Api;

public sealed record TenantDto(Guid Id, string Name, DateTimeOffset CreatedAt);

public sealed record TenantCreateDto(string? Name);

public sealed record SiteDto(Guid Id, Guid TenantId, string Name, string TimeZone, IReadOnlyList<string> Subnets, string? NtpServer, int CameraCount)
{
    public static readonly Expression<Func<Site, SiteDto>> Projection = s =>
        new SiteDto(s.Id, s.TenantId, s.Name, s.TimeZone, s.Subnets.Select(n => n.ToString()).ToList(), s.NtpServer, s.Cameras.Count);
}

public sealed record FindingDto(string Code, string Message);

public sealed record CameraDto(
    Guid Id, Guid SiteId, string? Name, string? Address, int HttpPort, string Model, string SerialNumber, string MacAddress,
    string? FirmwareVersion, string HealthState, string Lifecycle, IReadOnlyList<FindingDto> Findings, DateTimeOffset? LastSeenAt)
{
    public static readonly Expression<Func<Camera, CameraDto>> Projection = c => new CameraDto(
        c.Id, c.SiteId, c.Name, c.Address == null ? null : c.Address.ToString(), c.HttpPort, c.Model, c.SerialNumber, c.MacAddress,
        c.FirmwareVersion, c.Health.ToString(), c.Lifecycle.ToString(), new List<FindingDto>(), c.LastSeenAt);
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
