using HikFleet.Core.Devices;

namespace HikFleet.Web.Components.Shared;

/// <summary>
/// Keeps a page live: listens to <see cref="FleetChangeFeed"/>, ignores changes the page does not show, and reloads at most once
/// per <c>minInterval</c> however many changes arrive (a health sweep of 10,000 cameras publishes a burst; the page reloads once).
/// The reload runs on the component's dispatcher through <c>invoke</c>; disposing unsubscribes.
/// </summary>
public sealed class LiveReload : IDisposable
{
    private readonly FleetChangeFeed _feed;
    private readonly Func<FleetChange, bool> _matters;
    private readonly Func<Task> _reload;
    private readonly TimeSpan _minInterval;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private ITimer? _timer;
    private bool _scheduled;
    private bool _disposed;
    private DateTimeOffset _last = DateTimeOffset.MinValue;

    /// <param name="reload">Reloads and re-renders; called through the component's <c>InvokeAsync</c> by the caller's delegate.</param>
    public LiveReload(FleetChangeFeed feed, Func<FleetChange, bool> matters, Func<Task> reload, TimeSpan? minInterval = null, TimeProvider? time = null)
    {
        _feed = feed;
        _matters = matters;
        _reload = reload;
        _minInterval = minInterval ?? TimeSpan.FromSeconds(1);
        _time = time ?? TimeProvider.System;
        _feed.Changed += OnChanged;
    }

    /// <summary>How many reloads ran (for tests and diagnostics).</summary>
    public int Reloads => Volatile.Read(ref _reloads);

    private int _reloads;

    private void OnChanged(FleetChange change)
    {
        if (!_matters(change)) return;
        lock (_gate)
        {
            if (_disposed || _scheduled) return;
            _scheduled = true;
            var due = _last + _minInterval - _time.GetUtcNow();
            _timer?.Dispose();
            _timer = _time.CreateTimer(_ => Fire(), null, due > TimeSpan.Zero ? due : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }
    }

    private void Fire()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _scheduled = false;
            _last = _time.GetUtcNow();
        }

        _ = RunAsync();
    }

    private async Task RunAsync()
    {
        try
        {
            Interlocked.Increment(ref _reloads);
            await _reload();
        }
        catch (ObjectDisposedException)
        {
            // The circuit closed between the change and the reload.
        }
        catch (Exception)
        {
            // A failed background refresh must not kill the circuit; the next change (or a manual reload) tries again.
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _timer?.Dispose();
        }

        _feed.Changed -= OnChanged;
    }
}
