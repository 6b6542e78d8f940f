using HikFleet.Core.Data.Entities;

namespace HikFleet.Web.Api;

public sealed record DiscoveryRunDto(Guid Id, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt, string TriggeredBy, string Status, int Seen,
    int New, int Moved, int Conflicts, int Mismatched, int FoundReset, int Missing, string? Error)
{
    public static DiscoveryRunDto From(DiscoveryRun r) => new(r.Id, r.StartedAt, r.FinishedAt, r.TriggeredBy, r.Status.ToString(), r.Seen, r.New,
        r.Moved, r.Conflicts, r.Mismatched, r.FoundReset, r.Missing, r.Error);
}

public sealed record SightingDto(long Id, string? MacAddress, string? SerialNumber, string? Model, string? Address, int? HttpPort,
    string? FirmwareVersion, bool? Activated, string Source, string Outcome, Guid? CameraId, string? Detail, DateTimeOffset SeenAt)
{
    public static SightingDto From(DiscoverySighting s) => new(s.Id, s.MacAddress, s.SerialNumber, s.Model, s.Address?.ToString(), s.HttpPort,
        s.FirmwareVersion, s.Activated, s.Source.ToString(), s.Outcome.ToString(), s.CameraId, s.Detail, s.SeenAt);
}

public sealed record SiteDiscoveryDto(Guid SiteId, bool Running, DiscoveryRunDto? LatestRun, IReadOnlyList<SightingDto> Sightings);

/// <summary>Adopt request. The password is used once against the device and, when it works, stored in the vault only.</summary>
public sealed record AdoptDto(IReadOnlyList<Guid>? CameraIds, Guid? SiteId, string? UserName, string? Password)
{
    public override string ToString() => $"AdoptDto {{ Cameras = {CameraIds?.Count}, SiteId = {SiteId}, UserName = {UserName} }}";
}

public sealed record AdoptionResultDto(Guid CameraId, bool Adopted, string Result, string Message);

/// <summary>Add-by-address request; the password goes to the vault only.</summary>
public sealed record AddCameraDto(Guid SiteId, string? Address, int? Port, bool Https, string? UserName, string? Password, string? Name)
{
    public override string ToString() => $"AddCameraDto {{ SiteId = {SiteId}, Address = {Address}, Port = {Port}, UserName = {UserName} }}";
}

public sealed record ImportRowDto(int Line, string Result, string Message, Guid? CameraId);

public sealed record ImportResultDto(int Added, int Failed, IReadOnlyList<ImportRowDto> Rows);

public sealed record RevealDto(string? Reason);

public sealed record RevealedCredentialDto(string UserName, string Password);
