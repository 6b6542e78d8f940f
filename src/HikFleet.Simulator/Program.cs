using System.Diagnostics;
using System.Runtime.InteropServices;
using HikFleet.Simulator;

// The simulator executable: parse flags, start the fleet, print "ready: N devices" once every device accepts a connection.
SimulatorOptions options;
try
{
    options = Cli.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(Cli.Usage);
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });

// --exit-with-parent / --parent-pid: a benchmark or test killed with SIGKILL cannot stop us, so we notice it is gone ourselves.
// Watched from before the fleet starts: creating 10,000 devices takes seconds, and the parent may die meanwhile.
ParentWatch? parent;
try
{
    parent = options.ExitWithProcess switch { null => null, 0 => ParentWatch.OfParent(), var pid => ParentWatch.Of(pid.Value) };
}
catch (InvalidOperationException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

var watching = parent is null ? Task.CompletedTask : StopWhenGoneAsync(parent);

var watch = Stopwatch.StartNew();
try
{
    await using var fleet = await VirtualFleet.StartAsync(options, stop.Token);
    var created = watch.Elapsed;
    var answering = await Cli.WaitUntilAnsweringAsync(fleet, stop.Token);
    if (answering < fleet.Devices.Count)
        Console.Error.WriteLine($"warning: {fleet.Devices.Count - answering} devices could not listen (is their address configured on this host?)");
    Console.WriteLine($"ready: {answering} devices");
    Console.WriteLine($"started in {watch.Elapsed.TotalSeconds:0.0} s (devices created in {created.TotalSeconds:0.0} s); first device {fleet.Devices.FirstOrDefault()?.HttpUri}" +
                      (fleet.ControlUri is null ? "" : $"; control API {fleet.ControlUri}") + (fleet.SadpPort is { } sp ? $"; SADP udp/{sp}" : ""));
    try
    {
        await Task.Delay(Timeout.Infinite, stop.Token);
    }
    catch (OperationCanceledException)
    {
    }
    Console.WriteLine("stopping");
} // the fleet is disposed here: every listener closed before the process ends
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    Console.WriteLine("stopping (before ready)"); // stopped while starting: same clean exit, not an unhandled exception
}

await watching;
return 0;

async Task StopWhenGoneAsync(ParentWatch watched)
{
    try
    {
        await watched.WaitForExitAsync(TimeSpan.FromSeconds(1), stop.Token);
    }
    catch (OperationCanceledException)
    {
        return; // stopped for another reason (SIGTERM, Ctrl+C)
    }

    // stdout may be a pipe nobody reads any more: .NET ignores EPIPE on console writes, so this cannot fail the shutdown
    Console.WriteLine($"process {watched.ProcessId} is gone; stopping");
    await stop.CancelAsync();
}
