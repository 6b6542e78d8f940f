using System.Globalization;
using HikFleet.Core.Audit;
using HikFleet.Core.Data;
using HikFleet.Core.Security;
using HikFleet.Web.Auth;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.EntityFrameworkCore;
using MudBlazor;

namespace HikFleet.Web.Components.Pages.Audit;

/// <summary>The auditor's view: filter the trail, see the chain's state, verify it now, export what is shown.</summary>
public sealed partial class AuditTrail
{
    private MudTable<AuditEntry>? _table;
    private FleetScope _scope = FleetScope.Nobody;
    private List<(Guid Id, string Name)> _tenants = [];
    private List<(Guid Id, Guid TenantId, string Name)> _sites = [];
    private DateTime? _from, _to;
    private string? _actor, _action, _cameraText;
    private Guid? _tenantId, _siteId;
    private AuditResult? _result;
    private AuditFilter _applied = new();
    private AuditChainState? _chain;
    private bool _verifying;
    // The table asks for data on its first render: only after the caller's scope is known.
    private bool _ready;

    [Inject] private AuditQueries Queries { get; set; } = default!;
    [Inject] private AuditChainMonitor Monitor { get; set; } = default!;
    [Inject] private FleetScopeProvider Scopes { get; set; } = default!;
    [Inject] private AuthenticationStateProvider Authentication { get; set; } = default!;
    [Inject] private IDbContextFactory<FleetDbContext> Contexts { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        _scope = await Scopes.GetAsync(Authentication);
        await using var db = await Contexts.CreateDbContextAsync();
        _tenants = (await _scope.Tenants(db).OrderBy(t => t.Name).Select(t => new { t.Id, t.Name }).ToListAsync()).Select(t => (t.Id, t.Name)).ToList();
        _sites = (await _scope.Sites(db).OrderBy(s => s.Name).Select(s => new { s.Id, s.TenantId, s.Name }).ToListAsync())
            .Select(s => (s.Id, s.TenantId, s.Name)).ToList();
        _chain = Monitor.Latest;
        _ready = true;
    }

    private async Task<TableData<AuditEntry>> LoadAsync(TableState state, CancellationToken cancellationToken)
    {
        var page = await Queries.SearchAsync(_scope, _applied, state.Page * state.PageSize, state.PageSize, cancellationToken);
        return new TableData<AuditEntry> { Items = page.Items, TotalItems = page.Total };
    }

    private async Task ApplyAsync()
    {
        _applied = new AuditFilter
        {
            From = _from is { } f ? new DateTimeOffset(DateTime.SpecifyKind(f.Date, DateTimeKind.Utc)) : null,
            To = _to is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t.Date.AddDays(1), DateTimeKind.Utc)) : null,
            Actor = _actor, Action = _action, TenantId = _tenantId, SiteId = _siteId, Result = _result,
            CameraId = Guid.TryParse(_cameraText, out var camera) ? camera : null,
        };
        if (_table is not null) await _table.ReloadServerData();
    }

    private async Task VerifyAsync()
    {
        _verifying = true;
        try
        {
            _chain = await Monitor.VerifyAsync($"on demand by {_scope.UserName}");
            Snackbar.Add(_chain.Verification.IsIntact ? "The audit chain is intact." : "The audit chain is BROKEN.",
                _chain.Verification.IsIntact ? Severity.Success : Severity.Error);
        }
        finally
        {
            _verifying = false;
        }
    }

    private string ExportUrl(string format)
    {
        var query = new List<string>();
        void Add(string key, string? value)
        {
            if (!string.IsNullOrEmpty(value)) query.Add($"{key}={Uri.EscapeDataString(value)}");
        }

        Add("from", _applied.From?.ToString("O", CultureInfo.InvariantCulture));
        Add("to", _applied.To?.ToString("O", CultureInfo.InvariantCulture));
        Add("actor", _applied.Actor);
        Add("action", _applied.Action);
        Add("tenantId", _applied.TenantId?.ToString());
        Add("siteId", _applied.SiteId?.ToString());
        Add("cameraId", _applied.CameraId?.ToString());
        Add("result", _applied.Result?.ToWire());
        return $"api/v1/audit/export.{format}" + (query.Count > 0 ? "?" + string.Join("&", query) : "");
    }

    private string ChainText => _chain switch
    {
        null => "Chain not verified since start",
        { Verification.IsIntact: true } c => $"Chain intact · {c.Verification.VerifiedCount} entries · {c.At.UtcDateTime:yyyy-MM-dd HH:mm} UTC",
        var c => $"Chain BROKEN at #{c.Verification.BrokenEntryId}",
    };

    private Color ChainColor => _chain is null ? Color.Default : _chain.Verification.IsIntact ? Color.Success : Color.Error;

    private string ChainIcon => _chain is null ? Icons.Material.Filled.HelpOutline
        : _chain.Verification.IsIntact ? Icons.Material.Filled.VerifiedUser : Icons.Material.Filled.GppBad;

    private static Color ResultColor(AuditResult result) => result switch
    {
        AuditResult.Succeeded => Color.Success,
        AuditResult.Failed => Color.Error,
        _ => Color.Warning,
    };

    private string TenantName(Guid? id) => _tenants.FirstOrDefault(t => t.Id == id).Name ?? "";

    private string SiteName(Guid? id) => _sites.FirstOrDefault(s => s.Id == id).Name ?? "";

    private static string Shorten(string text) => text.Length > 160 ? text[..160] + "…" : text;
}
