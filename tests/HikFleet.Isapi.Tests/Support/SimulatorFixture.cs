using System.Net;
using HikFleet.Simulator;

[assembly: AssemblyFixture(typeof(HikFleet.Isapi.Tests.Support.SimulatorFixture))]

namespace HikFleet.Isapi.Tests.Support;

/// <summary>
/// One in-process virtual fleet for the whole test assembly (loopback, ephemeral ports, no SADP, 1000× time); each
/// test adds its own devices so tests never share device state.
/// </summary>
public sealed class SimulatorFixture : IAsyncLifetime
{
    public const string Password = "Fleet#Test2024";

    public VirtualFleet Fleet { get; private set; } = null!;

    public static IsapiOptions Options => new()
    {
        // Generous: the 2-core CI machine is shared, and a device's first TLS handshake generates its certificate.
        RequestTimeout = TimeSpan.FromSeconds(10),
        ReadIdleTimeout = TimeSpan.FromSeconds(3),
        ConnectTimeout = TimeSpan.FromSeconds(8),
        AlertStreamIdleTimeout = TimeSpan.FromSeconds(5),
        AlertStreamReconnectDelay = TimeSpan.FromMilliseconds(50),
        AlertStreamMaxReconnectDelay = TimeSpan.FromMilliseconds(400),
    };

    public async ValueTask InitializeAsync()
    {
        // A random 127.x block: other test processes run simulators at the same time.
        var b = Random.Shared.Next(32, 250);
        Fleet = await VirtualFleet.StartAsync(new SimulatorOptions
        {
            Cameras = 0,
            HttpPort = 0,
            HttpsPort = 0,
            TimeScale = 0.001,
            Sadp = false,
            BaseAddress = IPAddress.Parse($"127.{b}.{Random.Shared.Next(1, 250)}.10"),
            FactoryAddress = IPAddress.Parse($"127.{b}.251.64"),
        });
    }

    public async ValueTask DisposeAsync() => await Fleet.DisposeAsync();

    public VirtualDevice AddCamera(string? model = null, bool activated = true, bool https = false)
    {
        var device = Fleet.AddDevice(new DeviceSpec { Model = model, Activated = activated, Password = activated ? Password : null, Https = https });
        if (https) _ = device.CertificateSha256; // generate the certificate now, not inside a timed handshake
        return device;
    }

    public static IsapiEndpoint EndpointOf(VirtualDevice device, bool https = false, string? pin = null) =>
        https ? IsapiEndpoint.FromUri(device.HttpsUri!, pin) : IsapiEndpoint.FromUri(device.HttpUri);

    public IsapiClient Client(VirtualDevice device, string? password = Password, IIsapiClientFactory? factory = null, bool https = false, string? pin = null) =>
        (factory ?? new IsapiClientFactory(Options)).Create(EndpointOf(device, https, pin), password is null ? null : new IsapiCredentials("admin", password));

    /// <summary>Waits until the device answers again (after reboot/reset), bounded.</summary>
    public static async Task WaitOnlineAsync(VirtualDevice device, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!device.Online)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("device did not come back");
            await Task.Delay(10, ct);
        }
    }
}
