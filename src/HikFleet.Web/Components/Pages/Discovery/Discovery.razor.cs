using HikFleet.Core.Adoption;
using HikFleet.Core.Common;
using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Devices;
using HikFleet.Core.Discovery;
using HikFleet.Core.Security;
using HikFleet.Web.Auth;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.EntityFrameworkCore;
using MudBlazor;

namespace HikFleet.Web.Components.Pages.Discovery;

/// <summary>
/// Per site: the latest discovery run and its sightings grouped by what reconciliation made of them, the devices waiting for
/// adoption (adopt one or many, activate inactive ones, or ignore), and the cameras gone missing. Updates live from the change feed.
/// </summary>
public sealed partial class Discovery
{
    private List<SiteOption> _sites = [];
    private Guid? _siteId;
    private Guid? _currentTenantId;
    private Guid? _targetSiteId;
    private SiteDiscoveryView? _view;
    private List<PendingRow> _pending = [];
    private HashSet<PendingRow> _selected = [];
    private List<MissingRow> _missing = [];
    private List<ResultRow> _results = [];
    private string? _userName;
    private string? _password;
    private string? _adoptError;
    private bool _canOperate;
    private bool _busy;
    private bool _loaded;
    private FleetScope _scope = FleetScope.Nobody;

    [Inject] private IDbContextFactory<FleetDbContext> Contexts { get; set; } = default!;
    [Inject] private DiscoveryService DiscoveryService { get; set; } = default!;
    [Inject] private AdoptionService Adoption { get; set; } = default!;
    [Inject] private FleetChangeFeed Feed { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private FleetScopeProvider Scopes { get; set; } = default!;
    [Inject] private AuthenticationStateProvider Authentication { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;

    [SupplyParameterFromQuery(Name = "site")] public Guid? SiteQuery { get; set; }

    private IEnumerable<SightingGroup> Groups
    {
        get
        {
            var rows = _view?.Sightings.Select(SightingRow.From).ToList() ?? [];
            yield return new("moved", "Changed: moved to a new address", rows.Where(r => r.Outcome == SightingOutcome.Moved).ToList());
            yield return new("conflicts", "IP conflicts", rows.Where(r => r.Outcome == SightingOutcome.IpConflict).ToList());
            yield return new("mismatch", "Outside the site's subnets", rows.Where(r => r.Outcome == SightingOutcome.SubnetMismatch).ToList());
            yield return new("reset", "Found reset (inactive)", rows.Where(r => r.Outcome == SightingOutcome.FoundReset).ToList());
            yield return new("replaced", "Replaced hardware", rows.Where(r => r.Outcome == SightingOutcome.Replaced).ToList());
            yield return new("unidentified", "Answering, not identified (needs credentials or activation)",
                rows.Where(r => r.Outcome == SightingOutcome.New && r.Mac is null).ToList());
            yield return new("foreign", "Other sites' devices on this segment (not changed)", rows.Where(r => r.Outcome == SightingOutcome.ForeignSite).ToList());
        }
    }

    protected override async Task OnInitializedAsync()
    {
        Feed.Changed += OnFleetChange;
        _scope = await Scopes.GetAsync(Authentication);
        await using (var db = await Contexts.CreateDbContextAsync())
        {
            _sites = await _scope.Sites(db).OrderBy(s => s.Tenant!.Name).ThenBy(s => s.Name)
                .Select(s => new SiteOption(s.Id, s.TenantId, s.Name, s.Tenant!.Name)).ToListAsync();
        }

        _siteId = SiteQuery is { } wanted && _sites.Any(s => s.Id == wanted) ? wanted : _sites.FirstOrDefault()?.Id;
        await LoadAsync();
        _loaded = true;
    }

    private async Task SelectSiteAsync(Guid? siteId)
    {
        _siteId = siteId;
        _selected = [];
        _results = [];
        Navigation.NavigateTo($"/discovery?site={siteId}", replace: true);
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        if (_siteId is not { } siteId)
        {
            _view = null;
            return;
        }

        _view = await DiscoveryService.GetLatestAsync(_scope, siteId);
        if (_view is null)
        {
            return;
        }

        _currentTenantId = _view.Site.TenantId;
        _targetSiteId ??= siteId;
        if (_sites.All(s => s.Id != _targetSiteId || s.TenantId != _currentTenantId)) _targetSiteId = siteId;
        _canOperate = _scope.Can(FleetPermissions.Operate, _view.Site.TenantId, siteId);
        _userName ??= _view.Site.DefaultUserName;
        await using var db = await Contexts.CreateDbContextAsync();
        _pending = (await _scope.Cameras(db).AsNoTracking().Where(c => c.SiteId == siteId && c.Lifecycle == CameraLifecycle.Discovered)
                .OrderBy(c => c.Address).ToListAsync())
            .Select(c => new PendingRow(c.Id, c.Address?.ToString(), c.Model, c.SerialNumber, c.MacAddress,
                c.FirmwareBuild is null ? c.FirmwareVersion : $"{c.FirmwareVersion} {c.FirmwareBuild}", c.Activated, c.FindingCodes))
            .ToList();
        _selected = _selected.Where(s => _pending.Any(p => p.Id == s.Id)).Select(s => _pending.First(p => p.Id == s.Id)).ToHashSet();
        _missing = await _scope.Cameras(db).AsNoTracking()
            .Where(c => c.SiteId == siteId && c.Lifecycle == CameraLifecycle.Managed && c.FindingCodes.Contains(DiscoveryFindings.Missing))
            .OrderBy(c => c.Name).Select(c => new MissingRow(c.Name ?? c.SerialNumber, c.Address == null ? null : c.Address.ToString(), c.SerialNumber,
                c.MissedDiscoveryRuns, c.LastSeenAt))
            .ToListAsync();
    }

    private async Task ScanNowAsync()
    {
        if (_siteId is not { } siteId) return;
        _busy = true;
        try
        {
            var result = await DiscoveryService.ScanNowAsync(_scope, siteId);
            if (result.Succeeded)
            {
                Snackbar.Add("Scan queued; results appear here when it ends.", Severity.Info);
            }
            else
            {
                Snackbar.Add(result.Message, result.Kind == ResultKind.Conflict ? Severity.Info : Severity.Error);
            }

            await LoadAsync();
        }
        finally
        {
            _busy = false;
        }
    }

    private async Task AdoptAsync()
    {
        _adoptError = null;
        if (_selected.Count == 0) return;
        _busy = true;
        try
        {
            var labels = _selected.ToDictionary(s => s.Id, s => $"{s.Model} {s.Serial}");
            var results = await Adoption.AdoptAsync(_scope, new AdoptRequest(_selected.Select(s => s.Id).ToList(), _targetSiteId,
                string.IsNullOrWhiteSpace(_userName) ? null : _userName, string.IsNullOrEmpty(_password) ? null : _password));
            _results = results.Select(r => new ResultRow(labels.GetValueOrDefault(r.CameraId, "request"), r.Adopted, r.Message)).ToList();
            var adopted = results.Count(r => r.Adopted);
            Snackbar.Add($"{adopted} of {results.Count} adopted.", adopted == results.Count ? Severity.Success : Severity.Warning);
            // The password is not kept on the page after the attempt.
            _password = null;
            _selected = [];
            await LoadAsync();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _adoptError = "Adoption failed: " + ex.Message;
        }
        finally
        {
            _busy = false;
        }
    }

    private async Task IgnoreAsync(Guid cameraId)
    {
        var result = await Adoption.IgnoreAsync(_scope, cameraId);
        Snackbar.Add(result.Succeeded ? "Ignored: discovery leaves it alone from now on." : result.Message, result.Succeeded ? Severity.Success : Severity.Error);
        await LoadAsync();
    }

    private void OnFleetChange(FleetChange change)
    {
        if (change.SiteId is null || change.SiteId != _siteId || change.Kind is not ("discovery" or "inventory")) return;
        _ = InvokeAsync(async () =>
        {
            await LoadAsync();
            StateHasChanged();
        });
    }

    public void Dispose() => Feed.Changed -= OnFleetChange;

    private sealed record SiteOption(Guid Id, Guid TenantId, string Name, string Tenant);

    private sealed record PendingRow(Guid Id, string? Address, string Model, string Serial, string Mac, string? Firmware, bool? Activated, List<string> Findings);

    private sealed record MissingRow(string Name, string? Address, string Serial, int MissedRuns, DateTimeOffset? LastSeen);

    private sealed record ResultRow(string Label, bool Adopted, string Message);

    private sealed record SightingGroup(string Key, string Title, List<SightingRow> Rows);

    private sealed record SightingRow(string? Address, string? Model, string? Serial, string? Mac, string Source, string? Detail, SightingOutcome Outcome)
    {
        public static SightingRow From(DiscoverySighting s) =>
            new(s.Address?.ToString(), s.Model, s.SerialNumber, s.MacAddress, s.Source == SightingSource.Sadp ? "SADP" : "ISAPI probe", s.Detail, s.Outcome);
    }
}
