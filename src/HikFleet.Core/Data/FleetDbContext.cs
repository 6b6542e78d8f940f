using HikFleet.Core.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace HikFleet.Core.Data;

/// <summary>The fleet inventory on PostgreSQL.</summary>
/// <remarks>
/// Entities are mapped by one <c>IEntityTypeConfiguration</c> each under <c>Data/Configurations</c>.
/// Add a migration (PostgreSQL only) from the repository root with:
/// <code>dotnet tool restore &amp;&amp; dotnet ef migrations add &lt;Name&gt; --project src/HikFleet.Core --startup-project src/HikFleet.Core --output-dir Data/Migrations</code>
/// Migrations are applied at start by <see cref="FleetDatabaseMigrator"/>, never by <c>EnsureCreated</c>.
/// </remarks>
public sealed class FleetDbContext(DbContextOptions<FleetDbContext> options) : DbContext(options)
{
    public DbSet<Tenant> Tenants => Set<Tenant>();
    public DbSet<Site> Sites => Set<Site>();
    public DbSet<Camera> Cameras => Set<Camera>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(FleetDbContext).Assembly);
    }
}
