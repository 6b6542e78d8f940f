using System.Net;
using System.Text;
using HikFleet.Core.Audit;
using HikFleet.Core.Audit.Export;
using HikFleet.Core.Security;
using HikFleet.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PdfSharp.Pdf.IO;

namespace HikFleet.Core.Tests.Audit;

/// <summary>Auditor exports on real PostgreSQL: CSV verified offline (and failing on any changed byte), PDF, scope, checkpoints.</summary>
public sealed class AuditExportTests : IAsyncLifetime
{
    private readonly MigratedDatabase _database = new();
    private readonly Guid _tenantA = Guid.CreateVersion7(), _tenantB = Guid.CreateVersion7();
    private AuditLog _log = null!;
    private AuditExportService _exports = null!;
    private string _checkpoints = null!;
    private AuditChainMonitor _monitor = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await _database.InitializeAsync();
        _log = new AuditLog(_database.ContextFactory, TimeProvider.System);
        _checkpoints = Path.Combine(Path.GetTempPath(), $"hikfleet-checkpoints-{Guid.NewGuid():N}.log");
        _monitor = new AuditChainMonitor(new AuditVerifier(_database.ContextFactory), Options.Create(new AuditOptions { CheckpointFile = _checkpoints }),
            TimeProvider.System, NullLogger<AuditChainMonitor>.Instance);
        _exports = new AuditExportService(new AuditQueries(_database.ContextFactory), _monitor, _log, TimeProvider.System);

