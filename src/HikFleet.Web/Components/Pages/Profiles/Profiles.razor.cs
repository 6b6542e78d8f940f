using HikFleet.Core.Data;
using HikFleet.Core.Profiles;
using HikFleet.Core.Security;
using HikFleet.Web.Auth;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.EntityFrameworkCore;
using MudBlazor;

namespace HikFleet.Web.Components.Pages.Profiles;

public sealed partial class Profiles
{
    private static readonly char[] Separators = [',', ';', ' ', '\n', '\r', '\t'];

    private List<ProfileView>? _rows;
    /// <summary>Where the caller may create a profile: "tenantId" (tenant-wide) or "tenantId/siteId", with a label.</summary>
    private List<TargetOption> _targets = [];
    private ProfileEditor? _editor;
    private Guid? _editingId;
    private Guid? _confirmDeleteId;
    private bool _saving;
    private FleetScope _scope = FleetScope.Nobody;
    private IReadOnlyDictionary<string, string[]> _errors = new Dictionary<string, string[]>();

    [Inject] private IDbContextFactory<FleetDbContext> Contexts { get; set; } = default!;
    [Inject] private ProfileService ProfileService { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private FleetScopeProvider Scopes { get; set; } = default!;
    [Inject] private AuthenticationStateProvider Authentication { get; set; } = default!;

    private string? FormError => _errors.TryGetValue("", out var e) ? string.Join(" ", e) : null;

    /// <summary>Shows what the device will get for the zone typed, so a person sees the POSIX string before saving.</summary>
    private string TimeZoneHelp =>
        string.IsNullOrWhiteSpace(_editor?.TimeZone) ? "For example Europe/Berlin; empty = not set"
        : PosixTimeZones.TryConvert(_editor.TimeZone, out var posix, out var problem) ? $"Cameras get {posix}{(problem is null ? "" : $" ({problem})")}"
        : "Not an IANA time zone yet";

    protected override async Task OnInitializedAsync() => await LoadAsync();

    private async Task LoadAsync()
    {
        _scope = await Scopes.GetAsync(Authentication);
        _rows = (await ProfileService.ListAsync(_scope)).ToList();
        await using var db = await Contexts.CreateDbContextAsync();
        var tenants = await _scope.Tenants(db).OrderBy(t => t.Name).Select(t => new { t.Id, t.Name }).ToListAsync();
        var sites = await _scope.Sites(db).OrderBy(s => s.Name).Select(s => new { s.Id, s.TenantId, s.Name }).ToListAsync();
        var taken = _rows.Select(r => (r.TenantId, r.SiteId)).ToHashSet();
        _targets = [];
        foreach (var t in tenants)
        {
            if (ProfileService.CanEdit(_scope, t.Id, null) && !taken.Contains((t.Id, null))) _targets.Add(new($"{t.Id:N}", $"{t.Name} (all sites)"));
            foreach (var s in sites.Where(s => s.TenantId == t.Id))
            {
                if (ProfileService.CanEdit(_scope, t.Id, s.Id) && !taken.Contains((t.Id, s.Id))) _targets.Add(new($"{t.Id:N}/{s.Id:N}", $"{t.Name} / {s.Name}"));
            }
        }
    }

    private void StartCreate()
    {
        _editingId = null;
        _editor = new ProfileEditor { Target = _targets.FirstOrDefault()?.Key ?? "", Name = "Standard" };
        _errors = new Dictionary<string, string[]>();
    }

    private void StartEdit(ProfileView view)
    {
        _editingId = view.Id;
        _editor = ProfileEditor.From(view);
        if (_targets.All(t => t.Key != _editor.Target)) _targets.Add(new(_editor.Target, view.SiteName is null ? $"{view.TenantName} (all sites)" : $"{view.TenantName} / {view.SiteName}"));
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
        if (_editor is null) return;
        _saving = true;
        try
        {
            var input = _editor.ToInput();
            var result = _editingId is { } id ? await ProfileService.UpdateAsync(_scope, id, input) : await ProfileService.CreateAsync(_scope, input);
            _errors = result.Errors;
            if (result.Succeeded)
            {
                Snackbar.Add($"Profile {input.Name.Trim()} saved.", Severity.Success);
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
        var result = await ProfileService.DeleteAsync(_scope, id);
        Snackbar.Add(result.Succeeded ? "Profile deleted." : result.Message, result.Succeeded ? Severity.Success : Severity.Error);
        await LoadAsync();
    }

    private bool HasError(string field) => _errors.ContainsKey(field);

    private string ErrorFor(string field) => _errors.TryGetValue(field, out var e) ? string.Join(" ", e) : "";

    private static string Summary(ProfileSettings s)
    {
        var parts = new List<string>();
        if (s.TimeZone is not null) parts.Add(s.TimeZone);
        if (s.NtpServers is { Count: > 0 } ntp) parts.Add("NTP " + string.Join(", ", ntp));
        if (s.OsdNamePattern is not null) parts.Add($"OSD \"{s.OsdNamePattern}\"");
        if (s.MainStream is { } m) parts.Add($"main {m.Codec} {m.Width}x{m.Height} {m.MaxFps} fps {m.BitrateKbps} kbps {m.BitrateControl}");
        if (s.SubStream is { } u) parts.Add($"sub {u.Codec} {u.Width}x{u.Height} {u.MaxFps} fps {u.BitrateKbps} kbps {u.BitrateControl}");
        if (s.MotionEnabled is { } motion) parts.Add(motion ? $"motion on{(s.MotionSensitivity is { } x ? $" ({x})" : "")}" : "motion off");
        if (s.CloudAccessAllowed == false) parts.Add("no cloud");
        if (s.LoginLock is { } l)
            parts.Add(l.Enabled ? $"login lock on{(l.MaxAttempts is { } a ? $" after {a}" : "")}{(l.LockMinutes is { } minutes ? $" for {minutes} min" : "")}" : "login lock off");
        if (s.HttpsEnabled == true) parts.Add("HTTPS on");
        if (s.PasswordPolicy is { } p) parts.Add($"passwords ≥ {p.MinimumLength}{(p.RotateEveryDays is { } d ? $", rotated every {d} days" : "")}");
        return parts.Count == 0 ? "nothing" : string.Join(" · ", parts);
    }

    private sealed record TargetOption(string Key, string Label);

    /// <summary>One stream's form fields; <see cref="Set"/> false = the profile does not set this stream.</summary>
    private sealed class StreamEditor
    {
        public bool Set { get; set; }
        public string Codec { get; set; } = "H.264";
        public int Width { get; set; } = 1920;
        public int Height { get; set; } = 1080;
        public int Fps { get; set; } = 25;
        public int Kbps { get; set; } = 4096;
        public string Control { get; set; } = "VBR";

        public StreamProfile? ToProfile() => Set ? new StreamProfile(Codec, Width, Height, Fps, Kbps, Control) : null;

        public static StreamEditor From(StreamProfile? s, int width, int height, int kbps) => s is null
            ? new StreamEditor { Width = width, Height = height, Kbps = kbps }
            : new StreamEditor { Set = true, Codec = s.Codec, Width = s.Width, Height = s.Height, Fps = s.MaxFps, Kbps = s.BitrateKbps, Control = s.BitrateControl };
    }

    /// <summary>The form: text for lists, "" for "not set".</summary>
    private sealed class ProfileEditor
    {
        public string Target { get; set; } = "";
        public string Name { get; set; } = "";
        public string? TimeZone { get; set; }
        public string? NtpServers { get; set; }
        public string? OsdNamePattern { get; set; }
        public StreamEditor Main { get; set; } = StreamEditor.From(null, 1920, 1080, 4096);
        public StreamEditor Sub { get; set; } = StreamEditor.From(null, 640, 360, 512);
        public string Motion { get; set; } = "";
        public int? MotionSensitivity { get; set; }
        public string Cloud { get; set; } = "";
        public string LoginLock { get; set; } = "";
        public int? LoginAttempts { get; set; }
        public int? LockMinutes { get; set; }
        public string Https { get; set; } = "";
        public int? PasswordMinimum { get; set; }
        public int? RotateDays { get; set; }
        public uint? Version { get; set; }

        public ProfileInput ToInput()
        {
            var parts = Target.Split('/');
            var ntp = NtpServers?.Split(Separators, StringSplitOptions.RemoveEmptyEntries).ToList();
            return new ProfileInput
            {
                TenantId = Guid.TryParseExact(parts[0], "N", out var tenant) ? tenant : Guid.Empty,
                SiteId = parts.Length > 1 && Guid.TryParseExact(parts[1], "N", out var site) ? site : null,
                Name = Name,
                Version = Version,
                Settings = new ProfileSettings
                {
                    TimeZone = string.IsNullOrWhiteSpace(TimeZone) ? null : TimeZone.Trim(),
                    NtpServers = ntp is { Count: > 0 } ? ntp : null,
                    OsdNamePattern = string.IsNullOrWhiteSpace(OsdNamePattern) ? null : OsdNamePattern,
                    MainStream = Main.ToProfile(),
                    SubStream = Sub.ToProfile(),
                    MotionEnabled = Motion switch { "on" => true, "off" => false, _ => null },
                    MotionSensitivity = MotionSensitivity,
                    CloudAccessAllowed = Cloud switch { "allowed" => true, "blocked" => false, _ => null },
                    // Attempts and lock time belong to "on" only (the fields are disabled otherwise).
                    LoginLock = LoginLock switch
                    {
                        "on" => new LoginLockPolicy(true, LoginAttempts, LockMinutes),
                        "off" => new LoginLockPolicy(false),
                        _ => null,
                    },
                    HttpsEnabled = Https == "on" ? true : null,
                    PasswordPolicy = PasswordMinimum is { } min ? new PasswordPolicy(min, RotateDays) : null,
                },
            };
        }

        public static ProfileEditor From(ProfileView v) => new()
        {
            Target = v.SiteId is { } site ? $"{v.TenantId:N}/{site:N}" : $"{v.TenantId:N}",
            Name = v.Name,
            TimeZone = v.Settings.TimeZone,
            NtpServers = v.Settings.NtpServers is { } ntp ? string.Join(", ", ntp) : null,
            OsdNamePattern = v.Settings.OsdNamePattern,
            Main = StreamEditor.From(v.Settings.MainStream, 1920, 1080, 4096),
            Sub = StreamEditor.From(v.Settings.SubStream, 640, 360, 512),
            Motion = v.Settings.MotionEnabled switch { true => "on", false => "off", null => "" },
            MotionSensitivity = v.Settings.MotionSensitivity,
            Cloud = v.Settings.CloudAccessAllowed switch { true => "allowed", false => "blocked", null => "" },
            LoginLock = v.Settings.LoginLock switch { { Enabled: true } => "on", { Enabled: false } => "off", null => "" },
            LoginAttempts = v.Settings.LoginLock?.MaxAttempts,
            LockMinutes = v.Settings.LoginLock?.LockMinutes,
            Https = v.Settings.HttpsEnabled == true ? "on" : "",
            PasswordMinimum = v.Settings.PasswordPolicy?.MinimumLength,
            RotateDays = v.Settings.PasswordPolicy?.RotateEveryDays,
            Version = v.Version,
        };
    }
}
