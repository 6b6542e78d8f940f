using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;

namespace HikFleet.Core.Audit.Export;

/// <summary>
/// The audit CSV export and its offline verifier. The file carries every hashed field of each entry exactly as hashed, both chain
/// hashes, a header saying what was exported and the chain state at export time, and a final SHA-256 over all bytes before it.
/// Verification needs nothing but the file: it recomputes each entry's hash (<see cref="AuditChain"/>), checks the links between
/// consecutive ids, the row count and the file digest, so one changed byte anywhere fails.
/// </summary>
/// <remarks>
/// Layout (RFC 4180, UTF-8 without BOM, <c>\n</c> line ends): comment lines <c>#key,value</c> (<c>hikfleet-audit-export</c>,
/// <c>format</c>, <c>exported_at</c>, <c>exported_by</c>, <c>filter</c>, <c>chain</c>), the header row, one row per entry in id order,
/// <c>#entries,N</c>, and last <c>#sha256,hex</c> over every byte before that line. A null field is an empty cell; a field that is an
/// empty string (not null) is named in the row's <c>empty_fields</c> cell, so null and empty stay distinct as the hash requires.
/// </remarks>
public static class AuditCsvExport
{
    public const string Magic = "hikfleet-audit-export";
    public const string Version = "1";

    private static readonly string[] Columns =
    [
        "id", "occurred_at_us", "occurred_at", "actor_kind", "actor_id", "actor_name", "client_address", "tenant_id", "site_id", "camera_id",
        "action", "parameters", "reason", "result", "result_detail", "correlation_id", "empty_fields", "previous_hash", "hash",
    ];

    /// <summary>Writes an export of <paramref name="entries"/> (id order) to <paramref name="output"/> (left open).</summary>
    public static async Task<int> WriteAsync(Stream output, IAsyncEnumerable<AuditEntry> entries, AuditExportHeader header,
        CancellationToken cancellationToken = default)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var count = 0;
        await using (var writer = new HashingWriter(new StreamWriter(output, new UTF8Encoding(false), 64 * 1024, leaveOpen: true) { NewLine = "\n" }, sha))
        {
            await using var csv = new CsvWriter(writer, Config(), leaveOpen: true);
            foreach (var (key, value) in header.Lines())
            {
                csv.WriteComment($"{key},{Clean(value)}");
                await csv.NextRecordAsync();
            }

            foreach (var column in Columns) csv.WriteField(column);
            await csv.NextRecordAsync();
            await foreach (var e in entries.WithCancellation(cancellationToken))
            {
                var empty = new List<string>();
                string? Text(string name, string? value)
                {
                    if (value is { Length: 0 }) empty.Add(name);
                    return value;
                }

                var cells = new[]
                {
                    e.Id.ToString(CultureInfo.InvariantCulture),
                    AuditChain.ToUnixMicroseconds(e.OccurredAt).ToString(CultureInfo.InvariantCulture),
                    e.OccurredAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
                    e.ActorKind.ToWire(), Text("actor_id", e.ActorId), Text("actor_name", e.ActorName), e.ClientAddress?.ToString(),
                    e.TenantId?.ToString("D"), e.SiteId?.ToString("D"), e.CameraId?.ToString("D"), Text("action", e.Action),
                    e.Parameters is null ? null : AuditChain.CanonicalJson(e.Parameters), Text("reason", e.Reason), e.Result.ToWire(),
                    Text("result_detail", e.ResultDetail), Text("correlation_id", e.CorrelationId), null,
                    Convert.ToHexStringLower(e.PreviousHash), Convert.ToHexStringLower(e.Hash),
                };
                cells[16] = empty.Count == 0 ? null : string.Join(' ', empty);
                foreach (var cell in cells) csv.WriteField(cell ?? "");
                await csv.NextRecordAsync();
                count++;
            }

            csv.WriteComment($"entries,{count}");
            await csv.NextRecordAsync();
            await csv.FlushAsync();
        }

