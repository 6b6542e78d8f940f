using System.Diagnostics;

namespace HikFleet.Simulator;

/// <summary>The one clock of a fleet: simulated seconds × <see cref="Scale"/> = real time.</summary>
internal sealed class SimClock(double scale)
{
    public double Scale { get; } = scale > 0 ? scale : throw new ArgumentOutOfRangeException(nameof(scale), "TimeScale must be > 0.");

    public TimeSpan ToReal(double simulatedSeconds) => TimeSpan.FromSeconds(Math.Max(0, simulatedSeconds) * Scale);

    public double SimulatedSecondsSince(long timestamp) => Stopwatch.GetElapsedTime(timestamp).TotalSeconds / Scale;

    public static long Now => Stopwatch.GetTimestamp();

    public Task Delay(double simulatedSeconds, CancellationToken ct = default)
    {
        var real = ToReal(simulatedSeconds);
        return real <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(real, ct);
    }
}
