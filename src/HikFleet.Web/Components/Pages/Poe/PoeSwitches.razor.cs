using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Devices;
using HikFleet.Core.Inventory;
using HikFleet.Core.Poe;
using HikFleet.Core.Security;
using HikFleet.Web.Auth;
using HikFleet.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MudBlazor;

namespace HikFleet.Web.Components.Pages.Poe;

/// <summary>
/// PoE switches per site (issue #14): tenant administrators add, edit and remove them (SNMP secrets write-only), operators poll them;
/// everyone in scope sees the power budget and each port with its MACs, cameras, drops and whether an operation holds it off. Live.
/// </summary>
public sealed partial class PoeSwitches : IDisposable
{
    private IReadOnlyList<PoeSwitchView>? _switches;
    private List<SiteOption> _sites = [];
    private List<SiteOption> _manageableSites = [];
    private Guid? _siteFilter;
    private Editor? _editor;
    private Guid? _editingId;
    private string _editingName = "";
    private Guid? _confirmDeleteId;
    private bool _saving;
    private readonly HashSet<Guid> _polling = [];
    private int _warnPercent = 90;
    private FleetScope _scope = FleetScope.Nobody;
    private IReadOnlyDictionary<string, string[]> _errors = new Dictionary<string, string[]>();
    private LiveReload? _live;

    [Inject] private IDbContextFactory<FleetDbContext> Contexts { get; set; } = default!;
    [Inject] private PoeService PoeService { get; set; } = default!;
    [Inject] private IOptions<PoeOptions> Options { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private FleetScopeProvider Scopes { get; set; } = default!;
    [Inject] private AuthenticationStateProvider Authentication { get; set; } = default!;
    [Inject] private FleetChangeFeed Feed { get; set; } = default!;

    [SupplyParameterFromQuery(Name = "site")] public Guid? SiteQuery { get; set; }

    private sealed record SiteOption(Guid Id, Guid TenantId, string Name);

    /// <summary>The form; secrets start empty (never loaded back from the vault).</summary>
    private sealed class Editor
    {
        public Guid SiteId { get; set; }
        public string? Name { get; set; }
        public string? Address { get; set; }
        public int Port { get; set; } = 161;
        public SnmpVersion Version { get; set; } = SnmpVersion.V2c;
        public string? Community { get; set; }
        public string? User { get; set; }
        public string? AuthPassword { get; set; }
        public string? PrivPassword { get; set; }
    }

    private string? FormError => _errors.TryGetValue("", out var e) ? string.Join(" ", e) : null;

    private string? SecretHelp => _editingId is null ? null : "Leave empty to keep the stored one";

    private bool HasError(string field) => _errors.ContainsKey(field);

    private string? ErrorFor(string field) => _errors.TryGetValue(field, out var e) ? string.Join(" ", e) : null;

    private bool CanManage(PoeSwitchView sw) => PoeService.CanManage(_scope, sw.TenantId);

    private bool CanOperate(PoeSwitchView sw) => _scope.Can(FleetPermissions.Operate, sw.TenantId, sw.SiteId);

    protected override async Task OnInitializedAsync()
    {
        _siteFilter = SiteQuery;
        _warnPercent = Options.Value.BudgetWarnPercent;
        await LoadAsync();
        if (RendererInfo.IsInteractive)
        {
            _live = new LiveReload(Feed, change => change.Kind is FleetChangeKinds.Poe or FleetChangeKinds.Operation && InventoryQueries.Concerns(_scope, change),
                () => InvokeAsync(async () =>
                {
                    await LoadAsync();
                    StateHasChanged();
                }));
        }
    }

    private async Task LoadAsync()
    {
        // The scope is read fresh on every load: a role or membership changed meanwhile applies now.
        _scope = await Scopes.GetAsync(Authentication);
        await using (var db = await Contexts.CreateDbContextAsync())
        {
            _sites = await _scope.Sites(db).OrderBy(s => s.Name).Select(s => new SiteOption(s.Id, s.TenantId, s.Name)).ToListAsync();
        }

        _manageableSites = _sites.Where(s => PoeService.CanManage(_scope, s.TenantId)).ToList();
        if (_siteFilter is { } filter && _sites.All(s => s.Id != filter)) _siteFilter = null;
        _switches = await PoeService.ListAsync(_scope, _siteFilter);
    }

    private async Task FilterAsync(Guid? siteId)
    {
        _siteFilter = siteId;
        await LoadAsync();
    }

    private void StartCreate()
    {
        _editingId = null;
        _editor = new Editor { SiteId = _siteFilter is { } f && _manageableSites.Any(s => s.Id == f) ? f : _manageableSites.FirstOrDefault()?.Id ?? Guid.Empty };
        _errors = new Dictionary<string, string[]>();
    }

    private void StartEdit(PoeSwitchView sw)
    {
        _editingId = sw.Id;
        _editingName = sw.Name;
        _editor = new Editor { SiteId = sw.SiteId, Name = sw.Name, Address = sw.Address, Port = sw.Port, Version = sw.Version, User = sw.User };
        _errors = new Dictionary<string, string[]>();
    }

    private void CancelEdit()
    {
        _editor = null;
        _editingId = null;
        _errors = new Dictionary<string, string[]>();
    }

    private async Task SaveAsync()
    {
        if (_editor is not { } e) return;
        _saving = true;
        try
        {
            var v3 = e.Version == SnmpVersion.V3;
            var input = new PoeSwitchInput(e.SiteId, e.Name, e.Address, e.Port, e.Version, v3 ? null : e.Community, v3 ? e.User : null,
                v3 ? e.AuthPassword : null, v3 ? e.PrivPassword : null);
            var result = _editingId is { } id ? await PoeService.UpdateSwitchAsync(_scope, id, input) : await PoeService.AddSwitchAsync(_scope, input);
            if (!result.Succeeded)
            {
                // Field problems (and a name taken) under their fields; a refusal of the whole form (role, missing site) above it.
                _errors = result.Errors;
                return;
            }

            Snackbar.Add(_editingId is null ? $"{e.Name?.Trim()} added; it is read at the next poll (or Poll now)." : "Saved.", Severity.Success);
            CancelEdit();
            await LoadAsync();
        }
        finally
        {
            _saving = false;
        }
    }

    private async Task DeleteAsync(Guid id)
    {
        _confirmDeleteId = null;
        var result = await PoeService.DeleteSwitchAsync(_scope, id);
        Snackbar.Add(result.Succeeded ? "Switch deleted." : result.Message, result.Succeeded ? Severity.Success : Severity.Warning);
        await LoadAsync();
    }

    private async Task PollAsync(Guid id)
    {
        _polling.Add(id);
        try
        {
            var (result, poll) = await PoeService.PollNowAsync(_scope, id, CancellationToken.None);
            if (!result.Succeeded) Snackbar.Add(result.Message, Severity.Warning);
            else if (poll is { Succeeded: false }) Snackbar.Add($"The switch could not be read: {poll.Error}", Severity.Warning);
            else if (poll is { } p) Snackbar.Add($"Read {p.Ports} port(s); {p.MappedCameras} camera(s) placed.", Severity.Success);
            await LoadAsync();
        }
        finally
        {
            _polling.Remove(id);
        }
    }

    public void Dispose() => _live?.Dispose();
}
