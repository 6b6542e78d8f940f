using System.Globalization;
using PdfSharp.Drawing;
using PdfSharp.Fonts;
using PdfSharp.Pdf;

namespace HikFleet.Core.Audit.Export;

/// <summary>
/// The audit trail as a PDF for people: every entry with who, what, where, why, the result and both chain hashes, and on the first
/// page what was exported and the chain's state. The CSV export of the same filter is the machine-verifiable twin
/// (<see cref="AuditCsvExport"/>); the hashes printed here let an auditor cross-check the two.
/// </summary>
public static class AuditPdfExport
{
    private const double Margin = 40, LineHeight = 11;

    public static async Task<int> WriteAsync(Stream output, IAsyncEnumerable<AuditEntry> entries, AuditExportHeader header,
        CancellationToken cancellationToken = default)
    {
        DejaVuFontResolver.EnsureRegistered();
        using var document = new PdfDocument();
        document.Info.Title = "HikFleet audit trail";
        document.Info.Creator = "HikFleet";
        var regular = new XFont(DejaVuFontResolver.Sans, 8);
        var bold = new XFont(DejaVuFontResolver.Sans, 8, XFontStyleEx.Bold);
        var title = new XFont(DejaVuFontResolver.Sans, 14, XFontStyleEx.Bold);
        var mono = new XFont(DejaVuFontResolver.Mono, 6.5);

        PdfPage page = null!;
        XGraphics gfx = null!;
        double y = 0;
        var pageNumber = 0;
        void NewPage()
        {
            gfx?.Dispose();
            page = document.AddPage();
            page.Size = PdfSharp.PageSize.A4;
            page.Orientation = PdfSharp.PageOrientation.Landscape;
            gfx = XGraphics.FromPdfPage(page);
            pageNumber++;
            gfx.DrawString($"HikFleet audit trail · exported {header.ExportedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC by {header.ExportedBy} · page {pageNumber}",
                regular, XBrushes.Gray, new XPoint(Margin, page.Height.Point - 20));
            y = Margin;
        }

        void Line(string text, XFont font, XBrush? brush = null, double indent = 0)
        {
            if (y > page.Height.Point - Margin - 10) NewPage();
            gfx.DrawString(Fit(gfx, text, font, page.Width.Point - 2 * Margin - indent), font, brush ?? XBrushes.Black, new XPoint(Margin + indent, y));
            y += LineHeight;
        }

        NewPage();
        gfx.DrawString("HikFleet audit trail", title, XBrushes.Black, new XPoint(Margin, y + 6));
        y += 24;
        foreach (var (key, value) in header.Lines()) Line($"{key}: {value}", regular);
        Line("Each entry's hash is SHA-256 over its content and the previous entry's hash (format hikfleet-audit-v1). Verify the CSV export "
             + "of the same filter offline with: dotnet HikFleet.Web.dll audit verify-export <file.csv>", regular, XBrushes.DimGray);
        y += 6;

        var count = 0;
        await foreach (var e in entries.WithCancellation(cancellationToken))
        {
            if (y > page.Height.Point - Margin - 4 * LineHeight) NewPage();
            gfx.DrawLine(XPens.LightGray, Margin, y - 8, page.Width.Point - Margin, y - 8);
            var result = e.Result.ToWire();
            Line($"#{e.Id}  {e.OccurredAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture)} UTC   {e.Action}   {result.ToUpperInvariant()}"
                 + $"   by {e.ActorName} ({e.ActorKind.ToWire()}{(e.ClientAddress is null ? "" : ", " + e.ClientAddress)})",
                bold, e.Result == AuditResult.Succeeded ? XBrushes.Black : XBrushes.DarkRed);
            var where = string.Join("  ", new[]
            {
                e.TenantId is { } t ? $"tenant {t}" : null, e.SiteId is { } s ? $"site {s}" : null, e.CameraId is { } c ? $"camera {c}" : null,
                e.CorrelationId is { } k ? $"correlation {k}" : null,
            }.Where(x => x is not null));
            if (where.Length > 0) Line(where, regular, indent: 12);
            if (e.Reason is { Length: > 0 } reason) Line($"reason: {reason}", regular, indent: 12);
            if (e.Parameters is { Length: > 0 } p) Line($"parameters: {p}", regular, indent: 12);
            if (e.ResultDetail is { Length: > 0 } detail) Line($"result: {detail}", regular, indent: 12);
            Line($"hash {Convert.ToHexStringLower(e.Hash)}   previous {Convert.ToHexStringLower(e.PreviousHash)}", mono, XBrushes.DimGray, 12);
            y += 6;
            count++;
        }

        Line($"{count} entries.", bold);
        gfx.Dispose();
        await using var buffer = new MemoryStream();
        document.Save(buffer, closeStream: false);
        buffer.Position = 0;
        await buffer.CopyToAsync(output, cancellationToken);
        return count;
    }

    /// <summary>Cuts text to the width (with an ellipsis) so a hostile long value cannot run off the page.</summary>
    private static string Fit(XGraphics gfx, string text, XFont font, double width)
    {
        text = text.Replace('\n', ' ').Replace('\r', ' ');
        if (text.Length > 600) text = text[..600];
        if (gfx.MeasureString(text, font).Width <= width) return text;
        int lo = 0, hi = text.Length;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) / 2;
            if (gfx.MeasureString(text[..mid] + "…", font).Width <= width) lo = mid; else hi = mid - 1;
        }

        return text[..lo] + "…";
    }
}

/// <summary>
/// PDFsharp's Core build has no font source on Linux; this resolver serves DejaVu Sans / Sans Mono from the system (Debian package
/// fonts-dejavu-core, installed by deploy/install.sh and the Dockerfile). A missing font is a clear error, not a blank PDF.
/// </summary>
internal sealed class DejaVuFontResolver : IFontResolver
{
    public const string Sans = "DejaVu Sans", Mono = "DejaVu Sans Mono";
    private static readonly object Gate = new();
    private static bool _registered;

    private static readonly string[] Directories = ["/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/share/fonts/TTF"];

    public static void EnsureRegistered()
    {
        lock (Gate)
        {
            if (_registered) return;
            if (GlobalFontSettings.FontResolver is null) GlobalFontSettings.FontResolver = new DejaVuFontResolver();
            _registered = true;
        }
    }

    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic)
    {
        var mono = familyName.Contains("Mono", StringComparison.OrdinalIgnoreCase);
        return new FontResolverInfo(mono ? "DejaVuSansMono" : bold ? "DejaVuSans-Bold" : "DejaVuSans");
    }

    public byte[]? GetFont(string faceName)
    {
        foreach (var dir in Directories)
        {
            var path = Path.Combine(dir, faceName + ".ttf");
            if (File.Exists(path)) return File.ReadAllBytes(path);
        }

        throw new InvalidOperationException($"Font {faceName}.ttf not found (install the Debian package fonts-dejavu-core).");
    }
}
