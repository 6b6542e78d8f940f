namespace HikFleet.Isapi;

/// <summary>A successful <c>ResponseStatus</c> (statusCode 0/1, or 7 "Reboot Required", §1.4).</summary>
/// <param name="StatusCode">1 (or 0) for applied, 7 for accepted-but-needs-reboot.</param>
/// <param name="SubStatusCode">e.g. <c>ok</c>, <c>riskPassword</c>, <c>rebootRequired</c>.</param>
/// <param name="Id">The id of a created object (POST), when the device returned one.</param>
public sealed record IsapiResult(int StatusCode, string? SubStatusCode, int? Id = null)
{
    /// <summary>A plain success for answers that carry no ResponseStatus.</summary>
    public static IsapiResult Ok { get; } = new(1, "ok");

    /// <summary>statusCode 7: the change is accepted but applies only after a reboot; call <c>RebootAsync</c> (§5 item 4).</summary>
    public bool RebootRequired => StatusCode == 7;

    /// <summary>The write succeeded but the device flags the password as weak (<c>riskPassword</c>, §3.4).</summary>
    public bool RiskPassword => string.Equals(SubStatusCode, "riskPassword", StringComparison.OrdinalIgnoreCase);
}
