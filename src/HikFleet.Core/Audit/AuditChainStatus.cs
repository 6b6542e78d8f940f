using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HikFleet.Core.Audit;

/// <summary>Where verification checkpoints are kept: outside the database, so cutting entries off the end of the trail shows.</summary>
public sealed class AuditOptions
{
    public const string SectionName = "Fleet:Audit";

    /// <summary>
    /// An append-only text file of checkpoints (<c>time id hash</c> per line), written after every intact verification and required
    /// by the next one. Put it where the database administrator cannot write (another host, a WORM mount). Null = no checkpoints.
    /// </summary>
    public string? CheckpointFile { get; set; }
}

/// <summary>The latest verification result of this process, for the UI's chain indicator.</summary>
public sealed record AuditChainState(AuditVerification Verification, DateTimeOffset At, string Trigger, AuditCheckpoint? RequiredCheckpoint);

/// <summary>Runs verifications (scheduled or on demand), keeps the latest verdict and the checkpoints outside the database.</summary>
public sealed class AuditChainMonitor(AuditVerifier verifier, IOptions<AuditOptions> options, TimeProvider time, ILogger<AuditChainMonitor> logger)
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>The latest verdict in this process; null until the first verification since start.</summary>
    public AuditChainState? Latest { get; private set; }

    /// <summary>Verifies the chain against the last stored checkpoint, records the verdict, and on success stores a new checkpoint.</summary>
    public async Task<AuditChainState> VerifyAsync(string trigger, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var checkpoint = ReadLastCheckpoint();
            var result = await verifier.VerifyAsync(checkpoint, cancellationToken);
            var state = new AuditChainState(result, time.GetUtcNow(), trigger, checkpoint);
            Latest = state;
            if (result.IsIntact)
            {
                if (result.Checkpoint is { } next && (checkpoint is null || next.Id != checkpoint.Id)) AppendCheckpoint(next, state.At);
                logger.LogInformation("Audit chain intact: {Count} entries, last entry {LastId}, last hash {LastHash} ({Trigger})",
                    result.VerifiedCount, result.LastVerifiedId, result.LastHashHex, trigger);
            }
            else
            {
                logger.LogCritical(
                    "Audit chain BROKEN at entry {BrokenEntryId} ({Break}): {Detail} {Count} entries before it verified, last good hash {LastHash} ({Trigger})",
                    result.BrokenEntryId, result.Break, result.Detail, result.VerifiedCount, result.LastHashHex, trigger);
            }

            return state;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The newest checkpoint in the file, or null (no file configured, or none yet).</summary>
    public AuditCheckpoint? ReadLastCheckpoint()
    {
        var path = options.Value.CheckpointFile;
        if (string.IsNullOrWhiteSpace(path) || !File.Exists(path)) return null;
        AuditCheckpoint? last = null;
        foreach (var line in File.ReadLines(path))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 3 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var id) && parts[2].Length == 64)
            {
                last = new AuditCheckpoint(id, Convert.FromHexString(parts[2]));
            }
        }

        return last;
    }

    private void AppendCheckpoint(AuditCheckpoint checkpoint, DateTimeOffset at)
    {
        var path = options.Value.CheckpointFile;
        if (string.IsNullOrWhiteSpace(path)) return;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.AppendAllText(path, FormattableString.Invariant($"{at.UtcDateTime:O} {checkpoint.Id} {Convert.ToHexStringLower(checkpoint.Hash)}\n"));
    }
}
