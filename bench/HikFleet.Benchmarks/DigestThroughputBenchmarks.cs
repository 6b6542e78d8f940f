using System.Net;
using BenchmarkDotNet.Attributes;
using HikFleet.Isapi;
using HikFleet.Isapi.Models;
using HikFleet.Simulator;

namespace HikFleet.Benchmarks;

/// <summary>
/// Warm Digest GETs per second against one simulated camera on loopback, compared in the same run with unauthenticated
/// GETs (the ceiling: same server, same client pipeline, no Digest) and with a bare HttpClient. Each invocation is a
/// batch of sequential requests on one client, as a fleet manager polls one device.
/// </summary>
[MemoryDiagnoser]
public class DigestThroughputBenchmarks
{
    private const int Batch = 100;
    private VirtualFleet _fleet = null!;
    private IsapiClient _client = null!;
    private HttpClient _raw = null!;

    [GlobalSetup]
    public void Setup()
    {
        _fleet = VirtualFleet.StartAsync(new SimulatorOptions
        {
            Cameras = 1,
            HttpPort = 0,
            Sadp = false,
            BaseAddress = IPAddress.Parse($"127.{Random.Shared.Next(32, 250)}.{Random.Shared.Next(1, 250)}.10"),
        }).GetAwaiter().GetResult();
        var device = _fleet.Devices[0];
        _client = new IsapiClientFactory().Create(IsapiEndpoint.FromUri(device.HttpUri), new IsapiCredentials("admin", device.AdminPassword!));
        _client.CheckUserAsync().GetAwaiter().GetResult(); // warm: nonce learned
        _raw = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = device.HttpUri };
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _client.Dispose();
        _raw.Dispose();
        _fleet.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>Warm Digest: <c>GET /ISAPI/Security/userCheck</c>, authorised with nc+1 on the known nonce.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public async Task WarmDigestUserCheck()
    {
        for (var i = 0; i < Batch; i++) await _client.CheckUserAsync();
    }

    /// <summary>Warm Digest: <c>GET /ISAPI/System/deviceInfo</c> including parsing (forward-only, what the client does).</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public async Task WarmDigestDeviceInfo()
    {
        for (var i = 0; i < Batch; i++) await _client.GetDeviceInfoAsync();
    }

    /// <summary>The same GET read the way it was before issue #13: an XElement tree, then <c>FromXml</c>.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public async Task WarmDigestDeviceInfoTree()
    {
        for (var i = 0; i < Batch; i++) DeviceInfo.FromXml(await _client.GetXmlAsync("/ISAPI/System/deviceInfo", CancellationToken.None));
    }

    /// <summary>Warm Digest: <c>GET /ISAPI/System/status</c> including parsing (forward-only).</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public async Task WarmDigestStatus()
    {
        for (var i = 0; i < Batch; i++) await _client.GetStatusAsync();
    }

    /// <summary><c>GET /ISAPI/System/status</c> through the XElement tree (before issue #13).</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public async Task WarmDigestStatusTree()
    {
        for (var i = 0; i < Batch; i++) DeviceStatus.FromXml(await _client.GetXmlAsync("/ISAPI/System/status", CancellationToken.None));
    }

    /// <summary>Warm Digest: <c>GET /ISAPI/ContentMgmt/Storage</c> including parsing (forward-only).</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public async Task WarmDigestStorage()
    {
        for (var i = 0; i < Batch; i++) await _client.GetStorageAsync();
    }

    /// <summary><c>GET /ISAPI/ContentMgmt/Storage</c> through the XElement tree (before issue #13).</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public async Task WarmDigestStorageTree()
    {
        for (var i = 0; i < Batch; i++) StorageInfo.FromXml(await _client.GetXmlAsync("/ISAPI/ContentMgmt/Storage", CancellationToken.None));
    }

    /// <summary>Client-side Digest cost only: an authorised GET of a resource the device serves without checking it.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public async Task WarmDigestHeaderOnActivateStatus()
    {
        for (var i = 0; i < Batch; i++) await _client.GetXmlAsync("/SDK/activateStatus", CancellationToken.None);
    }

    /// <summary>The ceiling: unauthenticated <c>GET /SDK/activateStatus</c> through the same client pipeline.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public async Task UnauthenticatedActivateStatus()
    {
        for (var i = 0; i < Batch; i++) await _client.GetActivationStatusAsync();
    }

    /// <summary>The bare floor of the stack: a plain HttpClient GET of the same unauthenticated resource.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public async Task RawHttpClientActivateStatus()
    {
        for (var i = 0; i < Batch; i++) await _raw.GetByteArrayAsync("/SDK/activateStatus");
    }
}
