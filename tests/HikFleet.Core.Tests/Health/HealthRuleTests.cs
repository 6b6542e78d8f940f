using System.Net;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Health;
using HikFleet.Isapi.Models;
using HikFleet.Testing;

namespace HikFleet.Core.Tests.Health;

/// <summary>Rules without devices: firmware advisories, address classes, hostile values.</summary>
public sealed class HealthRuleTests
{
    [Theory]
    [InlineData("DS-2CD2132F-IS", "V5.2.0", "build 140721", "CVE-2017-7921")]
    [InlineData("DS-2CD2132F-IS", "V5.4.0", "build 160530", "CVE-2017-7921,CVE-2021-36260")]
    [InlineData("DS-2CD2132F-IS", "V5.4.1", "build 160601", "CVE-2021-36260")]
    [InlineData("DS-2CD2342FWD-I", "V5.4.4", "build 161125", "CVE-2017-7921,CVE-2021-36260")]
    [InlineData("DS-2DF8236IX-AEL", "V5.3.0", "build 150101", "CVE-2017-7921")]
    [InlineData("DS-2CD6362F-IV", "V5.3.6", "build 160301", "")]
    [InlineData("DS-2CD2085FWD-I", "V5.5.82", "build 190909", "CVE-2021-36260")]
    [InlineData("DS-2CD2085FWD-I", "V5.5.800", "build 210628", "")]
    [InlineData("DS-2CD2386G2-IU", "V5.7.18", "build 240826", "")]
    [InlineData("DS-7608NXI-I2/8P/S", "V4.62.210", "build 220426", "")]
    [InlineData("DS-2CD2132F-IS", "garbage", null, "")]
    public void FirmwareAdvisories_FollowThePublishedRanges(string model, string version, string? build, string cves)
    {
        var found = FirmwareAdvisories.Match(model, FirmwareVersion.Parse(version, build)).Select(a => a.Cve);
        Assert.Equal(cves, string.Join(",", found));
    }

    [Theory]
    [InlineData("10.1.2.3", false)]
    [InlineData("172.16.0.1", false)]
    [InlineData("172.32.0.1", true)]
    [InlineData("192.168.1.64", false)]
    [InlineData("100.64.0.1", false)]
    [InlineData("100.128.0.1", true)]
    [InlineData("127.0.0.1", false)]
    [InlineData("169.254.1.1", false)]
    [InlineData("8.8.8.8", true)]
    [InlineData("2001:db8::1", true)]
    [InlineData("fd00::1", false)]
    public void PublicAddresses_AreTheOnesOutsidePrivateRanges(string address, bool isPublic) =>
        Assert.Equal(isPublic, HealthEvaluator.IsPublic(IPAddress.Parse(address)));

    private static HealthContext Context(params string[] subnets) =>
        new(subnets.Select(IPNetwork.Parse).ToList(), new HashSet<IPAddress>(), [], new HealthOptions());

    [Fact]
    public void AddressFindings_PublicAndOutsideTheSite()
    {
        var camera = TestFleet.NewCamera(Guid.NewGuid(), address: "203.0.113.7");
        var obs = new HealthObservation { CameraId = camera.Id, ReachFailure = new Isapi.IsapiException(Isapi.IsapiErrorKind.Unreachable, "refused") };
        var verdict = HealthEvaluator.Evaluate(camera, obs, null, 0, Context("10.0.0.0/24"));
        Assert.Equal(HealthState.Offline, verdict.State);
        Assert.Equal([HealthFindings.PublicAddress, HealthFindings.SubnetMismatch, HealthFindings.Unreachable], verdict.Findings.Select(f => f.Code));
    }

    [Fact]
    public void HostileStatusValues_AreIgnored_NotThrown()
    {
        var camera = TestFleet.NewCamera(Guid.NewGuid(), address: "10.0.0.5");
        camera.BootedAt = DateTimeOffset.UtcNow.AddDays(-1);
        camera.UptimeSeconds = 86_400;
        var obs = new HealthObservation
        {
            CameraId = camera.Id, At = DateTimeOffset.UtcNow, AuthSucceeded = true, LatencyMs = 5,
            Status = new DeviceStatus { CpuUtilization = double.NaN, MemoryUsagePercent = double.PositiveInfinity, Uptime = TimeSpan.FromDays(40_000) },
            Streams = [new StreamingChannel { Id = 101, ConstantBitRate = int.MaxValue, QualityControlType = "CBR" }],
        };
        var verdict = HealthEvaluator.Evaluate(camera, obs, null, 0, Context("10.0.0.0/24"));
        Assert.Null(verdict.CpuPercent);
        Assert.Null(verdict.UptimeSeconds);
        Assert.Null(verdict.Restart);
        Assert.Equal(HealthState.Healthy, verdict.State);
    }

    [Fact]
    public void UptimeLowerThanLastTime_IsARestart_AndThreeInTheWindowAreALoop()
    {
        var camera = TestFleet.NewCamera(Guid.NewGuid(), address: "10.0.0.5");
        camera.UptimeSeconds = 5000;
        camera.BootedAt = DateTimeOffset.UtcNow.AddSeconds(-5000);
        var obs = new HealthObservation
        {
            CameraId = camera.Id, At = DateTimeOffset.UtcNow, AuthSucceeded = true, LatencyMs = 5,
            Status = new DeviceStatus { Uptime = TimeSpan.FromSeconds(40) }, StatusAt = DateTimeOffset.UtcNow,
        };
        var verdict = HealthEvaluator.Evaluate(camera, obs, null, 2, Context());
        Assert.NotNull(verdict.Restart);
        Assert.Equal(HealthState.Critical, verdict.State);
        Assert.Equal([HealthFindings.RebootLoop], verdict.Findings.Select(f => f.Code));
        Assert.Contains("PoE", verdict.Findings[0].Fix);
    }
}
