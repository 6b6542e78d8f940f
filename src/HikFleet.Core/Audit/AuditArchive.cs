namespace HikFleet.Core.Audit;

/// <summary>
/// A prefix of the audit trail moved out of the database into a verified export file. The row keeps the chain verifiable: the
/// first entry left in the table must link to <see cref="UpToHash"/>. Written by the schema owner only (the application role may
/// read it); never deleted.
/// </summary>
public sealed class AuditArchive
{
    public long Id { get; set; }
    /// <summary>The last entry id that was archived (all ids up to it are in the file).</summary>
    public long UpToId { get; set; }
    /// <summary>Hash of entry <see cref="UpToId"/>: the anchor the remaining chain links to.</summary>
    public byte[] UpToHash { get; set; } = [];
    public long FirstId { get; set; }
    public long Entries { get; set; }
    /// <summary>File name of the archive (an audit CSV export, verifiable offline).</summary>
    public required string FileName { get; set; }
    /// <summary>SHA-256 of the whole archive file, hex.</summary>
    public required string FileSha256 { get; set; }
    public DateTimeOffset ArchivedAt { get; set; }
    public required string ArchivedBy { get; set; }
}
