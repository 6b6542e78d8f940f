namespace HikFleet.Isapi.Tests.Support;

/// <summary>A clock the test moves by hand (the lockout guard's notion of "now").</summary>
public sealed class ManualClock : TimeProvider
{
    private DateTimeOffset _now = DateTimeOffset.UtcNow;
    public override DateTimeOffset GetUtcNow() => _now;
    public void Advance(TimeSpan by) => _now += by;
}
