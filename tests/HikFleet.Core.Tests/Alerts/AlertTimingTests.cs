using HikFleet.Core.Alerts;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Devices;
using HikFleet.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace HikFleet.Core.Tests.Alerts;

/// <summary>
/// The evaluator's decisions over hours of (fake) time: quiet hours hold messages and drop those of alerts over before they end; an
/// alert nobody acknowledges is escalated once; an acknowledged one is not. Delivery itself is covered by <see cref="AlertTests"/>.
/// </summary>
public sealed class AlertTimingTests(MigratedDatabase database) : IClassFixture<MigratedDatabase>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed class RecordingDelivery : IAlertDeliveryScheduler
    {
        public List<Guid> Enqueued { get; } = [];
        public void Enqueue(Guid notificationId) => Enqueued.Add(notificationId);
        public void Schedule(Guid notificationId, TimeSpan after) => Enqueued.Add(notificationId);
    }

    [Fact]
    public async Task QuietHoursHoldMessages_AndAnUnacknowledgedAlertEscalatesOnce()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 23, 0, 0, TimeSpan.Zero));
        var delivery = new RecordingDelivery();
        var options = Microsoft.Extensions.Options.Options.Create(new AlertOptions { GroupWindow = TimeSpan.Zero });
        var evaluator = new AlertEvaluator(database.ContextFactory, delivery, new FleetChangeFeed(), options, time, NullLogger<AlertEvaluator>.Instance);

        await using var db = database.CreateContext();
        var site = await TestFleet.CreateSiteAsync(db);
        var down = TestFleet.NewCamera(site.Id);
        var blip = TestFleet.NewCamera(site.Id);
        var acked = TestFleet.NewCamera(site.Id);
        foreach (var c in new[] { down, blip, acked })
        {
            c.Lifecycle = CameraLifecycle.Managed;
            c.Health = HealthState.Offline;
            c.HealthChangedAt = time.GetUtcNow().AddMinutes(-10);
        }

        var mail = new AlertChannel { TenantId = site.TenantId, Name = "noc", Kind = AlertChannelKind.Email, Target = "noc@example.test" };
        var pager = new AlertChannel { TenantId = site.TenantId, Name = "on-call", Kind = AlertChannelKind.Email, Target = "oncall@example.test" };
        var rule = new AlertRule
        {
            TenantId = site.TenantId, Name = "Offline", States = [HealthState.Offline], DelaySeconds = 300, ChannelIds = [mail.Id],
            QuietStart = new TimeOnly(22, 0), QuietEnd = new TimeOnly(6, 0), EscalateAfterMinutes = 30, EscalationChannelIds = [pager.Id],
        };
        db.AddRange(down, blip, acked, mail, pager, rule);
        await db.SaveChangesAsync(Ct);

        // 23:00, inside quiet hours: three alerts open, nothing is sent.
        var run = await evaluator.RunAsync(Ct);
        Assert.Equal((3, 0), (run.Opened, run.Notifications));

        // 23:30: one camera came back during the night; its alert resolves without a word either way.
        time.Advance(TimeSpan.FromMinutes(30));
        await db.Cameras.Where(c => c.Id == blip.Id).ExecuteUpdateAsync(u => u.SetProperty(c => c.Health, HealthState.Healthy), Ct);
        run = await evaluator.RunAsync(Ct);
        Assert.Equal((1, 0), (run.Resolved, run.Notifications));
        Assert.True((await db.Alerts.AsNoTracking().SingleAsync(a => a.CameraId == blip.Id, Ct)).Suppressed);

        // 06:01: the quiet hours are over: ONE message for the two cameras still down, to the rule's channel only.
        time.Advance(TimeSpan.FromHours(6.5) + TimeSpan.FromMinutes(1));
        run = await evaluator.RunAsync(Ct);
        Assert.Equal(1, run.Notifications);
        var first = await db.AlertNotifications.AsNoTracking().SingleAsync(Ct);
        Assert.Equal((mail.Id, AlertNotificationKind.Opened, 2), (first.ChannelId, first.Kind, first.AlertIds.Count));

        // Someone acknowledges one of them; 31 minutes later the other escalates to on-call, once.
        var ackedAlert = await db.Alerts.SingleAsync(a => a.CameraId == acked.Id, Ct);
        ackedAlert.State = AlertState.Acknowledged;
        ackedAlert.AcknowledgedBy = "night shift";
        await db.SaveChangesAsync(Ct);
        time.Advance(TimeSpan.FromMinutes(31));
        run = await evaluator.RunAsync(Ct);
        Assert.Equal(1, run.Notifications);
        var escalation = await db.AlertNotifications.AsNoTracking().Where(n => n.Kind == AlertNotificationKind.Escalated).SingleAsync(Ct);
        Assert.Equal(pager.Id, escalation.ChannelId);
        Assert.Equal([(await db.Alerts.AsNoTracking().SingleAsync(a => a.CameraId == down.Id, Ct)).Id], escalation.AlertIds);
        time.Advance(TimeSpan.FromMinutes(60));
        Assert.Equal(0, (await evaluator.RunAsync(Ct)).Notifications);
        Assert.Equal(2, delivery.Enqueued.Count);
    }
}
