using System.Net.Mail;
using System.Security.Cryptography;
using HikFleet.Core.Audit;
using HikFleet.Core.Common;
using HikFleet.Core.Data;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Devices;
using HikFleet.Core.Security;
using HikFleet.Core.Vault;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace HikFleet.Core.Alerts;

/// <summary>A channel as people submit it.</summary>
/// <param name="Secret">Webhook signing secret; empty = HikFleet generates one and returns it once.</param>
public sealed record AlertChannelInput(Guid TenantId, string? Name, AlertChannelKind Kind, string? Target, string? Secret = null, bool Enabled = true);

/// <summary>A rule as people submit it.</summary>
public sealed record AlertRuleInput(Guid TenantId, Guid? SiteId, string? Name, IReadOnlyList<HealthState>? States, IReadOnlyList<string>? Findings,
    double DelayMinutes, IReadOnlyList<Guid>? ChannelIds, string? QuietHours = null, int? EscalateAfterMinutes = null,
    IReadOnlyList<Guid>? EscalationChannelIds = null, bool Enabled = true);

public sealed record AlertChannelView(Guid Id, Guid TenantId, string Name, AlertChannelKind Kind, string Target, bool Signed, bool Enabled);

public sealed record AlertRuleView(Guid Id, Guid TenantId, Guid? SiteId, string Name, IReadOnlyList<HealthState> States, IReadOnlyList<string> Findings,
    int DelaySeconds, IReadOnlyList<Guid> ChannelIds, string? QuietHours, int? EscalateAfterMinutes, IReadOnlyList<Guid> EscalationChannelIds, bool Enabled);

public sealed record AlertView(Guid Id, Guid TenantId, Guid SiteId, string SiteName, Guid CameraId, string CameraName, Guid RuleId, string RuleName,
    string Key, string Summary, AlertState State, DateTimeOffset ConditionSince, DateTimeOffset OpenedAt, DateTimeOffset? OpenNotifiedAt,
    string? AcknowledgedBy, DateTimeOffset? AcknowledgedAt, DateTimeOffset? EscalatedAt, DateTimeOffset? ResolvedAt, string? ResolvedBy, bool Suppressed);

public sealed record AlertNotificationView(Guid Id, Guid ChannelId, string ChannelName, AlertChannelKind ChannelKind, AlertNotificationKind Kind,
    string Subject, int Cameras, AlertDeliveryState State, int Attempts, string? LastError, DateTimeOffset CreatedAt, DateTimeOffset? SentAt);

