using System.Text;
using System.Text.RegularExpressions;

namespace HikFleet.Core.Firmware;

/// <summary>What could be read from an image file without a person typing it: platform, version, build.</summary>
public sealed record FirmwareFacts(string? Platform, string? Version, string? Build, string Source);

/// <summary>
/// Reads what it can about an uploaded image. Hikvision's <c>digicap.dav</c> header is undocumented and obfuscated, so HikFleet does not
/// guess at it: it reads (1) the plain header of the simulator's test packages (<c>HKSIMDAV</c>, see HikFleet.Simulator's
/// FirmwareImage) and (2) Hikvision's release file naming, e.g. <c>IPC_G5_EN_STD_V5.7.20_build250101.zip</c> or
/// <c>…_5.7.20_250101…</c>. Anything else is entered by the person uploading (model patterns always are, or come from the package).
/// </summary>
public static partial class FirmwareHeader
{
    private static ReadOnlySpan<byte> TestMagic => "HKSIMDAV"u8;

    /// <summary>Bytes of the file start to look at.</summary>
    public const int PeekBytes = 1024;

    public static FirmwareFacts Read(ReadOnlySpan<byte> start, string? fileName)
    {
        if (start.StartsWith(TestMagic) && start.IndexOf("\n\n"u8) is var end and > 0)
        {
            var fields = Encoding.ASCII.GetString(start[..end]).Split('\n').Skip(1)
                .Select(l => l.Split('=', 2)).Where(p => p.Length == 2)
                .GroupBy(p => p[0]).ToDictionary(g => g.Key, g => Clean(g.First()[1]));
            return new FirmwareFacts(fields.GetValueOrDefault("platform"), fields.GetValueOrDefault("version"), fields.GetValueOrDefault("build"),
                "package header");
        }

        if (fileName is { Length: > 0 and <= 255 } && MatchName(Path.GetFileNameWithoutExtension(fileName)) is { Success: true } m)
        {
            var platform = m.Groups["platform"].Success ? m.Groups["platform"].Value.TrimEnd('_') : null;
            return new FirmwareFacts(platform, "V" + m.Groups["version"].Value, $"build {m.Groups["build"].Value}", "file name");
        }

        return new FirmwareFacts(null, null, null, "nothing readable");

        // The pattern is linear on these short names; the time limit only guards a stalled machine, where "not readable" is the answer.
        static Match? MatchName(string name)
        {
            try
            {
                return ReleaseName().Match(name);
            }
            catch (RegexMatchTimeoutException)
            {
                return null;
            }
        }
    }

    private static string? Clean(string value)
    {
        var v = new string(value.Where(c => !char.IsControl(c)).ToArray()).Trim();
        return v.Length is 0 or > 64 ? null : v;
    }

    [GeneratedRegex(@"^(?<platform>(?:IPC|NVR|DVR|PTZ)_[A-Z0-9_]+?_)?(?:[A-Z]{2}_)?(?:STD_|NEU_)?V?(?<version>\d{1,2}\.\d{1,3}\.\d{1,4})_?(?:build)?_?(?<build>\d{6})",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 2000)]
    private static partial Regex ReleaseName();
}
