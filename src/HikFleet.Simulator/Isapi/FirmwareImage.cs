using System.Text;

namespace HikFleet.Simulator;

/// <summary>
/// Simulated firmware packages (the stand-in for digicap.dav, §2.7). A package names the platform (or model) it is for, the version
/// and the build; a device refuses a package for another platform with statusCode 6 badDevType and anything unparseable with badVersion.
/// </summary>
public static class FirmwareImage
{
    private const string Magic = "HKSIMDAV";

    /// <summary>Parsed header of a package.</summary>
    public sealed record Info(string Platform, string Version, string Build);

    /// <summary>Builds a package for <paramref name="platformOrModel"/> (a <see cref="DeviceModel.Platform"/> or a model string).</summary>
    /// <param name="platformOrModel">e.g. "IPC_G5" or "DS-2CD2386G2-IU".</param>
    /// <param name="version">e.g. "V5.7.20".</param>
    /// <param name="build">e.g. "build 250101".</param>
    /// <param name="size">Total size in bytes (real images are 30–80 MB; tests use small ones).</param>
    public static byte[] Create(string platformOrModel, string version, string build, int size = 256 * 1024)
    {
        var header = Encoding.ASCII.GetBytes($"{Magic}\nplatform={platformOrModel}\nversion={version}\nbuild={build}\n\n");
        var image = new byte[Math.Max(size, header.Length)];
        header.CopyTo(image, 0);
        for (var i = header.Length; i < image.Length; i++)
            image[i] = (byte)(i * 31 + 7);
        return image;
    }

    /// <summary>Reads a package header.</summary>
    public static bool TryParse(ReadOnlySpan<byte> image, out Info info)
    {
        info = new Info("", "", "");
        if (image.Length < Magic.Length + 2 || !image[..Magic.Length].SequenceEqual(Encoding.ASCII.GetBytes(Magic)))
            return false;
        var end = image[..Math.Min(image.Length, 1024)].IndexOf("\n\n"u8);
        if (end < 0)
            return false;
        var fields = Encoding.ASCII.GetString(image[..end]).Split('\n').Skip(1)
            .Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        if (!fields.TryGetValue("platform", out var platform) || !fields.TryGetValue("version", out var version) ||
            !fields.TryGetValue("build", out var build) || !version.StartsWith('V'))
            return false;
        info = new Info(platform, version, build);
        return true;
    }
}
