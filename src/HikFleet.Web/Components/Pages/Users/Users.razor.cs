using HikFleet.Core.Common;
using HikFleet.Core.Data;
using HikFleet.Core.Security;
using HikFleet.Web.Auth;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.EntityFrameworkCore;
using MudBlazor;

namespace HikFleet.Web.Components.Pages.Users;

public sealed partial class Users
{
    private List<UserSummary>? _users;
    private List<TenantOption> _tenants = [];
    private IReadOnlyList<string> _assignableRoles = [];
    private IReadOnlyCollection<Guid> _selectedTenants = [];
    private UserInput _input = new();
    private FleetScope _scope = FleetScope.Nobody;
    private IReadOnlyDictionary<string, string[]> _errors = new Dictionary<string, string[]>();
    private string? _formError;
    private bool _busy;

    [Inject] private UserService UserService { get; set; } = default!;
    [Inject] private FleetScopeProvider Scopes { get; set; } = default!;
    [Inject] private AuthenticationStateProvider Authentication { get; set; } = default!;
    [Inject] private IDbContextFactory<FleetDbContext> Contexts { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    protected override async Task OnInitializedAsync() => await LoadAsync();

    private async Task LoadAsync()
    {
        _scope = await Scopes.GetAsync(Authentication);
        await using var db = await Contexts.CreateDbContextAsync();
        var tenants = await _scope.Tenants(db).OrderBy(t => t.Name).Select(t => new TenantOption(t.Id, t.Name)).ToListAsync();
        _tenants = tenants.Where(t => _scope.CoversTenant(t.Id)).ToList();
        _assignableRoles = _scope.IsAdministrator ? FleetRoles.All : FleetRoles.All.Where(r => r != FleetRoles.Administrator).ToList();
        _users = await UserService.ListAsync(_scope);
    }

    private async Task CreateAsync()
    {
        _busy = true;
        try
        {
            _input.Memberships = _selectedTenants.Select(t => new TenantMembership { TenantId = t }).ToList();
            var result = await UserService.CreateAsync(_scope, _input);
            _errors = result.Errors;
            _formError = result.Kind is ResultKind.Forbidden or ResultKind.NotFound ? result.Message : null;
            if (result.Succeeded)
            {
                Snackbar.Add($"User {_input.UserName} created.", Severity.Success);
                _input = new UserInput();
                _selectedTenants = [];
                await LoadAsync();
            }
        }
        finally
        {
            _busy = false;
        }
    }

    private async Task SetLockedAsync(Guid id, bool locked)
    {
        var result = await UserService.SetLockedAsync(_scope, id, locked);
        Snackbar.Add(result.Succeeded ? (locked ? "User locked." : "User unlocked.") : result.Message, result.Succeeded ? Severity.Success : Severity.Error);
        await LoadAsync();
    }

    private string TenantNames(UserSummary user) =>
        user.Role == FleetRoles.Administrator ? "all" : string.Join(", ", user.Memberships.Select(m =>
            (_tenants.FirstOrDefault(t => t.Id == m.TenantId)?.Name ?? "?") + (m.SiteIds.Count > 0 ? $" ({m.SiteIds.Count} sites)" : "")));

    private bool HasError(string field) => _errors.ContainsKey(field);

    private string ErrorFor(string field) => _errors.TryGetValue(field, out var e) ? string.Join(" ", e) : "";

    private sealed record TenantOption(Guid Id, string Name);
}
