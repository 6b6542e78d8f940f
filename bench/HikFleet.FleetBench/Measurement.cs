using System.Data.Common;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace HikFleet.FleetBench;

/// <summary>
/// Database round trips of this process, counted by an EF Core interceptor on every <see cref="Core.Data.FleetDbContext"/>:
/// one per command executed (a batched SaveChanges is one command) plus one per transaction commit or rollback. Npgsql sends
/// BEGIN with the next command and resets pooled connections lazily, so those add no round trip of their own.
/// </summary>
public sealed class RoundTripCounter : DbCommandInterceptor, IDbTransactionInterceptor
{
    private long _count;

    public long Count => Interlocked.Read(ref _count);

    private void Hit() => Interlocked.Increment(ref _count);

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    { Hit(); return result; }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    { Hit(); return ValueTask.FromResult(result); }

    public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    { Hit(); return result; }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<int> result, CancellationToken cancellationToken = default)
    { Hit(); return ValueTask.FromResult(result); }

    public override InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
    { Hit(); return result; }

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<object> result, CancellationToken cancellationToken = default)
    { Hit(); return ValueTask.FromResult(result); }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Hit();

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    { Hit(); return Task.CompletedTask; }

    public void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => Hit();

    public Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    { Hit(); return Task.CompletedTask; }
}

/// <summary>
/// HTTP requests that went on the wire from this process (the BCL's <c>System.Net.Http</c> meter records one
/// <c>http.client.request.duration</c> per request, Digest challenge round trips included) and ISAPI calls
/// (<c>hikfleet.isapi.request.duration</c>, one per client call). Both meters are process-wide, so only the measurements made
/// in the benchmark's own flow count (an <see cref="AsyncLocal{T}"/> set where the counter is made flows into every request the
/// benchmark starts, and the listener's callback runs in the recording request's flow): in the CI smoke other test classes of the
/// same process make ISAPI and HTTP requests at the same time, which were counted as the sweep's.
/// </summary>
public sealed class RequestCounter : IDisposable
{
    private static readonly AsyncLocal<RequestCounter?> Owner = new();
    private readonly MeterListener _listener = new();
    private long _http;
    private long _isapi;

    /// <summary>Counts the requests made from here on in the caller's flow (the async method that makes it and what it calls).</summary>
    public RequestCounter()
    {
        Owner.Value = this;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if ((instrument.Meter.Name == "System.Net.Http" && instrument.Name == "http.client.request.duration") ||
                (instrument.Meter.Name == Isapi.Diagnostics.IsapiTelemetry.Name && instrument.Name == "hikfleet.isapi.request.duration"))
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<double>((instrument, _, _, _) =>
        {
            if (Owner.Value != this) return;
            if (instrument.Meter.Name == "System.Net.Http") Interlocked.Increment(ref _http);
            else Interlocked.Increment(ref _isapi);
        });
        _listener.Start();
    }

    public long HttpRequests => Interlocked.Read(ref _http);
    public long IsapiCalls => Interlocked.Read(ref _isapi);

    public void Dispose() => _listener.Dispose();
}

/// <summary>What one phase cost this process.</summary>
public sealed record PhaseFigures(
    string Name, int Items, double WallSeconds, double CpuSeconds, long DbRoundTrips, long HttpRequests, long IsapiCalls,
    double PeakWorkingSetMb, double PeakGcHeapMb, double AllocatedMb, double SimulatorCpuSeconds,
    int Gen0Collections = 0, int Gen1Collections = 0, int Gen2Collections = 0, double GcPauseSeconds = 0, double JitSeconds = 0, long JitMethods = 0,
    double PostgresCpuSeconds = 0, long ThreadPoolWorkItems = 0, int ThreadsAtStart = 0, int PeakThreads = 0, long MinorFaults = 0)
{
    public double ItemsPerSecond => WallSeconds > 0 ? Items / WallSeconds : 0;
    public double CpuSecondsPer1000 => Items > 0 ? CpuSeconds * 1000 / Items : 0;
    public double DbRoundTripsPerItem => Items > 0 ? (double)DbRoundTrips / Items : 0;
    public double HttpRequestsPerItem => Items > 0 ? (double)HttpRequests / Items : 0;
}

