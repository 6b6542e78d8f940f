namespace HikFleet.Sadp;

/// <summary>What happened to a SADP command.</summary>
public enum SadpCommandStatus
{
    /// <summary>The device reported success.</summary>
    Success,
    /// <summary>The device rejected the password (<c>Password error!</c>).</summary>
    WrongPassword,
    /// <summary>The device rejected the new password as too weak (<c>Risk password!</c>, §3.3/§3.4).</summary>
    RiskyPassword,
    /// <summary>The device's SADP login is locked (<c>Device lock!</c>, <c>DeviceLock=true</c>); wait before retrying (§1.5).</summary>
    Locked,
    /// <summary>Activation was not needed: the device is already active (<c>Has activated!</c>).</summary>
    AlreadyActivated,
    /// <summary>No matching reply before the command timeout (or the device is not known/reachable).</summary>
    NoAnswer,
    /// <summary>Any other failure; <see cref="SadpCommandOutcome.Detail"/> says what the device said.</summary>
    Failed,
}

/// <summary>The typed result of a SADP command (activate, update, reboot, restoreInactive).</summary>
/// <param name="Status">The outcome.</param>
/// <param name="Detail">The device's result text or the client's reason; never contains a password.</param>
/// <param name="Reply">The device's reply, when there was one.</param>
public sealed record SadpCommandOutcome(SadpCommandStatus Status, string? Detail = null, SadpMessage? Reply = null)
{
    /// <summary>True for <see cref="SadpCommandStatus.Success"/>.</summary>
    public bool IsSuccess => Status == SadpCommandStatus.Success;

    /// <summary>
    /// Maps a device reply to an outcome. <c>Result</c> may be <c>success</c>/<c>failed</c> (§4.4) or one of the sadp.dll strings
    /// (§3.3: <c>Succ!</c>, <c>Has activated!</c>, <c>Password error!</c>, <c>Risk password!</c>, <c>Device lock!</c>, <c>Device deny!</c>);
    /// a failed reply may carry its reason in another element, so every unknown field is searched for the same keywords.
    /// </summary>
    public static SadpCommandOutcome FromReply(SadpMessage reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var result = reply.Result?.Trim() ?? "";
        var reasons = string.Join(" ", reply.UnknownFields.Values.Prepend(result)).ToLowerInvariant();
        var detail = string.Join("; ", reply.UnknownFields.Where(kv => kv.Value.Length <= 200).Select(kv => $"{kv.Key}={kv.Value}").Prepend(result)
            .Where(s => s.Length > 0));
        if (result.Equals("success", StringComparison.OrdinalIgnoreCase) || result.Equals("succ!", StringComparison.OrdinalIgnoreCase) ||
            result.Equals("succ", StringComparison.OrdinalIgnoreCase) || result.Equals("true", StringComparison.OrdinalIgnoreCase))
            return new(SadpCommandStatus.Success, detail, reply);
        SadpCommandStatus status;
        if (reasons.Contains("has activated", StringComparison.Ordinal) || reasons.Contains("hasactivated", StringComparison.Ordinal) ||
            reasons.Contains("already activated", StringComparison.Ordinal) || reasons.Contains("alreadyactivated", StringComparison.Ordinal))
            status = SadpCommandStatus.AlreadyActivated;
        else if (reasons.Contains("risk", StringComparison.Ordinal) || reasons.Contains("weak", StringComparison.Ordinal))
            status = SadpCommandStatus.RiskyPassword;
        else if (reasons.Contains("lock", StringComparison.Ordinal) || reply.DeviceLock == true)
            status = SadpCommandStatus.Locked;
        else if (reasons.Contains("password error", StringComparison.Ordinal) || reasons.Contains("passworderror", StringComparison.Ordinal) ||
                 reasons.Contains("wrong password", StringComparison.Ordinal) || reasons.Contains("wrongpassword", StringComparison.Ordinal) ||
                 reasons.Contains("badpassword", StringComparison.Ordinal) || reasons.Contains("password", StringComparison.Ordinal))
            status = SadpCommandStatus.WrongPassword;
        else
            status = SadpCommandStatus.Failed;
        return new(status, detail.Length == 0 ? "device reported failure" : detail, reply);
    }
}
