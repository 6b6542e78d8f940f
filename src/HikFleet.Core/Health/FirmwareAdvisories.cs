using System.Text.RegularExpressions;
using HikFleet.Isapi.Models;

namespace HikFleet.Core.Health;

/// <summary>
/// Known-vulnerable firmware ranges from the protocol reference §6, matched by model family and (version, build date).
/// A version match only: HikFleet never sends an exploit to find out.
/// </summary>
public static partial class FirmwareAdvisories
{
    private sealed record Range(string Cve, Regex Model, FirmwareVersion From, FirmwareVersion To, string Family);

    private static FirmwareVersion V(int a, int b, int c, int build) => new(a, b, c, build);

    // CVE-2017-7921 (improper authentication), affected ranges as published (NVD text, §6).
    private static readonly Range[] Cve20177921 =
    [
        new("CVE-2017-7921", Family2xx2FI(), V(5, 2, 0, 140721), V(5, 4, 0, 160530), "DS-2CD2xx2F-I"),
        new("CVE-2017-7921", Family2xx0FI(), V(5, 2, 0, 140721), V(5, 4, 0, 160401), "DS-2CD2xx0F-I"),
        new("CVE-2017-7921", Family2xx2FWD(), V(5, 3, 1, 150410), V(5, 4, 4, 161125), "DS-2CD2xx2FWD"),
        new("CVE-2017-7921", Family4x2xFWD(), V(5, 2, 0, 140721), V(5, 4, 0, 160414), "DS-2CD4x2xFWD"),
        new("CVE-2017-7921", Family4xx5(), V(5, 2, 0, 140721), V(5, 4, 0, 160421), "DS-2CD4xx5"),
        new("CVE-2017-7921", FamilyDf(), V(5, 2, 0, 140805), V(5, 4, 5, 160928), "DS-2DFx"),
        new("CVE-2017-7921", Family63xx(), V(5, 0, 9, 140305), V(5, 3, 5, 160106), "DS-2CD63xx"),
    ];

    /// <summary>CVE-2021-36260 fixed builds are dated 210628 or later (e.g. V5.5.800 build 210628) (§6).</summary>
    public const int Cve202136260FixedBuild = 210628;

    /// <summary>The advisories a camera's firmware falls under: (CVE, why) pairs; empty when none (or the version is unreadable).</summary>
    public static IReadOnlyList<(string Cve, string Reason)> Match(string? model, FirmwareVersion? firmware)
    {
        if (firmware is not { } fw || string.IsNullOrWhiteSpace(model)) return [];
        var found = new List<(string, string)>();
        foreach (var r in Cve20177921)
        {
            // A missing build date compares as 0: inside a range only when the version alone is strictly inside it.
            if (r.Model.IsMatch(model) && fw >= r.From && fw <= r.To)
                found.Add((r.Cve, $"{r.Family} {r.From}–{r.To}"));
        }

        // CVE-2021-36260: IP cameras on 5.4.x–5.5.x built before the fix date are flagged "likely vulnerable" (§6 detection idea);
        // recorders (DS-7/8/9…) are left to the advisory table.
        if (IsCamera(model) && fw.Major == 5 && fw.Minor is 4 or 5 && (fw.Build ?? 0) < Cve202136260FixedBuild)
            found.Add(("CVE-2021-36260", $"IPC firmware 5.4–5.5 built before {Cve202136260FixedBuild}"));
        return found;
    }

    private static bool IsCamera(string model) => model.StartsWith("DS-2C", StringComparison.OrdinalIgnoreCase) ||
        model.StartsWith("DS-2D", StringComparison.OrdinalIgnoreCase) || model.StartsWith("DS-2X", StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex(@"^DS-2CD2\d{2}2F-I", RegexOptions.IgnoreCase)] private static partial Regex Family2xx2FI();
    [GeneratedRegex(@"^DS-2CD2\d{2}0F-I", RegexOptions.IgnoreCase)] private static partial Regex Family2xx0FI();
    [GeneratedRegex(@"^DS-2CD2\d{2}2FWD", RegexOptions.IgnoreCase)] private static partial Regex Family2xx2FWD();
    [GeneratedRegex(@"^DS-2CD4\d2\dFWD", RegexOptions.IgnoreCase)] private static partial Regex Family4x2xFWD();
    [GeneratedRegex(@"^DS-2CD4\d{2}5", RegexOptions.IgnoreCase)] private static partial Regex Family4xx5();
    [GeneratedRegex(@"^DS-2DF\d", RegexOptions.IgnoreCase)] private static partial Regex FamilyDf();
    [GeneratedRegex(@"^DS-2CD63\d{2}", RegexOptions.IgnoreCase)] private static partial Regex Family63xx();
}