/// <summary>
/// Measures one phase: wall time (Stopwatch), CPU time of this process (<see cref="Process.TotalProcessorTime"/> delta), the
/// round-trip and request counters, bytes allocated, and the peak working set and GC heap sampled every 50 ms.
/// </summary>
public sealed class PhaseMeter : IAsyncDisposable
{
    private readonly string _name;
    private readonly RoundTripCounter _db;
    private readonly RequestCounter _requests;
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly TimeSpan _cpu0;
    private readonly long _db0, _http0, _isapi0, _alloc0, _jitMethods0, _workItems0;
    private readonly int[] _collections0;
    private readonly TimeSpan _gcPause0, _jit0;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampler;
    private long _peakWorkingSet, _peakHeap;
    private readonly int _threads0;
    private int _peakThreads;
    private readonly long _faults0;

    private readonly Func<double>? _simulatorCpu;
    private readonly double _simCpu0, _pgCpu0;

    /// <param name="simulatorCpu">CPU seconds of the simulator processes so far (read from /proc), for context.</param>
    public PhaseMeter(string name, RoundTripCounter db, RequestCounter requests, Func<double>? simulatorCpu = null)
    {
        _name = name;
        _simulatorCpu = simulatorCpu;
        _simCpu0 = simulatorCpu?.Invoke() ?? 0;
        _pgCpu0 = ProcessCpu.PostgresSeconds();
        _db = db;
        _requests = requests;
        _cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        _db0 = db.Count;
        _http0 = requests.HttpRequests;
        _isapi0 = requests.IsapiCalls;
        _alloc0 = GC.GetTotalAllocatedBytes();
        _collections0 = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
        _gcPause0 = GC.GetTotalPauseDuration();
        _jit0 = System.Runtime.JitInfo.GetCompilationTime();
        _jitMethods0 = System.Runtime.JitInfo.GetCompiledMethodCount();
        _workItems0 = ThreadPool.CompletedWorkItemCount;
        _threads0 = ThreadPool.ThreadCount;
        _faults0 = MinorFaults();
        Sample();
        _sampler = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
            try
            {
                while (await timer.WaitForNextTickAsync(_stop.Token)) Sample();
            }
            catch (OperationCanceledException)
            {
            }
        });
    }

    private void Sample()
    {
        var ws = WorkingSetBytes();
        var heap = GC.GetGCMemoryInfo().HeapSizeBytes;
        if (ws > Interlocked.Read(ref _peakWorkingSet)) Interlocked.Exchange(ref _peakWorkingSet, ws);
        if (heap > Interlocked.Read(ref _peakHeap)) Interlocked.Exchange(ref _peakHeap, heap);
        var threads = ThreadPool.ThreadCount;
        if (threads > Volatile.Read(ref _peakThreads)) Volatile.Write(ref _peakThreads, threads);
    }

    /// <summary>Minor page faults of this process so far (/proc/self/stat): memory the process touched that the kernel had to map,
    /// e.g. GC memory given back while idle and committed again.</summary>
    public static long MinorFaults()
    {
        try
        {
            var stat = File.ReadAllText("/proc/self/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[7], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 0;
        }
    }

    /// <summary>The resident set of this process: the second field of /proc/self/statm, in pages. <see cref="Process.WorkingSet64"/>
    /// builds a whole Linux ProcessInfo, reading the stat file of every thread of the process: sampled 20 times a second, it was
    /// 1.7 % of the CPU the benchmark charges to the app (issue #13).</summary>
    public static long WorkingSetBytes()
    {
        try
        {
            Span<byte> text = stackalloc byte[256];
            using var handle = File.OpenHandle("/proc/self/statm");
            var length = RandomAccess.Read(handle, text, 0);
            var fields = System.Text.Encoding.ASCII.GetString(text[..length]).Split(' ');
            return long.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture) * Environment.SystemPageSize;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            using var self = Process.GetCurrentProcess();
            return self.WorkingSet64;
        }
    }

    public async Task<PhaseFigures> StopAsync(int items)
    {
        var wall = Stopwatch.GetElapsedTime(_started);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - _cpu0;
        var db = _db.Count - _db0;
        var http = _requests.HttpRequests - _http0;
        var isapi = _requests.IsapiCalls - _isapi0;
        var allocated = GC.GetTotalAllocatedBytes() - _alloc0;
        var simulator = (_simulatorCpu?.Invoke() ?? 0) - _simCpu0;
        var postgres = ProcessCpu.PostgresSeconds() - _pgCpu0;
        // A GC counted at a level also counts at the levels below it: report each level's own collections.
        var gen2 = GC.CollectionCount(2) - _collections0[2];
        var gen1 = GC.CollectionCount(1) - _collections0[1] - gen2;
        var gen0 = GC.CollectionCount(0) - _collections0[0] - gen1 - gen2;
        var pause = GC.GetTotalPauseDuration() - _gcPause0;
        var jit = System.Runtime.JitInfo.GetCompilationTime() - _jit0;
        var jitMethods = System.Runtime.JitInfo.GetCompiledMethodCount() - _jitMethods0;
        // Work items the thread pool ran (continuations, socket completions, timers): each is a hop between threads, and a wake-up
        // when the pool had gone idle.
        var workItems = ThreadPool.CompletedWorkItemCount - _workItems0;
        Sample();
        await _stop.CancelAsync();
        await _sampler;
        return new PhaseFigures(_name, items, wall.TotalSeconds, cpu.TotalSeconds, db, http, isapi, _peakWorkingSet / 1048576.0,
            _peakHeap / 1048576.0, allocated / 1048576.0, simulator, gen0, gen1, gen2, pause.TotalSeconds, jit.TotalSeconds, jitMethods, postgres,
            workItems, _threads0, _peakThreads, MinorFaults() - _faults0);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested) await _stop.CancelAsync();
        await _sampler;
        _stop.Dispose();
    }
}

