using HikFleet.Core.Common;
using HikFleet.Core.Poe;
using HikFleet.Core.Security;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace HikFleet.Web.Components.Pages.Cameras;

/// <summary>The "Power (PoE)" section of the camera page. Every change goes through <see cref="PoeService"/> (scope, role, audit).</summary>
public sealed partial class CameraPoeSection
{
    private IReadOnlyList<PoeSwitchView>? _switches;
    private Guid? _switchId;
    private string? _portKey;
    private int? _portNumber;
    private string? _error;
    private bool _busy;

    [Inject] private PoeService PoeService { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    [Parameter, EditorRequired] public Guid CameraId { get; set; }
    [Parameter, EditorRequired] public Guid SiteId { get; set; }
    [Parameter] public CameraPoeView? Poe { get; set; }
    [Parameter] public FleetScope Scope { get; set; } = FleetScope.Nobody;
    [Parameter] public bool CanOperate { get; set; }
    [Parameter] public EventCallback OnChanged { get; set; }

    private PoeSwitchView? SelectedSwitch => _switches?.FirstOrDefault(s => s.Id == _switchId);

    public static string PortLabel(int group, int port) => group == 1 ? $"port {port}" : $"port {port} (group {group})";

    private static string StateText(CameraPoeView p) => p.PortAdminEnabled switch
    {
        null => "not read yet",
        var on => $"power {(on == true ? "on" : "off")}, {p.PortDetection}{(p.PowerClass is { } c ? $", class {c}" : "")}",
    };

    private async Task ConfirmAsync() => await RunAsync(() => PoeService.ConfirmMappingAsync(Scope, CameraId), "Port confirmed.");

    private async Task ClearAsync() => await RunAsync(() => PoeService.ClearMappingAsync(Scope, CameraId), "Port mapping cleared.");

    private async Task StartSetAsync()
    {
        _error = null;
        _switches = await PoeService.ListAsync(Scope, SiteId);
        _switchId = Poe?.SwitchId is { } current && _switches.Any(s => s.Id == current) ? current : _switches.FirstOrDefault()?.Id;
        _portKey = Poe is { } p && p.SwitchId == _switchId ? $"{p.Group}/{p.Port}" : null;
        _portNumber = Poe?.Port;
    }

    private void CancelSet()
    {
        _switches = null;
        _error = null;
    }

    private async Task SaveAsync()
    {
        if (_switchId is not { } switchId) return;
        int group = 1, port;
        if (SelectedSwitch is { Ports.Count: > 0 })
        {
            var parts = _portKey?.Split('/');
            if (parts is not [var g, var n] || !int.TryParse(g, out group) || !int.TryParse(n, out port))
            {
                _error = "Choose the port.";
                return;
            }
        }
        else if (_portNumber is { } number)
        {
            port = number;
        }
        else
        {
            _error = "Type the port number.";
            return;
        }

        if (await RunAsync(() => PoeService.SetMappingAsync(Scope, CameraId, switchId, group, port), "Port set (and confirmed by you).")) _switches = null;
    }

    private async Task<bool> RunAsync(Func<Task<ServiceResult>> change, string done)
    {
        _busy = true;
        try
        {
            var result = await change();
            if (!result.Succeeded)
            {
                _error = result.Message;
                return false;
            }

            _error = null;
            Snackbar.Add(done, Severity.Success);
            await OnChanged.InvokeAsync();
            return true;
        }
        finally
        {
            _busy = false;
        }
    }
}
