using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using HikFleet.Core.Common;
using HikFleet.Core.Data;
using HikFleet.Core.Security;
using Microsoft.EntityFrameworkCore;

namespace HikFleet.Core.Adoption;

/// <summary>One imported row: its line in the file and what happened to it.</summary>
public sealed record CsvImportRow(int Line, ResultKind Kind, string Message, Guid? CameraId);

/// <summary>
/// CSV export and import of the inventory. The first seven columns follow the iVMS-4200 device import template (Nickname,
/// Adding Mode, Address, Port, Device Information, User Name, Password) so a file moves between the two; HikFleet's own columns
/// follow. Passwords are never exported; an imported row's password goes to the vault only.
/// </summary>
public sealed class InventoryCsv(IDbContextFactory<FleetDbContext> contexts, AdoptionService adoption)
{
    public const int MaxImportBytes = 1024 * 1024;
    public const int MaxImportRows = 1000;

    /// <summary>The export's header, in order.</summary>
    public static readonly IReadOnlyList<string> Columns =
    [
        "Nickname", "Adding Mode", "Address", "Port", "Device Information", "User Name", "Password",
        "Serial No.", "MAC", "Model", "Firmware", "Site", "Lifecycle", "HTTPS", "Health",
    ];

    /// <summary>Writes the cameras in scope (optionally one site's) as CSV. Adding Mode 0 = by IP address (iVMS-4200).</summary>
    public async Task ExportAsync(FleetScope scope, Guid? siteId, TextWriter output, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var cameras = scope.Cameras(db).AsNoTracking();
        if (siteId is { } site) cameras = cameras.Where(c => c.SiteId == site);
        var rows = await cameras.OrderBy(c => c.Site!.Name).ThenBy(c => c.Name).ThenBy(c => c.SerialNumber)
            .Select(c => new
            {
                c.Name, c.Address, c.UseHttps, c.HttpPort, c.HttpsPort, c.SerialNumber, c.MacAddress, c.Model, c.FirmwareVersion, c.FirmwareBuild,
                Site = c.Site!.Name, c.Lifecycle, c.Health,
                User = db.DeviceCredentials.Where(d => d.CameraId == c.Id && d.SupersededAt == null && d.PendingSince == null).Select(d => d.UserName).FirstOrDefault(),
            })
            .ToListAsync(cancellationToken);

        await using var csv = new CsvWriter(output, new CsvConfiguration(CultureInfo.InvariantCulture), leaveOpen: true);
        foreach (var column in Columns) csv.WriteField(column);
        await csv.NextRecordAsync();
        foreach (var r in rows)
        {
            csv.WriteField(Safe(r.Name));
            csv.WriteField("0");
            csv.WriteField(r.Address?.ToString() ?? "");
            csv.WriteField((r.UseHttps ? r.HttpsPort : r.HttpPort).ToString(CultureInfo.InvariantCulture));
            csv.WriteField("");
            csv.WriteField(Safe(r.User));
            csv.WriteField(""); // never exported
            csv.WriteField(Safe(r.SerialNumber));
            csv.WriteField(r.MacAddress);
            csv.WriteField(Safe(r.Model));
            csv.WriteField(Safe(r.FirmwareBuild is null ? r.FirmwareVersion : $"{r.FirmwareVersion} {r.FirmwareBuild}"));
            csv.WriteField(Safe(r.Site));
            csv.WriteField(r.Lifecycle.ToString());
            csv.WriteField(r.UseHttps ? "true" : "false");
            csv.WriteField(r.Health.ToString());
            await csv.NextRecordAsync();
        }

        await csv.FlushAsync();
    }

