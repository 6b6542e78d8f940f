using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using HikFleet.Core.Vault;
using HikFleet.Testing;

namespace HikFleet.Web.Tests;

/// <summary>
/// <c>Fleet:Logging:Json=true</c> on the real app in its own process (the console is process-wide: an in-process host cannot own it):
/// every console line is one JSON object (CLEF) with the message template and its properties by name, and a password typed at
/// sign-in appears nowhere in the output.
/// </summary>
public sealed partial class JsonLogTests(MigratedDatabase database) : IClassFixture<MigratedDatabase>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_json_option_writes_one_compact_json_object_per_line_without_passwords()
    {
        var start = FleetWebFactory.AppProcess(database.ConnectionString);
        start.Environment["Urls"] = "http://127.0.0.1:0";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        start.Environment["Fleet__Logging__Json"] = "true";
        start.Environment["Fleet__Vault__Keys"] = VaultKeyRing.NewKeyLine();
        start.Environment["Serilog__MinimumLevel__Default"] = "Information";
        start.Environment["Serilog__MinimumLevel__Override__Microsoft.AspNetCore"] = "Warning";

        var stdout = new List<string>();
        var stderr = new StringBuilder();
        using var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.Add(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (stderr) stderr.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var secret = "Leak-Check-" + Guid.NewGuid().ToString("N") + "!";
        try
        {
            var address = await ListeningAddressAsync(process, stdout, stderr);
            using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() })
            {
                BaseAddress = new Uri(address),
            };
            var form = await client.GetStringAsync("/account/login", Ct);
            var token = Antiforgery().Match(form).Groups[1].Value;
            using var response = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token),
                ["username"] = "nobody-" + Guid.NewGuid().ToString("N")[..8],
                ["password"] = secret,
                ["returnUrl"] = "/",
            }), Ct);

            // The request log line of that sign-in post (Serilog's request logging) comes through as JSON too.
            await WaitAsync(() => Lines(stdout).Any(l => l.Contains("\"RequestPath\":\"/account/login\"", StringComparison.Ordinal)
                && l.Contains("\"RequestMethod\":\"POST\"", StringComparison.Ordinal)), "the sign-in request's log line", stdout, stderr);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
        }

        var lines = Lines(stdout).Where(l => l.Length > 0).ToList();
        Assert.True(lines.Count >= 3, string.Join("\n", lines));
        foreach (var line in lines)
        {
            using var json = JsonDocument.Parse(line); // throws on a plain-text line
            Assert.Equal(JsonValueKind.Object, json.RootElement.ValueKind);
            Assert.True(json.RootElement.TryGetProperty("@t", out _), line);
            Assert.True(json.RootElement.TryGetProperty("@mt", out _), line);
        }

        // The message template, with its properties by name (not only rendered into the text).
        var listening = lines.Select(l => JsonDocument.Parse(l).RootElement).First(e => e.GetProperty("@mt").GetString() == "Now listening on: {address}");
        Assert.StartsWith("http://127.0.0.1:", listening.GetProperty("address").GetString());
        var request = lines.Select(l => JsonDocument.Parse(l).RootElement).First(e => e.TryGetProperty("RequestPath", out var p) && p.GetString() == "/account/login"
            && e.TryGetProperty("RequestMethod", out var m) && m.GetString() == "POST"); // scopes add RequestPath to other lines too
        Assert.Contains("{StatusCode}", request.GetProperty("@mt").GetString());

        var everything = string.Join("\n", lines) + stderr;
        Assert.DoesNotContain(secret, everything, StringComparison.Ordinal);
        // Exactly one console sink: the text sinks of the Serilog section were replaced, not joined.
        Assert.Single(lines, l => l.Contains("Now listening on", StringComparison.Ordinal));
    }

    private static List<string> Lines(List<string> stdout)
    {
        lock (stdout) return [.. stdout];
    }

    private static async Task<string> ListeningAddressAsync(Process process, List<string> stdout, StringBuilder stderr)
    {
        string? address = null;
        await WaitAsync(() =>
        {
            Assert.False(process.HasExited, "the app stopped:\n" + string.Join("\n", Lines(stdout)) + stderr);
            var line = Lines(stdout).FirstOrDefault(l => l.Contains("Now listening on", StringComparison.Ordinal));
            if (line is null) return false;
            address = JsonDocument.Parse(line).RootElement.GetProperty("address").GetString();
            return true;
        }, "the app to listen", stdout, stderr);
        return address!;
    }

    private static async Task WaitAsync(Func<bool> condition, string what, List<string> stdout, StringBuilder stderr)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, $"timed out waiting for {what}:\n{string.Join("\n", Lines(stdout))}\n{stderr}");
            await Task.Delay(100, Ct);
        }
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex Antiforgery();
}
