using System.Net;
using BenchmarkDotNet.Attributes;
using HikFleet.Isapi;
using HikFleet.Simulator;

namespace HikFleet.Benchmarks;

/// <summary>
/// The request path of a steady health check (issue #13): the four GETs the probe makes per camera once the Digest nonce
/// is warm — deviceInfo, status, ContentMgmt/Storage and channels/101/picture with <c>Connection: close</c> — through a
/// real <see cref="IsapiClient"/> against one simulated camera on loopback. One operation is one check. The simulator
/// serves in this process, so its work is inside the figures; it is the same before and after a client change, so the
/// differences are the client's.
/// </summary>
[MemoryDiagnoser]
public class SteadyCheckBenchmarks
{
    private const int Batch = 50;
    private VirtualFleet _fleet = null!;
    private IsapiClient _client = null!;

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
        CheckAsync().GetAwaiter().GetResult(); // warm: nonce learned, code paths jitted
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _client.Dispose();
        _fleet.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>One steady check: the four GETs in the probe's order, the picture last with <c>Connection: close</c>.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public async Task SteadyCheck()
    {
        for (var i = 0; i < Batch; i++) await CheckAsync();
    }

    /// <summary>The three XML GETs alone on a kept-alive connection (no picture, no reconnect).</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public async Task SteadyCheckXmlOnly()
    {
        for (var i = 0; i < Batch; i++)
        {
            await _client.GetDeviceInfoAsync();
            await _client.GetStatusAsync();
            await _client.GetStorageAsync();
        }
    }

    private async Task CheckAsync()
    {
        await _client.GetDeviceInfoAsync();
        await _client.GetStatusAsync();
        await _client.GetStorageAsync();
        await _client.GetSnapshotAsync(101, closeConnection: true);
    }
}
