using System.Globalization;

namespace HikFleet.Core.Profiles;

/// <summary>
/// IANA time zone id → the POSIX-style string a Hikvision device takes in <c>/ISAPI/System/time</c> (protocol reference §2.4):
/// the standard offset with its sign inverted (<c>CST-1:00:00</c> is UTC+1), then, for zones that observe DST today, the DST
/// amount and the start and end rules (<c>DST01:00:00,M3.5.0/02:00:00,M10.5.0/03:00:00</c>). The label is always CST: devices
/// ignore it.
/// </summary>
public static class PosixTimeZones
{
    /// <summary>The device string for <paramref name="ianaId"/>; throws <see cref="ArgumentException"/> with a readable message for an unknown id.</summary>
    public static string ToHikvision(string ianaId) =>
        TryConvert(ianaId, out var posix, out var problem) ? posix : throw new ArgumentException(problem, nameof(ianaId));

    /// <summary>
    /// Converts from the system tz database. Only the rule in force now and for the future is used (its floating
    /// "Mm.w.d" form); a zone whose current rules are not expressible that way (e.g. Ramadan-dependent DST) gets its standard
    /// offset without DST, and <paramref name="problem"/> says so while the method still returns true.
    /// </summary>
    public static bool TryConvert(string? ianaId, out string posix, out string? problem)
    {
        posix = "";
        problem = null;
        if (string.IsNullOrWhiteSpace(ianaId) || !TimeZoneInfo.TryFindSystemTimeZoneById(ianaId.Trim(), out var zone)
            || !(zone.HasIanaId || zone.Id == "UTC"))
        {
            problem = $"'{ianaId}' is not an IANA time zone (for example Europe/Berlin or America/New_York).";
            return false;
        }

        var rules = zone.GetAdjustmentRules();
        var last = rules.Length == 0 ? null : rules[^1];
        // The tz database's future rule is the one that runs to the end of time; anything else ended in the past (Tokyo 1951,
        // Kolkata 1945, São Paulo 2019) or is a list of fixed dates the device cannot express.
        var current = last is not null && last.DateEnd.Year == 9999 && last.DaylightDelta != TimeSpan.Zero ? last : null;
        var standard = zone.BaseUtcOffset + (current?.BaseUtcOffsetDelta ?? TimeSpan.Zero);
        posix = "CST" + Offset(standard);
        if (current is null)
        {
            if (last is not null && last.DateEnd > DateTime.UtcNow && last.DaylightDelta != TimeSpan.Zero)
            {
                problem = $"{ianaId} changes its clocks on dates the device cannot express; it is set to standard time (UTC{Utc(standard)}) all year.";
            }

            return true;
        }

        if (current.DaylightTransitionStart.IsFixedDateRule || current.DaylightTransitionEnd.IsFixedDateRule || current.DaylightDelta < TimeSpan.Zero)
        {
            problem = $"{ianaId} changes its clocks on dates the device cannot express; it is set to standard time (UTC{Utc(standard)}) all year.";
            return true;
        }

        posix += "DST" + Clock(current.DaylightDelta) + "," + Rule(current.DaylightTransitionStart) + "," + Rule(current.DaylightTransitionEnd);
        return true;
    }

    /// <summary>POSIX sign: positive west of Greenwich, so UTC+1 is "-1:00:00" (§2.4).</summary>
    private static string Offset(TimeSpan utcOffset)
    {
        var west = -utcOffset;
        var sign = west < TimeSpan.Zero ? "-" : "+";
        var a = west.Duration();
        return string.Create(CultureInfo.InvariantCulture, $"{sign}{(int)a.TotalHours}:{a.Minutes:00}:{a.Seconds:00}");
    }

    private static string Utc(TimeSpan offset) =>
        (offset < TimeSpan.Zero ? "-" : "+") + offset.Duration().ToString(@"hh\:mm", CultureInfo.InvariantCulture);

    /// <summary>The DST amount as §2.4 quotes it: two-digit hours, no sign (<c>01:00:00</c>, Lord Howe's <c>00:30:00</c>).</summary>
    private static string Clock(TimeSpan t) => t.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture);

    /// <summary>
    /// <c>Mmonth.week.day/hh:mm:ss</c>: week 5 is "the last", day 0 is Sunday, and the time is the local wall-clock time in force
    /// before the change (standard time for the start, daylight time for the end), as in POSIX TZ and in .NET's transition times.
    /// </summary>
    private static string Rule(TimeZoneInfo.TransitionTime t) =>
        string.Create(CultureInfo.InvariantCulture, $"M{t.Month}.{t.Week}.{(int)t.DayOfWeek}/{t.TimeOfDay:HH\\:mm\\:ss}");
}