        var trailer = Encoding.UTF8.GetBytes($"#sha256,{Convert.ToHexStringLower(sha.GetHashAndReset())}\n");
        await output.WriteAsync(trailer, cancellationToken);
        return count;
    }

    /// <summary>Verifies an export file's bytes offline. Never throws on malformed input: a broken file is a failed verification.</summary>
    public static AuditExportVerification Verify(byte[] file)
    {
        try
        {
            return VerifyCore(file);
        }
        catch (Exception ex) when (ex is CsvHelperException or FormatException or ArgumentException or OverflowException)
        {
            return AuditExportVerification.Fail(0, null, $"The file is not a well-formed audit export: {ex.GetType().Name}: {FirstLine(ex.Message)}");
        }
    }

    private static AuditExportVerification VerifyCore(byte[] file)
    {
        // 1. The digest over every byte before the last line.
        var text = Encoding.UTF8.GetString(file);
        var marker = text.LastIndexOf("\n#sha256,", StringComparison.Ordinal);
        if (marker < 0) return AuditExportVerification.Fail(0, null, "No '#sha256' line: the file is cut short or not an audit export.");
        var bodyLength = Encoding.UTF8.GetByteCount(text.AsSpan(0, marker + 1));
        var claimed = text[(marker + 9)..].TrimEnd('\n', '\r');
        var actual = Convert.ToHexStringLower(SHA256.HashData(file.AsSpan(0, bodyLength)));
        if (!string.Equals(claimed, actual, StringComparison.Ordinal))
        {
            return AuditExportVerification.Fail(0, null, "The file digest does not match its content: the file was changed after export.");
        }

        // 2. Every row's hash, and the links between consecutive ids.
        using var reader = new StringReader(text[..(marker + 1)]);
        using var csv = new CsvReader(reader, Config());
        var header = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!csv.Read()) return AuditExportVerification.Fail(0, null, "The file has no header row.");
        csv.ReadHeader();
        if (!Columns.SequenceEqual(csv.HeaderRecord ?? [])) return AuditExportVerification.Fail(0, null, "The columns are not those of an audit export v1.");

        long rows = 0;
        long? previousId = null;
        byte[]? previousHash = null;
        long? firstId = null, lastId = null;
        while (csv.Read())
        {
            rows++;
            var line = csv.Parser.RawRow;
            var empty = (csv.GetField("empty_fields") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
            string? Field(string name)
            {
                var v = csv.GetField(name);
                return string.IsNullOrEmpty(v) ? (empty.Contains(name) ? "" : null) : v;
            }

            var id = long.Parse(csv.GetField("id")!, NumberStyles.None, CultureInfo.InvariantCulture);
            var micros = long.Parse(csv.GetField("occurred_at_us")!, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            var occurred = DateTimeOffset.UnixEpoch.AddTicks(micros * 10);
            if (!string.Equals(csv.GetField("occurred_at"), occurred.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture), StringComparison.Ordinal))
            {
                return AuditExportVerification.Fail(line, id, "The readable time does not match the hashed time.");
            }

            var entry = new AuditEntry
            {
                Id = id,
                OccurredAt = occurred,
                ActorKind = AuditWire.ParseActorKind(csv.GetField("actor_kind")!),
                ActorId = Field("actor_id") ?? throw new FormatException("actor_id is required."),
                ActorName = Field("actor_name") ?? throw new FormatException("actor_name is required."),
                ClientAddress = Field("client_address") is { } ip ? IPAddress.Parse(ip) : null,
                TenantId = Field("tenant_id") is { } t ? Guid.Parse(t) : null,
                SiteId = Field("site_id") is { } s ? Guid.Parse(s) : null,
                CameraId = Field("camera_id") is { } c ? Guid.Parse(c) : null,
                Action = Field("action") ?? throw new FormatException("action is required."),
                Parameters = Field("parameters"),
                Reason = Field("reason"),
                Result = AuditWire.ParseResult(csv.GetField("result")!),
                ResultDetail = Field("result_detail"),
                CorrelationId = Field("correlation_id"),
                PreviousHash = Convert.FromHexString(csv.GetField("previous_hash")!),
                Hash = Convert.FromHexString(csv.GetField("hash")!),
            };
            if (entry.PreviousHash.Length != AuditChain.HashLength || entry.Hash.Length != AuditChain.HashLength)
            {
                return AuditExportVerification.Fail(line, id, "A hash is not 32 bytes.");
            }

            if (!CryptographicOperations.FixedTimeEquals(AuditChain.ComputeHash(entry), entry.Hash))
            {
                return AuditExportVerification.Fail(line, id, "The entry's content does not match its hash.");
            }

            if (previousId is { } pid && id <= pid) return AuditExportVerification.Fail(line, id, "Entries are not in id order.");
            if (previousId == id - 1 && !CryptographicOperations.FixedTimeEquals(previousHash, entry.PreviousHash))
            {
                return AuditExportVerification.Fail(line, id, $"The entry does not link to entry {previousId}.");
            }

            if (id == 1 && !entry.PreviousHash.AsSpan().SequenceEqual(AuditChain.GenesisHash))
            {
                return AuditExportVerification.Fail(line, id, "The first entry of the trail does not start from the genesis hash.");
            }

            firstId ??= id;
            lastId = id;
            previousId = id;
            previousHash = entry.Hash;
        }

        // 3. The comment lines (read separately: CsvHelper skips comments).
        foreach (var raw in text[..(marker + 1)].Split('\n'))
        {
            if (!raw.StartsWith('#')) continue;
            var cut = raw.IndexOf(',', StringComparison.Ordinal);
            if (cut > 1) header[raw[1..cut]] = raw[(cut + 1)..];
        }

        if (!header.TryGetValue(Magic, out var version) || version != Version)
        {
            return AuditExportVerification.Fail(0, null, "The header does not say hikfleet-audit-export v1.");
        }

        if (!header.TryGetValue("entries", out var declared) || declared != rows.ToString(CultureInfo.InvariantCulture))
        {
            return AuditExportVerification.Fail(0, null, $"The file declares {declared ?? "no"} entries but holds {rows}.");
        }

        return new AuditExportVerification(true, rows, firstId, lastId, null, null, "intact", header);
    }

    private static CsvConfiguration Config() => new(CultureInfo.InvariantCulture)
    {
        NewLine = "\n",
        AllowComments = true,
        Comment = '#',
        // Formula injection: an auditor opens this in a spreadsheet. Values are never altered (they are hashed); a leading
        // = + - @ is neutralised by quoting only. The verifier reads values back byte for byte.
        ShouldQuote = args => args.Field is { Length: > 0 } f && (f[0] is '=' or '+' or '-' or '@' or '#' || f.AsSpan().IndexOfAny("\",\n\r") >= 0 || char.IsWhiteSpace(f[0]) || char.IsWhiteSpace(f[^1])),
        TrimOptions = TrimOptions.None,
        BadDataFound = null,
    };

    private static string Clean(string value) => value.Replace('\n', ' ').Replace('\r', ' ');

    private static string FirstLine(string message) => message.Split('\n')[0];

    /// <summary>
    /// A TextWriter that feeds the UTF-8 bytes it writes into a hash. Async writes stay async all the way down (an ASP.NET Core
    /// response body refuses synchronous I/O).
    /// </summary>
    private sealed class HashingWriter(TextWriter inner, IncrementalHash hash) : TextWriter
    {
        private readonly Encoder _encoder = new UTF8Encoding(false).GetEncoder();
        private readonly byte[] _buffer = new byte[16 * 1024];
        private bool _disposed;

        public override Encoding Encoding => inner.Encoding;

        private void Hash(ReadOnlySpan<char> chars)
        {
            while (!chars.IsEmpty)
            {
                _encoder.Convert(chars, _buffer, flush: false, out var used, out var written, out _);
                hash.AppendData(_buffer, 0, written);
                chars = chars[used..];
            }
        }

        public override void Write(char value) => Write([value]);

        public override void Write(char[] buffer, int index, int count) => Write(buffer.AsSpan(index, count));

        public override void Write(ReadOnlySpan<char> chars)
        {
            Hash(chars);
            inner.Write(chars);
        }

        public override void Write(string? value) => Write(value.AsSpan());

        public override Task WriteAsync(char value) => WriteAsync(new[] { value }.AsMemory());

        public override Task WriteAsync(char[] buffer, int index, int count) => WriteAsync(buffer.AsMemory(index, count));

        public override Task WriteAsync(string? value) => WriteAsync((value ?? "").AsMemory());

        public override Task WriteAsync(ReadOnlyMemory<char> buffer, CancellationToken cancellationToken = default)
        {
            Hash(buffer.Span);
            return inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteLineAsync() => WriteAsync(CoreNewLine.AsMemory());

        public override void Flush() => inner.Flush();

        public override Task FlushAsync() => inner.FlushAsync();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_disposed)
            {
                _disposed = true;
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            if (!_disposed)
            {
                _disposed = true;
                await inner.DisposeAsync();
            }

            await base.DisposeAsync();
        }
    }
}

