using HikFleet.Core.Profiles;

namespace HikFleet.Core.Tests.Profiles;

public sealed class ProfileValidationTests
{
    private static readonly StreamProfile Main = new("H.265", 2688, 1520, 25, 6144, "VBR");

    [Fact]
    public void A_complete_valid_profile_has_no_errors()
    {
        var settings = new ProfileSettings
        {
            TimeZone = "Europe/Berlin", NtpServers = ["ntp.site.lan", "10.0.0.1"], OsdNamePattern = "{site} - {camera}", MainStream = Main,
            SubStream = new("H.264", 640, 360, 15, 512, "CBR"), MotionEnabled = true, MotionSensitivity = 70, CloudAccessAllowed = false,
            PasswordPolicy = new(12, 90),
        };
        Assert.Empty(ProfileValidator.Validate("Standard", settings));
        // An empty profile is valid too (every field is "not set").
        Assert.Empty(ProfileValidator.Validate("Nothing", new ProfileSettings()));
    }

    [Fact]
    public void Every_wrong_field_gets_its_own_message()
    {
        var errors = ProfileValidator.Validate(" ", new ProfileSettings
        {
            TimeZone = "Europe/Atlantis",
            NtpServers = ["a.lan", "b.lan", "bad host!"],
            OsdNamePattern = "<{camera}> {floor}",
            MainStream = new("MJPEG", 9000, 100, 0, 20, "ABR"),
            MotionSensitivity = 101,
            PasswordPolicy = new(6, 0),
        });

        Assert.Equal(["A profile needs a name."], errors["Name"]);
        Assert.Equal(["'Europe/Atlantis' is not an IANA time zone (for example Europe/Berlin or America/New_York)."], errors["TimeZone"]);
        Assert.Equal(["At most 2 NTP servers.", "'bad host!' is neither an IPv4 address nor a host name."], errors["NtpServers"]);
        Assert.Equal(["Unknown placeholder: use {camera}, {site} or {serial}."], errors["OsdNamePattern"]);
        Assert.Equal(["Codec is H.264 or H.265.", "Resolution 9000x100 is outside 160x120 to 7680x4320.", "Frame rate is between 1 and 60 fps.",
            "Bit rate is between 32 and 16384 kbps.", "Bit rate control is CBR or VBR."], errors["MainStream"]);
        Assert.Equal(["Motion sensitivity is between 0 and 100."], errors["MotionSensitivity"]);
        Assert.Equal(["The minimum password length is between 8 and 16 (devices take 8-16 characters).", "Rotate every 1 to 3650 days, or leave rotation off."],
            errors["PasswordPolicy"]);
        Assert.False(errors.ContainsKey("SubStream"));
    }

    [Theory]
    [InlineData("Cam \"A\"", "'\"' is not accepted in a camera's OSD name")]
    [InlineData("This fixed text is far longer than 32 chars {camera}", "longer than the 32 characters")]
    [InlineData("   ", "The OSD name pattern is empty.")]
    public void Osd_patterns_are_checked(string pattern, string message)
    {
        var errors = ProfileValidator.Validate("p", new ProfileSettings { OsdNamePattern = pattern });
        Assert.Contains(errors["OsdNamePattern"], m => m.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Osd_names_render_device_safe_and_at_most_32_characters()
    {
        Assert.Equal("Depot 7 - Gate", ProfileSettings.RenderOsdName("{site} - {camera}", "Gate", "Depot 7", "DS-1"));
        // No HikFleet name: the serial stands in; unsafe characters from names become '-'.
        Assert.Equal("DS-2CD2386G2-IU2024 Lager-S-d-", ProfileSettings.RenderOsdName("{camera} {site}", null, "Lager<Süd>", "DS-2CD2386G2-IU2024"));
        var rendered = ProfileSettings.RenderOsdName("{site}/{camera}/{serial}", "Loading bay north entrance", "Warehouse", "DS-2CD2386G2-IU20240101");
        Assert.True(rendered.Length <= 32, rendered);
        Assert.All(rendered, c => Assert.True(ProfileValidator.IsOsdSafe(c), $"'{c}'"));
        Assert.StartsWith("Warehouse/Loading bay", rendered);
    }

    [Fact]
    public void A_site_profile_overrides_the_tenant_profile_field_by_field()
    {
        var tenant = new ProfileSettings { TimeZone = "Europe/Berlin", NtpServers = ["ntp.tenant.lan"], MainStream = Main, MotionEnabled = true, MotionSensitivity = 50 };
        var site = new ProfileSettings { NtpServers = ["ntp.site.lan"], MotionSensitivity = 80, CloudAccessAllowed = false };
        var effective = site.Over(tenant);
        Assert.Equal("Europe/Berlin", effective.TimeZone);
        Assert.Equal(["ntp.site.lan"], effective.NtpServers);
        Assert.Equal(Main, effective.MainStream);
        Assert.True(effective.MotionEnabled);
        Assert.Equal(80, effective.MotionSensitivity);
        Assert.False(effective.CloudAccessAllowed);
        Assert.Null(effective.OsdNamePattern);
    }

    [Theory]
    [InlineData(2, null, "Failed logins before the lock are between 3 and 20 (the cameras' range); 2 is not.")]
    [InlineData(21, null, "Failed logins before the lock are between 3 and 20 (the cameras' range); 21 is not.")]
    [InlineData(5, 0, "The lock lasts 1 to 120 minutes; 0 is not.")]
    [InlineData(5, 121, "The lock lasts 1 to 120 minutes; 121 is not.")]
    public void A_login_lock_outside_the_devices_range_is_refused_with_a_clear_message(int attempts, int? minutes, string message)
    {
        var errors = ProfileValidator.Validate("Lock", new ProfileSettings { LoginLock = new LoginLockPolicy(true, attempts, minutes) });
        Assert.Equal([message], errors["LoginLock"]);
    }

    [Fact]
    public void A_login_lock_in_range_or_deliberately_off_is_valid_but_off_takes_no_attempts()
    {
        Assert.Empty(ProfileValidator.Validate("Lock", new ProfileSettings { LoginLock = new LoginLockPolicy(true, 3, 1), HttpsEnabled = true }));
        Assert.Empty(ProfileValidator.Validate("Lock", new ProfileSettings { LoginLock = new LoginLockPolicy(true, 20, 120) }));
        Assert.Empty(ProfileValidator.Validate("Lock", new ProfileSettings { LoginLock = new LoginLockPolicy(false) }));
        Assert.Equal(["Attempts and lock time only matter with the login lock on."],
            ProfileValidator.Validate("Lock", new ProfileSettings { LoginLock = new LoginLockPolicy(false, 5) })["LoginLock"]);
    }

    [Fact]
    public void Login_lock_and_https_round_trip_through_json_and_inherit_field_by_field()
    {
        var tenant = new ProfileSettings { LoginLock = new LoginLockPolicy(true, 5, 30), HttpsEnabled = true };
        var site = ProfileSettings.FromJson(new ProfileSettings { CloudAccessAllowed = false }.ToJson());
        var effective = ProfileSettings.FromJson(site.ToJson()).Over(ProfileSettings.FromJson(tenant.ToJson()));
        Assert.Equal(new LoginLockPolicy(true, 5, 30), effective.LoginLock);
        Assert.True(effective.HttpsEnabled);
        Assert.False(effective.CloudAccessAllowed);
        Assert.False(new ProfileSettings { HttpsEnabled = true }.IsEmptyForDevices);
        Assert.False(new ProfileSettings { LoginLock = new LoginLockPolicy(false) }.IsEmptyForDevices);
    }
}
