using HikFleet.Core.Audit;
using HikFleet.Core.Common;
using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Health;
using HikFleet.Core.Operations;
using HikFleet.Core.Security;
using HikFleet.Isapi.Models;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace HikFleet.Core.Firmware;

/// <summary>What the person uploading says about an image; anything left empty is read from the file when it can be.</summary>
public sealed record FirmwareUpload(Guid TenantId, string FileName, string? Version = null, string? Build = null, string? Platform = null,
    IReadOnlyList<string>? Models = null, string? Notes = null);

/// <summary>A library entry as lists show it.</summary>
public sealed record FirmwareImageInfo(Guid Id, Guid TenantId, string TenantName, string FileName, long Size, string Sha256, string Version, string? Build,
    string? Platform, IReadOnlyList<string> Models, string? Notes, string UploadedByName, DateTimeOffset UploadedAt)
{
    public string Display => Build is null ? Version : $"{Version} {Build}";
}

/// <summary>One line of the fleet's firmware view: how many cameras of a model run a version, and whether that is outdated or vulnerable.</summary>
public sealed record FleetFirmwareRow(string Model, string Firmware, int Cameras, string? Newest, bool Outdated, IReadOnlyList<string> Advisories,
    IReadOnlyList<Guid> CameraIds);

/// <summary>
/// The tenant's firmware library (issue #10): images uploaded streamed and hashed, with their version/build and the models they are for;
/// compatibility by model; the fleet's versions per model with outdated and known-vulnerable counts.
/// </summary>
public sealed class FirmwareLibrary(IDbContextFactory<FleetDbContext> contexts, FirmwareStore store, AuditLog audit)
{
    public const int MaxModels = 32;

    /// <summary>Whether <paramref name="image"/> may be installed on a camera of <paramref name="model"/>.</summary>
    public static bool IsCompatible(FirmwareImage image, string? model) => ModelPattern.AnyMatches(image.Models, model);

    /// <summary>Why <paramref name="image"/> must not go to this camera, or null. Checked before anything is sent.</summary>
    public static string? Incompatibility(FirmwareImage image, string? model) =>
        IsCompatible(image, model) ? null
            : $"The image {image.FileName} ({image.Version}) is for {string.Join(", ", image.Models)}, not for {model ?? "a camera of unknown model"}: refused before anything was sent.";

