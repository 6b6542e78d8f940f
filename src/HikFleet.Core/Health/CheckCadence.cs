namespace HikFleet.Core.Health;

/// <summary>
/// When a camera's slow reads (settings every <see cref="HealthOptions.HardeningInterval"/>, the picture decode every
/// <see cref="HealthOptions.SnapshotInterval"/>) are due. Each camera has a fixed slot within the interval (a phase taken from its
/// id), and a read is due once per interval, at the first check past its slot, so a fleet's reads spread evenly over the interval
/// instead of all falling in one sweep (issue #13: after a restart every camera is read in the first sweep; without slots all of
/// them would be due again in the same later sweep, and that sweep would cost what the cadence saves). At least half an interval
/// passes between two reads of a camera (a fresh read is not repeated because its slot happens to come next), at most one and a
/// half (<see cref="NextDue"/>).
/// </summary>
internal static class CheckCadence
{
    public static bool Due(Guid cameraId, DateTimeOffset last, DateTimeOffset now, TimeSpan interval) =>
        interval <= TimeSpan.Zero || now >= NextDue(cameraId, last, interval);

    /// <summary>
    /// When the read after <paramref name="last"/> falls due: the camera's first slot after half an interval. A slot passed within
    /// that half is not "owed" later (else every camera whose slot fell there would be read together the moment the half interval
    /// is over). In the steady state that is exactly one interval after the previous slot; after a fleet-wide read (a restart) it
    /// is between half an interval and one and a half.
    /// </summary>
    public static DateTimeOffset NextDue(Guid cameraId, DateTimeOffset last, TimeSpan interval)
    {
        if (interval <= TimeSpan.Zero) return last;
        // Guid.GetHashCode is not randomised per process: the slot is the same on every node and after every restart.
        var phase = Phase(cameraId, interval);
        var ticks = (Slot(last + interval / 2, phase, interval) + 1) * interval.Ticks - phase;
        // Whole microseconds (PostgreSQL's precision), rounded up: a time stored and read back is still "due".
        return new DateTimeOffset((ticks + 9) / 10 * 10, TimeSpan.Zero);
    }

    /// <summary>When the camera's current slot began (at or before <paramref name="now"/>): where the steady state leaves its last read.</summary>
    public static DateTimeOffset LastSlotStart(Guid cameraId, DateTimeOffset now, TimeSpan interval)
    {
        if (interval <= TimeSpan.Zero) return now;
        var phase = Phase(cameraId, interval);
        return new DateTimeOffset(Slot(now, phase, interval) * interval.Ticks - phase, TimeSpan.Zero);
    }

    /// <summary>The hash scaled onto the interval (a modulo would favour the low phases whenever the interval is not a power of two).</summary>
    private static long Phase(Guid cameraId, TimeSpan interval) => (long)(((UInt128)(uint)cameraId.GetHashCode() * (ulong)interval.Ticks) >> 32);

    private static long Slot(DateTimeOffset at, long phase, TimeSpan interval) => (at.UtcTicks + phase) / interval.Ticks;
}
