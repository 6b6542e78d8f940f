namespace HikFleet.Core.Data.Entities;

/// <summary>A client of the operator (an MSP customer, or the one organisation of a single-tenant install).</summary>
public sealed class Tenant
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Name { get; set; }
    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
    public List<Site> Sites { get; set; } = [];
}
