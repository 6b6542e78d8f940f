using System.Net;

namespace HikFleet.Core.Audit;

/// <summary>What a caller hands to <see cref="AuditLog.AppendAsync"/>; the log adds time, id and hashes.</summary>
public sealed record AuditRecord
{
    public required AuditActor Actor { get; init; }

    /// <summary>Dotted lower-case verb, e.g. <c>site.create</c>, <c>camera.factory_reset</c>.</summary>
    public required string Action { get; init; }

    public required AuditResult Result { get; init; }

    public string? ResultDetail { get; init; }

    public IPAddress? ClientAddress { get; init; }

    public Guid? TenantId { get; init; }
    public Guid? SiteId { get; init; }
    public Guid? CameraId { get; init; }

    /// <summary>
    /// Anything that serialises to JSON (an anonymous object, a record, a <c>JsonNode</c>). Secrets are redacted by
    /// <see cref="AuditRedactor"/> before anything is stored or hashed.
    /// </summary>
    public object? Parameters { get; init; }

    public string? Reason { get; init; }

    /// <summary>Operation id or Hangfire job id.</summary>
    public string? CorrelationId { get; init; }
}

/// <summary>Who performed an audited action.</summary>
/// <param name="Kind">A person, a job or the system.</param>
/// <param name="Id">User id, job id, or a fixed system name.</param>
/// <param name="Name">Display name at the time of the action.</param>
public sealed record AuditActor(AuditActorKind Kind, string Id, string Name)
{
    public static AuditActor User(Guid userId, string name) => new(AuditActorKind.User, userId.ToString("D"), name);

    public static AuditActor Job(string jobId, string jobName) => new(AuditActorKind.Job, jobId, jobName);

    public static AuditActor System(string component = "hikfleet") => new(AuditActorKind.System, component, component);
}
