using HikFleet.FleetBench;

namespace HikFleet.Core.Tests.Bench;

/// <summary>
/// The GC gen0 budget is read from the environment only, so it lives in three places: the container image, the run script and
/// the benchmark (which starts itself with it, so its figures are the application's). They must not drift apart.
/// </summary>
public sealed class RuntimeSettingsTests
{
    [Fact]
    public void The_image_the_run_script_and_the_benchmark_give_the_app_the_same_gen0_budget()
    {
        var root = RepositoryRoot();
        var dockerfile = File.ReadAllLines(Path.Combine(root, "deploy", "Dockerfile"));
        Assert.Contains(dockerfile, line => line.Trim() == $"ENV {FleetBenchmark.Gen0BudgetVariable}={FleetBenchmark.Gen0Budget}");
        var run = File.ReadAllLines(Path.Combine(root, "deploy", "run.sh"));
        var export = Assert.Single(run, line => line.Contains(FleetBenchmark.Gen0BudgetVariable + "=", StringComparison.Ordinal));
        Assert.Equal($"export {FleetBenchmark.Gen0BudgetVariable}=\"${{{FleetBenchmark.Gen0BudgetVariable}:-{FleetBenchmark.Gen0Budget}}}\"", export.Trim());
        // ... and the export comes before the line that starts the application.
        Assert.True(Array.IndexOf(run, export) < Array.FindIndex(run, line => line.Contains("exec dotnet HikFleet.Web.dll", StringComparison.Ordinal)));
        // 64 MB, a hexadecimal number as the runtime reads it.
        Assert.Equal(64L << 20, Convert.ToInt64(FleetBenchmark.Gen0Budget, 16));
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "HikFleet.sln"))) return dir.FullName;
        throw new InvalidOperationException("HikFleet.sln not found above " + AppContext.BaseDirectory);
    }
}
