using HikFleet.Web.Cli;
using HikFleet.Web.Extensions;

var builder = WebApplication.CreateBuilder(args);

if (FleetCli.IsVerb(args))
{
    return await FleetCli.RunAsync(builder, args);
}

builder.AddFleetLogging();
builder.AddFleetObservability();
builder.AddFleetServices();
builder.AddFleetAuth();

var app = builder.Build();

await app.PrepareFleetDatabaseAsync();
await app.DeclareFleetSchedulesAsync();

app.UseFleetPipeline();
app.MapFleetEndpoints();

await app.RunAsync();
return 0;

/// <summary>Entry point; public so tests can host the real application.</summary>
public partial class Program;
