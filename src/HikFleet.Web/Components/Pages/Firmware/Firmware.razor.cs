using HikFleet.Core.Common;
using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Firmware;
using HikFleet.Core.Security;
using HikFleet.Web.Auth;
using HikFleet.Web.Components.Pages.Cameras;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MudBlazor;

namespace HikFleet.Web.Components.Pages.Firmware;

/// <summary>The fleet's firmware per model, the tenant libraries (upload streamed with progress), and staged rollouts from a model's row.</summary>
public sealed partial class Firmware
{
    private IReadOnlyList<FleetFirmwareRow>? _fleet;
    private IReadOnlyList<FirmwareImageInfo>? _images;
    private List<(Guid Id, string Name)> _uploadTenants = [];
    private FleetScope _scope = FleetScope.Nobody;
    private bool _canOperate;
    private Guid _tenantId;
    private string? _models, _version, _build, _message;
    private bool _uploading;
    private long _sent, _size;
    private double _percent;
    private IReadOnlyDictionary<string, string[]> _errors = new Dictionary<string, string[]>();

    [Inject] private FirmwareLibrary Library { get; set; } = default!;
    [Inject] private IOptions<FirmwareOptions> Options { get; set; } = default!;
    [Inject] private IDbContextFactory<FleetDbContext> Contexts { get; set; } = default!;
    [Inject] private FleetScopeProvider Scopes { get; set; } = default!;
    [Inject] private AuthenticationStateProvider Authentication { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    private string? Error(string field) => _errors.TryGetValue(field, out var m) ? string.Join(" ", m) : null;

    protected override async Task OnInitializedAsync()
    {
        _scope = await Scopes.GetAsync(Authentication);
        _canOperate = _scope.Can(FleetPermissions.Operate);
        await using (var db = await Contexts.CreateDbContextAsync())
        {
            _uploadTenants = (await _scope.Tenants(db).OrderBy(t => t.Name).Select(t => new { t.Id, t.Name }).ToListAsync())
                .Where(t => _scope.Can(FleetPermissions.ManageSites, t.Id)).Select(t => (t.Id, t.Name)).ToList();
        }

        _tenantId = _uploadTenants.FirstOrDefault().Id;
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        _fleet = await Library.FleetVersionsAsync(_scope);
        _images = await Library.ListAsync(_scope);
    }

    private IReadOnlyList<FirmwareImageInfo> ImagesFor(string model) =>
        _images?.Where(i => ModelPattern.AnyMatches(i.Models, model)).ToList() ?? [];

    private async Task UploadAsync(InputFileChangeEventArgs e)
    {
        _message = null;
        _errors = new Dictionary<string, string[]>();
        var file = e.File;
        _size = file.Size;
        _sent = 0;
        _uploading = true;
        var lastRender = DateTime.UtcNow;
        var progress = new InlineProgress<long>(bytes =>
        {
            _sent = bytes;
            _percent = _size == 0 ? 0 : bytes * 100.0 / _size;
            if (DateTime.UtcNow - lastRender < TimeSpan.FromMilliseconds(250)) return;
            lastRender = DateTime.UtcNow;
            _ = InvokeAsync(StateHasChanged);
        });
        try
        {
            // Streamed from the browser to the store (hashing as it goes); the library enforces its own size limit too.
            await using var stream = file.OpenReadStream(Options.Value.MaxImageBytes);
            var models = _models?.Split([',', ';', ' '], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var result = await Library.AddAsync(_scope, new FirmwareUpload(_tenantId, file.Name, _version, _build, Models: models), stream, progress);
            if (result.Succeeded)
            {
                Snackbar.Add($"{file.Name} is in the library.", Severity.Success);
                _models = _version = _build = null;
                await LoadAsync();
            }
            else
            {
                _errors = result.Kind == ResultKind.Invalid ? result.Errors : new Dictionary<string, string[]>();
                _message = result.Message;
            }
        }
        catch (IOException ex)
        {
            _message = $"The upload stopped: {ex.Message}";
        }
        finally
        {
            _uploading = false;
        }
    }

    private async Task DeleteAsync(FirmwareImageInfo image)
    {
        var result = await Library.DeleteAsync(_scope, image.Id);
        Snackbar.Add(result.Succeeded ? $"{image.FileName} removed." : result.Message, result.Succeeded ? Severity.Success : Severity.Warning);
        await LoadAsync();
    }

    private async Task RolloutAsync(FleetFirmwareRow row)
    {
        var parameters = new DialogParameters<BulkOperationDialog>
        {
            { d => d.CameraIds, row.CameraIds }, { d => d.Kind, OperationKind.FirmwareUpgrade }, { d => d.Scope, _scope },
            { d => d.Images, ImagesFor(row.Model) },
        };
        var dialog = await Dialogs.ShowAsync<BulkOperationDialog>($"Roll out firmware to {row.Cameras} {row.Model} on {row.Firmware}", parameters,
            new DialogOptions { MaxWidth = MaxWidth.Medium, FullWidth = true, CloseOnEscapeKey = true });
        await dialog.Result;
        await LoadAsync();
    }
}
