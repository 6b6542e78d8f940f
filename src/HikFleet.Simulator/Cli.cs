using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace HikFleet.Simulator;

/// <summary>Command-line flags of the simulator executable and its readiness check.</summary>
internal static class Cli
{
    public const string Usage =
        "usage: HikFleet.Simulator --cameras N [--sites S] [--base-address 127.20.0.10] [--http-port P] [--https] [--https-port P]\n" +
        "       [--control 127.0.0.1:18999 | --no-control] [--time-scale X] [--scenario FILE] [--seed N] [--factory-address ADDR]\n" +
        "       [--sadp-interface ADDR] [--sadp-ttl N] [--sadp-port P] [--no-sadp] [--max-failed-logins N] [--lock-seconds S]\n" +
        "       [--exit-with-parent | --parent-pid PID]   stop (as on SIGTERM) once the process that started it, or PID, is gone";

    public static SimulatorOptions Parse(string[] args)
    {
        var o = new SimulatorOptions { Control = new IPEndPoint(IPAddress.Loopback, 18999) };
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => int.TryParse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : throw new ArgumentException($"{args[i]}: not an integer");
            IPAddress Ip() => IPAddress.TryParse(Next(), out var a) ? a : throw new ArgumentException($"{args[i]}: not an IP address");
            switch (args[i])
            {
                case "--cameras": o.Cameras = Int(); break;
                case "--sites": o.Sites = Int(); break;
                case "--base-address": o.BaseAddress = Ip(); break;
                case "--http-port": o.HttpPort = Int(); break;
                case "--https": o.Https = true; break;
                case "--https-port": o.HttpsPort = Int(); break;
                case "--control": o.Control = IPEndPoint.TryParse(Next(), out var ep) ? ep : throw new ArgumentException("--control: expected ADDR:PORT"); break;
                case "--no-control": o.Control = null; break;
                case "--time-scale": o.TimeScale = double.TryParse(Next(), NumberStyles.Float, CultureInfo.InvariantCulture, out var ts) && ts > 0 ? ts : throw new ArgumentException("--time-scale: expected a positive number"); break;
                case "--scenario": o.ScenarioFile = Next(); break;
                case "--seed": o.Seed = Int(); break;
                case "--factory-address": o.FactoryAddress = Ip(); break;
                case "--sadp-interface": o.SadpInterface = Ip(); break;
                case "--sadp-ttl": o.SadpTtl = Int(); break;
                case "--sadp-port": o.SadpPort = Int(); break;
                case "--no-sadp": o.Sadp = false; break;
                case "--max-failed-logins": o.MaxFailedLogins = Int(); break;
                case "--lock-seconds": o.LockSeconds = Int(); break;
                case "--exit-with-parent": o.ExitWithProcess = 0; break;
                case "--parent-pid": o.ExitWithProcess = Int() is > 0 and var pid ? pid : throw new ArgumentException("--parent-pid: expected a process id > 0"); break;
                case "-h" or "--help": throw new ArgumentException("help");
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }
        if (o.Cameras < 0)
            throw new ArgumentException("--cameras must be >= 0");
        if (o.ExitWithProcess is not null && !ParentWatch.IsSupported)
            throw new ArgumentException("--exit-with-parent / --parent-pid need Linux (/proc)");
        return o;
    }

    /// <summary>"ready" means every device accepts a TCP connection on its HTTP port (checked, not assumed).</summary>
    public static async Task<int> WaitUntilAnsweringAsync(VirtualFleet fleet, CancellationToken ct)
    {
        var answering = 0;
        await Parallel.ForEachAsync(fleet.Devices, new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = ct }, async (d, token) =>
        {
            if (!d.Online || !d.IsListening)
                return; // offline by scenario, or its address is not on this host
            for (var attempt = 0; attempt < 50; attempt++)
            {
                try
                {
                    using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    await s.ConnectAsync(d.Address, d.HttpPort, token);
                    Interlocked.Increment(ref answering);
                    return;
                }
                catch (SocketException)
                {
                    await Task.Delay(100, token);
                }
            }
        });
        // devices that are deliberately offline (scenario) count as answering: they are up, their fault hides them
        return answering + fleet.Devices.Count(d => !d.Online);
    }
}
