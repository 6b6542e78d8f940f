using System.Text.Json;
using HikFleet.Core.Alerts;
using HikFleet.Core.Common;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Health;
using HikFleet.Core.Tests.Discovery;
using HikFleet.Core.Tests.Operations;
using HikFleet.Simulator;
using HikFleet.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace HikFleet.Core.Tests.Alerts;

/// <summary>
/// Alerts end to end (issue #11): real health checks against the simulator, the evaluator, Hangfire delivering to a real SMTP server
/// in the test process and a local HTTP receiver: one email and one signed webhook after the delay, nothing while flapping, one
/// grouped message for a site outage, a resolve message when cameras return.
/// </summary>
public sealed class AlertTests(MigratedDatabase database) : IClassFixture<MigratedDatabase>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed class Rig : IAsyncDisposable
    {
        public required InventoryWorld World { get; init; }
        public required TestSmtpServer Smtp { get; init; }
        public required TestWebhookReceiver Hook { get; init; }
        public required Site Site { get; init; }
        public required string Secret { get; init; }
        public required Guid EmailChannel { get; init; }
        public required Guid HookChannel { get; init; }

        public AlertEvaluator Evaluator => World.Services.GetRequiredService<AlertEvaluator>();
        public AlertService Alerts => World.Services.GetRequiredService<AlertService>();

        public async ValueTask DisposeAsync()
        {
            await World.DisposeAsync();
            await Smtp.DisposeAsync();
            Hook.Dispose();
        }
    }

    private async Task<Rig> StartAsync(int failFirstWebhooks = 0)
    {
        var smtp = new TestSmtpServer();
        var hook = new TestWebhookReceiver(failFirstWebhooks);
        var world = await InventoryWorld.StartAsync(database, Ct, sadp: false, jobs: true, settings: new Dictionary<string, string?>
        {
            ["Fleet:Alerts:Smtp:Host"] = "127.0.0.1",
            ["Fleet:Alerts:Smtp:Port"] = smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Fleet:Alerts:Smtp:Security"] = "None",
            ["Fleet:Alerts:Smtp:From"] = "HikFleet <alerts@hikfleet.test>",
            ["Fleet:Alerts:GroupWindow"] = "00:00:01",
            ["Fleet:Alerts:RetryDelays:0"] = "00:00:01",
            ["Fleet:Alerts:RetryDelays:1"] = "00:00:01",
            ["Fleet:Health:ConfirmChecks"] = "1",
            ["Fleet:Health:ConfirmHealthyChecks"] = "1",
        });
        var site = await world.SiteAsync();
        var admin = OperationWorld.Admin(site);
        var service = world.Services.GetRequiredService<AlertService>();
        var email = await service.AddChannelAsync(admin, new AlertChannelInput(site.TenantId, "NOC mail", AlertChannelKind.Email, "noc@example.test"), Ct);
        var webhook = await service.AddChannelAsync(admin, new AlertChannelInput(site.TenantId, "Ticketing", AlertChannelKind.Webhook, hook.Url), Ct);
        Assert.True(email.Result.Succeeded && webhook.Result.Succeeded, email.Result.Message + webhook.Result.Message);
        Assert.NotNull(webhook.Secret);
        return new Rig
        {
            World = world, Smtp = smtp, Hook = hook, Site = site, Secret = webhook.Secret!, EmailChannel = email.Result.Id!.Value,
            HookChannel = webhook.Result.Id!.Value,
        };
    }

    private static async Task RuleAsync(Rig rig, double delayMinutes, string name = "Offline cameras") =>
        Assert.True((await rig.Alerts.SaveRuleAsync(OperationWorld.Admin(rig.Site), null, new AlertRuleInput(rig.Site.TenantId, null, name,
            [HealthState.Offline], [], delayMinutes, [rig.EmailChannel, rig.HookChannel]), Ct)).Succeeded);

    private static async Task HealthAsync(Rig rig, Camera camera, HealthState expected)
    {
        var health = rig.World.Services.GetRequiredService<HealthCheckService>();
        for (var i = 0; i < 5; i++)
        {
            if (await health.CheckCameraAsync(camera.Id, Ct) == expected) return;
        }

        Assert.Fail($"{camera.SerialNumber} did not become {expected}");
    }

    /// <summary>Evaluates until at least <paramref name="count"/> messages are queued (bounded); returns how many were.</summary>
    private static async Task<int> DispatchAsync(Rig rig, int count)
    {
        var queued = 0;
        for (var i = 0; i < 40 && queued < count; i++)
        {
            queued += (await rig.Evaluator.RunAsync(Ct)).Notifications;
            if (queued < count) await Task.Delay(250, Ct);
        }

        return queued;
    }

    private static async Task DeliveredAsync(Rig rig, int emails, int webhooks)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while ((rig.Smtp.Messages.Count < emails || rig.Hook.Requests.Count < webhooks) && DateTime.UtcNow < until) await Task.Delay(100, Ct);
        if (rig.Smtp.Messages.Count < emails || rig.Hook.Requests.Count < webhooks)
        {
            await using var db = rig.World.Db();
            var rows = await db.AlertNotifications.AsNoTracking().Select(n => $"{n.Kind} {n.ChannelId} {n.State} x{n.Attempts} {n.LastError}").ToListAsync(Ct);
            var logs = rig.World.Logs.Lines.Where(l => l.Contains("Alert", StringComparison.Ordinal) || l.Contains("Hangfire", StringComparison.Ordinal)).TakeLast(20);
            Assert.Fail($"wanted {emails} email(s) and {webhooks} webhook(s), got {rig.Smtp.Messages.Count} and {rig.Hook.Requests.Count}: " +
                        string.Join(" | ", rows) + "\n" + string.Join("\n", logs));
        }

        await Task.Delay(300, Ct);
        Assert.Equal(emails, rig.Smtp.Messages.Count);
        Assert.Equal(webhooks, rig.Hook.Requests.Count);
    }

    private static JsonElement VerifiedPayload(Rig rig, TestWebhookReceiver.Received request)
    {
        var timestamp = request.Headers[AlertSender.TimestampHeader];
        Assert.Equal(AlertSender.Sign(rig.Secret, timestamp, request.Body), request.Headers[AlertSender.SignatureHeader]);
        Assert.NotEqual(AlertSender.Sign("another secret of 32 characters!", timestamp, request.Body), request.Headers[AlertSender.SignatureHeader]);
        return JsonDocument.Parse(request.Body).RootElement;
    }

    [Fact]
    public async Task AnOfflineCamera_GivesOneEmailAndOneSignedWebhookAfterTheDelay_AndAResolveWhenItReturns()
    {
        await using var rig = await StartAsync();
        var (device, camera) = await rig.World.ManagedDeviceAsync(rig.Site);
        await RuleAsync(rig, delayMinutes: 0.05);

        device.Faults.Offline = true;
        await HealthAsync(rig, camera, HealthState.Offline);
        Assert.Equal(0, (await rig.Evaluator.RunAsync(Ct)).Opened);
        await Task.Delay(3200, Ct);
        Assert.Equal(1, (await rig.Evaluator.RunAsync(Ct)).Opened);
        Assert.Equal(2, await DispatchAsync(rig, 2));
        await DeliveredAsync(rig, emails: 1, webhooks: 1);

        var mail = rig.Smtp.Messages.Single();
        Assert.Contains("needs attention", mail.Subject);
        Assert.Contains(camera.SerialNumber, mail.TextBody);
        Assert.Equal("noc@example.test", mail.To.Mailboxes.Single().Address);
        var opened = VerifiedPayload(rig, rig.Hook.Requests.Single());
        Assert.Equal("alert.opened", opened.GetProperty("event").GetString());
        Assert.Equal(camera.Id, opened.GetProperty("alerts")[0].GetProperty("cameraId").GetGuid());

        // Evaluating again sends nothing more: the alert is open and told.
        Assert.Equal(0, (await rig.Evaluator.RunAsync(Ct)).Notifications);

        device.Faults.Offline = false;
        await HealthAsync(rig, camera, HealthState.Healthy);
        Assert.Equal(1, (await rig.Evaluator.RunAsync(Ct)).Resolved);
        Assert.Equal(2, await DispatchAsync(rig, 2));
        await DeliveredAsync(rig, emails: 2, webhooks: 2);
        Assert.Contains("recovered", rig.Smtp.Messages.Last().Subject);
        Assert.Equal("alert.resolved", VerifiedPayload(rig, rig.Hook.Requests.Last()).GetProperty("event").GetString());

        await using var db = rig.World.Db();
        Assert.Equal(4, await db.AlertNotifications.CountAsync(n => n.State == AlertDeliveryState.Sent, Ct));
        var alert = await db.Alerts.AsNoTracking().SingleAsync(Ct);
        Assert.Equal((AlertState.Resolved, AlertEvaluator.ConditionCleared), (alert.State, alert.ResolvedBy));
        Assert.DoesNotContain(rig.Secret, await rig.World.EverythingWrittenAsync());
    }

    [Fact]
    public async Task AFlappingCamera_SendsNothing()
    {
        await using var rig = await StartAsync();
        var (device, camera) = await rig.World.ManagedDeviceAsync(rig.Site);
        await RuleAsync(rig, delayMinutes: 0.1);
        for (var i = 0; i < 4; i++)
        {
            device.Faults.Offline = true;
            await HealthAsync(rig, camera, HealthState.Offline);
            await rig.Evaluator.RunAsync(Ct);
            await Task.Delay(1500, Ct);
            await rig.Evaluator.RunAsync(Ct);
            device.Faults.Offline = false;
            await HealthAsync(rig, camera, HealthState.Healthy);
            await rig.Evaluator.RunAsync(Ct);
            await Task.Delay(1000, Ct);
        }

        await rig.Evaluator.RunAsync(Ct);
        await Task.Delay(1500, Ct);
        await rig.Evaluator.RunAsync(Ct);
        Assert.Empty(rig.Smtp.Messages);
        Assert.Empty(rig.Hook.Requests);
        await using var db = rig.World.Db();
        Assert.False(await db.Alerts.AnyAsync(Ct));
        // The camera did go down each time: the state history shows it (so the silence is suppression, not blindness).
        Assert.True(await db.CameraEvents.CountAsync(e => e.CameraId == camera.Id, Ct) >= 4);
    }

    [Fact]
    public async Task ASiteOutage_IsOneGroupedMessage_ARetriedWebhookArrivesOnce_AndAPersonCanAcknowledge()
    {
        await using var rig = await StartAsync(failFirstWebhooks: 1);
        var devices = new List<(VirtualDevice Device, Camera Camera)>();
        for (var i = 0; i < 4; i++) devices.Add(await rig.World.ManagedDeviceAsync(rig.Site));
        await RuleAsync(rig, delayMinutes: 0.02);

        foreach (var (device, camera) in devices)
        {
            device.Faults.Offline = true;
            await HealthAsync(rig, camera, HealthState.Offline);
        }

        await Task.Delay(1500, Ct);
        Assert.Equal(4, (await rig.Evaluator.RunAsync(Ct)).Opened);
        Assert.Equal(2, await DispatchAsync(rig, 2));
        await DeliveredAsync(rig, emails: 1, webhooks: 1);
        Assert.Equal(1, rig.Hook.Refused);
        Assert.Contains("4 cameras", rig.Smtp.Messages.Single().Subject);
        var payload = VerifiedPayload(rig, rig.Hook.Requests.Single());
        Assert.Equal(4, payload.GetProperty("count").GetInt32());
        await using (var db = rig.World.Db())
        {
            var hook = await db.AlertNotifications.AsNoTracking().SingleAsync(n => n.ChannelId == rig.HookChannel, Ct);
            Assert.Equal((AlertDeliveryState.Sent, 2), (hook.State, hook.Attempts));
            Assert.Contains("503", hook.LastError); // the failed first attempt stays in the history
        }

        // An operator acknowledges one; a viewer may not.
        var live = await rig.Alerts.AlertsAsync(OperationWorld.Admin(rig.Site), live: true, ct: Ct);
        Assert.Equal(4, live.Count);
        Assert.Equal(ResultKind.Forbidden, (await rig.Alerts.AcknowledgeAsync(InventoryWorld.Viewer(rig.Site), live[0].Id, Ct)).Kind);
        Assert.True((await rig.Alerts.AcknowledgeAsync(InventoryWorld.Operator(rig.Site), live[0].Id, Ct)).Succeeded);

        // The switch comes back: one grouped "recovered" per channel.
        foreach (var (device, camera) in devices)
        {
            device.Faults.Offline = false;
            await HealthAsync(rig, camera, HealthState.Healthy);
        }

        Assert.Equal(4, (await rig.Evaluator.RunAsync(Ct)).Resolved);
        Assert.Equal(2, await DispatchAsync(rig, 2));
        await DeliveredAsync(rig, emails: 2, webhooks: 2);
        Assert.Contains("4 cameras recovered", rig.Smtp.Messages.Last().Subject);
    }
}