/// <summary>Helpers shared by validation and delivery.</summary>
public static class AlertChannels
{
    public static IReadOnlyList<string> Addresses(string target) =>
        target.Split([',', ';', ' ', '\n'], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    /// <summary>How a target is shown once saved: email lists in full; webhook URLs (credentials for Slack and Teams) only by scheme and host.</summary>
    public static string Masked(AlertChannelKind kind, string target) =>
        kind == AlertChannelKind.Email || !Uri.TryCreate(target, UriKind.Absolute, out var uri) ? target : $"{uri.Scheme}://{uri.Authority}/…";

    /// <summary>Null when the target suits the kind, else why not.</summary>
    public static string? Problem(AlertChannelKind kind, string? target)
    {
        var t = target?.Trim() ?? "";
        if (t.Length == 0) return kind == AlertChannelKind.Email ? "Give at least one email address." : "Give the webhook URL.";
        if (t.Length > 2000) return "At most 2000 characters.";
        if (kind == AlertChannelKind.Email)
        {
            var addresses = Addresses(t);
            if (addresses.Count > 50) return "At most 50 addresses.";
            var bad = addresses.FirstOrDefault(a => !MailAddress.TryCreate(a, out var m) || m.Address != a);
            return bad is null ? null : $"'{bad}' is not an email address.";
        }

        if (!Uri.TryCreate(t, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            return "A webhook is an http(s) URL.";
        }

        return string.IsNullOrEmpty(uri.UserInfo) ? null : "Put credentials in the secret, not in the URL.";
    }
}

/// <summary>Alert rules and channels (tenant administrators), acknowledging and resolving alerts (operators), the alert history (readers).</summary>
public sealed class AlertService(IDbContextFactory<FleetDbContext> contexts, CredentialVault vault, AuditLog audit, FleetChangeFeed changes, TimeProvider time)
{
    public const int MaxNameLength = 200;

    public static bool CanManage(FleetScope scope, Guid tenantId) => scope.Can(FleetPermissions.ManageSites, tenantId);

    // ------------------------------------------------------------------ channels

    /// <summary>Adds a channel. For a signed webhook the secret (given or generated) is returned ONCE in <c>Secret</c>; only its sealed form is kept.</summary>
    public async Task<(ServiceResult Result, string? Secret)> AddChannelAsync(FleetScope scope, AlertChannelInput input, CancellationToken ct = default)
    {
        if (!CanManage(scope, input.TenantId)) return (await Record(scope, "alert.channel.create", ServiceResult.Forbidden("Your role may not manage this tenant's alerts."), input.TenantId, new { name = input.Name }, ct), null);
        var errors = new Dictionary<string, string[]>();
        var name = input.Name?.Trim() ?? "";
        if (name.Length is 0 or > MaxNameLength) errors["name"] = ["A channel needs a name (at most 200 characters)."];
        if (!Enum.IsDefined(input.Kind)) errors["kind"] = ["Unknown channel kind."];
        else if (AlertChannels.Problem(input.Kind, input.Target) is { } problem) errors["target"] = [problem];
        if (input.Secret is { Length: > 0 and < 16 }) errors["secret"] = ["A signing secret has at least 16 characters."];
        if (errors.Count > 0) return (ServiceResult.Invalid(errors), null);

        var channel = new AlertChannel { TenantId = input.TenantId, Name = name, Kind = input.Kind, Target = input.Target!.Trim(), Enabled = input.Enabled };
        string? secret = null;
        if (input.Kind == AlertChannelKind.Webhook)
        {
            secret = string.IsNullOrEmpty(input.Secret) ? Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) : input.Secret;
            (channel.SecretKeyId, channel.SecretSealed) = vault.SealSecret(secret, AlertSender.SecretContext(channel.Id));
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        db.AlertChannels.Add(channel);
        var result = await SaveAsync(db, channel.Id, "A channel with that name exists already.", ct);
        await Record(scope, "alert.channel.create", result, input.TenantId, new { channel = channel.Id, name, kind = input.Kind.ToString(), signed = secret is not null }, ct);
        return (result, result.Succeeded ? secret : null);
    }

    public async Task<ServiceResult> DeleteChannelAsync(FleetScope scope, Guid channelId, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var tenants = scope.Tenants(db).Select(t => t.Id);
        var channel = await db.AlertChannels.SingleOrDefaultAsync(c => c.Id == channelId && tenants.Contains(c.TenantId), ct);
        if (channel is null) return ServiceResult.NotFound("The channel does not exist.");
        if (!CanManage(scope, channel.TenantId)) return await Record(scope, "alert.channel.delete", ServiceResult.Forbidden("Your role may not manage this tenant's alerts."), channel.TenantId, new { channel = channelId }, ct);
        db.AlertChannels.Remove(channel);
        await db.SaveChangesAsync(ct);
        return await Record(scope, "alert.channel.delete", ServiceResult.Ok(channelId), channel.TenantId, new { channel = channelId, name = channel.Name }, ct);
    }

    public async Task<IReadOnlyList<AlertChannelView>> ChannelsAsync(FleetScope scope, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var tenants = scope.Tenants(db).Select(t => t.Id);
        var rows = await db.AlertChannels.AsNoTracking().Where(c => tenants.Contains(c.TenantId)).OrderBy(c => c.Name)
            .Select(c => new AlertChannelView(c.Id, c.TenantId, c.Name, c.Kind, c.Target, c.SecretSealed != null, c.Enabled)).ToListAsync(ct);
        return rows.Select(c => c with { Target = AlertChannels.Masked(c.Kind, c.Target) }).ToList();
    }

    // ------------------------------------------------------------------ rules

    public async Task<ServiceResult> SaveRuleAsync(FleetScope scope, Guid? ruleId, AlertRuleInput input, CancellationToken ct = default)
    {
        var action = ruleId is null ? "alert.rule.create" : "alert.rule.update";
        await using var db = await contexts.CreateDbContextAsync(ct);
        AlertRule? rule = null;
        if (ruleId is { } id)
        {
            // An existing rule keeps its tenant (the body's is ignored); another tenant's rule looks like a missing one.
            var tenants = scope.Tenants(db).Select(t => t.Id);
            rule = await db.AlertRules.SingleOrDefaultAsync(r => r.Id == id && tenants.Contains(r.TenantId), ct);
            if (rule is null) return ServiceResult.NotFound("The rule does not exist.");
            input = input with { TenantId = rule.TenantId };
        }

        if (!CanManage(scope, input.TenantId)) return await Record(scope, action, ServiceResult.Forbidden("Your role may not manage this tenant's alerts."), input.TenantId, new { name = input.Name }, ct);
        var errors = new Dictionary<string, string[]>();
        var name = input.Name?.Trim() ?? "";
        if (name.Length is 0 or > MaxNameLength) errors["name"] = ["A rule needs a name (at most 200 characters)."];
        var states = (input.States ?? []).Distinct().ToList();
        var findings = (input.Findings ?? []).Select(f => f.Trim()).Where(f => f.Length > 0).Distinct().ToList();
        if (states.Count == 0 && findings.Count == 0) errors["states"] = ["Choose at least one state or finding."];
        if (states.Any(s => !Enum.IsDefined(s))) errors["states"] = ["Unknown state."];
        if (findings.Any(f => f.Length > 64)) errors["findings"] = ["A finding code has at most 64 characters."];
        if (input.DelayMinutes is < 0 or > 7 * 24 * 60 || double.IsNaN(input.DelayMinutes)) errors["delayMinutes"] = ["The delay is 0 to 10080 minutes."];
        if (input.EscalateAfterMinutes is < 1 or > 7 * 24 * 60) errors["escalateAfterMinutes"] = ["Escalate after 1 to 10080 minutes, or never."];
        var (quietStart, quietEnd) = Sites.SiteValidator.ParseWindow(input.QuietHours, m => errors["quietHours"] = [m]);
        var channelIds = (input.ChannelIds ?? []).Distinct().ToList();
        var escalationIds = (input.EscalationChannelIds ?? []).Distinct().ToList();
        var known = await db.AlertChannels.Where(c => c.TenantId == input.TenantId).Select(c => c.Id).ToListAsync(ct);
        if (channelIds.Count == 0) errors["channelIds"] = ["Choose at least one channel."];
        if (channelIds.Concat(escalationIds).Any(id => !known.Contains(id))) errors["channelIds"] = ["Channels must belong to the rule's tenant."];
        if (input.EscalateAfterMinutes is not null && escalationIds.Count == 0) errors["escalationChannelIds"] = ["Say whom to escalate to."];
        if (input.SiteId is { } siteId && !await db.Sites.AnyAsync(s => s.Id == siteId && s.TenantId == input.TenantId, ct)) errors["siteId"] = ["The site is not the tenant's."];
        if (errors.Count > 0) return ServiceResult.Invalid(errors);

        if (rule is null)
        {
            rule = new AlertRule { TenantId = input.TenantId, Name = name };
            db.AlertRules.Add(rule);
        }

        rule.SiteId = input.SiteId;
        rule.Name = name;
        rule.States = states;
        rule.Findings = findings;
        rule.DelaySeconds = (int)Math.Round(input.DelayMinutes * 60);
        rule.ChannelIds = channelIds;
        rule.QuietStart = quietStart;
        rule.QuietEnd = quietEnd;
        rule.EscalateAfterMinutes = input.EscalateAfterMinutes;
        rule.EscalationChannelIds = escalationIds;
        rule.Enabled = input.Enabled;
        var result = await SaveAsync(db, rule.Id, "A rule with that name exists already.", ct);
        return await Record(scope, action, result, input.TenantId, new { rule = rule.Id, name, states = states.Select(s => s.ToString()), findings, delaySeconds = rule.DelaySeconds }, ct);
    }

    public async Task<ServiceResult> DeleteRuleAsync(FleetScope scope, Guid ruleId, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var tenants = scope.Tenants(db).Select(t => t.Id);
        var rule = await db.AlertRules.SingleOrDefaultAsync(r => r.Id == ruleId && tenants.Contains(r.TenantId), ct);
        if (rule is null) return ServiceResult.NotFound("The rule does not exist.");
        if (!CanManage(scope, rule.TenantId)) return await Record(scope, "alert.rule.delete", ServiceResult.Forbidden("Your role may not manage this tenant's alerts."), rule.TenantId, new { rule = ruleId }, ct);
        db.AlertRules.Remove(rule);
        await db.SaveChangesAsync(ct);
        return await Record(scope, "alert.rule.delete", ServiceResult.Ok(ruleId), rule.TenantId, new { rule = ruleId, name = rule.Name }, ct);
    }

    public async Task<IReadOnlyList<AlertRuleView>> RulesAsync(FleetScope scope, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var tenants = scope.Tenants(db).Select(t => t.Id);
        var rules = await db.AlertRules.AsNoTracking().Where(r => tenants.Contains(r.TenantId)).OrderBy(r => r.Name).ToListAsync(ct);
        return rules.Select(r => new AlertRuleView(r.Id, r.TenantId, r.SiteId, r.Name, r.States, r.Findings, r.DelaySeconds, r.ChannelIds,
            Sites.SiteValidator.FormatWindow(r.QuietStart, r.QuietEnd), r.EscalateAfterMinutes, r.EscalationChannelIds, r.Enabled)).ToList();
    }

    // ------------------------------------------------------------------ alerts

    public Task<ServiceResult> AcknowledgeAsync(FleetScope scope, Guid alertId, CancellationToken ct = default) =>
        ChangeAsync(scope, alertId, "alert.acknowledge", a =>
        {
            if (a.State != AlertState.Open) return "Only an open alert can be acknowledged.";
            a.State = AlertState.Acknowledged;
            a.AcknowledgedAt = time.GetUtcNow();
            a.AcknowledgedBy = scope.UserName ?? "system";
            return null;
        }, ct);

    /// <summary>Resolves by hand: it stays resolved for this episode (until the condition clears and comes back).</summary>
    public Task<ServiceResult> ResolveAsync(FleetScope scope, Guid alertId, CancellationToken ct = default) =>
        ChangeAsync(scope, alertId, "alert.resolve", a =>
        {
            if (a.State == AlertState.Resolved) return "The alert is resolved already.";
            a.State = AlertState.Resolved;
            a.ResolvedAt = time.GetUtcNow();
            a.ResolvedBy = scope.UserName ?? "system";
            if (a.OpenNotifiedAt is null)
            {
                a.Suppressed = true;
                a.ResolveNotifiedAt = a.ResolvedAt;
            }

            return null;
        }, ct);

    private async Task<ServiceResult> ChangeAsync(FleetScope scope, Guid alertId, string action, Func<Alert, string?> change, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var visible = scope.Cameras(db).Select(c => c.Id);
        var alert = await db.Alerts.SingleOrDefaultAsync(a => a.Id == alertId && visible.Contains(a.CameraId), ct);
        if (alert is null) return ServiceResult.NotFound("The alert does not exist.");
        if (!scope.Can(FleetPermissions.Operate, alert.TenantId, alert.SiteId))
        {
            return await Record(scope, action, ServiceResult.Forbidden("Your role may not act on alerts."), alert.TenantId, new { alert = alertId }, ct, alert.SiteId, alert.CameraId);
        }

        if (change(alert) is { } problem) return ServiceResult.Conflict("state", problem);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return ServiceResult.Conflict("state", "The alert changed meanwhile; look again.");
        }

        changes.Publish(new FleetChange(FleetChangeKinds.Alert, alert.TenantId, alert.SiteId, alert.CameraId));
        return await Record(scope, action, ServiceResult.Ok(alertId), alert.TenantId, new { alert = alertId, summary = alert.Summary }, ct, alert.SiteId, alert.CameraId);
    }

    /// <summary>Alerts the scope may see: live ones (open, acknowledged) or the history, newest first.</summary>
    public async Task<IReadOnlyList<AlertView>> AlertsAsync(FleetScope scope, bool live, int take = 200, Guid? cameraId = null, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var visible = scope.Cameras(db).Select(c => c.Id);
        var query = db.Alerts.AsNoTracking().Where(a => visible.Contains(a.CameraId) && (cameraId == null || a.CameraId == cameraId));
        query = live ? query.Where(a => a.State != AlertState.Resolved) : query.Where(a => a.State == AlertState.Resolved);
        return await query.OrderByDescending(a => a.OpenedAt).Take(Math.Clamp(take, 1, 1000))
            .Join(db.AlertRules, a => a.RuleId, r => r.Id, (a, r) => new { a, RuleName = r.Name })
            .Select(x => new AlertView(x.a.Id, x.a.TenantId, x.a.SiteId, db.Sites.Where(s => s.Id == x.a.SiteId).Select(s => s.Name).First(), x.a.CameraId,
                x.a.Camera!.Name ?? x.a.Camera.DeviceName ?? x.a.Camera.SerialNumber, x.a.RuleId, x.RuleName, x.a.Key, x.a.Summary, x.a.State, x.a.ConditionSince,
                x.a.OpenedAt, x.a.OpenNotifiedAt, x.a.AcknowledgedBy, x.a.AcknowledgedAt, x.a.EscalatedAt, x.a.ResolvedAt, x.a.ResolvedBy, x.a.Suppressed))
            .ToListAsync(ct);
    }

    /// <summary>Messages sent (or tried) for the tenants the scope sees, newest first.</summary>
    public async Task<IReadOnlyList<AlertNotificationView>> NotificationsAsync(FleetScope scope, int take = 200, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var sites = scope.Sites(db).Select(s => s.Id);
        return await db.AlertNotifications.AsNoTracking().Where(n => sites.Contains(n.SiteId)).OrderByDescending(n => n.CreatedAt).Take(Math.Clamp(take, 1, 1000))
            .Join(db.AlertChannels, n => n.ChannelId, c => c.Id, (n, c) => new AlertNotificationView(n.Id, c.Id, c.Name, c.Kind, n.Kind, n.Subject,
                n.AlertIds.Count, n.State, n.Attempts, n.LastError, n.CreatedAt, n.SentAt))
            .ToListAsync(ct);
    }

    private static async Task<ServiceResult> SaveAsync(FleetDbContext db, Guid id, string duplicate, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
            return ServiceResult.Ok(id);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return ServiceResult.Conflict("name", duplicate);
        }
        catch (DbUpdateConcurrencyException)
        {
            return ServiceResult.Conflict("", "Someone else changed it meanwhile; reload and apply your change again.");
        }
    }

    private async Task<ServiceResult> Record(FleetScope scope, string action, ServiceResult result, Guid tenantId, object parameters, CancellationToken ct,
        Guid? siteId = null, Guid? cameraId = null)
    {
        await audit.RecordAsync(scope, action, result, tenantId, siteId, cameraId, parameters, ct);
        return result;
    }
}
