using HikFleet.Isapi;
using HikFleet.Isapi.Models;

namespace HikFleet.Core.Operations;

/// <summary>Reads a <see cref="DeviceSettings"/> snapshot from a device and writes one back, area by area, over ISAPI.</summary>
public static class DeviceSettingsIo
{
    /// <summary>Device text longer than this is cut: a snapshot is not the place for whatever a hostile device sends.</summary>
    private const int MaxText = 256;

    /// <summary>
    /// Reads every area. An area the device does not support or refuses is listed in <see cref="DeviceSettings.Unreadable"/>; a device
    /// that cannot be reached, rejects the login or is locked fails the whole read (<see cref="IsapiException"/>).
    /// </summary>
    public static async Task<DeviceSettings> ReadAsync(IsapiClient client, CancellationToken ct)
    {
        var unreadable = new List<string>();

        async Task<T?> Area<T>(string name, Func<Task<T>> read) where T : class
        {
            try
            {
                return await read();
            }
            catch (IsapiException e) when (e.Kind is IsapiErrorKind.NotSupported or IsapiErrorKind.BadRequest or IsapiErrorKind.DeviceError
                                               or IsapiErrorKind.MalformedAnswer)
            {
                unreadable.Add(name);
                return null;
            }
        }

        var info = await Area("device", () => client.GetDeviceInfoAsync(ct));
        var ip = await Area("network", () => client.GetIpAddressAsync(1, ct));
        var time = await Area("time", () => client.GetTimeAsync(ct));
        var ntp = await Area("ntp", () => client.GetNtpServersAsync(ct));
        var users = await Area("users", () => client.GetUsersAsync(ct));
        var streams = await Area("streams", () => client.GetStreamingChannelsAsync(ct));
        var osd = await Area("osd", () => client.GetVideoInputAsync(1, ct));
        var motion = await Area("motion", () => client.GetMotionDetectionAsync(1, ct));
        var cloud = await Area("cloud", () => client.GetCloudAccessAsync(ct));
        var loginLock = await Area("loginLock", () => client.GetIllegalLoginLockAsync(ct));
        var access = await Area("access", () => client.GetAdminAccessesAsync(ct));

        return new DeviceSettings
        {
            DeviceName = Cut(info?.DeviceName),
            Network = ip is null ? null : new(Cut(ip.AddressingType), Cut(ip.IpAddress), Cut(ip.SubnetMask), Cut(ip.DefaultGateway), Cut(ip.PrimaryDns),
                Cut(ip.SecondaryDns)),
            Time = time is null ? null : new(Cut(time.TimeMode), Cut(time.TimeZone)),
            Ntp = ntp?.Take(8).Select(s => new DeviceSettings.NtpSettings(s.Id, Cut(s.AddressingFormatType), Cut(s.HostName), Cut(s.IpAddress), s.PortNo,
                s.SynchronizeIntervalMinutes)).ToList() ?? [],
            Users = users?.Take(64).Select(u => new DeviceSettings.UserSettings(u.Id, Cut(u.UserName) ?? "", Cut(u.UserLevel))).ToList() ?? [],
            Streams = streams?.Take(64).Select(s => new DeviceSettings.StreamSettings(s.Id, s.Enabled, Cut(s.VideoCodecType), s.Width, s.Height,
                Cut(s.QualityControlType), s.ConstantBitRate, s.VbrUpperCap, s.MaxFrameRate, s.GovLength, s.SmartCodecEnabled, s.AudioEnabled)).ToList() ?? [],
            OsdName = Cut(osd?.Name),
            Motion = motion is null ? null : new(motion.Enabled, motion.SensitivityLevel, Cut(motion.RegionType), Cut(motion.GridMap, 4096)),
            CloudAccessEnabled = cloud?.Enabled,
            LoginLock = loginLock is null ? null : new(loginLock.Enabled, loginLock.MaxIllegalLoginTimes, loginLock.MaxIllegalLoginLockTime),
            HttpsEnabled = access?.Https?.Enabled,
            Unreadable = unreadable,
        };
    }

    /// <summary>What a write-back did.</summary>
    /// <param name="Applied">Areas written.</param>
    /// <param name="RebootRequired">A write answered statusCode 7: the device needs a reboot to apply it.</param>
    /// <param name="Problems">What could not be restored, one line each (for people; the verify step reports the resulting drift).</param>
    public sealed record WriteResult(IReadOnlyList<string> Applied, bool RebootRequired, IReadOnlyList<string> Problems);