    /// <summary>
    /// Imports cameras into a site: each row is an add-by-address (one login attempt with the row's credential). Every data row gets
    /// a result with its line number; nothing is dropped silently. Returns Invalid for a file that cannot be read at all.
    /// </summary>
    public async Task<(ServiceResult Result, IReadOnlyList<CsvImportRow> Rows)> ImportAsync(FleetScope scope, Guid siteId, string text,
        CancellationToken cancellationToken = default)
    {
        if (text.Length > MaxImportBytes) return (ServiceResult.Invalid("file", $"A CSV import has at most {MaxImportBytes / 1024} KiB."), []);
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            if (!await scope.Sites(db).AnyAsync(s => s.Id == siteId, cancellationToken)) return (ServiceResult.NotFound("The site does not exist."), []);
        }

        if (!scope.Can(FleetPermissions.Operate)) return (ServiceResult.Forbidden("Your role may not add cameras."), []);

        var parsed = new List<(int Line, Dictionary<string, string> Fields)>();
        try
        {
            using var reader = new StringReader(text);
            using var csv = new CsvReader(reader, new CsvConfiguration(CultureInfo.InvariantCulture)
            {
                TrimOptions = TrimOptions.Trim, MissingFieldFound = null, BadDataFound = null, DetectDelimiter = true,
                PrepareHeaderForMatch = a => a.Header.Trim().ToLowerInvariant(),
            });
            if (!await csv.ReadAsync() || !csv.ReadHeader()) return (ServiceResult.Invalid("file", "The file has no header line."), []);
            var header = csv.HeaderRecord!.Select(h => h.Trim().ToLowerInvariant()).ToArray();
            if (!header.Contains("address")) return (ServiceResult.Invalid("file", "The header needs an Address column (iVMS-4200 template)."), []);
            while (await csv.ReadAsync())
            {
                var line = csv.Parser.RawRow;
                var fields = new Dictionary<string, string>(StringComparer.Ordinal);
                for (var i = 0; i < header.Length; i++) fields[header[i]] = csv.TryGetField<string>(i, out var v) ? v ?? "" : "";
                if (fields.Values.All(string.IsNullOrWhiteSpace)) continue;
                if (parsed.Count == MaxImportRows) return (ServiceResult.Invalid("file", $"A CSV import has at most {MaxImportRows} rows; split the file."), []);
                parsed.Add((line, fields));
            }
        }
        catch (CsvHelperException ex)
        {
            return (ServiceResult.Invalid("file", $"The file is not valid CSV near line {ex.Context?.Parser?.RawRow}."), []);
        }

        var results = new List<CsvImportRow>();
        foreach (var (line, f) in parsed)
        {
            string Get(string name) => f.TryGetValue(name, out var v) ? v.Trim() : "";
            var mode = Get("adding mode");
            if (mode.Length > 0 && mode != "0")
            {
                results.Add(new CsvImportRow(line, ResultKind.Invalid, $"Adding Mode {mode} is not supported; only 0 (IP address).", null));
                continue;
            }

            int? port = null;
            if (Get("port") is { Length: > 0 } p)
            {
                if (!int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var parsedPort))
                {
                    results.Add(new CsvImportRow(line, ResultKind.Invalid, $"Port '{p}' is not a number.", null));
                    continue;
                }

                port = parsedPort;
            }

            var input = new AddCameraInput
            {
                SiteId = siteId, Address = Get("address"), Port = port, Https = Get("https").ToLowerInvariant() is "true" or "1" or "yes",
                UserName = Get("user name") is { Length: > 0 } u ? u : null, Password = Get("password"),
                Name = Get("nickname") is { Length: > 0 } n ? n : null,
            };
            var result = await adoption.AddByAddressAsync(scope, input, cancellationToken);
            results.Add(new CsvImportRow(line, result.Kind, result.Succeeded ? "Added." : result.Message, result.Id));
        }

        return (ServiceResult.Ok(siteId), results);
    }

    /// <summary>Spreadsheets run cells starting with = + - @ as formulas; device-supplied text must never become one.</summary>
    private static string Safe(string? text) =>
        string.IsNullOrEmpty(text) ? "" : text[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + text : text;
}