/// <summary>Latency percentiles of repeated calls (milliseconds).</summary>
public sealed record LatencyFigures(string Name, int Samples, double P50Ms, double P95Ms, double MaxMs)
{
    public static LatencyFigures From(string name, List<double> samples)
    {
        var sorted = samples.Order().ToList();
        double At(double p) => sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
        return new LatencyFigures(name, sorted.Count, At(0.50), At(0.95), sorted.Count == 0 ? 0 : sorted[^1]);
    }
}

/// <summary>CPU seconds of processes so far, from /proc/PID/stat; 0 for what cannot be read.</summary>
public static class ProcessCpu
{
    /// <summary>utime + stime of one process.</summary>
    public static double Seconds(int pid) => Read(pid) is { } stat ? stat.Own : 0;

    /// <summary>
    /// Every local PostgreSQL process (command name <c>postgres</c>): their own time, plus the time of the children each postmaster
    /// has reaped (backends that ended). 0 when PostgreSQL runs on another machine or in another PID namespace.
    /// </summary>
    public static double PostgresSeconds()
    {
        try
        {
            var processes = new List<(int Pid, int Parent, double Own, double Reaped)>();
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
                if (Read(pid) is { Command: "postgres" } stat) processes.Add((pid, stat.Parent, stat.Own, stat.Reaped));
            }

            var pids = processes.Select(p => p.Pid).ToHashSet();
            return processes.Sum(p => p.Own + (pids.Contains(p.Parent) ? 0 : p.Reaped));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    private static (string Command, int Parent, double Own, double Reaped)? Read(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var open = stat.IndexOf('(');
            var close = stat.LastIndexOf(')');
            // Fields after the command name (which may hold spaces) start after the last ')'.
            var fields = stat[(close + 2)..].Split(' ');
            double Field(int i) => long.Parse(fields[i], System.Globalization.CultureInfo.InvariantCulture) / 100.0;
            return (stat[(open + 1)..close], int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture),
                Field(11) + Field(12), Field(13) + Field(14));
        }
        catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}

/// <summary>
/// Allocation profile from the runtime's GCAllocationTick events (one about every 100 KB allocated, with the type that crossed
/// the mark): a sampled view of which types the allocations are, without dotnet-trace. Only on when asked (<c>--alloc-profile</c>).
/// </summary>
public sealed class AllocationProfiler : System.Diagnostics.Tracing.EventListener
{
    private readonly Dictionary<string, long> _bytes = new(StringComparer.Ordinal);
    private volatile bool _on;

    public void Start() => _on = true;

    public List<(string Type, double Mb)> Stop(int top)
    {
        _on = false;
        lock (_bytes) return _bytes.OrderByDescending(p => p.Value).Take(top).Select(p => (p.Key, p.Value / 1048576.0)).ToList();
    }

