using System.Net;
using System.Security.Cryptography;
using System.Text;
using HikFleet.Core.Audit;
using HikFleet.Core.Common;
using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Devices;
using HikFleet.Core.Discovery;
using HikFleet.Core.Security;
using HikFleet.Core.Vault;
using HikFleet.Isapi;
using HikFleet.Isapi.Models;
using HikFleet.Isapi.Security;
using HikFleet.Sadp;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace HikFleet.Core.Adoption;

/// <summary>Adopt discovered cameras: one or many, each with its own result.</summary>
/// <param name="CameraIds">Discovered cameras (at most <see cref="AdoptionService.MaxBulk"/>).</param>
/// <param name="SiteId">The site to adopt them into (same tenant); null = the site that discovered each.</param>
/// <param name="UserName">Device user; null = the target site's default user name.</param>
/// <param name="Password">The device password to verify (activated devices); null = the camera's vault credential, else the site default.</param>
public sealed record AdoptRequest(IReadOnlyList<Guid> CameraIds, Guid? SiteId = null, string? UserName = null, string? Password = null)
{
    public override string ToString() => $"AdoptRequest {{ Cameras = {CameraIds.Count}, SiteId = {SiteId}, UserName = {UserName} }}";
}

/// <summary>What happened to one camera of an adoption.</summary>
public sealed record AdoptionResult(Guid CameraId, ResultKind Kind, string Message)
{
    public bool Adopted => Kind == ResultKind.Ok;
}

/// <summary>A camera to add by its address (it is logged in to once, with the credential given).</summary>
public sealed class AddCameraInput
{
    public Guid SiteId { get; set; }
    public string Address { get; set; } = "";
    public int? Port { get; set; }
    public bool Https { get; set; }
    public string? UserName { get; set; }
    public string? Password { get; set; }
    public string? Name { get; set; }

    public override string ToString() => $"AddCameraInput {{ SiteId = {SiteId}, Address = {Address}, Port = {Port}, Https = {Https}, UserName = {UserName} }}";
}

