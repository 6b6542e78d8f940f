using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace HikFleet.Isapi.Security;

/// <summary>What the guard knows about one device user (§1.5).</summary>
/// <param name="AttemptsLeft">Failed logins the device still allows, as it last said (<c>retryLoginTime</c>).</param>
/// <param name="LockedUntil">When the device's lock ends, if it said it is locked.</param>
/// <param name="CredentialRejected">True while a credential the device rejected is held back.</param>
/// <param name="LastRejectedAt">When the last 401 came.</param>
public sealed record IsapiLockoutState(int? AttemptsLeft, DateTimeOffset? LockedUntil, bool CredentialRejected, DateTimeOffset? LastRejectedAt)
{
    /// <summary>The device allows at most one more failure before it locks: stop trying other credentials (§1.5).</summary>
    public bool OneAttemptLeft => AttemptsLeft is <= 1;

    /// <summary>True while the device holds the user locked (as far as we know).</summary>
    public bool IsLocked(DateTimeOffset now) => LockedUntil is { } until && until > now;
}

/// <summary>
/// Per-device, per-user lockout guard shared by every client of a process. After a 401 for a credential, calls with
/// that same credential fail fast without touching the network, so one wrong password never becomes five (§1.5:
/// "never retry a 401 with the same credential"); while the device reports <c>lockStatus=lock</c>, every credential
/// for that user is held until <c>unlockTime</c> has passed, because a locked device answers 401 even to the right
/// password and each attempt may prolong the lock.
/// Only a keyed hash of the rejected password is kept (HMAC with a per-process random key), never the password.
/// </summary>
public sealed class IsapiLockoutGuard
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly byte[] _hmacKey = RandomNumberGenerator.GetBytes(32);
    private readonly TimeProvider _time;

    /// <summary>Creates a guard.</summary>
    public IsapiLockoutGuard(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    private sealed record Entry(byte[]? RejectedHash, int? AttemptsLeft, DateTimeOffset? LockedUntil, DateTimeOffset? RejectedAt, DateTimeOffset? HoldUntil);

    /// <summary>The state for a device user.</summary>
    public IsapiLockoutState GetState(IsapiEndpoint endpoint, string userName)
    {
        if (!_entries.TryGetValue(Key(endpoint, userName), out var e)) return new IsapiLockoutState(null, null, false, null);
        var now = _time.GetUtcNow();
        return new IsapiLockoutState(e.AttemptsLeft, e.LockedUntil is { } u && u > now ? u : null,
            e.RejectedHash is not null && (e.HoldUntil is null || e.HoldUntil > now), e.RejectedAt);
    }

    /// <summary>Forgets everything about a device user (an administrator's explicit override).</summary>
    public void Reset(IsapiEndpoint endpoint, string userName) => _entries.TryRemove(Key(endpoint, userName), out _);

    /// <summary>Throws <see cref="IsapiException"/> without network traffic when this credential must not be sent.</summary>
    internal void ThrowIfBlocked(IsapiEndpoint endpoint, IsapiCredentials credentials, string path)
    {
        if (!_entries.TryGetValue(Key(endpoint, credentials.UserName), out var e)) return;
        var now = _time.GetUtcNow();
        if (e.LockedUntil is { } until && until > now)
        {
            throw new IsapiException(IsapiErrorKind.LockedOut,
                $"{path}: user '{credentials.UserName}' is locked on {endpoint.Key} for another {(until - now).TotalSeconds:F0} s; not sending.")
            { FailedFast = true, UnlockAfter = until - now, AttemptsLeft = e.AttemptsLeft, RequestPath = path };
        }
        if (e.RejectedHash is not null && (e.HoldUntil is null || e.HoldUntil > now) &&
            CryptographicOperations.FixedTimeEquals(e.RejectedHash, Hash(credentials)))
        {
            throw new IsapiException(IsapiErrorKind.Unauthorized,
                $"{path}: the device already rejected this password for '{credentials.UserName}'; supply another credential.")
            { FailedFast = true, AttemptsLeft = e.AttemptsLeft, RequestPath = path };
        }
    }

    /// <summary>Records a 401 for this credential with what the device said about the lock.</summary>
    internal void RecordRejected(IsapiEndpoint endpoint, IsapiCredentials credentials, int? attemptsLeft, TimeSpan? lockedFor, TimeSpan? hold)
    {
        var now = _time.GetUtcNow();
        var entry = new Entry(Hash(credentials), attemptsLeft, lockedFor is { } l ? now + l : null, now, hold is { } h ? now + h : null);
        _entries[Key(endpoint, credentials.UserName)] = entry;
    }

    /// <summary>Records a lock reported without a credential failure of ours (e.g. in a ResponseStatus).</summary>
    internal void RecordLocked(IsapiEndpoint endpoint, string userName, int? attemptsLeft, TimeSpan lockedFor)
    {
        var now = _time.GetUtcNow();
        _entries.AddOrUpdate(Key(endpoint, userName),
            _ => new Entry(null, attemptsLeft, now + lockedFor, now, null),
            (_, e) => e with { AttemptsLeft = attemptsLeft, LockedUntil = now + lockedFor });
    }

    /// <summary>A successful authenticated answer: the credential works, forget failures.</summary>
    internal void RecordSuccess(IsapiEndpoint endpoint, string userName)
    {
        if (!_entries.IsEmpty) _entries.TryRemove(Key(endpoint, userName), out _);
    }

    private static string Key(IsapiEndpoint endpoint, string userName) => endpoint.Key + "|" + userName;

    private byte[] Hash(IsapiCredentials c) => HMACSHA256.HashData(_hmacKey, Encoding.UTF8.GetBytes(c.UserName + "\0" + c.Password));
}
