using HikFleet.Core.Data;
using HikFleet.Core.Security;
using HikFleet.Web.Extensions;
using Microsoft.EntityFrameworkCore;
using Serilog;
using Serilog.Events;

namespace HikFleet.Web.Cli;

/// <summary>
/// Command-line verbs of the web app, for scripts and first-time setup:
/// <code>dotnet run --project src/HikFleet.Web -- token create --user NAME --name LABEL [--days N]</code>
/// prints the new token alone on stdout (everything else goes to stderr).
/// <code>dotnet HikFleet.Web.dll audit verify-export FILE.csv</code> verifies an audit export offline (no database, no
/// configuration): exit code 0 intact, 1 not intact, 2 usage.
/// <code>dotnet HikFleet.Web.dll audit archive --before 2025-01-01 --dir /backup/audit</code> moves older entries into a verified
/// archive file (run with the schema owner's connection, ConnectionStrings:FleetOwner).
/// <code>dotnet HikFleet.Web.dll demo seed --devices http://127.0.0.1:18999/devices</code> wires the simulator's fleet in (run.sh). With
/// <c>--poe udp://127.0.0.1:18161 --poe-community-file .data/poe/community</c> it adds the demo PoE switch too.
/// </summary>
public static class FleetCli
{
    public static bool IsVerb(string[] args) => args.Length > 0 && args[0] is "token" or "audit" or "demo";

    public static async Task<int> RunAsync(WebApplicationBuilder builder, string[] args)
    {
        if (args[0] == "audit" && args.ElementAtOrDefault(1) != "archive")
        {
            return await VerifyExportAsync(args);
        }

        // A verb is a short-lived process: no job server, and logs on stderr so stdout carries only the answer.
        builder.Configuration["Fleet:RunJobServer"] = "false";
        builder.Configuration["Fleet:CliVerb"] = "true";
        builder.Services.AddSerilog(logger => logger
            .MinimumLevel.Warning()
            // EF Core logs one error while it probes a fresh database's migration history; it is not a failure.
            .MinimumLevel.Override("Microsoft.EntityFrameworkCore", LogEventLevel.Fatal)
            .WriteTo.Console(standardErrorFromLevel: LogEventLevel.Verbose));
        builder.AddFleetServices();
        builder.AddFleetAuth();
        await using var app = builder.Build();
        await app.PrepareFleetDatabaseAsync();

        var options = ParseOptions(args.Skip(2));
        if (args[0] == "audit")
        {
            return await ArchiveAsync(builder, options);
        }

        if (args[0] == "demo")
        {
            if (args.ElementAtOrDefault(1) == "seed") return await DemoSeed.RunAsync(app.Services, options);
            await Console.Error.WriteLineAsync("usage: demo seed --devices http://127.0.0.1:PORT/devices [--poe udp://127.0.0.1:PORT --poe-community-file FILE]");
            return 2;
        }

        switch (args.ElementAtOrDefault(1))
        {
            case "create" when options.TryGetValue("user", out var userName) && options.TryGetValue("name", out var label):
            {
                var days = options.TryGetValue("days", out var d) && int.TryParse(d, out var n) ? n : (int)ApiTokenService.DefaultLifetime.TotalDays;
                var contexts = app.Services.GetRequiredService<IDbContextFactory<FleetDbContext>>();
                await using var db = await contexts.CreateDbContextAsync();
                var normalized = userName.ToUpperInvariant();
                var user = await db.Users.SingleOrDefaultAsync(u => u.NormalizedUserName == normalized);
                if (user is null)
                {
                    await Console.Error.WriteLineAsync($"token create: no user named '{userName}'.");
                    return 1;
                }

                try
                {
                    var (_, secret) = await app.Services.GetRequiredService<ApiTokenService>()
                        .CreateAsync(user.Id, label, TimeSpan.FromDays(days));
                    await Console.Out.WriteLineAsync(secret);
                    return 0;
                }
                catch (ArgumentException ex)
                {
                    await Console.Error.WriteLineAsync($"token create: {ex.Message}");
                    return 1;
                }
            }

            case "revoke" when options.TryGetValue("id", out var id) && Guid.TryParse(id, out var tokenId):
            {
                var revoked = await app.Services.GetRequiredService<ApiTokenService>().RevokeAsync(FleetScope.System, tokenId);
                await Console.Error.WriteLineAsync(revoked ? "token revoked" : "no such token");
                return revoked ? 0 : 1;
            }

            default:
                await Console.Error.WriteLineAsync(
                    "usage: token create --user NAME --name LABEL [--days N]\n       token revoke --id TOKEN-ID");
                return 2;
        }
    }

