using HikFleet.Core.Common;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Operations;
using HikFleet.Core.Security;
using HikFleet.Isapi;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace HikFleet.Web.Components.Pages.Cameras;

/// <summary>
/// Starts one operation on one camera. The request key is made when the dialog opens, so a double click (or a second click after a
/// slow answer) returns the same operation instead of starting another. Every rule is checked again by <see cref="OperationService"/>.
/// </summary>
public sealed partial class OperationDialog
{
    private readonly string _requestKey = Guid.NewGuid().ToString("N");
    private string? _reason;
    private string? _confirmation;
    // Basic by default: the less destructive choice (the text under each option says what it keeps).
    private FactoryResetMode? _mode = FactoryResetMode.Basic;
    private bool _backupOverride;
    private bool _busy;
    private string? _message;
    private IReadOnlyDictionary<string, string[]> _errors = new Dictionary<string, string[]>();

    [CascadingParameter] private IMudDialogInstance Dialog { get; set; } = default!;
    [Inject] private OperationService Operations { get; set; } = default!;

    [Parameter] public Guid CameraId { get; set; }
    [Parameter] public OperationKind Kind { get; set; }
    [Parameter] public string Serial { get; set; } = "";
    [Parameter] public FleetScope Scope { get; set; } = FleetScope.Nobody;
    [Parameter] public bool CanOverrideBackup { get; set; }
    /// <summary>Power-cycle: the port as people read it ("Switch 3 port 7").</summary>
    [Parameter] public string PortName { get; set; } = "";
    /// <summary>Power-cycle: the off time offered first and its bounds (from <see cref="Core.Poe.PoeOptions"/>).</summary>
    [Parameter] public int OffSeconds { get; set; } = 30;
    [Parameter] public int MinOffSeconds { get; set; } = 5;
    [Parameter] public int MaxOffSeconds { get; set; } = 300;
    /// <summary>Firmware upgrade: the library images that fit the camera, newest first.</summary>
    [Parameter] public IReadOnlyList<Core.Firmware.FirmwareImageInfo> Images { get; set; } = [];

    private Guid? _imageId;
    private int? _offSeconds;

    protected override void OnParametersSet()
    {
        _imageId ??= Images.FirstOrDefault()?.Id;
        _offSeconds ??= OffSeconds;
    }

    private string StartLabel => Kind switch
    {
        OperationKind.FactoryReset => "Reset",
        OperationKind.Reboot => "Reboot",
        OperationKind.PasswordRotation => "Rotate",
        OperationKind.FirmwareUpgrade => "Upgrade",
        OperationKind.PowerCycle => "Power-cycle",
        _ => "Back up",
    };

    private string? Error(string field) => _errors.TryGetValue(field, out var messages) ? string.Join(" ", messages) : null;

    private async Task StartAsync()
    {
        _busy = true;
        try
        {
            var request = new OperationRequest(Kind, _reason, Kind == OperationKind.FactoryReset ? _mode : null,
                Kind == OperationKind.FactoryReset && CanOverrideBackup && _backupOverride, _confirmation, _requestKey,
                Kind == OperationKind.FirmwareUpgrade ? _imageId : null, OffSeconds: Kind == OperationKind.PowerCycle ? _offSeconds : null);
            var result = await Operations.StartAsync(Scope, CameraId, request);
            if (result.Succeeded)
            {
                Dialog.Close(DialogResult.Ok(result.Id!.Value));
                return;
            }

            // Field problems go under their fields; everything else (rate limit, another operation running, role) in one line.
            _errors = result.Kind == ResultKind.Invalid ? result.Errors : new Dictionary<string, string[]>();
            _message = result.Kind == ResultKind.Invalid && _errors.Keys.All(k => k is "reason" or "confirmation" or "mode" or "image" or "offSeconds") ? null : result.Message;
        }
        finally
        {
            _busy = false;
        }
    }

    private void Cancel() => Dialog.Cancel();
}
