using BenchmarkDotNet.Running;

namespace HikFleet.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project bench/HikFleet.Benchmarks -- --filter '*' --job short</c>;
/// <c>… -- check-profile [checks] [rounds]</c> for the client-only CPU and allocations of a steady check (<see cref="CheckProfile"/>).
/// </summary>
public static class BenchmarkProgram
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "check-profile") return await CheckProfile.RunAsync(args[1..]);
        BenchmarkSwitcher.FromAssembly(typeof(BenchmarkProgram).Assembly).Run(args);
        return 0;
    }
}