    /// <summary>Audit retention: moves entries older than --before into a verified archive file under --dir (schema owner's connection).</summary>
    private static async Task<int> ArchiveAsync(WebApplicationBuilder builder, Dictionary<string, string> options)
    {
        if (!options.TryGetValue("before", out var beforeText) || !DateTimeOffset.TryParse(beforeText, System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal, out var before) || !options.TryGetValue("dir", out var dir) || dir.Length == 0)
        {
            await Console.Error.WriteLineAsync("usage: audit archive --before YYYY-MM-DD --dir DIRECTORY   (needs ConnectionStrings:FleetOwner)");
            return 2;
        }

        var owner = DevelopmentDatabase.ResolveOwner(builder.Configuration, builder.Environment);
        if (owner is null)
        {
            await Console.Error.WriteLineAsync("audit archive: set ConnectionStrings:FleetOwner (the schema owner); the application role may not remove audit entries.");
            return 2;
        }

        var contexts = new OwnerContexts(owner);
        var result = await new Core.Audit.AuditArchiver(contexts, TimeProvider.System).ArchiveAsync(before, dir, Environment.UserName);
        await (result.Archived ? Console.Out : Console.Error).WriteLineAsync(result.Message);
        return result.Archived ? 0 : 1;
    }

    private sealed class OwnerContexts(string connectionString) : IDbContextFactory<FleetDbContext>
    {
        public FleetDbContext CreateDbContext()
        {
            var options = new DbContextOptionsBuilder<FleetDbContext>();
            FleetDatabase.Configure(options, FleetDatabase.WithApplicationName(connectionString, "hikfleet-archive"));
            return new FleetDbContext(options.Options);
        }
    }

    /// <summary>Offline: reads nothing but the file, so an auditor can run it on their own machine.</summary>
    private static async Task<int> VerifyExportAsync(string[] args)
    {
        if (args.Length != 3 || args[1] != "verify-export")
        {
            await Console.Error.WriteLineAsync("usage: audit verify-export FILE.csv");
            return 2;
        }

        byte[] file;
        try
        {
            file = await File.ReadAllBytesAsync(args[2]);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"audit verify-export: cannot read {args[2]}: {ex.Message}");
            return 2;
        }

        var result = Core.Audit.Export.AuditCsvExport.Verify(file);
        if (result.Intact)
        {
            var chain = result.Header is { } h && h.TryGetValue("chain", out var c) ? c : "?";
            await Console.Out.WriteLineAsync(
                $"INTACT: {result.Rows} entries (ids {result.FirstId}–{result.LastId}); every entry matches its hash, consecutive entries link, the file digest matches. Chain at export: {chain}");
            return 0;
        }

        await Console.Out.WriteLineAsync($"NOT INTACT: {result.Message}" + (result.FailedId is { } id ? $" (entry {id}, CSV line {result.Line})" : ""));
        return 1;
    }

    private static Dictionary<string, string> ParseOptions(IEnumerable<string> args)
    {
        var options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string? key = null;
        foreach (var arg in args)
        {
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                key = arg[2..];
                options[key] = "";
            }
            else if (key is not null)
            {
                options[key] = arg;
                key = null;
            }
        }

        return options;
    }
}
