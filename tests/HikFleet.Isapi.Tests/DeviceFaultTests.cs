using System.Diagnostics;
using HikFleet.Isapi.Tests.Support;

namespace HikFleet.Isapi.Tests;

/// <summary>The simulator's faults end in the typed errors callers act on.</summary>
public sealed class DeviceFaultTests(SimulatorFixture sim)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly IsapiOptions Tight = new()
    {
        // Generous enough for a loaded 2-core CI machine, tight enough to prove the bound.
        RequestTimeout = TimeSpan.FromSeconds(3),
        ReadIdleTimeout = TimeSpan.FromSeconds(1),
        ConnectTimeout = TimeSpan.FromSeconds(2),
        MaxXmlBytes = 256 * 1024,
    };

    private async Task<(IsapiException Error, TimeSpan Elapsed)> FaultAsync(Action<Simulator.DeviceFaults> fault)
    {
        var device = sim.AddCamera();
        using var client = sim.Client(device, factory: new IsapiClientFactory(Tight));
        await client.CheckUserAsync(Ct); // warm: the fault hits an authenticated request
        fault(device.Faults);
        var watch = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<IsapiException>(() => client.GetDeviceInfoAsync(Ct));
        return (ex, watch.Elapsed);
    }

    [Fact]
    public async Task Offline_IsUnreachable()
    {
        var (ex, elapsed) = await FaultAsync(f => f.Offline = true);
        Assert.Equal(IsapiErrorKind.Unreachable, ex.Kind);
        Assert.True(ex.IsTransient);
        Assert.True(elapsed < TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task NeverAnswering_IsTimeout()
    {
        var (ex, elapsed) = await FaultAsync(f => f.Timeout = true);
        Assert.Equal(IsapiErrorKind.Timeout, ex.Kind);
        Assert.InRange(elapsed, TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(6));
    }

    [Fact]
    public async Task DeviceError_IsDeviceErrorWithStatusCode3()
    {
        var (ex, _) = await FaultAsync(f => f.DeviceError = true);
        Assert.Equal(IsapiErrorKind.DeviceError, ex.Kind);
        Assert.Equal(3, ex.StatusCode);
        Assert.Equal("deviceError", ex.SubStatusCode);
    }

    [Fact]
    public async Task MalformedXml_IsMalformedAnswer()
    {
        var (ex, _) = await FaultAsync(f => f.MalformedXml = true);
        Assert.Equal(IsapiErrorKind.MalformedAnswer, ex.Kind);
    }

    [Fact]
    public async Task OversizedBody_IsMalformedAnswer_Quickly()
    {
        var (ex, elapsed) = await FaultAsync(f => f.OversizedBody = true);
        Assert.Equal(IsapiErrorKind.MalformedAnswer, ex.Kind);
        Assert.True(elapsed < TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task NeverEndingBody_IsMalformedAnswer_AtTheSizeBound()
    {
        var (ex, elapsed) = await FaultAsync(f => f.NeverEndingBody = true);
        Assert.True(ex.Kind is IsapiErrorKind.MalformedAnswer or IsapiErrorKind.Timeout, ex.Kind.ToString());
        Assert.True(elapsed < TimeSpan.FromSeconds(4));
    }

    [Fact]
    public async Task SlowDrip_IsTimeout()
    {
        var (ex, elapsed) = await FaultAsync(f => { f.SlowDrip = true; f.SlowDripMs = 100; });
        Assert.Equal(IsapiErrorKind.Timeout, ex.Kind);
        Assert.InRange(elapsed, TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(6));
    }

    [Fact]
    public async Task Upgrading_Writes_AreBusy()
    {
        var device = sim.AddCamera(Simulator.DeviceCatalog.Turret4K.Model);
        using var client = sim.Client(device);
        var image = Simulator.FirmwareImage.Create(device.ModelInfo.Platform, "V5.8.2", "build 250301", 64 * 1024);
        await client.UploadFirmwareAsync(new MemoryStream(image), null, FirmwareUploadFormat.Raw, Ct);

        var ex = await Assert.ThrowsAsync<IsapiException>(() => client.SetOsdNameAsync("x-during-upgrade", 1, Ct));

        Assert.Equal(IsapiErrorKind.Busy, ex.Kind);
        Assert.Equal("upgrading", ex.SubStatusCode);
    }
}
