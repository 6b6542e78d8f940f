using System.Net;

namespace HikFleet.Core.Audit;

/// <summary>
/// One row of the append-only audit trail: who did what to which tenant, site or camera, why, and with what result.
/// </summary>
/// <remarks>
/// Rows are written only by <see cref="AuditLog.AppendAsync"/>, which links each to its predecessor by hash
/// (see <see cref="AuditChain"/>); the database refuses UPDATE, DELETE and TRUNCATE on the table (migration
/// <c>AuditTrail</c>). Tenant, site and camera are plain ids, not foreign keys: the trail must outlive a deleted
/// site or a retired camera, and a foreign key would either block the delete or cascade into the trail.
/// </remarks>
public sealed class AuditEntry
{
    /// <summary>Identity; the chain order. Gaps are normal (a rolled-back append consumes a number).</summary>
    public long Id { get; set; }

    /// <summary>When the entry was appended, UTC, truncated to microseconds (PostgreSQL's resolution).</summary>
    public DateTimeOffset OccurredAt { get; set; }

    public AuditActorKind ActorKind { get; set; }

    /// <summary>User id, Hangfire job id, or a fixed name for the system itself.</summary>
    public required string ActorId { get; set; }

    /// <summary>The actor's name at the time of the action (users are renamed; the trail must not change with them).</summary>
    public required string ActorName { get; set; }

    /// <summary>Where a person's request came from; null for jobs and the system.</summary>
    public IPAddress? ClientAddress { get; set; }

    public Guid? TenantId { get; set; }
    public Guid? SiteId { get; set; }
    public Guid? CameraId { get; set; }

    /// <summary>Dotted lower-case verb, e.g. <c>site.create</c>, <c>camera.reboot</c>.</summary>
    public required string Action { get; set; }

    /// <summary>
    /// The action's parameters as JSON (jsonb), secrets already replaced by <see cref="AuditRedactor"/>. PostgreSQL
    /// re-orders jsonb keys, so the hash covers the canonical form (<see cref="AuditChain.CanonicalJson"/>), not this text.
    /// </summary>
    public string? Parameters { get; set; }

    /// <summary>Why the actor did it, in their words (required by the workflows that demand one, e.g. a factory reset).</summary>
    public string? Reason { get; set; }

    public AuditResult Result { get; set; }

    /// <summary>What went wrong, or why it was refused; a short summary for successes.</summary>
    public string? ResultDetail { get; set; }

    /// <summary>The operation id or job id this entry belongs to, so an operation's entries can be read together.</summary>
    public string? CorrelationId { get; set; }

    /// <summary>The hash of the entry before this one in id order; 32 zero bytes for the first entry.</summary>
    public byte[] PreviousHash { get; set; } = [];

    /// <summary>SHA-256 over this entry's content and <see cref="PreviousHash"/> (<see cref="AuditChain.ComputeHash"/>).</summary>
    public byte[] Hash { get; set; } = [];
}

/// <summary>Who acted. Stored as the lower-case wire names (<see cref="AuditWire"/>), which are part of the hash.</summary>
public enum AuditActorKind
{
    /// <summary>A person, signed in (browser or API token).</summary>
    User,
    /// <summary>A Hangfire job acting on a schedule or continuing an operation.</summary>
    Job,
    /// <summary>HikFleet itself (start-up, migrations, automatic policies).</summary>
    System,
}

/// <summary>The outcome of an audited action.</summary>
public enum AuditResult
{
    Succeeded,
    Failed,
    /// <summary>Not attempted: a guard rail, a permission or a policy said no.</summary>
    Refused,
}

/// <summary>The stored (and hashed) spelling of the audit enums. Changing one breaks verification of old entries.</summary>
public static class AuditWire
{
    public static string ToWire(this AuditActorKind kind) => kind switch
    {
        AuditActorKind.User => "user",
        AuditActorKind.Job => "job",
        AuditActorKind.System => "system",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static string ToWire(this AuditResult result) => result switch
    {
        AuditResult.Succeeded => "succeeded",
        AuditResult.Failed => "failed",
        AuditResult.Refused => "refused",
        _ => throw new ArgumentOutOfRangeException(nameof(result), result, null),
    };

    public static AuditActorKind ParseActorKind(string value) => value switch
    {
        "user" => AuditActorKind.User,
        "job" => AuditActorKind.Job,
        "system" => AuditActorKind.System,
        _ => throw new FormatException($"Unknown audit actor kind '{value}'."),
    };

    public static AuditResult ParseResult(string value) => value switch
    {
        "succeeded" => AuditResult.Succeeded,
        "failed" => AuditResult.Failed,
        "refused" => AuditResult.Refused,
        _ => throw new FormatException($"Unknown audit result '{value}'."),
    };
}
