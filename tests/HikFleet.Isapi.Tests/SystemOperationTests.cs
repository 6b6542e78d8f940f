using HikFleet.Isapi.Models;
using HikFleet.Isapi.Tests.Support;
using HikFleet.Simulator;

namespace HikFleet.Isapi.Tests;

/// <summary>Identity, health, capabilities, reboot, factory reset and activation against the simulator (§2.1, §2.2, §3).</summary>
public sealed class SystemOperationTests(SimulatorFixture sim)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DeviceInfo_MatchesTheDevice()
    {
        var device = sim.AddCamera(DeviceCatalog.Turret4K.Model);
        using var client = sim.Client(device);

        var info = await client.GetDeviceInfoAsync(Ct);

        Assert.Equal(device.Serial, info.SerialNumber);
        Assert.Equal(device.Mac, info.MacAddress);
        Assert.Equal(device.Model, info.Model);
        Assert.Equal(device.FirmwareVersion, info.FirmwareVersion);
        Assert.Equal(FirmwareVersion.Parse(device.FirmwareVersion, device.FirmwareBuild), info.Firmware);
        Assert.Equal(device.Name, info.DeviceName);
        Assert.Equal("http://www.hikvision.com/ver20/XMLSchema", info.Namespace);
    }

    [Fact]
    public async Task Status_ReportsUptimeCpuAndMemory()
    {
        var device = sim.AddCamera();
        using var client = sim.Client(device);

        var status = await client.GetStatusAsync(Ct);

        Assert.NotNull(status.Uptime);
        Assert.InRange(status.Uptime!.Value.TotalSeconds, device.Uptime.TotalSeconds - 600, device.Uptime.TotalSeconds + 600);
        Assert.InRange(status.CpuUtilization!.Value, 0, 100);
        Assert.NotEmpty(status.Memory);
        Assert.NotNull(status.CurrentDeviceTime);
    }

    [Fact]
    public async Task Status_LocalisedUptimeFromADevice_IsParsed()
    {
        var device = sim.AddCamera();
        device.Faults.LocalizedUptime = true;
        using var client = sim.Client(device);

        var status = await client.GetStatusAsync(Ct);

        Assert.DoesNotMatch("^[0-9]+$", status.UptimeText!);
        Assert.NotNull(status.Uptime);
        Assert.InRange(status.Uptime!.Value.TotalSeconds, device.Uptime.TotalSeconds - 600, device.Uptime.TotalSeconds + 600);
    }

    [Fact]
    public async Task Capabilities_CameraAndNvr()
    {
        var camera = sim.AddCamera(DeviceCatalog.Turret4K.Model);
        var nvr = sim.AddCamera(DeviceCatalog.Nvr8P.Model);
        using var cameraClient = sim.Client(camera);
        using var nvrClient = sim.Client(nvr);

        var cam = await cameraClient.GetCapabilitiesAsync(Ct);
        var rec = await nvrClient.GetCapabilitiesAsync(Ct);
        var sec = await cameraClient.GetSecurityCapabilitiesAsync(Ct);

        Assert.False(cam.IsNvr);
        Assert.True(rec.IsNvr);
        Assert.Equal(8, rec.InputProxyNums);
        Assert.Contains("MD5", sec.DigestAlgorithms);
        Assert.Equal(8, sec.PasswordMinLength);
        Assert.Equal(16, sec.PasswordMaxLength);
    }

    [Fact]
    public async Task Nvr_ListsItsIpChannels_ACameraSaysNotSupported()
    {
        var nvr = sim.AddCamera(DeviceCatalog.Nvr8P.Model);
        var camera = sim.AddCamera(DeviceCatalog.Dome4MP.Model);
        using var nvrClient = sim.Client(nvr);
        using var cameraClient = sim.Client(camera);

        var channels = await nvrClient.GetInputProxyChannelsAsync(Ct);
        var status = await nvrClient.GetInputProxyChannelStatusAsync(Ct);
        var info = await nvrClient.GetDeviceInfoAsync(Ct);

        Assert.NotEmpty(channels);
        Assert.Equal(channels.Count, status.Count);
        Assert.True(info.IsRecorder);
        Assert.Equal("http://www.isapi.org/ver20/XMLSchema", info.Namespace);
        var ex = await Assert.ThrowsAsync<IsapiException>(() => cameraClient.GetInputProxyChannelStatusAsync(Ct));
        Assert.Equal(IsapiErrorKind.NotSupported, ex.Kind);
        Assert.Equal(4, ex.StatusCode);
    }

    [Fact]
    public async Task Reboot_DeviceGoesDownAndComesBackWithResetUptime()
    {
        var device = sim.AddCamera();
        using var client = sim.Client(device);
        var before = (await client.GetStatusAsync(Ct)).Uptime!.Value;

        var result = await client.RebootAsync(Ct);
        Assert.False(result.RebootRequired);

        DeviceStatus? after = null;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (after is null && DateTime.UtcNow < deadline)
        {
            try { after = await client.GetStatusAsync(Ct); if (after.Uptime >= before) after = null; }
            catch (IsapiException ex) when (ex.IsTransient) { }
            await Task.Delay(20, Ct);
        }
        Assert.NotNull(after);
        Assert.True(after!.Uptime < before);
        Assert.Equal(1, device.RebootCount);
        Assert.Equal(0, device.FailedLogins);
    }

    [Fact]
    public async Task FactoryResetBasic_KeepsActivationAndUsers_ResetsSettings()
    {
        var device = sim.AddCamera();
        using var client = sim.Client(device);
        await client.SetOsdNameAsync("Loading Bay", cancellationToken: Ct);
        Assert.Equal("Loading Bay", device.OsdName);

        var result = await client.FactoryResetAsync(FactoryResetMode.Basic, Ct);
        if (result.RebootRequired) await client.RebootAsync(Ct);
        await Task.Delay(10, Ct);
        await SimulatorFixture.WaitOnlineAsync(device, Ct);

        Assert.True(device.Activated);
        Assert.Equal(SimulatorFixture.Password, device.AdminPassword);
        var osd = await RetryAsync(() => client.GetVideoInputAsync(1, Ct));
        Assert.NotEqual("Loading Bay", osd.Name);
    }

    [Fact]
    public async Task FactoryResetFull_ReturnsToInactive_ThenActivationOverIsapi()
    {
        var device = sim.AddCamera();
        using (var client = sim.Client(device))
        {
            await client.FactoryResetAsync(FactoryResetMode.Full, Ct);
        }
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((device.Activated || !device.Online) && DateTime.UtcNow < deadline) await Task.Delay(20, Ct);
        Assert.False(device.Activated);

        var password = Security.PasswordRules.Generate();
        using var fresh = sim.Client(device, password: null); // the device moved to its factory address
        Assert.False((await fresh.GetActivationStatusAsync(Ct)).Activated);
        fresh.UseCredentials(new IsapiCredentials("admin", password));
        var notActivated = await Assert.ThrowsAsync<IsapiException>(() => fresh.GetDeviceInfoAsync(Ct));
        Assert.Equal(IsapiErrorKind.NotActivated, notActivated.Kind);

        var result = await fresh.ActivateAsync(password, Ct);

        Assert.Equal(1, result.StatusCode);
        Assert.True((await fresh.GetActivationStatusAsync(Ct)).Activated);
        Assert.Equal(device.Serial, (await fresh.GetDeviceInfoAsync(Ct)).SerialNumber);
        Assert.Equal(password, device.AdminPassword);
    }

    [Fact]
    public async Task Activation_OfAFactoryFreshDevice_AndRiskyPasswordsAreRefusedLocally()
    {
        var device = sim.AddCamera(activated: false);
        using var client = sim.Client(device, password: null);

        Assert.False((await client.GetActivationStatusAsync(Ct)).Activated);
        await Assert.ThrowsAsync<ArgumentException>(() => client.ActivateAsync("12345678", Ct));
        Assert.False(device.Activated);

        var password = Security.PasswordRules.Generate(12);
        await client.ActivateAsync(password, Ct);

        Assert.True(device.Activated);
        Assert.Equal(password, device.AdminPassword);
        var check = await client.CheckUserAsync(Ct);
        Assert.True(check.IsActivated);
        Assert.False(check.IsRiskPassword);

        var again = await Assert.ThrowsAsync<IsapiException>(() => client.ActivateAsync(Security.PasswordRules.Generate(), Ct));
        Assert.Equal("hasActivated", again.SubStatusCode);
    }

    internal static async Task<T> RetryAsync<T>(Func<Task<T>> call)
    {
        for (var i = 0; ; i++)
        {
            try { return await call(); }
            catch (IsapiException ex) when (ex.IsTransient && i < 100) { await Task.Delay(20); }
        }
    }
}
