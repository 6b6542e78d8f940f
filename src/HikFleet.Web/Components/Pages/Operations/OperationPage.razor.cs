using HikFleet.Core.Devices;
using HikFleet.Core.Inventory;
using HikFleet.Core.Operations;
using HikFleet.Core.Security;
using HikFleet.Web.Auth;
using HikFleet.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace HikFleet.Web.Components.Pages.Operations;

/// <summary>One operation: its request, its steps with timing and attempts, and after a reset the before/after difference; live.</summary>
public sealed partial class OperationPage
{
    private OperationDetails? _details;
    private FleetScope _scope = FleetScope.Nobody;
    private LiveReload? _live;

    [Parameter] public Guid Id { get; set; }

    [Inject] private OperationQueries Queries { get; set; } = default!;
    [Inject] private FleetScopeProvider Scopes { get; set; } = default!;
    [Inject] private AuthenticationStateProvider Authentication { get; set; } = default!;
    [Inject] private FleetChangeFeed Feed { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;

    private string Title => _details is { } d ? $"{OperationStateChip.KindLabel(d.Operation.Kind)} of {d.Operation.CameraName}" : "Operation";

    protected override async Task OnParametersSetAsync()
    {
        _live?.Dispose();
        _live = null;
        if (!await LoadAsync())
        {
            // Missing and out of scope look the same.
            Navigation.NotFound();
            return;
        }

        if (RendererInfo.IsInteractive)
        {
            var cameraId = _details!.Operation.CameraId;
            _live = new LiveReload(Feed,
                change => change.Kind == FleetChangeKinds.Operation && change.CameraId == cameraId && InventoryQueries.Concerns(_scope, change),
                () => InvokeAsync(ReloadAsync));
        }
    }

    private async Task<bool> LoadAsync()
    {
        _scope = await Scopes.GetAsync(Authentication);
        _details = await Queries.OperationAsync(_scope, Id);
        return _details is not null;
    }

    private async Task ReloadAsync()
    {
        await LoadAsync();
        StateHasChanged();
    }

    public void Dispose() => _live?.Dispose();
}
