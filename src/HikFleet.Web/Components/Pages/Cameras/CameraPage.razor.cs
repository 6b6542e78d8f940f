using HikFleet.Core.Data.Entities;
using HikFleet.Core.Devices;
using HikFleet.Core.Inventory;
using HikFleet.Core.Operations;
using HikFleet.Core.Security;
using HikFleet.Web.Auth;
using HikFleet.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace HikFleet.Web.Components.Pages.Cameras;

/// <summary>One camera: identity, settings, picture, findings with their fix, the last 24 h of health, and its timeline; live.</summary>
public sealed partial class CameraPage
{
    private const int Buckets = 48;

    private CameraDetails? _details;
    private IReadOnlyList<HealthPoint> _history = [];
    private List<ChartSeries<double>> _series = [];
    private string[] _labels = [];
    private readonly LineChartOptions _chartOptions = new() { ShowDataMarkers = false, YAxisTicks = 4 };
    private FleetScope _scope = FleetScope.Nobody;
    private bool _canReveal;
    private bool _canCheck;
    private bool _checking;
    private bool _canOperate;
    private bool _isAdministrator;
    private OperationDetails? _activeOperation;
    private IReadOnlyList<BackupListItem> _backups = [];
    private LiveReload? _live;

    [Parameter] public Guid Id { get; set; }

    [Inject] private InventoryQueries Inventory { get; set; } = default!;
    [Inject] private FleetScopeProvider Scopes { get; set; } = default!;
    [Inject] private AuthenticationStateProvider Authentication { get; set; } = default!;
    [Inject] private FleetChangeFeed Feed { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private Core.Health.HealthCheckService Health { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;
    [Inject] private OperationQueries Operations { get; set; } = default!;
    [Inject] private Core.Firmware.FirmwareLibrary Firmware { get; set; } = default!;
    [Inject] private Core.Poe.PoeService Poe { get; set; } = default!;
    [Inject] private Microsoft.Extensions.Options.IOptions<Core.Poe.PoeOptions> PoeOptions { get; set; } = default!;

    private Core.Poe.CameraPoeView? _poe;

    /// <summary>Health says the camera does not answer (not merely sick): the escalation then starts with its PoE port.</summary>
    private bool Unresponsive => _details?.Camera is { } c
        && (c.Health == HealthState.Offline
            || (c.Health == HealthState.Unknown && c.FindingCodes.Any(f => f is Core.Health.HealthFindings.Unreachable or Core.Health.HealthFindings.NotAnswering)));

    /// <summary>Why a power-cycle cannot be asked for now (null when it can); the operation service checks again.</summary>
    private string? CycleProblem => _poe is null ? Api.CameraPoeDto.NoPort : _poe.CycleProblem;

    private string PortName => _poe is { } p ? $"{p.SwitchName} {CameraPoeSection.PortLabel(p.Group, p.Port)}" : "";

    private string Title => _details?.Camera is { } c ? c.Name ?? c.DeviceName ?? c.SerialNumber : "Camera";

    protected override async Task OnParametersSetAsync()
    {
        _live?.Dispose();
        _live = null;
        if (!await LoadAsync())
        {
            // Not there, or not in the caller's scope: the two look the same (a 404 when prerendered).
            Navigation.NotFound();
            return;
        }

        if (RendererInfo.IsInteractive)
        {
            var siteId = _details!.Camera.SiteId;
            _live = new LiveReload(Feed,
                change => InventoryQueries.Concerns(_scope, change) && (change.CameraId == Id || (change.CameraId is null && (change.SiteId is null || change.SiteId == siteId))),
                () => InvokeAsync(async () =>
                {
                    await LoadAsync();
                    StateHasChanged();
                }));
        }
    }

    private async Task<bool> LoadAsync()
    {
        _scope = await Scopes.GetAsync(Authentication);
        var details = await Inventory.CameraAsync(_scope, Id);
        if (details is null)
        {
            _details = null;
            return false;
        }

        _history = await Inventory.HealthHistoryAsync(_scope, Id);
        BuildChart(DateTimeOffset.UtcNow);
        _details = details;
        // The button exists only for administrators; the vault refuses everyone else anyway (and audits the attempt).
        _canReveal = _scope.Can(FleetPermissions.Administer) && details.HasCredential;
        _canCheck = details.Camera.Lifecycle == CameraLifecycle.Managed
            && _scope.Can(FleetPermissions.Operate, details.TenantId, details.Camera.SiteId);
        _canOperate = _canCheck;
        // Backup downloads and "reset without a backup" are for administrators (of the installation, or of this tenant).
        _isAdministrator = OperationQueries.CanDownload(_scope, details.TenantId);
        _activeOperation = await Operations.ActiveForCameraAsync(_scope, Id);
        _backups = await Operations.BackupsAsync(_scope, Id) ?? [];
        _poe = await Poe.CameraAsync(_scope, Id);
        return true;
    }

    private void BuildChart(DateTimeOffset now)
    {
        var start = now.AddHours(-24);
        var width = TimeSpan.FromHours(24) / Buckets;
        var latency = new double?[Buckets];
        var cpu = new double?[Buckets];
        foreach (var group in _history.GroupBy(p => Math.Clamp((int)((p.At - start) / width), 0, Buckets - 1)))
        {
            var ms = group.Where(p => p.LatencyMs is not null).Select(p => (double)p.LatencyMs!.Value).ToList();
            var load = group.Where(p => p.CpuPercent is not null).Select(p => (double)p.CpuPercent!.Value).ToList();
            latency[group.Key] = ms.Count > 0 ? Math.Round(ms.Average(), 1) : null;
            cpu[group.Key] = load.Count > 0 ? Math.Round(load.Average(), 1) : null;
        }

        _labels = Enumerable.Range(0, Buckets)
            .Select(i => i % 8 == 0 ? (start + (width * i)).UtcDateTime.ToString("HH:mm") : "").ToArray();
        _series =
        [
            new ChartSeries<double> { Name = "Latency (ms)", Data = new ChartData<double>(latency) },
            new ChartSeries<double> { Name = "CPU (%)", Data = new ChartData<double>(cpu) },
        ];
    }

    private async Task CheckNowAsync()
    {
        _checking = true;
        try
        {
            var (result, state) = await Health.CheckNowAsync(_scope, Id, CancellationToken.None);
            Snackbar.Add(result.Succeeded ? $"Checked: {state}." : result.Message, result.Succeeded ? Severity.Success : Severity.Warning);
            await LoadAsync();
        }
        finally
        {
            _checking = false;
        }
    }

    private async Task RevealAsync()
    {
        var parameters = new DialogParameters<RevealPasswordDialog> { { d => d.CameraId, Id }, { d => d.Scope, _scope } };
        await Dialogs.ShowAsync<RevealPasswordDialog>($"Reveal the password of {Title}", parameters,
            new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true, CloseOnEscapeKey = true });
    }

    private async Task OperateAsync(OperationKind kind)
    {
        var parameters = new DialogParameters<OperationDialog>
        {
            { d => d.CameraId, Id }, { d => d.Kind, kind }, { d => d.Serial, _details!.Camera.SerialNumber }, { d => d.Scope, _scope },
            { d => d.CanOverrideBackup, _isAdministrator },
        };
        if (kind == OperationKind.FirmwareUpgrade) parameters.Add(d => d.Images, await Firmware.CompatibleAsync(_scope, Id) ?? []);
        if (kind == OperationKind.PowerCycle)
        {
            var poe = PoeOptions.Value;
            parameters.Add(d => d.PortName, PortName);
            parameters.Add(d => d.OffSeconds, (int)poe.DefaultOffTime.TotalSeconds);
            parameters.Add(d => d.MinOffSeconds, (int)poe.MinOffTime.TotalSeconds);
            parameters.Add(d => d.MaxOffSeconds, (int)poe.MaxOffTime.TotalSeconds);
        }
        var title = kind switch
        {
            OperationKind.FactoryReset => "Factory reset", OperationKind.Reboot => "Reboot", OperationKind.PasswordRotation => "Rotate the password of",
            OperationKind.FirmwareUpgrade => "Upgrade the firmware of", OperationKind.PowerCycle => "Power-cycle the PoE port of", _ => "Back up",
        } + $" {Title}";
        var dialog = await Dialogs.ShowAsync<OperationDialog>(title, parameters,
            new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true, CloseOnEscapeKey = true });
        // The click returns once the dialog is open; its outcome is handled when it closes.
        _ = AfterDialogAsync(dialog);
    }

