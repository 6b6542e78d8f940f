using HikFleet.Core.Alerts;
using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Devices;
using HikFleet.Core.Security;
using HikFleet.Web.Auth;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.EntityFrameworkCore;
using MudBlazor;

namespace HikFleet.Web.Components.Pages.Alerts;

/// <summary>Live alerts (acknowledge, resolve), their history, the messages sent, and for tenant administrators the rules and channels.</summary>
public sealed partial class Alerts
{
    private IReadOnlyList<AlertView>? _live;
    private IReadOnlyList<AlertView> _history = [];
    private IReadOnlyList<AlertNotificationView> _messages = [];
    private IReadOnlyList<AlertChannelView> _channels = [];
    private IReadOnlyList<AlertRuleView> _rules = [];
    private List<(Guid Id, string Name)> _manageTenants = [];
    private FleetScope _scope = FleetScope.Nobody;
    private bool _canOperate;
    private Guid _tenantId;
    private string? _channelName, _channelTarget, _newSecret, _ruleName, _ruleFindings, _ruleQuiet, _error;
    private AlertChannelKind _channelKind = AlertChannelKind.Email;
    private IReadOnlyCollection<HealthState> _ruleStates = [HealthState.Offline];
    private IReadOnlyCollection<Guid> _ruleChannels = [], _ruleEscalation = [];
    private double _ruleDelay = 5;
    private int? _ruleEscalate;

    [Inject] private AlertService Service { get; set; } = default!;
    [Inject] private IDbContextFactory<FleetDbContext> Contexts { get; set; } = default!;
    [Inject] private FleetScopeProvider Scopes { get; set; } = default!;
    [Inject] private AuthenticationStateProvider Authentication { get; set; } = default!;
    [Inject] private FleetChangeFeed Feed { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        _scope = await Scopes.GetAsync(Authentication);
        _canOperate = _scope.Can(FleetPermissions.Operate);
        await using (var db = await Contexts.CreateDbContextAsync())
        {
            _manageTenants = (await _scope.Tenants(db).OrderBy(t => t.Name).Select(t => new { t.Id, t.Name }).ToListAsync())
                .Where(t => AlertService.CanManage(_scope, t.Id)).Select(t => (t.Id, t.Name)).ToList();
        }

        _tenantId = _manageTenants.FirstOrDefault().Id;
        await LoadAsync();
        Feed.Changed += OnChanged;
    }

    private void OnChanged(FleetChange change)
    {
        if (change.Kind != FleetChangeKinds.Alert) return;
        _ = InvokeAsync(async () =>
        {
            await LoadAsync();
            StateHasChanged();
        });
    }

    private async Task LoadAsync()
    {
        _live = await Service.AlertsAsync(_scope, live: true);
        _history = await Service.AlertsAsync(_scope, live: false);
        _messages = await Service.NotificationsAsync(_scope);
        if (_manageTenants.Count > 0)
        {
            _channels = (await Service.ChannelsAsync(_scope)).Where(c => AlertService.CanManage(_scope, c.TenantId)).ToList();
            _rules = (await Service.RulesAsync(_scope)).Where(r => AlertService.CanManage(_scope, r.TenantId)).ToList();
        }
    }

    private async Task AcknowledgeAsync(Guid id) => Report(await Service.AcknowledgeAsync(_scope, id), "Acknowledged.");

    private async Task ResolveAsync(Guid id) => Report(await Service.ResolveAsync(_scope, id), "Resolved.");

    private async Task AddChannelAsync()
    {
        var (result, secret) = await Service.AddChannelAsync(_scope, new AlertChannelInput(_tenantId, _channelName, _channelKind, _channelTarget));
        _error = result.Succeeded ? null : result.Message;
        if (result.Succeeded)
        {
            _newSecret = secret;
            _channelName = _channelTarget = null;
        }

        await LoadAsync();
    }

    private async Task AddRuleAsync()
    {
        var findings = _ruleFindings?.Split([',', ' '], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) ?? [];
        var result = await Service.SaveRuleAsync(_scope, null, new AlertRuleInput(_tenantId, null, _ruleName, _ruleStates.ToList(), findings, _ruleDelay,
            _ruleChannels.ToList(), _ruleQuiet, _ruleEscalate, _ruleEscalation.ToList()));
        _error = result.Succeeded ? null : result.Message;
        if (result.Succeeded) _ruleName = null;
        await LoadAsync();
    }

    private async Task DeleteChannelAsync(Guid id) => Report(await Service.DeleteChannelAsync(_scope, id), "Channel removed.");

    private async Task DeleteRuleAsync(Guid id) => Report(await Service.DeleteRuleAsync(_scope, id), "Rule removed.");

    private void Report(Core.Common.ServiceResult result, string ok)
    {
        Snackbar.Add(result.Succeeded ? ok : result.Message, result.Succeeded ? Severity.Success : Severity.Warning);
        _ = InvokeAsync(async () =>
        {
            await LoadAsync();
            StateHasChanged();
        });
    }

    public void Dispose() => Feed.Changed -= OnChanged;
}