        var n = 0;
        foreach (var tenant in new[] { _tenantA, _tenantB, _tenantA, _tenantA, _tenantB })
        {
            n++;
            await _log.AppendAsync(new AuditRecord
            {
                Actor = AuditActor.User(Guid.CreateVersion7(), n == 3 ? "=HYPERLINK(\"x\")" : $"operator {n}"),
                ClientAddress = IPAddress.Parse("192.0.2.7"),
                TenantId = tenant,
                CameraId = Guid.CreateVersion7(),
                Action = n % 2 == 0 ? "camera.reboot" : "camera.reset",
                // Commas, quotes, new lines and non-ASCII must survive the CSV round trip byte for byte.
                Reason = n == 2 ? "" : $"stream frozen, \"again\"\nticket #{n} – Größe",
                Parameters = new { mode = "full", attempt = n },
                Result = n == 4 ? AuditResult.Failed : AuditResult.Succeeded,
                ResultDetail = n == 4 ? "device did not come back" : null,
            }, Ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        File.Delete(_checkpoints);
        await _database.DisposeAsync();
    }

    private static FleetScope Admin => FleetScope.ForUser(Guid.CreateVersion7(), "root", FleetRoles.Administrator, []);

    private async Task<byte[]> ExportCsvAsync(FleetScope scope, AuditFilter? filter = null)
    {
        await using var buffer = new MemoryStream();
        await _exports.ExportAsync(scope, filter ?? new AuditFilter(), AuditExportFormat.Csv, buffer, Ct);
        return buffer.ToArray();
    }

    [Fact]
    public async Task CsvExport_VerifiesOffline_AndOneChangedByteAnywhereFails()
    {
        var file = await ExportCsvAsync(Admin);
        var ok = AuditCsvExport.Verify(file);
        Assert.True(ok.Intact, ok.Message);
        Assert.Equal(5, ok.Rows);
        Assert.Equal(1, ok.FirstId);
        Assert.Equal(5, ok.LastId);
        Assert.StartsWith("intact; 5 entries", ok.Header!["chain"], StringComparison.Ordinal);

        // Flip one byte at many positions across header, rows and trailer: every single change must be caught.
        var text = Encoding.UTF8.GetString(file);
        var positions = Enumerable.Range(0, 60).Select(i => (int)((long)i * (file.Length - 1) / 59)).Distinct().ToList();
        foreach (var pos in positions)
        {
            var copy = (byte[])file.Clone();
            copy[pos] = copy[pos] == (byte)'7' ? (byte)'8' : (byte)'7';
            Assert.False(AuditCsvExport.Verify(copy).Intact, $"a change at byte {pos} of {file.Length} went unnoticed");
        }

        Assert.Contains("\"=HYPERLINK(\"\"x\"\")\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARowEditedConsistently_WithARecomputedDigest_IsStillCaughtByTheEntryHash()
    {
        var text = Encoding.UTF8.GetString(await ExportCsvAsync(Admin));
        var forged = text[..text.LastIndexOf("#sha256,", StringComparison.Ordinal)].Replace("device did not come back", "device came back fine");
        var digest = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(forged)));
        var result = AuditCsvExport.Verify(Encoding.UTF8.GetBytes(forged + $"#sha256,{digest}\n"));
        Assert.False(result.Intact);
        Assert.Equal(4, result.FailedId);
        Assert.Contains("does not match its hash", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAuditorSeesOnlyTheirTenant_AndAFilteredExportStillVerifies()
    {
        var auditor = FleetScope.ForUser(Guid.CreateVersion7(), "auditor", FleetRoles.Auditor, [new TenantMembership { TenantId = _tenantA }]);
        var page = await new AuditQueries(_database.ContextFactory).SearchAsync(auditor, new AuditFilter(), 0, 100, Ct);
        Assert.Equal(3, page.Total);
        Assert.All(page.Items, e => Assert.Equal(_tenantA, e.TenantId));

        var file = await ExportCsvAsync(auditor, new AuditFilter { Action = "camera." });
        var result = AuditCsvExport.Verify(file);
        Assert.True(result.Intact, result.Message);
        Assert.Equal(3, result.Rows);
        Assert.DoesNotContain(_tenantB.ToString(), Encoding.UTF8.GetString(file), StringComparison.Ordinal);

        var failed = await new AuditQueries(_database.ContextFactory).SearchAsync(Admin, new AuditFilter { Result = AuditResult.Failed }, 0, 100, Ct);
        Assert.Equal(4, Assert.Single(failed.Items).Id);

        var viewer = FleetScope.ForUser(Guid.CreateVersion7(), "viewer", FleetRoles.Viewer, [new TenantMembership { TenantId = _tenantA }]);
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => ExportCsvAsync(viewer));
    }

    [Fact]
    public async Task PdfExport_IsAReadablePdf_AndTheExportIsItselfAudited()
    {
        await using var buffer = new MemoryStream();
        var count = await _exports.ExportAsync(Admin, new AuditFilter(), AuditExportFormat.Pdf, buffer, Ct);
        Assert.Equal(5, count);
        buffer.Position = 0;
        using var pdf = PdfReader.Open(buffer, PdfDocumentOpenMode.Import);
        Assert.True(pdf.PageCount >= 1);

        var page = await new AuditQueries(_database.ContextFactory).SearchAsync(Admin, new AuditFilter { Action = "audit.export" }, 0, 10, Ct);
        var entry = Assert.Single(page.Items);
        Assert.Contains("\"format\": \"pdf\"", entry.Parameters, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Checkpoints_OutsideTheDatabase_RevealEntriesCutOffTheEnd()
    {
        var first = await _monitor.VerifyAsync("test", Ct);
        Assert.True(first.Verification.IsIntact);
        Assert.Equal(5, _monitor.ReadLastCheckpoint()!.Id);

        // A superuser removes the newest entry: the chain alone still looks fine, the checkpoint does not.
        await using (var connection = new Npgsql.NpgsqlConnection(_database.ConnectionString))
        {
            await connection.OpenAsync(Ct);
            await using var tx = await connection.BeginTransactionAsync(Ct);
            foreach (var sql in new[]
            {
                "ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only",
                "DELETE FROM audit_entries WHERE id = 5",
                "ALTER TABLE audit_entries ENABLE ALWAYS TRIGGER audit_entries_append_only",
            })
            {
                await using var command = new Npgsql.NpgsqlCommand(sql, connection, tx);
                await command.ExecuteNonQueryAsync(Ct);
            }

            await tx.CommitAsync(Ct);
        }

        var second = await _monitor.VerifyAsync("test", Ct);
        Assert.False(second.Verification.IsIntact);
        Assert.Equal(AuditChainBreak.CheckpointMismatch, second.Verification.Break);
        Assert.Same(second, _monitor.Latest);
    }
}
