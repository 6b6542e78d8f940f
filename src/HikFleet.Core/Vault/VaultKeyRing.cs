using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace HikFleet.Core.Vault;

/// <summary>Where the vault's key-encryption keys come from. Never the database: a stolen dump alone must not open a password.</summary>
public sealed class VaultOptions
{
    public const string SectionName = "Fleet:Vault";
    public const string KeyVariable = "HIKFLEET_VAULT_KEYS";

    /// <summary>
    /// Keys as text, <c>id:base64key</c> entries separated by <c>;</c>, the last one current (typically from the environment variable
    /// <see cref="KeyVariable"/> or a secret store). When set, <see cref="KeyFile"/> is not used.
    /// </summary>
    public string? Keys { get; set; }

    /// <summary>A file with one <c>id base64key</c> line per key, the last one current; created (mode 0600) with a fresh key on first run.</summary>
    public string? KeyFile { get; set; }
}

/// <summary>
/// The key-encryption keys (AES-256) by id. The newest seals; every listed one can still open what it sealed, so a key is rotated
/// by appending a new one, re-sealing (<see cref="CredentialVault.ResealAllAsync"/>), then removing the old line.
/// </summary>
public sealed class VaultKeyRing
{
    private readonly Dictionary<string, byte[]> _keys;

    private VaultKeyRing(IReadOnlyList<(string Id, byte[] Key)> keys)
    {
        if (keys.Count == 0) throw new VaultException("The vault has no key.");
        _keys = new(StringComparer.Ordinal);
        foreach (var (id, key) in keys)
        {
            if (key.Length != 32) throw new VaultException($"Vault key '{id}' is not 256 bits.");
            _keys[id] = key;
        }

        CurrentId = keys[^1].Id;
    }

    /// <summary>The id of the key new secrets are sealed with.</summary>
    public string CurrentId { get; }

    public IReadOnlyCollection<string> KeyIds => _keys.Keys;

    internal byte[] Current => _keys[CurrentId];

    internal bool TryGet(string id, out byte[] key) => _keys.TryGetValue(id, out key!);

    /// <summary>Parses <c>id:base64;id:base64</c>.</summary>
    public static VaultKeyRing Parse(string text)
    {
        var keys = new List<(string, byte[])>();
        foreach (var part in text.Split([';', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (part.StartsWith('#')) continue;
            var cut = part.IndexOfAny([':', ' ']);
            if (cut <= 0) throw new VaultException("A vault key entry is not 'id:base64key'.");
            var id = part[..cut].Trim();
            try
            {
                keys.Add((id, Convert.FromBase64String(part[(cut + 1)..].Trim())));
            }
            catch (FormatException)
            {
                throw new VaultException($"Vault key '{id}' is not valid base64.");
            }
        }

        return new VaultKeyRing(keys);
    }

    /// <summary>A ring holding one fresh random key (tests, first run).</summary>
    public static VaultKeyRing CreateNew(out string text)
    {
        text = NewKeyLine();
        return Parse(text);
    }

    /// <summary>A new key line (<c>k-yyyyMMddHHmmss base64</c>) to append to a key file.</summary>
    public static string NewKeyLine() =>
        $"k-{DateTime.UtcNow:yyyyMMddHHmmss}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(2))} {Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))}";

    /// <summary>Loads the keys from the options: the text if given, else the file (created with a new key if it does not exist).</summary>
    public static VaultKeyRing Load(VaultOptions options, ILogger? logger = null)
    {
        if (!string.IsNullOrWhiteSpace(options.Keys)) return Parse(options.Keys);
        if (string.IsNullOrWhiteSpace(options.KeyFile))
        {
            throw new VaultException(
                $"No vault key configured: set {VaultOptions.SectionName}:KeyFile (a path; created on first run) or the {VaultOptions.KeyVariable} environment variable.");
        }

        var path = Path.GetFullPath(options.KeyFile);
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var header = "# HikFleet credential vault keys: 'id base64key' per line, the last one seals. Back this file up apart from the database;\n" +
                         "# without it no stored device password can be opened.\n";
            var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var stream = new FileStream(path, create))
            {
                stream.Write(Encoding.UTF8.GetBytes(header + NewKeyLine() + "\n"));
            }

            logger?.LogWarning("Created a new credential vault key file at {KeyFile}. Back it up apart from the database.", path);
        }

        return Parse(File.ReadAllText(path));
    }
}

/// <summary>The vault cannot do what was asked (no key, wrong key, tampered secret). Never carries a secret.</summary>
public sealed class VaultException(string message, Exception? inner = null) : Exception(message, inner);