/// <summary>What an export says about itself.</summary>
public sealed record AuditExportHeader(DateTimeOffset ExportedAt, string ExportedBy, string Filter, AuditVerification Chain)
{
    internal IEnumerable<(string Key, string Value)> Lines()
    {
        yield return (AuditCsvExport.Magic, AuditCsvExport.Version);
        yield return ("format", AuditChain.FormatVersion);
        yield return ("exported_at", ExportedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        yield return ("exported_by", ExportedBy);
        yield return ("filter", Filter);
        yield return ("chain", Chain.IsIntact
            ? $"intact; {Chain.VerifiedCount} entries; head id {Chain.LastVerifiedId?.ToString(CultureInfo.InvariantCulture) ?? "-"} hash {Chain.LastHashHex}"
            : $"BROKEN at entry {Chain.BrokenEntryId}: {Chain.Break}; last good id {Chain.LastVerifiedId} hash {Chain.LastHashHex}");
    }
}

/// <param name="Intact">True when every check passed.</param>
/// <param name="Rows">Entry rows read.</param>
/// <param name="Line">The CSV line (1-based) of the first failure, 0 when not tied to a row.</param>
public sealed record AuditExportVerification(bool Intact, long Rows, long? FirstId, long? LastId, long? Line, long? FailedId, string Message,
    IReadOnlyDictionary<string, string>? Header)
{
    internal static AuditExportVerification Fail(long line, long? id, string message) => new(false, 0, null, null, line, id, message, null);
}