    private async Task AfterDialogAsync(IDialogReference dialog)
    {
        var result = await dialog.Result;
        if (result is not { Canceled: false }) return;
        await InvokeAsync(async () =>
        {
            Snackbar.Add("Started: follow its steps below.", Severity.Success);
            await LoadAsync();
            StateHasChanged();
        });
    }

    private async Task ReloadAsync() => await LoadAsync();

    private static string ByteSize(int bytes) => bytes < 1024 ? $"{bytes} B" : bytes < 1024 * 1024 ? $"{bytes / 1024.0:0.#} KiB" : $"{bytes / 1048576.0:0.#} MiB";

    private static string LoginState(Camera c)
    {
        var now = DateTimeOffset.UtcNow;
        if (c.LockedUntil is { } until && until > now) return $"locked by the device until {until.UtcDateTime:HH:mm} UTC; nothing is sent before";
        if (c.AuthRejectedAt is { } rejected) return $"password rejected {LocalTime.Relative(rejected)}; held back until a new one is stored";
        return c.AuthAttemptsLeft is { } left ? $"ok ({left} attempts left before the device locks)" : "ok";
    }

    private static string Uptime(long seconds)
    {
        var span = TimeSpan.FromSeconds(seconds);
        return span.TotalDays >= 1 ? $"{(int)span.TotalDays} d {span.Hours} h" : $"{span.Hours} h {span.Minutes} min";
    }

    public void Dispose() => _live?.Dispose();
}