    /// <summary>Stores an uploaded image (streamed to disk, hashed) and adds it to the tenant's library. The same file twice gives the same entry.</summary>
    public async Task<ServiceResult> AddAsync(FleetScope scope, FirmwareUpload upload, Stream content, IProgress<long>? progress = null,
        CancellationToken cancellationToken = default)
    {
        if (!scope.Can(FleetPermissions.ManageSites, upload.TenantId))
        {
            var refused = ServiceResult.Forbidden("Your role may not manage this tenant's firmware.");
            await audit.RecordAsync(scope, "firmware.upload", refused, upload.TenantId, parameters: new { file = Bound(upload.FileName, 255) }, cancellationToken: cancellationToken);
            return refused;
        }

        var (file, problem) = await store.SaveAsync(content, progress, cancellationToken);
        if (file is null) return await Record(ServiceResult.Invalid("file", problem!));

        var facts = FirmwareHeader.Read(file.Start, upload.FileName);
        var version = Blank(upload.Version) ?? facts.Version;
        var build = Blank(upload.Build) ?? facts.Build;
        var platform = Blank(upload.Platform) ?? facts.Platform;
        var models = (upload.Models ?? []).Select(m => m.Trim()).Where(m => m.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        // A package built for one model names it: that is the compatibility when the person gave none.
        if (models.Count == 0 && platform is not null && platform.StartsWith("DS-", StringComparison.OrdinalIgnoreCase)) models.Add(platform);

        var errors = new Dictionary<string, string[]>();
        if (FirmwareVersion.Parse(version, build) is null)
            errors["version"] = [$"Say which version this image is (e.g. V5.7.20); it could not be read from the file ({facts.Source})."];
        if (models.Count == 0) errors["models"] = ["Say which models the image is for (exact models or patterns such as DS-2CD2*G2*)."];
        if (models.Count > MaxModels) errors["models"] = [$"At most {MaxModels} model patterns per image."];
        var modelProblems = models.Select(ModelPattern.Problem).OfType<string>().ToList();
        if (modelProblems.Count > 0) errors["models"] = [.. modelProblems];
        if (upload.Notes is { Length: > 2000 }) errors["notes"] = ["Notes have at most 2000 characters."];
        if (errors.Count > 0)
        {
            await ForgetIfUnusedAsync(file.Sha256, cancellationToken);
            return await Record(ServiceResult.Invalid(errors));
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (await db.FirmwareImages.AsNoTracking().Where(i => i.TenantId == upload.TenantId && i.Sha256 == file.Sha256).Select(i => (Guid?)i.Id)
                .FirstOrDefaultAsync(cancellationToken) is { } existing)
        {
            return ServiceResult.Ok(existing);
        }

        var image = new FirmwareImage
        {
            TenantId = upload.TenantId, FileName = Bound(Path.GetFileName(upload.FileName), 255) is { Length: > 0 } n ? n : "firmware.dav",
            Size = file.Size, Sha256 = file.Sha256, Version = version!.Trim(), Build = build?.Trim(), Platform = platform,
            Models = models, Notes = Blank(upload.Notes), UploadedByName = scope.UserName ?? "system",
        };
        try
        {
            await db.Database.CreateExecutionStrategy().ExecuteAsync(async token =>
            {
                await using var tx = await db.Database.BeginTransactionAsync(token);
                db.FirmwareImages.Add(image);
                await db.SaveChangesAsync(token);
                await audit.RecordInTransactionAsync(db, scope, "firmware.upload", ServiceResult.Ok(image.Id), image.TenantId,
                    parameters: Describe(image), cancellationToken: token);
                await tx.CommitAsync(token);
            }, cancellationToken);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // The same file uploaded twice at once: the other upload's entry is this one.
            await using var again = await contexts.CreateDbContextAsync(cancellationToken);
            return ServiceResult.Ok(await again.FirmwareImages.Where(i => i.TenantId == upload.TenantId && i.Sha256 == file.Sha256).Select(i => i.Id)
                .SingleAsync(cancellationToken));
        }

        return ServiceResult.Ok(image.Id);

        async Task<ServiceResult> Record(ServiceResult result)
        {
            await audit.RecordAsync(scope, "firmware.upload", result, upload.TenantId,
                parameters: new { file = Bound(upload.FileName, 255), version = upload.Version, models = upload.Models }, cancellationToken: cancellationToken);
            return result;
        }
    }

    /// <summary>The images of the tenants the scope sees, newest version first.</summary>
    public async Task<IReadOnlyList<FirmwareImageInfo>> ListAsync(FleetScope scope, Guid? tenantId = null, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var tenants = scope.Tenants(db).Select(t => new { t.Id, t.Name });
        var rows = await db.FirmwareImages.AsNoTracking()
            .Where(i => tenantId == null || i.TenantId == tenantId)
            .Join(tenants, i => i.TenantId, t => t.Id, (i, t) => new { Image = i, Tenant = t.Name })
            .ToListAsync(cancellationToken);
        return rows.Select(r => Info(r.Image, r.Tenant))
            .OrderByDescending(i => FirmwareVersion.Parse(i.Version, i.Build) ?? default).ThenByDescending(i => i.UploadedAt).ToList();
    }

    /// <summary>One image the scope may see (null otherwise).</summary>
    public async Task<FirmwareImage?> FindAsync(FleetScope scope, Guid imageId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var tenants = scope.Tenants(db).Select(t => t.Id);
        return await db.FirmwareImages.AsNoTracking().SingleOrDefaultAsync(i => i.Id == imageId && tenants.Contains(i.TenantId), cancellationToken);
    }

    /// <summary>Images that fit a camera (its tenant's library, its model), newest first; null when the camera is not visible to the scope.</summary>
    public async Task<IReadOnlyList<FirmwareImageInfo>?> CompatibleAsync(FleetScope scope, Guid cameraId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var camera = await scope.Cameras(db).AsNoTracking().Where(c => c.Id == cameraId)
            .Select(c => new { c.Model, c.Site!.TenantId }).SingleOrDefaultAsync(cancellationToken);
        if (camera is null) return null;
        var all = await ListAsync(scope, camera.TenantId, cancellationToken);
        return all.Where(i => ModelPattern.AnyMatches(i.Models, camera.Model)).ToList();
    }

    /// <summary>Removes an image (its file too when no other tenant uses the same file); refused while an upgrade uses it.</summary>
    public async Task<ServiceResult> DeleteAsync(FleetScope scope, Guid imageId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var tenants = scope.Tenants(db).Select(t => t.Id);
        var image = await db.FirmwareImages.SingleOrDefaultAsync(i => i.Id == imageId && tenants.Contains(i.TenantId), cancellationToken);
        if (image is null) return ServiceResult.NotFound("The image does not exist.");
        ServiceResult result;
        if (!scope.Can(FleetPermissions.ManageSites, image.TenantId))
        {
            result = ServiceResult.Forbidden("Your role may not manage this tenant's firmware.");
        }
        else if (await InUseAsync(db, image.Id, cancellationToken))
        {
            result = ServiceResult.Conflict("image", "An upgrade that is not finished uses this image; cancel it or let it finish first.");
        }
        else
        {
            result = ServiceResult.Ok(image.Id);
            await db.Database.CreateExecutionStrategy().ExecuteAsync(async token =>
            {
                await using var tx = await db.Database.BeginTransactionAsync(token);
                db.FirmwareImages.Remove(image);
                await db.SaveChangesAsync(token);
                await audit.RecordInTransactionAsync(db, scope, "firmware.delete", result, image.TenantId, parameters: Describe(image), cancellationToken: token);
                await tx.CommitAsync(token);
            }, cancellationToken);
            await ForgetIfUnusedAsync(image.Sha256, cancellationToken);
            return result;
        }

        await audit.RecordAsync(scope, "firmware.delete", result, image.TenantId, parameters: Describe(image), cancellationToken: cancellationToken);
        return result;
    }

    /// <summary>
    /// The fleet's firmware: per model and version, how many managed cameras run it, whether a newer image (library or known release)
    /// exists for the model, and which advisories (protocol reference §6) it falls under.
    /// </summary>
    public async Task<IReadOnlyList<FleetFirmwareRow>> FleetVersionsAsync(FleetScope scope, Guid? tenantId = null, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var cameras = await scope.Cameras(db).AsNoTracking()
            .Where(c => c.Lifecycle == CameraLifecycle.Managed && (tenantId == null || c.Site!.TenantId == tenantId))
            .Select(c => new { c.Id, c.Model, c.FirmwareVersion, c.FirmwareBuild })
            .ToListAsync(cancellationToken);
        var tenants = scope.Tenants(db).Select(t => t.Id);
        var known = (await db.FirmwareImages.AsNoTracking().Where(i => tenants.Contains(i.TenantId) && (tenantId == null || i.TenantId == tenantId))
                .Select(i => new { i.Models, i.Version, i.Build }).ToListAsync(cancellationToken))
            .SelectMany(i => i.Models.Select(m => (Pattern: m, i.Version, i.Build)))
            .Concat((await db.FirmwareReleases.AsNoTracking().ToListAsync(cancellationToken)).Select(r => (Pattern: r.Model, r.Version, r.Build)))
            .Select(k => (k.Pattern, Version: FirmwareVersion.Parse(k.Version, k.Build)))
            .Where(k => k.Version is not null)
            .ToList();

        return cameras
            .GroupBy(c => (Model: c.Model ?? "unknown model", Version: c.FirmwareVersion, Build: c.FirmwareBuild))
            .Select(g =>
            {
                var fw = FirmwareVersion.Parse(g.Key.Version, g.Key.Build);
                var newest = known.Where(k => ModelPattern.Matches(k.Pattern, g.Key.Model)).Select(k => k.Version!.Value)
                    .DefaultIfEmpty().Max();
                var hasNewest = newest != default;
                var advisories = FirmwareAdvisories.Match(g.Key.Model, fw).Select(a => a.Cve).Distinct().ToList();
                return new FleetFirmwareRow(g.Key.Model, fw?.ToString() ?? (g.Key.Version ?? "unknown"), g.Count(),
                    hasNewest ? newest.ToString() : null, hasNewest && fw is { } v && v < newest, advisories, g.Select(c => c.Id).ToList());
            })
            .OrderBy(r => r.Model, StringComparer.OrdinalIgnoreCase).ThenBy(r => r.Firmware, StringComparer.Ordinal)
            .ToList();
    }

    internal static async Task<bool> InUseAsync(FleetDbContext db, Guid imageId, CancellationToken ct)
    {
        var parameters = await db.Operations.AsNoTracking().Where(OperationStates.Active).Where(o => o.Kind == OperationKind.FirmwareUpgrade)
            .Select(o => o.Parameters).ToListAsync(ct);
        return parameters.Any(p => OperationParameters.FromJson(p).FirmwareImageId == imageId);
    }

    private async Task ForgetIfUnusedAsync(string sha256, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (!await db.FirmwareImages.AnyAsync(i => i.Sha256 == sha256, ct)) store.Delete(sha256);
    }

    private static FirmwareImageInfo Info(FirmwareImage i, string tenant) =>
        new(i.Id, i.TenantId, tenant, i.FileName, i.Size, i.Sha256, i.Version, i.Build, i.Platform, i.Models, i.Notes, i.UploadedByName, i.UploadedAt);

    private static object Describe(FirmwareImage i) =>
        new { image = i.Id, file = i.FileName, size = i.Size, sha256 = i.Sha256, version = i.Version, build = i.Build, models = i.Models };

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private static string Bound(string? s, int max) => s is null ? "" : s.Length <= max ? s : s[..max];
}
