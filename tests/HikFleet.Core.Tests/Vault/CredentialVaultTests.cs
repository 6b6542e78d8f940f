using System.Text;
using HikFleet.Core.Audit;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Security;
using HikFleet.Core.Vault;
using HikFleet.Testing;
using Microsoft.EntityFrameworkCore;

namespace HikFleet.Core.Tests.Vault;

/// <summary>The credential vault on real PostgreSQL: sealing, history, fail-closed opening, key rotation and audited reveal.</summary>
public sealed class CredentialVaultTests : IAsyncLifetime
{
    private readonly MigratedDatabase _database = new();
    private readonly VaultKeyRing _keys = VaultKeyRing.CreateNew(out _);
    private CredentialVault _vault = null!;
    private Camera _camera = null!;
    private Site _site = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await _database.InitializeAsync();
        _vault = NewVault(_keys);
        await using var db = _database.CreateContext();
        _site = await TestFleet.CreateSiteAsync(db);
        _camera = TestFleet.NewCamera(_site.Id);
        db.Cameras.Add(_camera);
        await db.SaveChangesAsync(Ct);
    }

    public ValueTask DisposeAsync() => _database.DisposeAsync();

    private CredentialVault NewVault(VaultKeyRing keys) =>
        new(keys, _database.ContextFactory, new AuditLog(_database.ContextFactory, TimeProvider.System), TimeProvider.System);

    private async Task StoreAsync(CredentialVault vault, string password)
    {
        await using var db = _database.CreateContext();
        await vault.StoreForCameraAsync(db, _camera.Id, "admin", password, "test", Ct);
        await db.SaveChangesAsync(Ct);
    }

    [Fact]
    public async Task RoundTrip_StoresCiphertextOnly_AndOpensTheCurrentPassword()
    {
        await StoreAsync(_vault, "Fleet-Pass1!");
        await using var db = _database.CreateContext();
        var secret = await _vault.GetForCameraAsync(db, _camera.Id, Ct);
        Assert.NotNull(secret);
        Assert.Equal("admin", secret.UserName);
        Assert.Equal("Fleet-Pass1!", secret.Password);
        Assert.DoesNotContain("Fleet-Pass1!", secret.ToString(), StringComparison.Ordinal);

        var row = await db.DeviceCredentials.SingleAsync(c => c.CameraId == _camera.Id, Ct);
        Assert.Equal(_keys.CurrentId, row.KeyId);
        Assert.DoesNotContain("Fleet-Pass1!", Encoding.UTF8.GetString(row.Secret), StringComparison.Ordinal);
        // The same password sealed twice looks different (fresh nonce).
        await StoreAsync(_vault, "Fleet-Pass1!");
        var rows = await db.DeviceCredentials.AsNoTracking().Where(c => c.CameraId == _camera.Id).ToListAsync(Ct);
        Assert.NotEqual(Convert.ToBase64String(rows[0].Secret), Convert.ToBase64String(rows[1].Secret));
    }

    [Fact]
    public async Task KeepsTheCurrentPasswordPlusTheLastFive()
    {
        for (var i = 1; i <= 8; i++) await StoreAsync(_vault, $"Fleet-Pass{i}!");
        await using var db = _database.CreateContext();
        var rows = await db.DeviceCredentials.AsNoTracking().Where(c => c.CameraId == _camera.Id).OrderBy(c => c.CreatedAt).ToListAsync(Ct);
        Assert.Equal(1 + CredentialVault.HistoryDepth, rows.Count);
        Assert.Single(rows, r => r.SupersededAt is null);
        Assert.Equal(["Fleet-Pass3!", "Fleet-Pass4!", "Fleet-Pass5!", "Fleet-Pass6!", "Fleet-Pass7!", "Fleet-Pass8!"],
            rows.Select(r => _vault.Open(r).Password));
        Assert.Equal("Fleet-Pass8!", (await _vault.GetForCameraAsync(db, _camera.Id, Ct))!.Password);
    }

    [Fact]
    public async Task WrongKey_FailsClosed_WithoutTheSecretInTheMessage()
    {
        await StoreAsync(_vault, "Fleet-Pass1!");
        // Same key id, different key material: authentication fails, nothing is returned.
        var impostor = VaultKeyRing.Parse($"{_keys.CurrentId}:{Convert.ToBase64String(new byte[32])}");
        await using var db = _database.CreateContext();
        var ex = await Assert.ThrowsAsync<VaultException>(() => NewVault(impostor).GetForCameraAsync(db, _camera.Id, Ct));
        Assert.Contains("cannot be opened", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Fleet-Pass1!", ex.ToString(), StringComparison.Ordinal);

        // A key ring without that id at all.
        var other = VaultKeyRing.CreateNew(out _);
        var missing = await Assert.ThrowsAsync<VaultException>(() => NewVault(other).GetForCameraAsync(db, _camera.Id, Ct));
        Assert.Contains("not configured", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASecretCopiedOntoAnotherCamera_DoesNotOpen()
    {
        await StoreAsync(_vault, "Fleet-Pass1!");
        await using var db = _database.CreateContext();
        var other = TestFleet.NewCamera(_site.Id);
        db.Cameras.Add(other);
        var row = await db.DeviceCredentials.AsNoTracking().SingleAsync(c => c.CameraId == _camera.Id, Ct);
        db.DeviceCredentials.Add(new DeviceCredential { CameraId = other.Id, UserName = "admin", Secret = row.Secret, KeyId = row.KeyId });
        await db.SaveChangesAsync(Ct);
        await Assert.ThrowsAsync<VaultException>(() => _vault.GetForCameraAsync(db, other.Id, Ct));
    }

    [Fact]
    public async Task KeyRotation_ReSealsUnderTheNewKey_AndTheOldKeyCanThenBeDropped()
    {
        await StoreAsync(_vault, "Fleet-Pass1!");
        var oldLine = $"{_keys.CurrentId}:{Convert.ToBase64String(_keys.Current)}";
        var rotated = VaultKeyRing.Parse(oldLine + ";" + VaultKeyRing.NewKeyLine());
        Assert.Equal(1, await NewVault(rotated).ResealAllAsync(Ct));

        var newOnly = VaultKeyRing.Parse(VaultKeyRingText(rotated));
        await using var db = _database.CreateContext();
        Assert.Equal("Fleet-Pass1!", (await NewVault(newOnly).GetForCameraAsync(db, _camera.Id, Ct))!.Password);
        Assert.Equal(rotated.CurrentId, (await db.DeviceCredentials.SingleAsync(c => c.CameraId == _camera.Id, Ct)).KeyId);
    }

    private static string VaultKeyRingText(VaultKeyRing ring) => $"{ring.CurrentId}:{Convert.ToBase64String(ring.Current)}";

    [Fact]
    public void KeyFile_IsCreatedOnFirstUse_OwnerOnly_AndReadBackIdentically()
    {
        var dir = Directory.CreateTempSubdirectory("hikfleet-vault-");
        try
        {
            var options = new VaultOptions { KeyFile = Path.Combine(dir.FullName, "sub", "vault.key") };
            var first = VaultKeyRing.Load(options);
            var second = VaultKeyRing.Load(options);
            Assert.Equal(first.CurrentId, second.CurrentId);
            Assert.Equal(first.Current, second.Current);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(options.KeyFile));
            }
            Assert.Throws<VaultException>(() => VaultKeyRing.Load(new VaultOptions()));
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Fact]
    public async Task Reveal_IsForAdministratorsOnly_AndAlwaysAudited_WithoutThePassword()
    {
        await StoreAsync(_vault, "Reveal-Me-42!");
        var operatorScope = FleetScope.ForUser(Guid.CreateVersion7(), "op", FleetRoles.Operator,
            [new TenantMembership { TenantId = _site.TenantId }]);
        var (refused, none) = await _vault.RevealAsync(operatorScope, _camera.Id, "curious", Ct);
        Assert.Equal(Core.Common.ResultKind.Forbidden, refused.Kind);
        Assert.Null(none);

        var admin = FleetScope.ForUser(Guid.CreateVersion7(), "root", FleetRoles.Administrator, []);
        var (noReason, _) = await _vault.RevealAsync(admin, _camera.Id, "  ", Ct);
        Assert.Equal(Core.Common.ResultKind.Invalid, noReason.Kind);

        var (ok, secret) = await _vault.RevealAsync(admin, _camera.Id, "site visit, NVR re-add", Ct);
        Assert.True(ok.Succeeded);
        Assert.Equal("Reveal-Me-42!", secret!.Password);

        await using var db = _database.CreateContext();
        var entries = await db.AuditEntries.AsNoTracking().Where(e => e.Action == "credential.reveal").OrderBy(e => e.Id).ToListAsync(Ct);
        Assert.Equal(2, entries.Count);
        Assert.Equal(AuditResult.Refused, entries[0].Result);
        Assert.Equal(AuditResult.Succeeded, entries[1].Result);
        Assert.Equal(_camera.Id, entries[1].CameraId);
        Assert.All(entries, e => Assert.DoesNotContain("Reveal-Me-42!", e.Parameters ?? "", StringComparison.Ordinal));
        Assert.Contains("site visit", entries[1].Parameters, StringComparison.Ordinal);
    }
}
