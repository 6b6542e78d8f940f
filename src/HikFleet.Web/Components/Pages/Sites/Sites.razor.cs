using HikFleet.Core.Common;
using HikFleet.Core.Data;
using HikFleet.Core.Security;
using HikFleet.Core.Sites;
using HikFleet.Web.Auth;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.EntityFrameworkCore;
using MudBlazor;

namespace HikFleet.Web.Components.Pages.Sites;

public sealed partial class Sites
{
    private static readonly char[] SubnetSeparators = [',', ';', ' ', '\n', '\r', '\t'];

    private List<SiteRow>? _rows;
    private List<TenantOption> _tenants = [];
    private SiteInput? _editor;
    private Guid? _editingId;
    private string _subnetsText = "";
    private string _sadpText = "";
    private string _probeText = "";
    private DefaultCredentialInfo? _credential;
    private string? _credentialUser;
    private string? _credentialPassword;
    private IReadOnlyDictionary<string, string[]> _credentialErrors = new Dictionary<string, string[]>();
    private Guid? _confirmDeleteId;
    private bool _saving;
    private bool _canManage;
    private FleetScope _scope = FleetScope.Nobody;
    private IReadOnlyDictionary<string, string[]> _errors = new Dictionary<string, string[]>();

    [Inject] private IDbContextFactory<FleetDbContext> Contexts { get; set; } = default!;
    [Inject] private SiteService SiteService { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private FleetScopeProvider Scopes { get; set; } = default!;
    [Inject] private AuthenticationStateProvider Authentication { get; set; } = default!;

    private string? FormError => _errors.TryGetValue("", out var e) ? string.Join(" ", e) : null;

    protected override async Task OnInitializedAsync() => await LoadAsync();

    private async Task LoadAsync()
    {
        // The scope is read fresh on every load: a role or membership changed meanwhile applies now.
        _scope = await Scopes.GetAsync(Authentication);
        await using var db = await Contexts.CreateDbContextAsync();
        var tenants = await _scope.Tenants(db).OrderBy(t => t.Name).Select(t => new TenantOption(t.Id, t.Name)).ToListAsync();
        _tenants = tenants.Where(t => _scope.Can(FleetPermissions.ManageSites, t.Id)).ToList();
        _canManage = _scope.Can(FleetPermissions.ManageSites) && (_tenants.Count > 0 || _scope.IsAdministrator);
        _rows = await _scope.Sites(db)
            .OrderBy(s => s.Tenant!.Name).ThenBy(s => s.Name)
            .Select(s => new SiteRow(s.Id, s.Name, s.Tenant!.Name, s.TimeZone, s.Subnets, s.NtpServer, s.Cameras.Count, s.DiscoveryCron, s.HealthCron))
            .ToListAsync();
    }

    private void StartCreate()
    {
        _editingId = null;
        _editor = new SiteInput { TenantId = _tenants.FirstOrDefault()?.Id ?? Guid.Empty, TimeZone = "UTC" };
        _subnetsText = "";
        _sadpText = "";
        _probeText = "";
        _credential = null;
        _errors = new Dictionary<string, string[]>();
    }

    private async Task StartEditAsync(Guid id)
    {
        await using var db = await Contexts.CreateDbContextAsync();
        var site = await _scope.Sites(db).AsNoTracking().SingleOrDefaultAsync(s => s.Id == id);
        if (site is null)
        {
            Snackbar.Add("That site no longer exists.", Severity.Warning);
            await LoadAsync();
            return;
        }

        _editingId = id;
        _editor = new SiteInput
        {
            TenantId = site.TenantId,
            Name = site.Name,
            TimeZone = site.TimeZone,
            NtpServer = site.NtpServer,
            Subnets = site.Subnets.Select(s => s.ToString()).ToList(),
            DiscoveryCron = site.DiscoveryCron,
            HealthCron = site.HealthCron,
            SadpInterfaces = site.SadpInterfaces.Select(a => a.ToString()).ToList(),
            ProbeRanges = site.ProbeRanges,
            ProbePort = site.ProbePort,
            MissingAfterRuns = site.MissingAfterRuns,
            DefaultUserName = site.DefaultUserName,
            ReprovisionPolicy = site.ReprovisionPolicy,
            MaintenanceWindow = SiteValidator.FormatWindow(site.MaintenanceStart, site.MaintenanceEnd),
            BulkConcurrency = site.BulkConcurrency,
            PoeConcurrentPorts = site.PoeConcurrentPorts,
            BackupCron = site.BackupCron,
            BackupRetention = site.BackupRetention,
            PasswordRotationCron = site.PasswordRotationCron,
            Version = site.Version,
        };
        _subnetsText = string.Join(", ", _editor.Subnets);
        _sadpText = string.Join(", ", _editor.SadpInterfaces);
        _probeText = string.Join(", ", _editor.ProbeRanges);
        _credential = await SiteService.DefaultCredentialAsync(_scope, id);
        _credentialUser = _credential?.UserName ?? site.DefaultUserName;
        _credentialPassword = null;
        _credentialErrors = new Dictionary<string, string[]>();
        _errors = new Dictionary<string, string[]>();
    }

    private void Cancel()
    {
        _editor = null;
        _editingId = null;
        _errors = new Dictionary<string, string[]>();
        _credential = null;
        _credentialPassword = null;
        _credentialErrors = new Dictionary<string, string[]>();
    }

    private async Task SaveAsync()
    {
        if (_editor is null)
        {
            return;
        }

        _saving = true;
        try
        {
            _editor.Subnets = _subnetsText.Split(SubnetSeparators, StringSplitOptions.RemoveEmptyEntries).ToList();
            _editor.SadpInterfaces = _sadpText.Split(SubnetSeparators, StringSplitOptions.RemoveEmptyEntries).ToList();
            _editor.ProbeRanges = _probeText.Split(SubnetSeparators, StringSplitOptions.RemoveEmptyEntries).ToList();
            var result = _editingId is { } id
                ? await SiteService.UpdateAsync(_scope, id, _editor)
                : await SiteService.CreateAsync(_scope, _editor);
            _errors = result.Errors;
            if (result.Succeeded)
            {
                Snackbar.Add($"Site {_editor.Name.Trim()} saved.", Severity.Success);
                Cancel();
                await LoadAsync();
            }
        }
        finally
        {
            _saving = false;
        }
    }

    private async Task DeleteAsync(Guid id)
    {
        _confirmDeleteId = null;
        var result = await SiteService.DeleteAsync(_scope, id);
        if (result.Succeeded)
        {
            Snackbar.Add("Site deleted.", Severity.Success);
        }
        else
        {
            Snackbar.Add(result.Message, Severity.Error);
        }

        await LoadAsync();
    }

    private async Task SetCredentialAsync()
    {
        if (_editingId is not { } id)
        {
            return;
        }

        _saving = true;
        try
        {
            var result = await SiteService.SetDefaultCredentialAsync(_scope, id, _credentialUser, _credentialPassword);
            _credentialErrors = result.Errors;
            // The password leaves the circuit's memory either way: a failed attempt is retyped, not kept.
            _credentialPassword = null;
            if (result.Succeeded)
            {
                _credential = await SiteService.DefaultCredentialAsync(_scope, id);
                // Storing it also set the site's device user name: take that version, or the next save would look like a conflict.
                await using var db = await Contexts.CreateDbContextAsync();
                var current = await _scope.Sites(db).AsNoTracking().Where(s => s.Id == id).Select(s => new { s.Version, s.DefaultUserName }).SingleOrDefaultAsync();
                if (current is not null && _editor is not null)
                {
                    _editor.Version = current.Version;
                    _editor.DefaultUserName = current.DefaultUserName;
                }

                Snackbar.Add("Default credential stored in the vault.", Severity.Success);
            }
            else if (result.Errors.ContainsKey(""))
            {
                Snackbar.Add(result.Message, Severity.Error);
            }
        }
        finally
        {
            _saving = false;
        }
    }

    private string CredentialError(string field) => _credentialErrors.TryGetValue(field, out var e) ? string.Join(" ", e) : "";

    private bool HasError(string field) => _errors.ContainsKey(field);

    private string ErrorFor(string field) => _errors.TryGetValue(field, out var e) ? string.Join(" ", e) : "";

    private sealed record TenantOption(Guid Id, string Name);

    private sealed record SiteRow(Guid Id, string Name, string Tenant, string TimeZone, List<System.Net.IPNetwork> Subnets, string? NtpServer, int Cameras,
        string? DiscoveryCron, string? HealthCron);
}
