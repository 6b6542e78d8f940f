using HikFleet.Core.Cameras;
using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Devices;
using HikFleet.Core.Inventory;
using HikFleet.Core.Security;
using HikFleet.Web.Auth;
using HikFleet.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.EntityFrameworkCore;
using MudBlazor;

namespace HikFleet.Web.Components.Pages.Cameras;

/// <summary>
/// The camera list: paging, sorting, filtering and search all run in PostgreSQL (<see cref="InventoryQueries.ListCamerasAsync"/>),
/// so the page is as fast with 10,000 cameras as with 10. Selection is kept as ids across pages, filters and live reloads.
/// </summary>
public sealed partial class Cameras
{
    /// <summary>"Select all" is bounded: a bulk action on more than this is a job, not a click.</summary>
    public const int MaxSelection = 10_000;

    private int _pageIndex;
    private int _pageSize = 50;
    private CameraSort _sort = CameraSort.Name;
    private bool _descending;
    private bool _loading;
    private int _loadVersion;
    private readonly HashSet<Guid> _selected = [];
    private IReadOnlyList<CameraListItem> _page = [];
    private int _total;
    private bool _loadedOnce;
    private FleetScope _scope = FleetScope.Nobody;
    private List<TenantOption> _tenants = [];
    private List<SiteOption> _sites = [];
    private IReadOnlyList<string> _findingCodes = [];
    private bool _canRetire;
    private bool _canOperate;
    private LiveReload? _live;

    private string? _search;
    private Guid? _tenantId;
    private Guid? _siteId;
    private IReadOnlyCollection<HealthState> _states = [];
    private string? _finding;
    private CameraLifecycle? _lifecycle;

