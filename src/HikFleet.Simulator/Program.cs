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

var watch = Stopwatch.StartNew();
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
return 0;