/// <summary>
/// Adoption: an operator takes discovered devices into a site. Credentials are verified with ONE careful attempt (userCheck through
/// <see cref="DeviceAccess"/>: a credential the device rejected is never sent again on its own, protocol reference §1.5); an inactive
/// device gets a generated strong password that is committed to the vault BEFORE it is sent to the device (a crash after activation
/// must not lose it), activated over ISAPI (§3.2) or, when its address is not reachable, over SADP by MAC (§3.3), then verified.
/// Every camera's outcome is audited; passwords never reach the audit trail or a log.
/// </summary>
public sealed class AdoptionService(
    IDbContextFactory<FleetDbContext> contexts,
    CredentialVault vault,
    VaultKeyRing keys,
    DeviceAccess access,
    IIsapiClientFactory isapi,
    SiteSadpClients sadp,
    AuditLog audit,
    FleetChangeFeed feed,
    TimeProvider time,
    ILogger<AdoptionService> logger)
{
    public const int MaxBulk = 500;

    /// <summary>Adopts each camera of the request in turn; one camera's failure does not stop the others.</summary>
    public async Task<IReadOnlyList<AdoptionResult>> AdoptAsync(FleetScope scope, AdoptRequest request, CancellationToken cancellationToken = default)
    {
        if (request.CameraIds.Count is 0 or > MaxBulk)
        {
            return [new AdoptionResult(Guid.Empty, ResultKind.Invalid, $"Adopt 1 to {MaxBulk} cameras at a time.")];
        }

        if (request.Password is { Length: > CredentialVault.MaxPasswordLength } || request.UserName is { Length: > 32 })
        {
            return [new AdoptionResult(Guid.Empty, ResultKind.Invalid, "The user name or password is too long for a device.")];
        }

        var results = new List<AdoptionResult>();
        foreach (var id in request.CameraIds.Distinct())
        {
            results.Add(await AdoptOneAsync(scope, id, request, cancellationToken));
        }

        return results;
    }

    private async Task<AdoptionResult> AdoptOneAsync(FleetScope scope, Guid cameraId, AdoptRequest request, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var camera = await scope.Cameras(db).Include(c => c.Site).SingleOrDefaultAsync(c => c.Id == cameraId, ct);
        if (camera is null) return new AdoptionResult(cameraId, ResultKind.NotFound, "The camera does not exist.");

        var target = camera.Site!;
        string? mode = null;
        string? user = null;
        AdoptionResult result;
        if (!scope.Can(FleetPermissions.Operate, camera.Site!.TenantId, camera.SiteId))
        {
            result = new(cameraId, ResultKind.Forbidden, "Your role may not adopt cameras.");
        }
        else if (request.SiteId is { } siteId && siteId != camera.SiteId
                 && await scope.Sites(db).SingleOrDefaultAsync(s => s.Id == siteId, ct) is not { } chosen)
        {
            result = new(cameraId, ResultKind.NotFound, "The site to adopt into does not exist.");
        }
        else
        {
            if (request.SiteId is { } wanted && wanted != camera.SiteId) target = await db.Sites.SingleAsync(s => s.Id == wanted, ct);
            if (target.TenantId != camera.Site.TenantId)
            {
                result = new(cameraId, ResultKind.Invalid, "A camera is adopted only into a site of its own tenant.");
            }
            else if (!scope.Can(FleetPermissions.Operate, target.TenantId, target.Id))
            {
                result = new(cameraId, ResultKind.Forbidden, "Your role may not adopt cameras into that site.");
            }
            else if (camera.Lifecycle != CameraLifecycle.Discovered)
            {
                result = new(cameraId, ResultKind.Conflict, $"Only discovered cameras are adopted; this one is {camera.Lifecycle}.");
            }
            else if (camera.Address is null)
            {
                result = new(cameraId, ResultKind.Invalid, "The camera has no known address; scan the site again.");
            }
            else
            {
                (result, mode, user) = await AdoptDiscoveredAsync(db, scope, camera, target, request, ct);
            }
        }

        var serviceResult = result.Kind == ResultKind.Ok ? ServiceResult.Ok(cameraId)
            : new ServiceResult(result.Kind, null, new Dictionary<string, string[]> { [""] = [result.Message] });
        await audit.RecordAsync(scope, "camera.adopt", serviceResult, camera.Site.TenantId, target.Id, camera.Id,
            new { serial = camera.SerialNumber, mac = camera.MacAddress, mode, user }, ct);
        if (result.Adopted) feed.Publish(new FleetChange("inventory", target.TenantId, target.Id, camera.Id));
        return result;
    }

    private async Task<(AdoptionResult, string?, string?)> AdoptDiscoveredAsync(FleetDbContext db, FleetScope scope, Camera camera, Site target,
        AdoptRequest request, CancellationToken ct)
    {
        var activated = camera.Activated;
        if (activated is null)
        {
            using var anonymous = isapi.Create(DeviceAccess.EndpointOf(camera), null);
            try
            {
                activated = (await anonymous.GetActivationStatusAsync(ct)).Activated;
            }
            catch (IsapiException ex)
            {
                // Unknown activation and no answer: the credential path decides (an inactive device answers notActivated).
                logger.LogInformation("Adoption: activation status of camera {CameraId} unknown ({Kind})", camera.Id, ex.Kind);
            }
        }

        if (activated == false)
        {
            return (await ActivateAndAdoptAsync(db, scope, camera, target, ct), "activated", "admin");
        }

        var (secret, source) = await ChooseCredentialAsync(db, camera, target, request, ct);
        if (secret is null)
        {
            return (new AdoptionResult(camera.Id, ResultKind.Invalid,
                "Enter the device password: the site has no default credential and the vault holds none for this camera."), "verify", null);
        }

        return (await VerifyAndAdoptAsync(db, scope, camera, target, secret, storeSecret: source != "vault", ct), "verify:" + source, secret.UserName);
    }

    private async Task<(DeviceSecret? Secret, string Source)> ChooseCredentialAsync(FleetDbContext db, Camera camera, Site target, AdoptRequest request,
        CancellationToken ct)
    {
        if (!string.IsNullOrEmpty(request.Password))
        {
            var user = string.IsNullOrWhiteSpace(request.UserName) ? target.DefaultUserName : request.UserName.Trim();
            return (new DeviceSecret(AttemptId(camera.Id, user, request.Password), user, request.Password), "given");
        }

        if (await vault.GetForCameraAsync(db, camera.Id, ct) is { } own) return (own, "vault");
        return (await vault.GetForSiteAsync(db, target.Id, ct), "site-default");
    }

    /// <summary>
    /// Verifies a credential with one userCheck (never a second password on its own), then reads deviceInfo and adopts.
    /// </summary>
    private async Task<AdoptionResult> VerifyAndAdoptAsync(FleetDbContext db, FleetScope scope, Camera camera, Site target, DeviceSecret secret,
        bool storeSecret, CancellationToken ct)
    {
        var decision = access.Decide(camera, secret);
        if (!decision.Allowed)
        {
            return new AdoptionResult(camera.Id, ResultKind.Conflict, $"Not adopted, nothing sent to the device: {decision.Reason}");
        }

        UserCheck check;
        DeviceInfo info;
        using (var client = access.CreateClient(camera, secret))
        {
            try
            {
                check = await client.CheckUserAsync(ct);
                info = await client.GetDeviceInfoAsync(ct);
                DeviceAccess.RecordSuccess(camera);
            }
            catch (IsapiException ex)
            {
                var auth = access.RecordFailure(camera, secret, ex);
                camera.UpdatedAt = time.GetUtcNow();
                await db.SaveChangesAsync(ct);
                return new AdoptionResult(camera.Id, auth ? ResultKind.Invalid : ResultKind.Conflict, "Not adopted: " + Explain(ex));
            }
        }

        var mismatch = IdentityMismatch(camera, info);
        if (mismatch is not null)
        {
            await db.SaveChangesAsync(ct);
            return new AdoptionResult(camera.Id, ResultKind.Conflict, $"Not adopted: {mismatch} Scan the site again.");
        }

        if (storeSecret) await vault.StoreForCameraAsync(db, camera.Id, secret.UserName, secret.Password, scope.UserName ?? "system", ct);
        MarkAdopted(db, camera, target, info, "Adopted with a verified credential.");
        await db.SaveChangesAsync(ct);
        var weak = check.IsDefaultPassword == true || check.IsRiskPassword == true ? " The device flags its password as weak: change it." : "";
        return new AdoptionResult(camera.Id, ResultKind.Ok, "Adopted." + weak);
    }

    private async Task<AdoptionResult> ActivateAndAdoptAsync(FleetDbContext db, FleetScope scope, Camera camera, Site target, CancellationToken ct)
    {
        // The password is in the vault, committed, before the device ever sees it: if HikFleet dies right after activation,
        // the device's only password is not lost.
        var password = PasswordRules.Generate(14);
        var credential = await vault.StoreForCameraAsync(db, camera.Id, "admin", password, $"activation by {scope.UserName ?? "system"}", ct);
        camera.UpdatedAt = time.GetUtcNow();
        await db.SaveChangesAsync(ct);

        string via;
        using (var anonymous = isapi.Create(DeviceAccess.EndpointOf(camera), null))
        {
            try
            {
                await anonymous.ActivateAsync(password, ct);
                via = "ISAPI";
            }
            catch (IsapiException ex) when (ex.Kind is IsapiErrorKind.Unreachable or IsapiErrorKind.Timeout)
            {
                // Its address is not reachable over IP (a stale address, a factory address outside our subnets): SADP reaches it by
                // MAC (§3.3), and its answer tells where the device really is.
                var client = sadp.ForSite(target);
                var seen = await client.FindAsync(camera.MacAddress, ct);
                var outcome = await client.ActivateAsync(camera.MacAddress, password, ct);
                if (!outcome.IsSuccess)
                {
                    if (outcome.Status is SadpCommandStatus.AlreadyActivated or SadpCommandStatus.RiskyPassword) await ForgetAsync(db, credential, ct);
                    return new AdoptionResult(camera.Id, ResultKind.Conflict,
                        $"Not adopted: neither ISAPI ({ex.Kind}) nor SADP activation worked (SADP: {outcome.Status}).");
                }

                if (seen is not null && !Equals(seen.Address, camera.Address))
                {
                    AddEvent(db, camera, CameraEventKinds.Moved, $"{camera.Address} → {seen.Address} (SADP answer during activation)");
                    camera.Address = seen.Address;
                    if (seen.Message.HttpPort is > 0 and <= 65535 && !camera.UseHttps) camera.HttpPort = seen.Message.HttpPort.Value;
                }

                via = "SADP";
            }
            catch (IsapiException ex) when (ex.SubStatusCode is "hasActivated" || ex.Kind == IsapiErrorKind.BadRequest)
            {
                // The device refused: it does not hold our password, so the vault must not claim it does.
                await ForgetAsync(db, credential, ct);
                return new AdoptionResult(camera.Id, ResultKind.Conflict, ex.SubStatusCode is "hasActivated"
                    ? "Not adopted: the device was activated meanwhile by someone else; adopt it with its password."
                    : $"Not adopted: the device refused the activation ({ex.SubStatusCode ?? ex.Kind.ToString()}).");
            }
            catch (IsapiException ex)
            {
                return new AdoptionResult(camera.Id, ResultKind.Conflict,
                    $"Not adopted: activation did not complete ({ex.Kind}); the generated password is kept in the vault in case the device took it.");
            }
        }

        camera.Activated = true;
        AddEvent(db, camera, CameraEventKinds.CredentialChanged, $"Activated over {via} with a generated password (kept in the vault).");
        await db.SaveChangesAsync(ct);
        var secret = vault.Open(credential);
        var verified = await VerifyAndAdoptAsync(db, scope, camera, target, secret, storeSecret: false, ct);
        return verified.Adopted
            ? verified with { Message = $"Activated over {via} and adopted." }
            : verified with { Message = $"Activated over {via}, but verification failed: {verified.Message}" };
    }

    private static async Task ForgetAsync(FleetDbContext db, DeviceCredential credential, CancellationToken ct)
    {
        db.DeviceCredentials.Remove(credential);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Marks a camera ignored: someone else's device on the LAN; discovery leaves it alone from now on.</summary>
    public async Task<ServiceResult> IgnoreAsync(FleetScope scope, Guid cameraId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var camera = await scope.Cameras(db).Include(c => c.Site).SingleOrDefaultAsync(c => c.Id == cameraId, cancellationToken);
        if (camera is null) return ServiceResult.NotFound("The camera does not exist.");
        ServiceResult result;
        if (!scope.Can(FleetPermissions.Operate, camera.Site!.TenantId, camera.SiteId))
        {
            result = ServiceResult.Forbidden("Your role may not change cameras.");
        }
        else if (camera.Lifecycle is not (CameraLifecycle.Discovered or CameraLifecycle.Ignored))
        {
            result = ServiceResult.Conflict("", $"Only discovered cameras are ignored; this one is {camera.Lifecycle} (retire it instead).");
        }
        else
        {
            camera.Lifecycle = CameraLifecycle.Ignored;
            camera.UpdatedAt = time.GetUtcNow();
            await db.SaveChangesAsync(cancellationToken);
            result = ServiceResult.Ok(camera.Id);
            feed.Publish(new FleetChange("inventory", camera.Site.TenantId, camera.SiteId, camera.Id));
        }

        await audit.RecordAsync(scope, "camera.ignore", result, camera.Site.TenantId, camera.SiteId, camera.Id,
            new { serial = camera.SerialNumber, mac = camera.MacAddress }, cancellationToken);
        return result;
    }

    /// <summary>
    /// Adds a camera by its address: reads deviceInfo with the credential given (one attempt) and creates a managed camera whose
    /// password goes to the vault. A serial or MAC already in the inventory is a conflict naming the existing camera.
    /// </summary>
    public async Task<ServiceResult> AddByAddressAsync(FleetScope scope, AddCameraInput input, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var site = await scope.Sites(db).AsNoTracking().SingleOrDefaultAsync(s => s.Id == input.SiteId, cancellationToken);
        if (site is null) return ServiceResult.Invalid(nameof(AddCameraInput.SiteId), "No such site.");
        var (result, mac, serial) = await AddCoreAsync(db, scope, site, input, cancellationToken);
        await audit.RecordAsync(scope, "camera.add", result, site.TenantId, site.Id, result.Id,
            new { address = input.Address, port = input.Port, https = input.Https, user = input.UserName, serial, mac }, cancellationToken);
        if (result.Succeeded) feed.Publish(new FleetChange("inventory", site.TenantId, site.Id, result.Id));
        return result;
    }

    /// <summary>Adds a camera by its address (see <see cref="AddByAddressAsync(FleetScope, AddCameraInput, CancellationToken)"/>).</summary>
    public Task<ServiceResult> AddByAddressAsync(FleetScope scope, Guid siteId, string address, int? port, bool https, string? userName,
        string password, CancellationToken cancellationToken = default) =>
        AddByAddressAsync(scope, new AddCameraInput
        {
            SiteId = siteId, Address = address, Port = port, Https = https, UserName = userName, Password = password,
        }, cancellationToken);

    private async Task<(ServiceResult, string?, string?)> AddCoreAsync(FleetDbContext db, FleetScope scope, Site site, AddCameraInput input,
        CancellationToken ct)
    {
        if (!scope.Can(FleetPermissions.Operate, site.TenantId, site.Id)) return (ServiceResult.Forbidden("Your role may not add cameras."), null, null);

        var errors = new Dictionary<string, string[]>();
        if (!IPAddress.TryParse(input.Address?.Trim(), out var address)) errors[nameof(AddCameraInput.Address)] = ["Enter the camera's IP address."];
        var port = input.Port ?? (input.Https ? 443 : 80);
        if (port is < 1 or > 65535) errors[nameof(AddCameraInput.Port)] = ["A port is 1 to 65535."];
        var user = string.IsNullOrWhiteSpace(input.UserName) ? site.DefaultUserName : input.UserName.Trim();
        if (user.Length > 32) errors[nameof(AddCameraInput.UserName)] = ["A device user name has at most 32 characters."];
        if (string.IsNullOrEmpty(input.Password) || input.Password.Length > CredentialVault.MaxPasswordLength)
        {
            errors[nameof(AddCameraInput.Password)] = ["Enter the device password."];
        }

        if (input.Name is { Length: > 128 }) errors[nameof(AddCameraInput.Name)] = ["A camera name has at most 128 characters."];
        if (errors.Count > 0) return (ServiceResult.Invalid(errors), null, null);

        DeviceInfo info;
        string? pin;
        using (var client = isapi.Create(new IsapiEndpoint(address!.ToString(), port, input.Https), new IsapiCredentials(user, input.Password!)))
        {
            try
            {
                info = await client.GetDeviceInfoAsync(ct);
                pin = client.ObservedCertificateSha256;
            }
            catch (IsapiException ex)
            {
                var field = ex.Kind is IsapiErrorKind.Unauthorized or IsapiErrorKind.LockedOut ? nameof(AddCameraInput.Password) : nameof(AddCameraInput.Address);
                return (ServiceResult.Invalid(field, Explain(ex)), null, null);
            }
        }

        if (!MacAddresses.TryNormalize(info.MacAddress, out var mac) || DeviceObservation.Clean(info.SerialNumber, 64) is not { } serial)
        {
            return (ServiceResult.Invalid(nameof(AddCameraInput.Address), "The device did not report a serial number and MAC address."), null, null);
        }

        var existing = await db.Cameras.AsNoTracking().Where(c => c.MacAddress == mac || c.SerialNumber == serial)
            .Select(c => new { c.Id, c.Name, c.SerialNumber, SiteName = c.Site!.Name }).FirstOrDefaultAsync(ct);
        if (existing is not null)
        {
            var visible = await scope.Cameras(db).AnyAsync(c => c.Id == existing.Id, ct);
            return (ServiceResult.Conflict("", visible
                ? $"This device is already in the inventory as {existing.Name ?? existing.SerialNumber} (site {existing.SiteName})."
                : "This device is already registered in a site you cannot see."), mac, serial);
        }

        var now = time.GetUtcNow();
        var camera = new Camera
        {
            SiteId = site.Id, SerialNumber = serial, MacAddress = mac, Model = DeviceObservation.Clean(info.Model, 64) ?? "unknown",
            Address = address, UseHttps = input.Https, HttpPort = input.Https ? 80 : port, HttpsPort = input.Https ? port : 443,
            CertificatePin = input.Https ? pin : null, Activated = true, CreatedAt = now, LastSeenAt = now,
        };
        db.Cameras.Add(camera);
        await vault.StoreForCameraAsync(db, camera.Id, user, input.Password!, scope.UserName ?? "system", ct);
        camera.Name = string.IsNullOrWhiteSpace(input.Name) ? null : input.Name.Trim();
        MarkAdopted(db, camera, site, info, $"Added by address {address}:{port}.");
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return (ServiceResult.Conflict("", "This device was added to the inventory meanwhile."), mac, serial);
        }

        return (ServiceResult.Ok(camera.Id), mac, serial);
    }

    private void MarkAdopted(FleetDbContext db, Camera camera, Site target, DeviceInfo info, string detail)
    {
        var now = time.GetUtcNow();
        camera.SiteId = target.Id;
        camera.Lifecycle = CameraLifecycle.Managed;
        camera.Activated = true;
        camera.Model = DeviceObservation.Clean(info.Model, 64) ?? camera.Model;
        camera.FirmwareVersion = info.Firmware is { } f ? $"V{f.Major}.{f.Minor}.{f.Patch}" : DeviceObservation.Clean(info.FirmwareVersion, 32);
        camera.FirmwareBuild = info.Firmware?.Build is { } b ? $"build {b:D6}" : DeviceObservation.Clean(info.FirmwareReleasedDate, 32);
        camera.DeviceName = DeviceObservation.Clean(info.DeviceName, 128);
        camera.Name ??= camera.DeviceName;
        camera.MissedDiscoveryRuns = 0;
        camera.UpdatedAt = now;
        AddEvent(db, camera, CameraEventKinds.Adopted, detail);
    }

    private void AddEvent(FleetDbContext db, Camera camera, string kind, string detail) =>
        db.CameraEvents.Add(new CameraEvent { CameraId = camera.Id, At = time.GetUtcNow(), Kind = kind, Detail = detail });

    private static string? IdentityMismatch(Camera camera, DeviceInfo info)
    {
        var mac = MacAddresses.TryNormalize(info.MacAddress, out var m) ? m : null;
        var serial = DeviceObservation.Clean(info.SerialNumber, 64);
        if (mac is not null && mac != camera.MacAddress) return $"the device at {camera.Address} reports MAC {mac}, not {camera.MacAddress}.";
        if (serial is not null && serial != camera.SerialNumber) return $"the device at {camera.Address} reports serial {serial}, not {camera.SerialNumber}.";
        return null;
    }

    /// <summary>One line for a person: what the device said and what HikFleet does about it (never the password).</summary>
    private static string Explain(IsapiException ex) => ex.Kind switch
    {
        IsapiErrorKind.Unauthorized when ex.AttemptsLeft is { } left =>
            $"the device rejected the password; it allows {left} more failed login{(left == 1 ? "" : "s")} before it locks. HikFleet will not send this password again.",
        IsapiErrorKind.Unauthorized => "the device rejected the password. HikFleet will not send this password again.",
        IsapiErrorKind.LockedOut => $"the device has locked its login{(ex.UnlockAfter is { } t ? $" for another {Math.Ceiling(t.TotalMinutes)} min" : "")}; nothing is sent until then.",
        IsapiErrorKind.NotActivated => "the device is not activated: adopt it from discovery, which activates it.",
        IsapiErrorKind.Unreachable or IsapiErrorKind.Timeout => $"the device does not answer ({ex.Kind}).",
        _ => $"the device answered with an error ({ex.Kind}{(ex.SubStatusCode is { } s ? $", {s}" : "")}).",
    };

    /// <summary>
    /// A stable id for a password typed for one camera, keyed with the vault key so the database never holds a guessable hash:
    /// the persisted lockout guard remembers "this exact password was rejected" across requests, nodes and restarts.
    /// </summary>
    private Guid AttemptId(Guid cameraId, string user, string password)
    {
        var mac = HMACSHA256.HashData(keys.Current, Encoding.UTF8.GetBytes($"hikfleet-adopt-attempt|{cameraId:N}|{user}\0{password}"));
        return new Guid(mac.AsSpan(0, 16));
    }
}
