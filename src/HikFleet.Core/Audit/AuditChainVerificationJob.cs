using Hangfire;
using Microsoft.Extensions.Logging;

namespace HikFleet.Core.Audit;

/// <summary>Recurring Hangfire job: verifies the whole audit chain and logs the verdict.</summary>
/// <remarks>
/// A broken chain is logged as critical and is not thrown: retrying cannot repair tampering, and Hangfire's retries
/// would only repeat the alarm. Database errors do throw, so Hangfire records and retries them.
/// </remarks>
[DisableConcurrentExecution(timeoutInSeconds: 600)]
public sealed class AuditChainVerificationJob(AuditVerifier verifier, ILogger<AuditChainVerificationJob> logger)
{
    public async Task<AuditVerification> ExecuteAsync(CancellationToken cancellationToken)
    {
        var result = await verifier.VerifyAsync(cancellationToken);
        if (result.IsIntact)
        {
            logger.LogInformation(
                "Audit chain intact: {Count} entries, last entry {LastId}, last hash {LastHash}",
                result.VerifiedCount, result.LastVerifiedId, result.LastHashHex);
        }
        else
        {
            logger.LogCritical(
                "Audit chain BROKEN at entry {BrokenEntryId} ({Break}): {Detail} {Count} entries before it verified, last good hash {LastHash}",
                result.BrokenEntryId, result.Break, result.Detail, result.VerifiedCount, result.LastHashHex);
        }

        return result;
    }
}
