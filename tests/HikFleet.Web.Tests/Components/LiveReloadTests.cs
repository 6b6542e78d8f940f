using HikFleet.Core.Devices;
using HikFleet.Web.Components.Shared;

namespace HikFleet.Web.Tests.Components;

/// <summary>Live pages reload once per burst of changes, only for changes that matter to them, and never after they are gone.</summary>
public sealed class LiveReloadTests
{
    [Fact]
    public async Task A_burst_of_changes_reloads_once_and_unrelated_or_late_changes_not_at_all()
    {
        var ct = TestContext.Current.CancellationToken;
        var feed = new FleetChangeFeed();
        var tenant = Guid.NewGuid();
        var reloads = 0;
        using (var live = new LiveReload(feed, c => c.TenantId == tenant, () => { Interlocked.Increment(ref reloads); return Task.CompletedTask; },
            TimeSpan.FromMilliseconds(400)))
        {
            for (var i = 0; i < 200; i++) feed.Publish(new FleetChange("health", tenant, null, Guid.NewGuid()));
            feed.Publish(new FleetChange("health", Guid.NewGuid(), null));
            await WaitUntilAsync(() => Volatile.Read(ref reloads) == 1, ct);
            await Task.Delay(300, ct);
            Assert.Equal(1, Volatile.Read(ref reloads));

            // The next change right after a reload waits out the interval, then reloads once more.
            feed.Publish(new FleetChange("health", tenant, null));
            feed.Publish(new FleetChange("health", tenant, null));
            await WaitUntilAsync(() => Volatile.Read(ref reloads) == 2, ct);

            // Only unrelated changes: nothing.
            feed.Publish(new FleetChange("health", Guid.NewGuid(), null));
            await Task.Delay(600, ct);
            Assert.Equal(2, live.Reloads);
        }

        // Disposed (the circuit closed): unsubscribed.
        feed.Publish(new FleetChange("health", tenant, null));
        await Task.Delay(600, ct);
        Assert.Equal(2, Volatile.Read(ref reloads));
    }

    private static async Task WaitUntilAsync(Func<bool> condition, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(20, ct);
        }
    }
}
