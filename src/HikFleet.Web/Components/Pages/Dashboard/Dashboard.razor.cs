using HikFleet.Core.Data.Entities;
using HikFleet.Core.Devices;
using HikFleet.Core.Inventory;
using HikFleet.Core.Security;
using HikFleet.Web.Auth;
using HikFleet.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace HikFleet.Web.Components.Pages.Dashboard;

/// <summary>The start page: counts by state, the problems that need a person, recent changes; live.</summary>
public sealed partial class Dashboard
{
    /// <summary>Worst first, the order people scan the cards in.</summary>
    private static readonly HealthState[] DisplayedStates =
    [
        HealthState.Offline, HealthState.Critical, HealthState.Locked, HealthState.Unauthorized, HealthState.Inactive,
        HealthState.Warning, HealthState.Healthy, HealthState.Unknown,
    ];

    private Core.Inventory.Dashboard? _data;
    private DateTimeOffset? _loadedAt;
    private FleetScope _scope = FleetScope.Nobody;
    private LiveReload? _live;

    [Inject] private InventoryQueries Inventory { get; set; } = default!;
    [Inject] private FleetScopeProvider Scopes { get; set; } = default!;
    [Inject] private AuthenticationStateProvider Authentication { get; set; } = default!;
    [Inject] private FleetChangeFeed Feed { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        await LoadAsync();
        if (RendererInfo.IsInteractive)
        {
            _live = new LiveReload(Feed, change => InventoryQueries.Concerns(_scope, change),
                () => InvokeAsync(async () =>
                {
                    await LoadAsync();
                    StateHasChanged();
                }));
        }
    }

    private async Task LoadAsync()
    {
        _scope = await Scopes.GetAsync(Authentication);
        // A screenful: the full list is the camera list filtered by state.
        _data = await Inventory.DashboardAsync(_scope, problemLimit: 25);
        _loadedAt = DateTimeOffset.UtcNow;
    }

    public void Dispose() => _live?.Dispose();
}
