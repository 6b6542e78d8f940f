using HikFleet.Core.Devices;
using HikFleet.Core.Inventory;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Operations;
using HikFleet.Core.Security;
using HikFleet.Web.Auth;
using HikFleet.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace HikFleet.Web.Components.Pages.Operations;

/// <summary>
/// Every operation in the caller's scope by state group (running, queued, awaiting approval, failed, finished), newest first, with
/// its current step and progress; live from the change feed, reloading at most once a second however many steps advance.
/// </summary>
public sealed partial class Operations
{
    private const int PageSize = 50;

    private OperationStateGroup _group = OperationStateGroup.Running;
    private IReadOnlyList<OperationListItem> _items = [];
    private IReadOnlyDictionary<OperationStateGroup, int> _counts = new Dictionary<OperationStateGroup, int>();
    private int _total;
    private int _page;
    private bool _loaded;
    private FleetScope _scope = FleetScope.Nobody;
    private LiveReload? _live;

    [Inject] private OperationQueries Queries { get; set; } = default!;
    [Inject] private FleetScopeProvider Scopes { get; set; } = default!;
    [Inject] private AuthenticationStateProvider Authentication { get; set; } = default!;
    [Inject] private FleetChangeFeed Feed { get; set; } = default!;

    /// <summary>Links: /operations?state=failed</summary>
    [SupplyParameterFromQuery(Name = "state")] public string? StateQuery { get; set; }

    /// <summary>One camera's history (every state unless <c>state</c> says otherwise): /operations?camera={id}.</summary>
    [SupplyParameterFromQuery(Name = "camera")] public Guid? CameraQuery { get; set; }

    /// <summary>One site's history: /operations?site={id}.</summary>
    [SupplyParameterFromQuery(Name = "site")] public Guid? SiteQuery { get; set; }

    /// <summary>One kind, e.g. /operations?kind=FactoryReset (the reset history auditors ask for).</summary>
    [SupplyParameterFromQuery(Name = "kind")] public string? KindQuery { get; set; }

    /// <summary>A history view (camera, site or kind) lists every state at once until a group is picked.</summary>
    private bool _history;

    protected override async Task OnInitializedAsync()
    {
        if (Enum.TryParse<OperationStateGroup>(StateQuery?.Replace("-", "", StringComparison.Ordinal), true, out var g) && Enum.IsDefined(g)) _group = g;
        _history = StateQuery is null && (CameraQuery is not null || SiteQuery is not null || Kind is not null);
        _scope = await Scopes.GetAsync(Authentication);
        await LoadAsync();
        if (RendererInfo.IsInteractive)
        {
            _live = new LiveReload(Feed, change => change.Kind == FleetChangeKinds.Operation && InventoryQueries.Concerns(_scope, change),
                () => InvokeAsync(ReloadAsync));
        }
    }

    private async Task LoadAsync()
    {
        _counts = await Queries.CountsAsync(_scope);
        var page = await Queries.ListAsync(_scope, new OperationListQuery
        {
            Group = _history ? null : _group, CameraId = CameraQuery, SiteId = SiteQuery, Kind = Kind, Page = _page, PageSize = PageSize,
        });
        _items = page.Items;
        _total = page.Total;
        _loaded = true;
    }

    private async Task ReloadAsync()
    {
        await LoadAsync();
        StateHasChanged();
    }

    private OperationKind? Kind => Enum.TryParse<OperationKind>(KindQuery, true, out var k) && Enum.IsDefined(k) ? k : null;

    private bool Filtered => CameraQuery is not null || SiteQuery is not null || Kind is not null;

    private async Task OnGroupAsync(OperationStateGroup group)
    {
        _history = false;
        _group = group;
        _page = 0;
        await LoadAsync();
    }

    private async Task OnPageAsync(int page)
    {
        _page = Math.Max(0, page - 1);
        await LoadAsync();
    }

    private static string GroupLabel(OperationStateGroup group) => group switch
    {
        OperationStateGroup.AwaitingApproval => "Awaiting approval",
        _ => group.ToString(),
    };

    public void Dispose() => _live?.Dispose();
}
