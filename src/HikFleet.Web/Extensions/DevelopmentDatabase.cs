using HikFleet.Core.Data;

namespace HikFleet.Web.Extensions;

/// <summary>
/// The connection string: <c>ConnectionStrings:Fleet</c> when set; otherwise, for a developer who started the private
/// cluster with <c>deploy/pg.sh start</c>, that cluster (so <c>dotnet run --project src/HikFleet.Web</c> just works).
/// </summary>
public static class DevelopmentDatabase
{
    public static string Resolve(IConfiguration configuration, IHostEnvironment environment)
    {
        if (configuration.GetConnectionString(FleetDatabase.ConnectionStringName) is { Length: > 0 } configured)
        {
            return configured;
        }

        return PrivateCluster(environment, "hikfleet") ?? configuration.GetFleetConnectionString();
    }

    /// <summary>
    /// The schema owner's connection: <c>ConnectionStrings:FleetOwner</c> when set; otherwise the private cluster's owner role when
    /// the application itself uses that cluster (never mixed with an explicitly configured application connection).
    /// </summary>
    public static string? ResolveOwner(IConfiguration configuration, IHostEnvironment environment)
    {
        if (configuration.GetConnectionString(FleetDatabase.OwnerConnectionStringName) is { Length: > 0 } configured)
        {
            return configured;
        }

        if (configuration.GetConnectionString(FleetDatabase.ConnectionStringName) is { Length: > 0 })
        {
            return null;
        }

        return PrivateCluster(environment, "hikfleet_owner");
    }

    /// <summary>A role's connection to the private cluster of the repository the app runs from (deploy/pg.sh), or null.</summary>
    private static string? PrivateCluster(IHostEnvironment environment, string role)
    {
        for (var dir = new DirectoryInfo(environment.ContentRootPath); dir is not null; dir = dir.Parent)
        {
            var secret = Path.Combine(dir.FullName, ".data", "pg", "secrets", $"{role}.password");
            if (File.Exists(secret) && File.Exists(Path.Combine(dir.FullName, "HikFleet.sln")))
            {
                var port = Environment.GetEnvironmentVariable("HIKFLEET_PG_PORT") ?? "25432";
                return $"Host=127.0.0.1;Port={port};Database=hikfleet;Username={role};Password={File.ReadAllText(secret).Trim()}";
            }
        }

        return null;
    }
}
