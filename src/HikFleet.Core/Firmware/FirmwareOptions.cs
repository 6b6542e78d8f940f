namespace HikFleet.Core.Firmware;

/// <summary>Where firmware images are kept and how big they may be (<c>Fleet:Firmware</c>).</summary>
public sealed class FirmwareOptions
{
    public const string SectionName = "Fleet:Firmware";

    /// <summary>Directory of the image store (content-addressed files). Relative paths are under the app's content root. Back it up.</summary>
    public string Directory { get; set; } = "data/firmware";

    /// <summary>Largest image accepted (real camera images are 30–80 MB, NVR images up to ~250 MB).</summary>
    public long MaxImageBytes { get; set; } = 512L * 1024 * 1024;
}
