using HikFleet.Core.Common;
using HikFleet.Core.Security;

namespace HikFleet.Core.Audit.Export;

/// <summary>The export formats an auditor can ask for.</summary>
public enum AuditExportFormat
{
    Csv,
    Pdf,
}

/// <summary>
/// Exports the audit entries an auditor may read, with the chain's verified state at export time in the header. The export itself
/// is audited (who took which slice of the trail), after it was written.
/// </summary>
public sealed class AuditExportService(AuditQueries queries, AuditChainMonitor monitor, AuditLog audit, TimeProvider time)
{
    public static string ContentType(AuditExportFormat format) => format == AuditExportFormat.Pdf ? "application/pdf" : "text/csv; charset=utf-8";

    public static string FileName(AuditExportFormat format, DateTimeOffset at) =>
        $"hikfleet-audit-{at.UtcDateTime:yyyyMMdd-HHmmss}.{(format == AuditExportFormat.Pdf ? "pdf" : "csv")}";

    /// <summary>Checks the caller may export; nothing is written when not.</summary>
    public static ServiceResult Authorize(FleetScope scope) =>
        scope.Can(FleetPermissions.ReadAudit) ? ServiceResult.Ok(Guid.Empty) : ServiceResult.Forbidden("Your role may not read the audit trail.");

    /// <summary>Writes the export to <paramref name="output"/> and returns how many entries it holds.</summary>
    public async Task<int> ExportAsync(FleetScope scope, AuditFilter filter, AuditExportFormat format, Stream output, CancellationToken cancellationToken = default)
    {
        var allowed = Authorize(scope);
        if (!allowed.Succeeded)
        {
            await audit.RecordAsync(scope, "audit.export", allowed, filter.TenantId, filter.SiteId, filter.CameraId,
                new { format = format.ToString().ToLowerInvariant(), filter = filter.Describe() }, cancellationToken);
            throw new UnauthorizedAccessException(allowed.Message);
        }

        var chain = await monitor.VerifyAsync("export", cancellationToken);
        var header = new AuditExportHeader(time.GetUtcNow(), scope.UserName ?? "system", filter.Describe(), chain.Verification);
        var entries = queries.StreamAsync(scope, filter, cancellationToken);
        var count = format == AuditExportFormat.Pdf
            ? await AuditPdfExport.WriteAsync(output, entries, header, cancellationToken)
            : await AuditCsvExport.WriteAsync(output, entries, header, cancellationToken);
        await audit.RecordAsync(scope, "audit.export", ServiceResult.Ok(Guid.Empty), filter.TenantId, filter.SiteId, filter.CameraId,
            new { format = format.ToString().ToLowerInvariant(), filter = filter.Describe(), entries = count, chainIntact = chain.Verification.IsIntact },
            cancellationToken);
        return count;
    }
}
