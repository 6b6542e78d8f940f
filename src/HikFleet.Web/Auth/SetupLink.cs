using System.Security.Cryptography;

namespace HikFleet.Web.Auth;

/// <summary>
/// The one-time secret of the first-run setup link. Lives in memory only: it is printed at start, used once to
/// create the administrator, and gone at the next restart (which prints a new one while no user exists).
/// </summary>
public sealed class SetupLink
{
    private readonly Lock _gate = new();
    private string? _token;

    public string Issue()
    {
        lock (_gate)
        {
            return _token ??= Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        }
    }

    public bool IsOpen
    {
        get
        {
            lock (_gate)
            {
                return _token is not null;
            }
        }
    }

    /// <summary>True exactly once for the right token; compares in constant time.</summary>
    public bool TryConsume(string? presented)
    {
        lock (_gate)
        {
            if (_token is null || presented is null ||
                !CryptographicOperations.FixedTimeEquals(System.Text.Encoding.ASCII.GetBytes(_token), System.Text.Encoding.ASCII.GetBytes(presented)))
            {
                return false;
            }

            _token = null;
            return true;
        }
    }
}
