using System.Security.Cryptography;
using System.Text;
using HikFleet.Core.Audit;
using HikFleet.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace HikFleet.Core.Security;

/// <summary>Issues, checks and revokes API bearer tokens. The token itself is never stored, only its SHA-256.</summary>
public sealed class ApiTokenService(IDbContextFactory<FleetDbContext> contexts, TimeProvider time, AuditLog audit)
{
    public const string TokenPrefix = "hfk_";
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromDays(90);
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(366);

    /// <summary>Creates a token for a user; the returned secret is shown once and cannot be recovered.</summary>
    public async Task<(ApiToken Token, string Secret)> CreateAsync(
        Guid userId, string name, TimeSpan? lifetime = null, CancellationToken cancellationToken = default)
    {
        name = name.Trim();
        if (name.Length is 0 or > 100)
        {
            throw new ArgumentException("A token needs a name of 1 to 100 characters.", nameof(name));
        }

        var life = lifetime ?? DefaultLifetime;
        if (life <= TimeSpan.Zero || life > MaxLifetime)
        {
            throw new ArgumentOutOfRangeException(nameof(lifetime), $"A token lives between a minute and {MaxLifetime.TotalDays} days.");
        }

        var secret = TokenPrefix + Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        var now = time.GetUtcNow();
        var token = new ApiToken
        {
            UserId = userId,
            Name = name,
            Prefix = secret[..12],
            Hash = Hash(secret),
            CreatedAt = now,
            ExpiresAt = now + life,
        };

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var userName = await db.Users.Where(u => u.Id == userId).Select(u => u.UserName).SingleOrDefaultAsync(cancellationToken)
            ?? throw new InvalidOperationException("No such user.");

        db.ApiTokens.Add(token);
        await db.SaveChangesAsync(cancellationToken);
        // The prefix identifies the token in the trail; the secret itself never leaves this method except to its owner.
        // (Keys avoid the word "token": the redactor masks any value under such a key.)
        await audit.AppendAsync(new AuditRecord
        {
            Actor = AuditActor.User(userId, userName),
            Action = "token.create",
            Result = AuditResult.Succeeded,
            Parameters = new { id = token.Id, label = name, prefix = token.Prefix, expiresAt = token.ExpiresAt },
        }, cancellationToken);
        return (token, secret);
    }

    /// <summary>The user a presented token belongs to, or null when it is unknown, revoked or expired.</summary>
    public async Task<Guid?> ValidateAsync(string presented, CancellationToken cancellationToken = default)
    {
        if (!presented.StartsWith(TokenPrefix, StringComparison.Ordinal) || presented.Length > 100)
        {
            return null;
        }

        var hash = Hash(presented);
        var now = time.GetUtcNow();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var token = await db.ApiTokens.SingleOrDefaultAsync(t => t.Hash == hash, cancellationToken);
        if (token is null || !token.IsActive(now))
        {
            return null;
        }

        // Recording every use would write on every request; once a minute is enough to tell stale tokens apart.
        if (token.LastUsedAt is null || now - token.LastUsedAt > TimeSpan.FromMinutes(1))
        {
            token.LastUsedAt = now;
            await db.SaveChangesAsync(cancellationToken);
        }

        return token.UserId;
    }

    /// <summary>Revokes one of a user's tokens (or any token, for an administrator). False when there is no such token.</summary>
    public async Task<bool> RevokeAsync(FleetScope scope, Guid tokenId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var token = await db.ApiTokens.SingleOrDefaultAsync(
            t => t.Id == tokenId && (scope.IsAdministrator || t.UserId == scope.UserId), cancellationToken);
        if (token is null)
        {
            return false;
        }

        token.RevokedAt ??= time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        await audit.AppendAsync(new AuditRecord
        {
            Actor = scope.ToAuditActor(),
            Action = "token.revoke",
            Result = AuditResult.Succeeded,
            Parameters = new { id = token.Id, ownerId = token.UserId, prefix = token.Prefix },
        }, cancellationToken);
        return true;
    }

    public async Task<List<ApiToken>> ListAsync(Guid userId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.ApiTokens.AsNoTracking().Where(t => t.UserId == userId).OrderByDescending(t => t.CreatedAt).ToListAsync(cancellationToken);
    }

    private static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
