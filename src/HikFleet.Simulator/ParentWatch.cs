using System.Globalization;

namespace HikFleet.Simulator;

/// <summary>
/// Ends the simulator when the process that started it is gone (<c>--exit-with-parent</c>, <c>--parent-pid PID</c>): a benchmark
/// or test killed with SIGKILL runs no <c>finally</c>, and a simulator left behind holds thousands of sockets and CPU.
/// Polls <c>/proc/PID/stat</c> once a second (Linux only): a pid can be reused after its process is reaped, so the process counts as
/// the same only while its start time (field 22, read once when the watch starts) is unchanged; an unreaped zombie counts as gone.
/// </summary>
/// <remarks>
/// Polling rather than <c>prctl(PR_SET_PDEATHSIG)</c>: the death signal fires when the parent <em>thread</em> ends (any thread pool
/// thread of a .NET parent that called fork) and cannot watch a grandparent; a pidfd needs a newer kernel and P/Invoke. One read of
/// a ~300-byte proc file per second costs nothing next to the fleet.
/// </remarks>
public sealed class ParentWatch
{
    private readonly bool _isOurParent;

    private ParentWatch(int pid, long startTime, bool isOurParent)
    {
        ProcessId = pid;
        StartTime = startTime;
        _isOurParent = isOurParent;
    }

    /// <summary>The watched process.</summary>
    public int ProcessId { get; }

    /// <summary>Its start time in clock ticks since boot (/proc/PID/stat field 22), as read when the watch started.</summary>
    public long StartTime { get; }

    /// <summary>Whether this platform has what the watch reads (/proc).</summary>
    public static bool IsSupported => OperatingSystem.IsLinux();

    /// <summary>Watches the parent of this process (whoever started it).</summary>
    /// <exception cref="InvalidOperationException">The parent is already gone, or /proc cannot be read.</exception>
    public static ParentWatch OfParent()
    {
        var self = Read(Environment.ProcessId) ?? throw new InvalidOperationException("cannot read /proc/self/stat");
        // A parent of 1 means the one who started us is already gone (we were reparented to init) — or we are a container's
        // entry point, where there is nothing to watch either; refuse rather than watch init for ever.
        if (self.ParentId <= 1)
            throw new InvalidOperationException($"--exit-with-parent: the parent process is already gone (parent pid {self.ParentId})");
        var watch = Of(self.ParentId);
        return new ParentWatch(watch.ProcessId, watch.StartTime, isOurParent: true);
    }

    /// <summary>Watches process <paramref name="pid"/>.</summary>
    /// <exception cref="InvalidOperationException">No such live process.</exception>
    public static ParentWatch Of(int pid)
    {
        if (pid <= 0)
            throw new InvalidOperationException($"--parent-pid: {pid} is not a process id");
        var stat = Read(pid);
        if (stat is null || stat.Value.Exited)
            throw new InvalidOperationException($"--parent-pid: process {pid} is not running");
        return new ParentWatch(pid, stat.Value.StartTime, isOurParent: false);
    }

    /// <summary>Whether the watched process still runs: same pid, same start time, not a zombie (and, for our parent, still our parent).</summary>
    public bool IsAlive()
    {
        if (_isOurParent && Read(Environment.ProcessId) is { } self && self.ParentId != ProcessId)
            return false; // reparented (to init or a subreaper): the parent is gone even if its pid is already reused
        return Read(ProcessId) is { Exited: false } stat && stat.StartTime == StartTime;
    }

    /// <summary>Completes when the watched process is gone; polls every <paramref name="interval"/>.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled first.</exception>
    public async Task WaitForExitAsync(TimeSpan interval, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(interval);
        while (IsAlive())
        {
            if (!await timer.WaitForNextTickAsync(ct))
                return;
        }
    }

    private readonly record struct Stat(int ParentId, long StartTime, bool Exited);

    /// <summary>Fields of /proc/PID/stat, or null when there is no such process.</summary>
    private static Stat? Read(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException or UnauthorizedAccessException)
        {
            return null; // gone (ESRCH surfaces as an IOException when the process ends between open and read)
        }

        // "pid (comm) state ppid …": comm may hold spaces and parentheses, so fields are counted after the LAST ')'.
        var close = text.LastIndexOf(')');
        if (close < 0)
            return null;
        var fields = text[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // fields[0] is field 3 (state), fields[1] field 4 (ppid), fields[19] field 22 (starttime)
        if (fields.Length < 20
            || !int.TryParse(fields[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var ppid)
            || !long.TryParse(fields[19], NumberStyles.Integer, CultureInfo.InvariantCulture, out var start))
            return null;
        return new Stat(ppid, start, Exited: fields[0] is "Z" or "X" or "x");
    }
}
