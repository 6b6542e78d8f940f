using HikFleet.Isapi.Models;
using HikFleet.Isapi.Tests.Support;
using HikFleet.Simulator;

namespace HikFleet.Isapi.Tests;

/// <summary>Network, time, users, lock settings, streams, OSD, motion, storage, cloud against the simulator.</summary>
public sealed class SettingsOperationTests(SimulatorFixture sim)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Network_ReadInterfaces_AndAnAddressChangeNeedsAReboot()
    {
        var device = sim.AddCamera();
        using var client = sim.Client(device);

        var interfaces = await client.GetNetworkInterfacesAsync(Ct);
        var ip = await client.GetIpAddressAsync(1, Ct);
        Assert.Equal(device.Address.ToString(), ip.IpAddress);
        Assert.Equal(device.Mac, interfaces[0].MacAddress);
        Assert.False(ip.IsDhcp);

        var result = await client.SetIpAddressAsync(new IpAddressSettings { IpAddress = "10.9.8.7", SubnetMask = "255.255.255.0", DefaultGateway = "10.9.8.1" }, 1, Ct);

        Assert.True(result.RebootRequired);
        Assert.Equal(7, result.StatusCode);
        Assert.Equal("10.9.8.7", (await client.GetIpAddressAsync(1, Ct)).IpAddress);
        Assert.Equal(device.HttpUri, client.Endpoint.BaseUri); // still reachable at the old address until rebooted
    }

    [Fact]
    public async Task Time_ZoneAndMode_AndNtpServer()
    {
        var device = sim.AddCamera();
        using var client = sim.Client(device);

        await client.SetTimeAsync(new Models.TimeSettings { TimeMode = "NTP", TimeZone = PosixTimeZone.Format(TimeSpan.FromHours(-5)) }, Ct);
        await client.SetNtpServerAsync(new Models.NtpServer { Id = 1, HostName = "ntp.example.lan", PortNo = 123, SynchronizeIntervalMinutes = 60 }, Ct);

        var time = await client.GetTimeAsync(Ct);
        var ntp = await client.GetNtpServersAsync(Ct);
        Assert.Equal("CST+5:00:00", time.TimeZone);
        Assert.Equal(TimeSpan.FromHours(-5), time.UtcOffset);
        Assert.Equal(TimeSpan.FromHours(-5), time.LocalTime!.Value.Offset);
        Assert.Equal("ntp.example.lan", ntp[0].HostName);
        Assert.Equal(60, ntp[0].SynchronizeIntervalMinutes);
        Assert.Equal("CST+5:00:00", device.TimeSettings.TimeZone);
    }

    [Fact]
    public async Task Users_CreateListChangeDelete()
    {
        var device = sim.AddCamera();
        using var client = sim.Client(device);

        var created = await client.CreateUserAsync("operator1", "Oper#Pass2024", "Operator", Ct);
        Assert.NotNull(created.Id);
        var users = await client.GetUsersAsync(Ct);
        Assert.Contains(users, u => u.UserName == "operator1" && u.UserLevel == "Operator");
        Assert.Contains(users, u => u is { Id: 1, UserName: "admin" });

        await client.ChangePasswordAsync(created.Id!.Value, "operator1", "Oper#Pass2025", Ct);
        Assert.Equal("Oper#Pass2025", device.Users.Single(u => u.UserName == "operator1").Password);
        Assert.Equal(SimulatorFixture.Password, device.AdminPassword); // our own credential untouched

        await client.DeleteUserAsync(created.Id.Value, Ct);
        Assert.DoesNotContain(await client.GetUsersAsync(Ct), u => u.UserName == "operator1");
    }

    [Fact]
    public async Task AdminPasswordChange_SwitchesTheClientsCredentialAtOnce()
    {
        var device = sim.AddCamera();
        using var client = sim.Client(device);
        var next = Security.PasswordRules.Generate();

        await client.ChangePasswordAsync(1, "admin", next, Ct);

        Assert.Equal(next, device.AdminPassword);
        Assert.Equal(200, (await client.CheckUserAsync(Ct)).StatusValue);
        Assert.Equal(0, device.FailedLogins);

        var same = await Assert.ThrowsAsync<IsapiException>(() => client.ChangePasswordAsync(1, "admin", next, Ct));
        Assert.Equal(IsapiErrorKind.BadRequest, same.Kind);
        Assert.Equal(0, device.FailedLogins);
    }

    [Fact]
    public async Task UserCheck_AndIllegalLoginLockSettings()
    {
        var device = sim.AddCamera();
        using var client = sim.Client(device);

        var check = await client.CheckUserAsync(Ct);
        var lockSettings = await client.GetIllegalLoginLockAsync(Ct);
        await client.SetIllegalLoginLockAsync(new Models.IllegalLoginLock(true, 7, null), Ct);

        Assert.Equal(200, check.StatusValue);
        Assert.True(check.IsActivated);
        Assert.Equal(5, lockSettings.MaxIllegalLoginTimes);
        Assert.Equal(1800, lockSettings.MaxIllegalLoginLockTime);
        Assert.Equal(7, (await client.GetIllegalLoginLockAsync(Ct)).MaxIllegalLoginTimes);
    }

    [Fact]
    public async Task AdminAccesses_ReadAndSwitchHttpsOn()
    {
        var device = sim.AddCamera();
        device.Config.HttpsEnabled = false;
        using var client = sim.Client(device);

        var before = await client.GetAdminAccessesAsync(Ct);
        Assert.True(before.HttpOnly);
        Assert.Equal(device.HttpPort, before.Http!.Port);
        Assert.False(before.Https!.Enabled);

        var result = await client.SetAdminAccessesAsync(before.Protocols.Select(p => p.Is("HTTPS") ? p with { Enabled = true } : p).ToList(), Ct);

        Assert.Equal(1, result.StatusCode);
        Assert.True(device.Config.HttpsEnabled);
        var after = await client.GetAdminAccessesAsync(Ct);
        Assert.False(after.HttpOnly);
        Assert.True(after.Http!.Enabled);
    }

    [Fact]
    public async Task Streams_ListReadWrite_FrameRateInHundredths()
    {
        var device = sim.AddCamera(DeviceCatalog.Turret4K.Model);
        using var client = sim.Client(device);

        var channels = await client.GetStreamingChannelsAsync(Ct);
        Assert.Contains(channels, c => c.Id == 101);
        Assert.Contains(channels, c => c.Id == 102);
        var main = await client.GetStreamingChannelAsync(101, Ct);
        Assert.Equal(3840, main.Width);
        Assert.Equal(25, main.MaxFrameRate);

        await client.SetStreamingChannelAsync(new StreamingChannel { Id = 101, MaxFrameRate = 20, VideoCodecType = "H.265", ConstantBitRate = 8192 }, Ct);

        var after = await client.GetStreamingChannelAsync(101, Ct);
        Assert.Equal(20, after.MaxFrameRate);
        Assert.Equal("H.265", after.VideoCodecType);
        Assert.Equal(8192, after.ConstantBitRate);
        Assert.Equal(3840, after.Width); // untouched: partial write
    }

    [Fact]
    public async Task Snapshot_IsAJpeg_ThatChangesOverTime()
    {
        var device = sim.AddCamera();
        using var client = sim.Client(device);

        var first = await client.GetSnapshotAsync(101, Ct);
        await Task.Delay(1100, Ct);
        var second = await client.GetSnapshotAsync(101, Ct);

        Assert.True(first.IsJpeg);
        Assert.Equal("image/jpeg", first.MediaType);
        Assert.True(second.IsJpeg);
        Assert.False(first.Data.Span.SequenceEqual(second.Data.Span));
    }

    [Fact]
    public async Task PooledSnapshot_IsThePictureGetSnapshotReads_AndIsGoneOnceDisposed()
    {
        var device = sim.AddCamera();
        device.Faults.FrozenImage = true; // the same frame byte for byte, whatever the second
        using var client = sim.Client(device);

        var plain = await client.GetSnapshotAsync(101, Ct);
        var pooled = await client.GetPooledSnapshotAsync(101, closeConnection: true, Ct);

        Assert.Equal("image/jpeg", pooled.MediaType);
        Assert.Equal(plain.Data.Length, pooled.Length);
        Assert.True(pooled.Span.SequenceEqual(plain.Data.Span));
        var copy = pooled.ToArray();
        pooled.Dispose();
        pooled.Dispose(); // once only: the buffer is not returned twice
        Assert.Throws<ObjectDisposedException>(() => pooled.Span.Length);
        Assert.True(copy.AsSpan().SequenceEqual(plain.Data.Span));
    }

    [Fact]
    public async Task OsdName_AndMotionDetection()
    {
        var device = sim.AddCamera();
        using var client = sim.Client(device);

        await client.SetOsdNameAsync("North Gate", 1, Ct);
        await client.SetMotionDetectionAsync(new MotionDetection { Enabled = true, SensitivityLevel = 80 }, 1, Ct);

        Assert.Equal("North Gate", (await client.GetVideoInputAsync(1, Ct)).Name);
        var motion = await client.GetMotionDetectionAsync(1, Ct);
        Assert.True(motion.Enabled);
        Assert.Equal(80, motion.SensitivityLevel);
        Assert.Equal(18 * 6, motion.GridMap!.Length);
        Assert.Equal("North Gate", device.OsdName);
        Assert.Equal(80, device.Motion.SensitivityLevel);
    }

    [Fact]
    public async Task Storage_SdCardHealthFollowsTheFault()
    {
        var device = sim.AddCamera(DeviceCatalog.Turret4K.Model);
        using var client = sim.Client(device);

        var healthy = await client.GetStorageAsync(Ct);
        device.Faults.SdCardError = true;
        var broken = await client.GetStorageAsync(Ct);

        Assert.NotEmpty(healthy.Disks);
        Assert.True(healthy.Disks[0].IsHealthy);
        Assert.True(healthy.Disks[0].CapacityMb > 0);
        Assert.False(broken.Disks[0].IsHealthy);
    }

    [Fact]
    public async Task CloudAccess_CanBeDisabled()
    {
        var device = sim.AddCamera();
        using var client = sim.Client(device);

        await client.SetCloudAccessAsync(true, Ct);
        Assert.True((await client.GetCloudAccessAsync(Ct)).Enabled);
        await client.SetCloudAccessAsync(false, Ct);

        Assert.False((await client.GetCloudAccessAsync(Ct)).Enabled);
        Assert.False(device.Cloud.Enabled);
    }

    [Fact]
    public async Task DeviceName_Rename()
    {
        var device = sim.AddCamera();
        using var client = sim.Client(device);

        await client.SetDeviceNameAsync("S01-CAM-Lobby", Ct);

        Assert.Equal("S01-CAM-Lobby", (await client.GetDeviceInfoAsync(Ct)).DeviceName);
        Assert.Equal("S01-CAM-Lobby", device.Name);
    }
}
