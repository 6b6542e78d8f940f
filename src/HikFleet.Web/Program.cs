using HikFleet.Web.Extensions;

var builder = WebApplication.CreateBuilder(args);

builder.AddFleetLogging();
builder.AddFleetServices();

var app = builder.Build();

await app.PrepareFleetDatabaseAsync();

app.UseFleetPipeline();
app.MapFleetEndpoints();

await app.RunAsync();

/// <summary>Entry point; public so tests can host the real application.</summary>
public partial class Program;
