namespace HikFleet.Simulator.Isapi;

/// <summary>Password strength of §3.4: level 0 (risky, refused) to 3 (strong).</summary>
internal static class PasswordRules
{
    public static int Level(string userName, string password)
    {
        if (password.Length < 8 || password == userName || password == new string(userName.Reverse().ToArray()))
            return 0;
        var lower = password.Any(char.IsAsciiLetterLower);
        var upper = password.Any(char.IsAsciiLetterUpper);
        var digit = password.Any(char.IsAsciiDigit);
        var special = password.Any(c => c is >= '!' and <= '~' && !char.IsAsciiLetterOrDigit(c));
        var classes = (lower ? 1 : 0) + (upper ? 1 : 0) + (digit ? 1 : 0) + (special ? 1 : 0);
        if (classes <= 1)
            return 0;
        if (classes >= 3)
            return 3;
        return digit && (lower || upper) ? 1 : 2;
    }

    /// <summary>null when acceptable, else the subStatusCode of the refusal.</summary>
    public static string? Validate(string userName, string password)
    {
        if (password.Length > 16 || password.Any(c => c is < '!' or > '~'))
            return "badParameters";
        return Level(userName, password) == 0 ? "riskPassword" : null;
    }
}

/// <summary>Hikvision's POSIX-style zone strings (§2.4): CST-8:00:00 = UTC+8, optional DST suffix.</summary>
internal static partial class TimeZoneParser
{
    [System.Text.RegularExpressions.GeneratedRegex(@"^[A-Za-z]{3,5}([+-])(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?(DST.*)?$")]
    private static partial System.Text.RegularExpressions.Regex Pattern();

    public static bool IsValid(string zone)
    {
        var m = Pattern().Match(zone);
        return m.Success && int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) <= 14;
    }

    public static TimeSpan Offset(string zone)
    {
        var m = Pattern().Match(zone);
        if (!m.Success)
            return TimeSpan.Zero;
        var hours = int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        var minutes = m.Groups[3].Success ? int.Parse(m.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        if (hours > 14 || minutes > 59)
            return TimeSpan.Zero;
        var span = new TimeSpan(hours, minutes, 0);
        return m.Groups[1].Value == "-" ? span : -span; // the sign is inverted
    }
}
