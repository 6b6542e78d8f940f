using Hangfire;
using Microsoft.Extensions.Logging;

namespace HikFleet.Core.Audit;

/// <summary>Recurring Hangfire job: verifies the whole audit chain and logs the verdict.</summary>
/// <remarks>
/// A broken chain is logged as critical and is not thrown: retrying cannot repair tampering, and Hangfire's retries
/// would only repeat the alarm. Database errors do throw, so Hangfire records and retries them.
/// </remarks>
[DisableConcurrentExecution(timeoutInSeconds: 600)]
public sealed class AuditChainVerificationJob(AuditChainMonitor monitor)
{
    public async Task<AuditVerification> ExecuteAsync(CancellationToken cancellationToken) =>
        (await monitor.VerifyAsync("schedule", cancellationToken)).Verification;
}
