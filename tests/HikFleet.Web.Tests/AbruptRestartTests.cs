using HikFleet.Core.Vault;
using HikFleet.Testing;
using Microsoft.EntityFrameworkCore;

namespace HikFleet.Web.Tests;

/// <summary>
/// A node killed while it held one of Hangfire's recurring-job locks (an OOM kill, a power cut, a test's SIGKILL) leaves the lock
/// row behind until it expires (1 min). The next start must not crash on it — it did, at every restart within that minute (CI saw
/// <c>PostgreSqlDistributedLockException … recurring-job:alerts</c>) — and declares the schedules once the lock is free.
/// </summary>
public sealed class AbruptRestartTests(MigratedDatabase database) : IClassFixture<MigratedDatabase>
{
    private const string AlertsScheduleRows = """SELECT count(*) AS "Value" FROM hangfire.hash WHERE key = 'recurring-job:alerts'""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_app_starts_while_a_dead_node_holds_a_schedule_lock_and_declares_the_schedules_once_it_is_free()
    {
        var environment = new Dictionary<string, string> { ["Fleet__Vault__Keys"] = VaultKeyRing.NewKeyLine() };

        // A first node installs the job storage and declares the schedules, then dies without a word.
        var (first, firstUrl, firstOutput) = RunningApp.Start(database.ConnectionString, environment);
        try
        {
            await RunningApp.WaitHealthyAsync(firstUrl, first, firstOutput, Ct);
        }
        finally
        {
            await RunningApp.KillAsync(first);
        }

        Assert.True(await ScalarAsync(AlertsScheduleRows) > 0);
        // It died holding the lock of the alerts schedule (as a node does while its scheduler triggers the job), and that
        // schedule is not declared: the next node has to declare it.
        await ExecuteAsync("DELETE FROM hangfire.hash WHERE key = 'recurring-job:alerts'");
        await ExecuteAsync("DELETE FROM hangfire.set WHERE key = 'recurring-jobs' AND value = 'alerts'");
        await ExecuteAsync("INSERT INTO hangfire.lock (resource, acquired) VALUES ('hangfire:lock:recurring-job:alerts', now())");

        var (second, url, output) = RunningApp.Start(database.ConnectionString, environment);
        try
        {
            // It serves although it could not declare its schedules yet, and says why.
            await RunningApp.WaitHealthyAsync(url, second, output, Ct);
            Assert.Equal(0, await ScalarAsync(AlertsScheduleRows));
            Assert.Contains("Recurring jobs not declared yet", RunningApp.Text(output));

            // The lock expires (here: goes); the schedules are declared within a few seconds, and the node still runs.
            await ExecuteAsync("DELETE FROM hangfire.lock WHERE resource = 'hangfire:lock:recurring-job:alerts'");
            var until = DateTime.UtcNow.AddSeconds(60);
            while (await ScalarAsync(AlertsScheduleRows) == 0)
            {
                Assert.True(DateTime.UtcNow < until, $"the alerts schedule was not declared within 60 s:\n{RunningApp.Text(output)}");
                Assert.False(second.HasExited, $"the app stopped:\n{RunningApp.Text(output)}");
                await Task.Delay(250, Ct);
            }

            Assert.False(second.HasExited);
        }
        finally
        {
            await RunningApp.KillAsync(second);
        }
    }

    private async Task<long> ScalarAsync(string sql)
    {
        await using var db = database.CreateContext();
        return await db.Database.SqlQueryRaw<long>(sql).SingleAsync(Ct);
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var db = database.CreateContext();
        await db.Database.ExecuteSqlRawAsync(sql, Ct);
    }
}
