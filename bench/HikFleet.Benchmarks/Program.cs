using BenchmarkDotNet.Running;

namespace HikFleet.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project bench/HikFleet.Benchmarks -- --filter '*' --job short</c>
/// </summary>
public static class BenchmarkProgram
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(BenchmarkProgram).Assembly).Run(args);
}
