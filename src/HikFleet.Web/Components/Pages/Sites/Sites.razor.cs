using HikFleet.Core.Data;
using HikFleet.Core.Sites;
using Microsoft.AspNetCore.Components;
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
    private Guid? _confirmDeleteId;
    private bool _saving;
    private IReadOnlyDictionary<string, string[]> _errors = new Dictionary<string, string[]>();

    [Inject] private IDbContextFactory<FleetDbContext> Contexts { get; set; } = default!;
    [Inject] private SiteService SiteService { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    private string? FormError => _errors.TryGetValue("", out var e) ? string.Join(" ", e) : null;

    protected override async Task OnInitializedAsync() => await LoadAsync();

    private async Task LoadAsync()
    {
        await using var db = await Contexts.CreateDbContextAsync();
        _tenants = await db.Tenants.OrderBy(t => t.Name).Select(t => new TenantOption(t.Id, t.Name)).ToListAsync();
        _rows = await db.Sites
            .OrderBy(s => s.Tenant!.Name).ThenBy(s => s.Name)
            .Select(s => new SiteRow(s.Id, s.Name, s.Tenant!.Name, s.TimeZone, s.Subnets, s.NtpServer, s.Cameras.Count))
            .ToListAsync();
    }

    private void StartCreate()
    {
        _editingId = null;
        _editor = new SiteInput { TenantId = _tenants.FirstOrDefault()?.Id ?? Guid.Empty, TimeZone = "UTC" };
        _subnetsText = "";
        _errors = new Dictionary<string, string[]>();
    }

    private async Task StartEditAsync(Guid id)
    {
        await using var db = await Contexts.CreateDbContextAsync();
        var site = await db.Sites.AsNoTracking().SingleOrDefaultAsync(s => s.Id == id);
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
            Version = site.Version,
        };
        _subnetsText = string.Join(", ", _editor.Subnets);
        _errors = new Dictionary<string, string[]>();
    }

    private void Cancel()
    {
        _editor = null;
        _editingId = null;
        _errors = new Dictionary<string, string[]>();
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
            var result = _editingId is { } id
                ? await SiteService.UpdateAsync(id, _editor)
                : await SiteService.CreateAsync(_editor);
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
        var result = await SiteService.DeleteAsync(id);
        if (result.Succeeded)
        {
            Snackbar.Add("Site deleted.", Severity.Success);
        }
        else
        {
            Snackbar.Add(string.Join(" ", result.Errors.SelectMany(e => e.Value)), Severity.Error);
        }

        await LoadAsync();
    }

    private bool HasError(string field) => _errors.ContainsKey(field);

    private string ErrorFor(string field) => _errors.TryGetValue(field, out var e) ? string.Join(" ", e) : "";

    private sealed record TenantOption(Guid Id, string Name);

    private sealed record SiteRow(Guid Id, string Name, string Tenant, string TimeZone, List<System.Net.IPNetwork> Subnets, string? NtpServer, int Cameras);
}
