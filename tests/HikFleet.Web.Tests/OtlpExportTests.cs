using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Hangfire;
using HikFleet.Core.Data.Entities;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace HikFleet.Web.Tests;

/// <summary>
/// With <c>Fleet:Observability:Otlp:Endpoint</c> set (here a receiver of this test on loopback, OTLP over HTTP), the spans of a job
/// reach the collector; without it nothing is sent anywhere (every other test class runs with it unset).
/// </summary>
public sealed class OtlpExportTests : IAsyncLifetime
{
    private readonly FleetWebFactory _factory = new();
    private WebApplication _collector = null!;
    private readonly ConcurrentQueue<(string Path, string ContentType, byte[] Body)> _received = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _collector = builder.Build();
        _collector.MapPost("/v1/{signal}", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            _received.Enqueue((context.Request.Path.Value!, context.Request.ContentType ?? "", body.ToArray()));
            return Results.Ok();
        });
        await _collector.StartAsync();
        var address = _collector.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();

        _factory.Settings["Fleet:Observability:Otlp:Endpoint"] = address;
        _factory.Settings["Fleet:Observability:Otlp:Protocol"] = "http";
        _factory.Settings["Fleet:Observability:Otlp:ExportInterval"] = "00:00:00.500";
        await _factory.InitializeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _collector.DisposeAsync();
    }

    [Fact]
    public async Task The_spans_of_a_job_are_pushed_to_the_configured_collector()
    {
        _factory.EnsureStarted();
        Guid siteId;
        await using (var db = _factory.Database.CreateContext())
        {
            var site = new Site { Tenant = new Tenant { Name = $"Otlp {Guid.NewGuid():N}" }, Name = "Empty", TimeZone = "UTC" };
            db.Sites.Add(site);
            await db.SaveChangesAsync(Ct);
            siteId = site.Id;
        }

        var jobId = _factory.Services.GetRequiredService<IBackgroundJobClient>().Enqueue<Core.Health.HealthCheckJob>(j => j.ExecuteAsync(siteId, CancellationToken.None));

        // OTLP protobuf carries strings as plain UTF-8: the span name and its job id are findable in the bytes.
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(45);
        while (!_received.Any(r => r.Path == "/v1/traces" && Contains(r.Body, "job HealthCheckJob") && Contains(r.Body, jobId)))
        {
            Assert.True(DateTime.UtcNow < until, $"no span of job {jobId} reached the collector; got {_received.Count} posts to {string.Join(", ", _received.Select(r => r.Path).Distinct())}");
            await Task.Delay(250, Ct);
        }

        var traces = _received.First(r => r.Path == "/v1/traces");
        Assert.Equal("application/x-protobuf", traces.ContentType);
        Assert.Contains(_received, r => r.Path == "/v1/traces" && Contains(r.Body, "HikFleet.Jobs"));
    }

    private static bool Contains(byte[] body, string text) => body.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;
}
