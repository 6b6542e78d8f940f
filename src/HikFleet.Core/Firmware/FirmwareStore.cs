using System.Security.Cryptography;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace HikFleet.Core.Firmware;

/// <summary>A stored file: its hash, size and the first bytes (for <see cref="FirmwareHeader"/>).</summary>
public sealed record StoredFirmware(string Sha256, long Size, byte[] Start);

/// <summary>
/// Content-addressed file store of firmware images: a file is written to a temporary name while it is hashed, then moved to its SHA-256
/// (so a half-written upload is never an image, and the same file uploaded twice is stored once). Images never pass through memory whole.
/// </summary>
public sealed class FirmwareStore(IOptions<FirmwareOptions> options, IHostEnvironment? environment = null)
{
    private FirmwareOptions Options => options.Value;

    public string Root => Path.GetFullPath(Options.Directory, environment?.ContentRootPath ?? AppContext.BaseDirectory);

    /// <summary>Streams <paramref name="content"/> to the store, hashing it; null with a reason when it is empty or too big.</summary>
    public async Task<(StoredFirmware? File, string? Problem)> SaveAsync(Stream content, IProgress<long>? progress, CancellationToken ct)
    {
        Directory.CreateDirectory(Root);
        var temp = Path.Combine(Root, $".upload-{Guid.NewGuid():N}");
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var start = new MemoryStream();
            long size = 0;
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                var buffer = new byte[1 << 16];
                int read;
                while ((read = await content.ReadAsync(buffer, ct)) > 0)
                {
                    size += read;
                    if (size > Options.MaxImageBytes) return (null, $"The image is larger than {Options.MaxImageBytes / (1024 * 1024)} MB.");
                    hash.AppendData(buffer, 0, read);
                    if (start.Length < FirmwareHeader.PeekBytes) start.Write(buffer, 0, (int)Math.Min(read, FirmwareHeader.PeekBytes - start.Length));
                    await file.WriteAsync(buffer.AsMemory(0, read), ct);
                    progress?.Report(size);
                }
            }

            if (size == 0) return (null, "The file is empty.");
            var sha = Convert.ToHexStringLower(hash.GetHashAndReset());
            var path = PathOf(sha);
            if (File.Exists(path)) File.Delete(temp);
            else File.Move(temp, path);
            return (new StoredFirmware(sha, size, start.ToArray()), null);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Opens an image for reading (streamed upload to a camera).</summary>
    public Stream OpenRead(string sha256) =>
        new FileStream(PathOf(sha256), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);

    public bool Exists(string sha256) => File.Exists(PathOf(sha256));

    /// <summary>Re-hashes a stored image: true when it is there and still what was uploaded (disk rot, tampering).</summary>
    public async Task<bool> VerifyAsync(string sha256, CancellationToken ct)
    {
        if (!Exists(sha256)) return false;
        await using var stream = OpenRead(sha256);
        var actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct));
        return actual == sha256;
    }

    public void Delete(string sha256)
    {
        if (Exists(sha256)) File.Delete(PathOf(sha256));
    }

    private string PathOf(string sha256)
    {
        // The name is our own hex hash, never user input: still, refuse anything else outright.
        if (sha256.Length != 64 || !sha256.All(char.IsAsciiHexDigitLower)) throw new ArgumentException("Not a SHA-256 hex string.", nameof(sha256));
        return Path.Combine(Root, sha256 + ".img");
    }
}
