namespace HikFleet.Core.Devices;

/// <summary>What changed, for live pages: they reload what they show when a change touches their scope.</summary>
/// <param name="Kind">"health", "discovery", "inventory", "operation"...</param>
public sealed record FleetChange(string Kind, Guid? TenantId, Guid? SiteId, Guid? CameraId = null);

/// <summary>The kinds of <see cref="FleetChange"/>.</summary>
public static class FleetChangeKinds
{
    public const string Health = "health", Discovery = "discovery", Inventory = "inventory", Site = "site", Operation = "operation", Alert = "alert", Poe = "poe";
}

/// <summary>
/// In-process fan-out of inventory changes to open pages (Blazor circuits subscribe, jobs publish after they commit).
/// Several web nodes would relay this through PostgreSQL LISTEN/NOTIFY (DESIGN.md, Beyond one machine).
/// </summary>
public sealed class FleetChangeFeed
{
    /// <summary>Raised after a change was committed. Handlers must be quick and must not throw (pages marshal to their own context).</summary>
    public event Action<FleetChange>? Changed;

    public void Publish(FleetChange change)
    {
        var handlers = Changed;
        if (handlers is null) return;
        foreach (var handler in handlers.GetInvocationList().Cast<Action<FleetChange>>())
        {
            try
            {
                handler(change);
            }
            catch (Exception)
            {
                // One broken subscriber (a closed circuit) must not stop the others or the job that published.
            }
        }
    }
}
