using HikFleet.Core.Data.Entities;
using HikFleet.Core.Health;
using HikFleet.Core.Operations;
using HikFleet.Core.Tests.Discovery;
using HikFleet.Isapi;
using HikFleet.Simulator;
using HikFleet.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace HikFleet.Core.Tests.Operations;

/// <summary>Password rotation through the real runner against the simulator: never locked out, never a password the vault does not know.</summary>
public sealed class PasswordRotationTests(MigratedDatabase database) : IClassFixture<MigratedDatabase>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Rotation_OfADefaultPassword_CommitsAUniqueStrongOne_TheOldIsRefused_AndTheFindingCloses()
    {
        await using var world = await OperationWorld.StartAsync(database, Ct);
        var site = await world.SiteAsync();
        var (device, camera) = await world.ManagedDeviceAsync(site, new DeviceSpec { Password = "12345" });
        var health = world.Services.GetRequiredService<HealthCheckService>();
        await health.CheckCameraAsync(camera.Id, Ct);
        Assert.Contains(HealthFindings.DefaultPassword, await FindingsAsync(world, camera.Id));

        var started = await world.Operations().StartAsync(InventoryWorld.Operator(site), camera.Id,
            new OperationRequest(OperationKind.PasswordRotation, "Default password found"), Ct);
        Assert.True(started.Succeeded, started.Message);
        var op = await world.FinishedAsync(started.Id!.Value, Ct);
        Assert.True(op.State == OperationState.Succeeded, OperationWorld.Describe(op));
        Assert.Equal(["preflight", "prepare", "set", "verify-new", "verify-old", "commit"], op.Steps.Select(s => s.Name));

        await using var db = world.Db();
        var current = await world.Vault.GetForCameraAsync(db, camera.Id, Ct);
        Assert.NotNull(current);
        Assert.NotEqual("12345", current.Password);
        Assert.Equal(14, current.Password.Length);
        Assert.Equal(Isapi.Security.PasswordStrength.Strong, Isapi.Security.PasswordRules.Evaluate(current.Password, "admin"));
        Assert.Equal(device.AdminPassword, current.Password);
        Assert.Null(await world.Vault.GetPendingForCameraAsync(db, camera.Id, Ct));
        Assert.Equal(LoginResult.Accepted, await LoginAsync(world, device, current.Password));
        Assert.Equal(LoginResult.Rejected, await LoginAsync(world, device, "12345"));
        // The old one is kept in the vault's history (superseded), not lost.
        Assert.Equal(2, await db.DeviceCredentials.CountAsync(c => c.CameraId == camera.Id, Ct));

        // Closed by the rotation, and the next checks (which log in with the new password) agree.
        Assert.DoesNotContain(HealthFindings.DefaultPassword, await FindingsAsync(world, camera.Id));
        Assert.Contains("Closed: default-password", op.Steps[^1].Detail);
        for (var i = 0; i < 3; i++)
        {
            Assert.NotEqual(HealthState.Unauthorized, await health.CheckCameraAsync(camera.Id, Ct));
            var findings = await FindingsAsync(world, camera.Id);
            Assert.DoesNotContain(HealthFindings.DefaultPassword, findings);
            Assert.DoesNotContain(HealthFindings.RiskyPassword, findings);
        }

        var trail = await db.AuditEntries.AsNoTracking().Where(e => e.CorrelationId == op.Id.ToString("D")).Select(e => e.Action).ToListAsync(Ct);
        Assert.Equal("camera.rotate_password.request", trail[0]);
        Assert.Equal("camera.rotate_password.finish", trail[^1]);
        await AssertNoSecretWrittenAsync(world, "12345", current.Password);
    }

    [Fact]
    public async Task AFaultBetweenSetAndVerify_LeavesThePasswordInTheVault_AndTheVaultEndsWithWhatTheDeviceTakes()
    {
        await using var world = await OperationWorld.StartAsync(database, Ct);
        var site = await world.SiteAsync();
        var (device, camera) = await world.ManagedDeviceAsync(site);

        // The fault: the camera drops off the network the moment it has answered the password change, before HikFleet can verify
        // it (the simulator does it right after its answer is on the wire: a watcher polling the password raced the runner and
        // lost under load in CI).
        device.Faults.OfflineAfterPasswordChange = true;

        var started = await world.Operations().StartAsync(InventoryWorld.Operator(site), camera.Id,
            new OperationRequest(OperationKind.PasswordRotation, "Quarterly rotation"), Ct);
        Assert.True(started.Succeeded, started.Message);
        var operationId = started.Id!.Value;

        // The operation waits at verify-new while the camera is unreachable.
        var until = DateTime.UtcNow.AddSeconds(30);
        Operation op;
        while (true)
        {
            await using (var db = world.Db())
            {
                op = await db.Operations.AsNoTracking().Include(o => o.Steps.OrderBy(s => s.Index)).SingleAsync(o => o.Id == operationId, Ct);
            }

            if (op.State == OperationState.Waiting && op.Steps[op.CurrentStep].Name == "verify-new") break;
            Assert.True(op.IsActive, OperationWorld.Describe(op));
            Assert.True(DateTime.UtcNow < until, OperationWorld.Describe(op));
            await Task.Delay(50, Ct);
        }

        Assert.True(device.Faults.Offline);
        Assert.False(device.Faults.OfflineAfterPasswordChange); // once
        await using (var db = world.Db())
        {
            // Nothing is lost: the password the device now has is in the vault (pending), the current one is untouched.
            var pending = await world.Vault.GetPendingForCameraAsync(db, camera.Id, Ct);
            var current = await world.Vault.GetForCameraAsync(db, camera.Id, Ct);
            Assert.NotNull(pending);
            Assert.Equal(device.AdminPassword, pending.Password);
            Assert.Equal(OperationWorld.Password, current!.Password);
        }

        device.Faults.Offline = false;
        op = await world.FinishedAsync(operationId, Ct);
        Assert.True(op.State == OperationState.Succeeded, OperationWorld.Describe(op));
        Assert.True(op.Steps.Single(s => s.Name == "verify-new").Attempts > 1);

        await using (var db = world.Db())
        {
            var current = await world.Vault.GetForCameraAsync(db, camera.Id, Ct);
            Assert.Equal(LoginResult.Accepted, await LoginAsync(world, device, current!.Password));
            Assert.Equal(LoginResult.Rejected, await LoginAsync(world, device, OperationWorld.Password));
            Assert.Null(await world.Vault.GetPendingForCameraAsync(db, camera.Id, Ct));
            await AssertNoSecretWrittenAsync(world, OperationWorld.Password, current.Password);
        }
    }

    [Fact]
    public async Task ARefusedChange_KeepsTheOldPasswordCurrent_AndRetiresThePendingOne()
    {
        await using var world = await OperationWorld.StartAsync(database, Ct);
        var site = await world.SiteAsync();
        var (device, camera) = await world.ManagedDeviceAsync(site);

        // A pending password left by an earlier run is reused (it may be on the device); this one the camera refuses (it is its
        // current one: cannotSameAsOldPassword), so the device answers "no" and keeps its password.
        await using (var db = world.Db())
        {
            await world.Vault.StorePendingForCameraAsync(db, camera.Id, "admin", OperationWorld.Password, "test", Ct);
            await db.SaveChangesAsync(Ct);
            await Assert.ThrowsAsync<InvalidOperationException>(() => world.Vault.StorePendingForCameraAsync(db, camera.Id, "admin", "Other#Pass-123", "test", Ct));
        }

        var started = await world.Operations().StartAsync(InventoryWorld.Operator(site), camera.Id,
            new OperationRequest(OperationKind.PasswordRotation, "Quarterly rotation"), Ct);
        Assert.True(started.Succeeded, started.Message);
        var op = await world.FinishedAsync(started.Id!.Value, Ct);
        Assert.True(op.State == OperationState.Failed, OperationWorld.Describe(op));
        Assert.Equal("set", op.Steps[op.CurrentStep].Name);
        Assert.Contains("refused", op.Summary);
        Assert.Equal(OperationWorld.Password, device.AdminPassword);
        await using var check = world.Db();
        var current = await world.Vault.GetForCameraAsync(check, camera.Id, Ct);
        Assert.Equal(OperationWorld.Password, current!.Password);
        Assert.Null(await world.Vault.GetPendingForCameraAsync(check, camera.Id, Ct));
        Assert.Equal(LoginResult.Accepted, await LoginAsync(world, device, current.Password));
    }

    [Fact]
    public async Task BulkRotation_GivesEachCameraItsOwnPassword_WithPerCameraResults()
    {
        await using var world = await OperationWorld.StartAsync(database, Ct);
        var site = await world.SiteAsync(s => s.BulkConcurrency = 3);
        var pairs = new List<(VirtualDevice Device, Camera Camera)>();
        for (var i = 0; i < 3; i++) pairs.Add(await world.ManagedDeviceAsync(site));

        var bulk = await world.Operations().StartBulkAsync(InventoryWorld.Operator(site), pairs.Select(p => p.Camera.Id).ToList(),
            new OperationRequest(OperationKind.PasswordRotation, "Quarterly rotation"), Ct);
        Assert.Equal(3, bulk.Started);
        Assert.Equal(pairs.Select(p => p.Camera.Id), bulk.Items.Select(i => i.CameraId));

        var passwords = new List<string>();
        foreach (var (item, (device, camera)) in bulk.Items.Zip(pairs))
        {
            var op = await world.FinishedAsync(item.OperationId!.Value, Ct, 90);
            Assert.True(op.State == OperationState.Succeeded, OperationWorld.Describe(op));
            Assert.Equal(camera.Id, op.CameraId);
            await using var db = world.Db();
            var current = await world.Vault.GetForCameraAsync(db, camera.Id, Ct);
            Assert.Equal(device.AdminPassword, current!.Password);
            Assert.Equal(LoginResult.Accepted, await LoginAsync(world, device, current.Password));
            passwords.Add(current.Password);
        }

        Assert.Equal(3, passwords.Distinct().Count());
        Assert.DoesNotContain(OperationWorld.Password, passwords);
        await AssertNoSecretWrittenAsync(world, [OperationWorld.Password, .. passwords]);
    }

    [Fact]
    public async Task Rotation_NeedsAReasonAndTheOperateRight()
    {
        await using var world = await OperationWorld.StartAsync(database, Ct);
        var site = await world.SiteAsync();
        var (_, camera) = await world.ManagedDeviceAsync(site);
        var noReason = await world.Operations().StartAsync(InventoryWorld.Operator(site), camera.Id, new OperationRequest(OperationKind.PasswordRotation, " "), Ct);
        Assert.False(noReason.Succeeded);
        var viewer = await world.Operations().StartAsync(InventoryWorld.Viewer(site), camera.Id, new OperationRequest(OperationKind.PasswordRotation, "why not"), Ct);
        Assert.False(viewer.Succeeded);
        await using var db = world.Db();
        Assert.False(await db.Operations.AnyAsync(o => o.CameraId == camera.Id, Ct));
    }

    private enum LoginResult { Accepted, Rejected }

    /// <summary>One userCheck with exactly this password, through a client of its own.</summary>
    private static async Task<LoginResult> LoginAsync(InventoryWorld world, VirtualDevice device, string password)
    {
        using var client = world.Services.GetRequiredService<IIsapiClientFactory>().Create(
            new IsapiEndpoint(device.Address.ToString(), device.HttpPort, false, null), new IsapiCredentials("admin", password));
        try
        {
            await client.CheckUserAsync(Ct);
            return LoginResult.Accepted;
        }
        catch (IsapiException e) when (e.Kind == IsapiErrorKind.Unauthorized)
        {
            return LoginResult.Rejected;
        }
    }

    private static async Task<List<string>> FindingsAsync(InventoryWorld world, Guid cameraId)
    {
        await using var db = world.Db();
        return await db.CameraFindings.Where(f => f.CameraId == cameraId).Select(f => f.Code).ToListAsync(Ct);
    }

    /// <summary>No password in a log line, audit entry, event, operation step, summary or context.</summary>
    private static async Task AssertNoSecretWrittenAsync(InventoryWorld world, params string[] secrets)
    {
        var written = await world.EverythingWrittenAsync();
        await using var db = world.Db();
        var ops = await db.Operations.AsNoTracking().Include(o => o.Steps).ToListAsync(Ct);
        var text = written + "\n" + string.Join("\n", ops.Select(o => $"{o.Summary} {o.Context} {o.Parameters} {o.Drift} " +
                                                                       string.Join(" ", o.Steps.Select(s => s.Detail))));
        Assert.Contains("rotate_password", text);
        foreach (var secret in secrets) Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheScheduledRotation_RotatesEveryIdleCameraOfTheSite_AndLeavesBusyAndOfflineOnesAlone()
    {
        await using var world = await OperationWorld.StartAsync(database, Ct);
        var site = await world.SiteAsync(s => { s.BulkConcurrency = 2; s.PasswordRotationCron = "0 3 1 * *"; });
        var (a, cameraA) = await world.ManagedDeviceAsync(site);
        var (b, cameraB) = await world.ManagedDeviceAsync(site);
        var (_, offline) = await world.ManagedDeviceAsync(site);
        await using (var db = world.Db())
        {
            await db.Cameras.Where(c => c.Id == offline.Id).ExecuteUpdateAsync(u => u.SetProperty(c => c.Health, HealthState.Offline), Ct);
        }

        var run = await world.Services.GetRequiredService<ScheduledRotationJob>().ExecuteAsync(site.Id, Ct);
        Assert.Equal((2, 1), (run.Queued, run.Skipped));
        await using var check = world.Db();
        var ops = await check.Operations.AsNoTracking().Where(o => o.BatchId == run.BatchId).ToListAsync(Ct);
        Assert.Equal(new[] { cameraA.Id, cameraB.Id }.Order(), ops.Select(o => o.CameraId).Order());
        foreach (var op in ops)
        {
            var done = await world.FinishedAsync(op.Id, Ct, 90);
            Assert.True(done.State == OperationState.Succeeded, OperationWorld.Describe(done));
            Assert.Equal("Scheduled password rotation", done.RequestedByName);
        }

        Assert.NotEqual(OperationWorld.Password, a.AdminPassword);
        Assert.NotEqual(OperationWorld.Password, b.AdminPassword);
        Assert.NotEqual(a.AdminPassword, b.AdminPassword);
        Assert.True(await check.AuditEntries.AnyAsync(e => e.Action == "camera.rotate_password.request" && e.ActorName == "Scheduled password rotation", Ct));
    }
}