    [Inject] private InventoryQueries Inventory { get; set; } = default!;
    [Inject] private IDbContextFactory<FleetDbContext> Contexts { get; set; } = default!;
    [Inject] private CameraService CameraService { get; set; } = default!;
    [Inject] private FleetScopeProvider Scopes { get; set; } = default!;
    [Inject] private AuthenticationStateProvider Authentication { get; set; } = default!;
    [Inject] private FleetChangeFeed Feed { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    // Links from the dashboard: /cameras?state=Offline&site=...&lifecycle=Managed
    [SupplyParameterFromQuery(Name = "state")] public string? StateQuery { get; set; }
    [SupplyParameterFromQuery(Name = "site")] public Guid? SiteQuery { get; set; }
    [SupplyParameterFromQuery(Name = "tenant")] public Guid? TenantQuery { get; set; }
    [SupplyParameterFromQuery(Name = "finding")] public string? FindingQuery { get; set; }
    [SupplyParameterFromQuery(Name = "lifecycle")] public string? LifecycleQuery { get; set; }
    [SupplyParameterFromQuery(Name = "q")] public string? SearchQuery { get; set; }

    private int PageCount => Math.Max(1, (_total + _pageSize - 1) / _pageSize);

    private bool PageFullySelected => _page.Count > 0 && _page.All(c => _selected.Contains(c.Id));

    protected override async Task OnInitializedAsync()
    {
        _search = SearchQuery;
        _siteId = SiteQuery;
        _tenantId = TenantQuery;
        _finding = string.IsNullOrWhiteSpace(FindingQuery) ? null : FindingQuery;
        _states = (StateQuery ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => Enum.TryParse<HealthState>(s, true, out var h) ? (HealthState?)h : null).OfType<HealthState>().ToList();
        _lifecycle = Enum.TryParse<CameraLifecycle>(LifecycleQuery, true, out var l) ? l : null;

        _scope = await Scopes.GetAsync(Authentication);
        await using (var db = await Contexts.CreateDbContextAsync())
        {
            _tenants = await _scope.Tenants(db).OrderBy(t => t.Name).Select(t => new TenantOption(t.Id, t.Name)).ToListAsync();
            _sites = await _scope.Sites(db).OrderBy(s => s.Name).Select(s => new SiteOption(s.Id, s.TenantId, s.Name)).ToListAsync();
        }

        _findingCodes = await Inventory.FindingCodesAsync(_scope);
        _canRetire = _scope.Can(FleetPermissions.ManageSites);
        _canOperate = _scope.Can(FleetPermissions.Operate);
        await LoadAsync();
        if (RendererInfo.IsInteractive)
        {
            _live = new LiveReload(Feed, change => InventoryQueries.Concerns(_scope, change), () => InvokeAsync(ReloadAsync));
        }
    }

    private CameraListQuery Query() => new()
    {
        TenantId = _tenantId,
        SiteId = _siteId,
        States = _states,
        FindingCode = _finding,
        Lifecycle = _lifecycle,
        Search = _search,
        Sort = _sort,
        Descending = _descending,
        Page = _pageIndex,
        PageSize = _pageSize,
    };

    /// <summary>Loads the current page; a slower answer to an older request (typing fast) is dropped, never shown over a newer one.</summary>
    private async Task LoadAsync()
    {
        var version = ++_loadVersion;
        _loading = true;
        var result = await Inventory.ListCamerasAsync(_scope, Query());
        if (version != _loadVersion) return;
        if (result.Items.Count == 0 && result.Total > 0 && _pageIndex > 0)
        {
            // The list shrank under the current page (filter, live change): show the last page instead of an empty one.
            _pageIndex = (result.Total - 1) / _pageSize;
            await LoadAsync();
            return;
        }

        _page = result.Items;
        _total = result.Total;
        _loading = false;
        _loadedOnce = true;
    }

    private async Task ReloadAsync()
    {
        await LoadAsync();
        StateHasChanged();
    }

    private async Task FilterChangedAsync()
    {
        _pageIndex = 0;
        await LoadAsync();
    }

    private async Task OnPageAsync(int page)
    {
        _pageIndex = Math.Clamp(page - 1, 0, PageCount - 1);
        await LoadAsync();
    }

    private async Task OnSortAsync(CameraSort sort)
    {
        _descending = _sort == sort && !_descending;
        _sort = sort;
        _pageIndex = 0;
        await LoadAsync();
    }

    private void OnSearchTyped(string? value) => _search = value;

    private async Task OnSearchAsync(string? value)
    {
        _search = value;
        await FilterChangedAsync();
    }

    private async Task OnTenantAsync(Guid? tenant)
    {
        _tenantId = tenant;
        if (_siteId is { } site && _sites.FirstOrDefault(s => s.Id == site)?.TenantId != tenant && tenant is not null) _siteId = null;
        await FilterChangedAsync();
    }

    private async Task OnSiteAsync(Guid? site)
    {
        _siteId = site;
        await FilterChangedAsync();
    }

    private async Task OnStatesAsync(IEnumerable<HealthState>? states)
    {
        _states = (states ?? []).ToList();
        await FilterChangedAsync();
    }

    private async Task OnFindingAsync(string? code)
    {
        _finding = code;
        await FilterChangedAsync();
    }

    private async Task OnLifecycleAsync(CameraLifecycle? lifecycle)
    {
        _lifecycle = lifecycle;
        await FilterChangedAsync();
    }

    private void Toggle(Guid id, bool selected)
    {
        if (selected) _selected.Add(id);
        else _selected.Remove(id);
    }

    private void SelectPage(bool selected)
    {
        foreach (var camera in _page) Toggle(camera.Id, selected);
    }

    private async Task SelectAllMatchingAsync()
    {
        foreach (var id in await Inventory.ListCameraIdsAsync(_scope, Query(), MaxSelection)) _selected.Add(id);
    }

    private void ClearSelection() => _selected.Clear();

    private async Task RetireSelectedAsync()
    {
        var count = _selected.Count;
        var confirmed = await Dialogs.ShowMessageBoxAsync("Retire cameras",
            $"Retire {count} camera(s)? They leave the dashboard and are no longer checked; their history stays. Nothing is sent to the devices.",
            yesText: "Retire", cancelText: "Keep");
        if (confirmed != true) return;

        var retired = 0;
        var refused = new List<string>();
        foreach (var id in _selected.ToList())
        {
            var result = await CameraService.RetireAsync(_scope, id);
            if (result.Succeeded)
            {
                retired++;
                _selected.Remove(id);
            }
            else
            {
                refused.Add(result.Message);
            }
        }

        Snackbar.Add($"{retired} camera(s) retired.", Severity.Success);
        foreach (var message in refused.Distinct().Take(3)) Snackbar.Add(message, Severity.Warning);
        await LoadAsync();
    }

    /// <summary>Reboot or back up the selection as one batch; the dialog shows each camera's result (a refused one does not stop the rest).</summary>
    private async Task BulkAsync(OperationKind kind)
    {
        var parameters = new DialogParameters<BulkOperationDialog>
        {
            { d => d.CameraIds, _selected.ToList() }, { d => d.Kind, kind }, { d => d.Scope, _scope },
        };
        await Dialogs.ShowAsync<BulkOperationDialog>(kind switch { OperationKind.Reboot => "Reboot cameras", OperationKind.PowerCycle => "Power-cycle PoE ports", OperationKind.PasswordRotation => "Rotate camera passwords", _ => "Back up cameras" }, parameters,
            new DialogOptions { MaxWidth = MaxWidth.Medium, FullWidth = true, CloseOnEscapeKey = true });
    }

    public void Dispose() => _live?.Dispose();

    private sealed record TenantOption(Guid Id, string Name);

    private sealed record SiteOption(Guid Id, Guid TenantId, string Name);
}
