using System.Diagnostics;
using System.Net;
using HikFleet.Sadp;

namespace HikFleet.Sadp.Tests;

/// <summary>Timing-sensitive tests run alone (after the parallel ones), so the figure measures the client and simulator, not the fuzzer.</summary>
[CollectionDefinition(nameof(SadpScaleTests), DisableParallelization = true)]
public sealed class SadpScaleCollection;

/// <summary>Discovery at fleet scale against the real simulator on loopback.</summary>
[Collection(nameof(SadpScaleTests))]
public sealed class SadpScaleTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Discovers1000Devices_Within3Seconds_NoneMissed()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var fleet = await SimulatorFleet.StartAsync(1000, ct);
        var client = SimulatorFleet.Client(fleet, o =>
        {
            o.QuietWindow = TimeSpan.FromMilliseconds(500);
            o.ProbeRounds = 3;
            o.ProbeInterval = TimeSpan.FromMilliseconds(300);
            o.MaxDuration = TimeSpan.FromSeconds(3);
        });
        var expected = fleet.Devices.Select(d => d.Mac).ToHashSet(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        TimeSpan? allSeenAt = null;
        var sw = Stopwatch.StartNew();
        await foreach (var s in client.DiscoverAsync(ct))
        {
            Assert.True(seen.Add(s.Mac), $"{s.Mac} yielded twice");
            Assert.Equal(IPAddress.Loopback, s.LocalInterface);
            if (seen.Count == expected.Count)
                allSeenAt = sw.Elapsed;
        }
        var total = sw.Elapsed;
        output.WriteLine($"1000 devices: last new sighting after {allSeenAt?.TotalMilliseconds:F0} ms; discovery (incl. 500 ms quiet window) ended after {total.TotalMilliseconds:F0} ms");
        Assert.Empty(expected.Except(seen));
        Assert.Equal(expected.Count, seen.Count);
        Assert.True(total < TimeSpan.FromSeconds(3), $"discovery took {total}");
    }
}
