using System.Net;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Operations;
using HikFleet.Core.Poe;
using HikFleet.Core.Tests.Discovery;
using HikFleet.Core.Tests.Operations;
using HikFleet.Simulator;
using HikFleet.Testing;
using HikFleet.Testing.Snmp;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace HikFleet.Core.Tests.Poe;

/// <summary>
/// A site with managed simulated cameras powered by a real snmpd modelling a PoE switch (one port per camera, an uplink after them):
/// switching a port makes the switch model power the simulated camera off/on through the simulator's control API.
/// </summary>
internal sealed class PoeWorld : IAsyncDisposable
{
    public static readonly Dictionary<string, string?> FastPoe = new()
    {
        ["Fleet:Poe:MinOffTime"] = "00:00:01",
        ["Fleet:Poe:SnmpTimeout"] = "00:00:03",
    };

    private PoeWorld(InventoryWorld world, Site site, List<(VirtualDevice Device, Camera Camera)> cameras, PoeSwitchAgent agent)
    {
        World = world;
        Site = site;
        Cameras = cameras;
        Agent = agent;
    }

    public InventoryWorld World { get; }
    public Site Site { get; }
    public List<(VirtualDevice Device, Camera Camera)> Cameras { get; }
    public PoeSwitchAgent Agent { get; }
    public PoeService Poe => World.Services.GetRequiredService<PoeService>();
    public OperationService Operations => World.Operations();

    public static async Task<PoeWorld> StartAsync(MigratedDatabase database, int cameras, CancellationToken ct, Action<Site>? configureSite = null)
    {
        var world = await OperationWorld.StartAsync(database, ct, o => o.Control = new IPEndPoint(IPAddress.Loopback, 0), FastPoe);
        try
        {
            var site = await world.SiteAsync(configureSite);
            var list = new List<(VirtualDevice, Camera)>();
            for (var i = 0; i < cameras; i++) list.Add(await world.ManagedDeviceAsync(site));
            var model = PoeSwitchModel.ForCameras(list.Select(c => (c.Item1.Serial, c.Item1.Mac)), world.Fleet.ControlUri, uplinkMacs: 6);
            var agent = await PoeSwitchAgent.StartAsync(model, ct);
            return new PoeWorld(world, site, list, agent);
        }
        catch
        {
            await world.DisposeAsync();
            throw;
        }
    }

    /// <summary>Adds the agent as a switch of the site (v2c or v3) and returns its id.</summary>
    public async Task<Guid> AddSwitchAsync(CancellationToken ct, SnmpVersion version = SnmpVersion.V2c, string name = "Access switch 1")
    {
        var input = version == SnmpVersion.V2c
            ? new PoeSwitchInput(Site.Id, name, Agent.EndPoint.Address.ToString(), Agent.EndPoint.Port, SnmpVersion.V2c, Community: Agent.Community)
            : new PoeSwitchInput(Site.Id, name, Agent.EndPoint.Address.ToString(), Agent.EndPoint.Port, SnmpVersion.V3, User: Agent.V3User,
                AuthPassword: Agent.V3AuthPassword, PrivPassword: Agent.V3PrivPassword);
        var added = await Poe.AddSwitchAsync(OperationWorld.Admin(Site), input, ct);
        Assert.True(added.Succeeded, added.Message);
        return added.Id!.Value;
    }

    public async Task<PoePollResult> PollAsync(Guid switchId, CancellationToken ct)
    {
        var (result, poll) = await Poe.PollNowAsync(InventoryWorld.Operator(Site), switchId, ct);
        Assert.True(result.Succeeded, result.Message);
        return poll!;
    }

    public async Task<PoePortMapping?> MappingAsync(Camera camera, CancellationToken ct)
    {
        await using var db = World.Db();
        return await db.PoePortMappings.AsNoTracking().SingleOrDefaultAsync(m => m.CameraId == camera.Id, ct);
    }

    public Task<Common.ServiceResult> PowerCycleAsync(Camera camera, CancellationToken ct, int offSeconds = 1, string reason = "Camera frozen, ISAPI not answering") =>
        Operations.StartAsync(InventoryWorld.Operator(Site), camera.Id, new OperationRequest(OperationKind.PowerCycle, reason, OffSeconds: offSeconds), ct);

    public async ValueTask DisposeAsync()
    {
        await Agent.DisposeAsync();
        await World.DisposeAsync();
    }
}