    /// <summary>
    /// Writes the areas of <paramref name="wanted"/> that differ from <paramref name="current"/> (network excepted: moving the device's
    /// address is a step of its own). Users cannot be recreated (HikFleet never knows their passwords): missing ones are reported.
    /// </summary>
    public static async Task<WriteResult> WriteAsync(IsapiClient client, DeviceSettings wanted, DeviceSettings current, CancellationToken ct)
    {
        var applied = new List<string>();
        var problems = new List<string>();
        var reboot = false;
        var differing = DeviceSettings.Compare(current, wanted).Select(d => d.Field.Split('.')[0]).ToHashSet(StringComparer.Ordinal);

        async Task Write(string area, Func<Task<IsapiResult>> write)
        {
            try
            {
                var result = await write();
                reboot |= result.RebootRequired;
                applied.Add(area);
            }
            catch (IsapiException e) when (e.Kind is not (IsapiErrorKind.Unreachable or IsapiErrorKind.Timeout or IsapiErrorKind.Unauthorized
                                               or IsapiErrorKind.LockedOut or IsapiErrorKind.CertificateChanged))
            {
                problems.Add($"{area}: the device refused it ({e.Kind}: {Cut(e.Message, 200)})");
            }
        }

        if (differing.Contains("device") && wanted.DeviceName is { } name) await Write("device name", () => client.SetDeviceNameAsync(name, ct));
        if (differing.Contains("time") && wanted.Time is { } time)
            await Write("time zone", () => client.SetTimeAsync(new Isapi.Models.TimeSettings { TimeMode = time.Mode, TimeZone = time.TimeZone }, ct));
        if (differing.Contains("ntp"))
        {
            foreach (var s in wanted.Ntp)
            {
                await Write($"NTP server {s.Id}", () => client.SetNtpServerAsync(new NtpServer
                {
                    Id = s.Id, AddressingFormatType = s.Format, HostName = s.Host, IpAddress = s.Address, PortNo = s.Port,
                    SynchronizeIntervalMinutes = s.IntervalMinutes,
                }, ct));
            }
        }

        if (differing.Contains("stream"))
        {
            var now = current.Streams.ToDictionary(s => s.Id);
            foreach (var s in wanted.Streams.Where(s => !now.TryGetValue(s.Id, out var c) || c != s))
            {
                await Write($"stream {s.Id}", () => client.SetStreamingChannelAsync(new StreamingChannel
                {
                    Id = s.Id, Enabled = s.Enabled, VideoCodecType = s.Codec, Width = s.Width, Height = s.Height, QualityControlType = s.QualityControl,
                    ConstantBitRate = s.ConstantBitRate, VbrUpperCap = s.VbrUpperCap, MaxFrameRate = s.MaxFrameRate, GovLength = s.GovLength,
                    SmartCodecEnabled = s.SmartCodec, AudioEnabled = s.Audio,
                }, ct));
            }
        }

        if (differing.Contains("osd") && wanted.OsdName is { } osd) await Write("OSD name", () => client.SetOsdNameAsync(osd, 1, ct));
        if (differing.Contains("motion") && wanted.Motion is { } m)
        {
            await Write("motion detection", () => client.SetMotionDetectionAsync(new MotionDetection
            {
                Enabled = m.Enabled, SensitivityLevel = m.Sensitivity, RegionType = m.RegionType, GridMap = m.GridMap,
            }, 1, ct));
        }

        if (differing.Contains("cloud") && wanted.CloudAccessEnabled is { } cloud) await Write("cloud access", () => client.SetCloudAccessAsync(cloud, ct));
        if (differing.Contains("loginLock") && wanted.LoginLock is { } l)
            await Write("illegal-login lock", () => client.SetIllegalLoginLockAsync(new IllegalLoginLock(l.Enabled, l.MaxAttempts, l.LockSeconds), ct));

        // HTTPS is only ever switched on, never off, and HTTP is never touched: HikFleet may be talking to the device over either,
        // and switching one off could cut it off from the camera. The list is read fresh and written back whole with only HTTPS
        // changed (the web UI's way, §1.1), so every other service keeps its state and port.
        if (differing.Contains("access") && wanted.HttpsEnabled == true && current.HttpsEnabled != true)
        {
            await Write("HTTPS admin access", async () =>
            {
                var list = await client.GetAdminAccessesAsync(ct);
                if (list.Https is null) throw new IsapiException(IsapiErrorKind.NotSupported, "the device offers no HTTPS option (§6); upgrade or replace it");
                return await client.SetAdminAccessesAsync(list.Protocols.Select(p => p.Is("HTTPS") ? p with { Enabled = true } : p).ToList(), ct);
            });
        }

        var present = current.Users.Select(u => u.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var u in wanted.Users.Where(u => !present.Contains(u.Name)))
        {
            problems.Add($"user '{u.Name}' ({u.Level}) is gone: recreate it by hand (HikFleet never knows other users' passwords)");
        }

        return new WriteResult(applied, reboot, problems);
    }

    private static string? Cut(string? s, int max = MaxText) => s is null ? null : s.Length <= max ? s : s[..max];
}