    protected override void OnEventSourceCreated(System.Diagnostics.Tracing.EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
            EnableEvents(source, System.Diagnostics.Tracing.EventLevel.Verbose, (System.Diagnostics.Tracing.EventKeywords)0x1);
    }

    // What the collections kept alive (GCHeapStats: promoted bytes; GCMarkWithType: where the live objects were found — the stack,
    // handles, the finalizer queue, or older generations through the card table), summed over the profiled phase.
    private readonly Dictionary<string, double> _gc = new(StringComparer.Ordinal);

    /// <summary>The collections' figures summed over the profiled phase (MB, or a count), by name.</summary>
    public IReadOnlyDictionary<string, double> GcFigures()
    {
        lock (_gc) return new Dictionary<string, double>(_gc);
    }

    private void AddGc(string key, double value)
    {
        lock (_gc) _gc[key] = _gc.GetValueOrDefault(key) + value;
    }

    private static double Payload(System.Diagnostics.Tracing.EventWrittenEventArgs e, string name) =>
        e.PayloadNames!.IndexOf(name) is >= 0 and var i ? Convert.ToDouble(e.Payload![i], System.Globalization.CultureInfo.InvariantCulture) : 0;

    private DateTime _suspendBegan, _gcBegan, _restartBegan;

    private static readonly string[] MarkTypes = ["stack", "finalizer queue", "handles", "older generations (cards)", "sized refs", "overflow"];

    protected override void OnEventWritten(System.Diagnostics.Tracing.EventWrittenEventArgs e)
    {
        if (!_on || e.EventName is not { } name || e.PayloadNames is null) return;
        if (name.StartsWith("GCHeapStats", StringComparison.Ordinal))
        {
            AddGc("promoted from gen0 MB", Payload(e, "TotalPromotedSize0") / 1048576.0);
            AddGc("promoted from gen1 MB", Payload(e, "TotalPromotedSize1") / 1048576.0);
            AddGc("collections", 1);
            return;
        }

        // Where a pause goes: suspending the threads (each must reach a safe point; one the OS has preempted holds everyone up)
        // against the collection itself, and which generation each collection condemned.
        if (name.StartsWith("GCSuspendEEBegin", StringComparison.Ordinal)) { _suspendBegan = e.TimeStamp; return; }
        if (name.StartsWith("GCSuspendEEEnd", StringComparison.Ordinal)) { AddGc("suspending threads ms", (e.TimeStamp - _suspendBegan).TotalMilliseconds); return; }
        if (name.StartsWith("GCStart", StringComparison.Ordinal))
        {
            _gcBegan = e.TimeStamp;
            AddGc($"condemned gen{Payload(e, "Depth"):F0} (reason {Payload(e, "Reason"):F0})", 1);
            return;
        }

        if (name.StartsWith("GCEnd", StringComparison.Ordinal)) { AddGc("collecting ms", (e.TimeStamp - _gcBegan).TotalMilliseconds); return; }
        if (name.StartsWith("GCRestartEEBegin", StringComparison.Ordinal)) { _restartBegan = e.TimeStamp; return; }
        if (name.StartsWith("GCRestartEEEnd", StringComparison.Ordinal)) { AddGc("restarting threads ms", (e.TimeStamp - _restartBegan).TotalMilliseconds); return; }
        if (name.StartsWith("GCMarkWithType", StringComparison.Ordinal))
        {
            var mark = (int)Payload(e, "Type");
            AddGc($"marked via {(mark >= 0 && mark < MarkTypes.Length ? MarkTypes[mark] : mark.ToString(System.Globalization.CultureInfo.InvariantCulture))} MB",
                Payload(e, "Bytes") / 1048576.0);
            return;
        }

        if (!name.StartsWith("GCAllocationTick", StringComparison.Ordinal)) return;
        var type = e.PayloadNames.IndexOf("TypeName") is >= 0 and var t ? e.Payload![t] as string ?? "?" : "?";
        var amount = e.PayloadNames.IndexOf("AllocationAmount64") is >= 0 and var a ? Convert.ToInt64(e.Payload![a], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
        lock (_bytes) _bytes[type] = _bytes.GetValueOrDefault(type) + amount;
    }
}
