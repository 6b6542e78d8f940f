using HikFleet.Core.Profiles;

namespace HikFleet.Core.Tests.Profiles;

/// <summary>IANA → Hikvision's POSIX form (§2.4: sign inverted, DST amount, Mmonth.week.day/time rules).</summary>
public sealed class PosixTimeZonesTests
{
    [Theory]
    [InlineData("Europe/Berlin", "CST-1:00:00DST01:00:00,M3.5.0/02:00:00,M10.5.0/03:00:00")]
    [InlineData("America/New_York", "CST+5:00:00DST01:00:00,M3.2.0/02:00:00,M11.1.0/02:00:00")]
    [InlineData("Europe/London", "CST+0:00:00DST01:00:00,M3.5.0/01:00:00,M10.5.0/02:00:00")]
    // Southern hemisphere: DST starts in October and ends in April of the next year.
    [InlineData("Australia/Sydney", "CST-10:00:00DST01:00:00,M10.1.0/02:00:00,M4.1.0/03:00:00")]
    // Half-hour DST amount.
    [InlineData("Australia/Lord_Howe", "CST-10:30:00DST00:30:00,M10.1.0/02:00:00,M4.1.0/02:00:00")]
    // No DST today (Japan had it until 1951, India until 1945, Brazil until 2019): the old rules must not leak in.
    [InlineData("Asia/Tokyo", "CST-9:00:00")]
    [InlineData("Asia/Kolkata", "CST-5:30:00")]
    [InlineData("America/Sao_Paulo", "CST+3:00:00")]
    [InlineData("UTC", "CST+0:00:00")]
    public void Converts_to_the_device_string(string iana, string expected)
    {
        Assert.Equal(expected, PosixTimeZones.ToHikvision(iana));
        Assert.True(PosixTimeZones.TryConvert(iana, out var posix, out var problem));
        Assert.Equal(expected, posix);
        Assert.Null(problem);
    }

    [Theory]
    [InlineData("Mars/Olympus_Mons")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("W. Europe Standard Time")]
    public void An_unknown_id_is_a_clear_error(string? iana)
    {
        Assert.False(PosixTimeZones.TryConvert(iana, out _, out var problem));
        Assert.Contains("is not an IANA time zone", problem);
        var e = Assert.Throws<ArgumentException>(() => PosixTimeZones.ToHikvision(iana!));
        Assert.Contains("Europe/Berlin", e.Message);
    }

    [Fact]
    public void A_zone_whose_dst_dates_cannot_be_expressed_gets_standard_time_and_a_warning()
    {
        // Morocco's DST pauses for Ramadan on dates fixed year by year: no Mm.w.d rule describes them.
        Assert.True(PosixTimeZones.TryConvert("Africa/Casablanca", out var posix, out var problem));
        Assert.Equal("CST-1:00:00", posix);
        Assert.Contains("standard time", problem);
    }
}
