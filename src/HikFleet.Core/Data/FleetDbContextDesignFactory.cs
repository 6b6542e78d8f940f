using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace HikFleet.Core.Data;

/// <summary>Lets <c>dotnet ef</c> build the model without starting the web host; no database is touched to add a migration.</summary>
internal sealed class FleetDbContextDesignFactory : IDesignTimeDbContextFactory<FleetDbContext>
{
    public FleetDbContext CreateDbContext(string[] args)
    {
        var connectionString = Environment.GetEnvironmentVariable("ConnectionStrings__Fleet")
            ?? "Host=127.0.0.1;Port=25432;Database=hikfleet;Username=hikfleet";
        var options = new DbContextOptionsBuilder<FleetDbContext>();
        FleetDatabase.Configure(options, connectionString);
        return new FleetDbContext(options.Options);
    }
}
