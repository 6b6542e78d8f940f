using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;

namespace HikFleet.Simulator.Tests;

public sealed class SadpTests(FleetFixture fx) : IClassFixture<FleetFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Sends one probe (multicast on 127.0.0.1 with TTL 0, or unicast) and collects the replies for a moment.</summary>
    /// <remarks>Waits at most <paramref name="waitMs"/>; once <paramref name="until"/> holds, listens <paramref name="settleMs"/> more for stragglers.</remarks>
    internal static async Task<List<(IPEndPoint From, XElement Reply)>> ProbeAsync(IPEndPoint target, string xml, int waitMs = 5000, Func<XElement, bool>? until = null, int settleMs = 0)
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, IPAddress.Loopback.GetAddressBytes());
        s.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, 0);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        await s.SendToAsync(Encoding.UTF8.GetBytes(xml), target, Ct);
        var replies = new List<(IPEndPoint, XElement)>();
        var buffer = new byte[16 * 1024];
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(waitMs);
        try
        {
            while (true)
            {
                var r = await s.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), cts.Token);
                var x = XElement.Parse(Encoding.UTF8.GetString(buffer, 0, r.ReceivedBytes));
                replies.Add(((IPEndPoint)r.RemoteEndPoint, x));
                if (until?.Invoke(x) == true)
                {
                    if (settleMs <= 0)
                        break;
                    cts.CancelAfter(settleMs);
                    until = null;
                }
            }
        }
        catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
        {
        }
        return replies;
    }

    private IPEndPoint Group => new(IPAddress.Parse("239.255.255.250"), fx.Fleet.SadpPort!.Value);
    private static string Uuid() => Guid.NewGuid().ToString().ToUpperInvariant();

    [Fact]
    public async Task Multicast_inquiry_on_loopback_with_ttl_0_is_answered_by_every_device_from_its_own_address()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec { Model = DeviceCatalog.Bullet8MPG1.Model });
        var uuid = Uuid();
        var expected = fx.Fleet.Devices.Where(o => o.Online).Select(o => o.Serial).ToHashSet();
        var seen = new HashSet<string>();
        var replies = await ProbeAsync(Group, $"<?xml version=\"1.0\" encoding=\"utf-8\"?><Probe><Uuid>{uuid}</Uuid><Types>inquiry</Types></Probe>",
            until: x => seen.Add(x.V("DeviceSN")) | true && expected.IsSubsetOf(seen));
        var mine = replies.Single(r => r.Reply.V("DeviceSN") == d.Serial);
        Assert.Equal(d.Address, mine.From.Address);
        var x = mine.Reply;
        Assert.Equal("ProbeMatch", x.Name.LocalName);
        Assert.Equal(uuid, x.V("Uuid"));
        Assert.Equal("inquiry", x.V("Types"));
        Assert.Equal("141945", x.V("DeviceType"));
        Assert.Equal("DS-2CD2385G1-I", x.V("DeviceDescription"));
        Assert.Equal(d.Mac.Replace(':', '-'), x.V("MAC"));
        Assert.Matches("^([0-9a-f]{2}-){5}[0-9a-f]{2}$", x.V("MAC"));
        Assert.Equal("V5.6.2build 190701", x.V("SoftwareVersion"));
        Assert.Equal("true", x.V("Activated"));
        Assert.Equal("flase", x.V("DeviceLock"));
        Assert.Matches("^[0-9a-f]{64}$", x.V("Salt"));
        Assert.Equal(d.HttpPort.ToString(), x.V("HttpPort"));
        Assert.Equal(d.Address.ToString(), x.V("IPv4Address"));
        Assert.Matches(@"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$", x.V("BootTime"));
        foreach (var field in new[] { "CommandPort", "IPv4SubnetMask", "IPv4Gateway", "IPv6Address", "DHCP", "AnalogChannelNum", "DigitalChannelNum", "DSPVersion", "Encrypt", "DetailOEMCode", "HCPlatformEnable", "SDKOverTLSPort" })
            Assert.NotNull(x.Descendants().FirstOrDefault(e => e.Name.LocalName == field));
        // every fleet device answered too
        foreach (var serial in expected)
            Assert.Contains(replies, r => r.Reply.V("DeviceSN") == serial);
    }

    [Fact]
    public async Task Unicast_inquiry_is_answered_only_by_the_addressed_device()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec());
        var replies = await ProbeAsync(new IPEndPoint(d.Address, fx.Fleet.SadpPort!.Value), $"<Probe><Uuid>{Uuid()}</Uuid><Types>inquiry</Types></Probe>",
            until: _ => true, settleMs: 300);
        var only = Assert.Single(replies);
        Assert.Equal(d.Serial, only.Reply.V("DeviceSN"));
        Assert.Equal(d.Address, only.From.Address);
    }

    [Fact]
    public async Task Exchangecode_then_activate_activates_an_inactive_device_by_mac()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec { Activated = false });
        using var rsa = RSA.Create(1024);
        var code = Convert.ToBase64String(rsa.ExportRSAPublicKey());
        var mac = d.Mac.Replace(':', '-');
        var ex = (await ProbeAsync(Group, $"<Probe><Uuid>{Uuid()}</Uuid><MAC>{mac}</MAC><Types>exchangecode</Types><Code>{code}</Code></Probe>",
            until: _ => true)).Single();
        Assert.Equal("success", ex.Reply.V("Result"));
        var random = Encoding.ASCII.GetString(rsa.Decrypt(Convert.FromBase64String(ex.Reply.V("Code")), RSAEncryptionPadding.Pkcs1));
        var password = ActivationHelper.EncryptSadpPassword(random, "Sadp-Activated-1");
        var act = (await ProbeAsync(Group, $"<Probe><Uuid>{Uuid()}</Uuid><MAC>{mac}</MAC><Types>activate</Types><Password>{password}</Password></Probe>",
            until: _ => true)).Single();
        Assert.Equal("success", act.Reply.V("Result"));
        Assert.Equal("true", act.Reply.V("Activated"));
        Assert.True(d.Activated);
        Assert.Equal("Sadp-Activated-1", d.AdminPassword);
    }
}

public sealed class SadpCommandTests(FleetFixture fx) : IClassFixture<FleetFixture>
{
    private IPEndPoint Group => new(IPAddress.Parse("239.255.255.250"), fx.Fleet.SadpPort!.Value);
    private static string Uuid() => Guid.NewGuid().ToString().ToUpperInvariant();

    private async Task<XElement> CommandAsync(string body) =>
        (await SadpTests.ProbeAsync(Group, $"<?xml version=\"1.0\" encoding=\"utf-8\"?><Probe><Uuid>{Uuid()}</Uuid>{body}</Probe>", until: _ => true)).Single().Reply;

    [Fact]
    public async Task Update_with_the_salted_proof_moves_the_device_at_once_and_a_wrong_proof_fails()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec { Password = "Sadp-Update-1" });
        var mac = d.Mac.Replace(':', '-');
        var b = d.Address.GetAddressBytes();
        var target = new IPAddress([b[0], b[1], (byte)(b[2] ^ 0x40), 99]);
        var wrong = ActivationHelper.SaltedProof("admin", d.Salt!, "not-the-password");
        var failed = await CommandAsync($"<Types>update</Types><PWErrorParse>true</PWErrorParse><MAC>{mac}</MAC><Password bSalt=\"true\">{wrong}</Password><IPv4Address>{target}</IPv4Address><CommandPort>8000</CommandPort><IPv4SubnetMask>255.255.255.0</IPv4SubnetMask><IPv4Gateway>{b[0]}.{b[1]}.{b[2] ^ 0x40}.1</IPv4Gateway><DHCP>false</DHCP>");
        Assert.Equal("failed", failed.V("Result"));
        Assert.Contains("Password error!", failed.ToString());
        Assert.Equal(1, d.FailedLogins);
        var plain = await CommandAsync($"<Types>update</Types><MAC>{mac}</MAC><Password>Sadp-Update-1</Password><IPv4Address>{target}</IPv4Address>");
        Assert.Equal("failed", plain.V("Result")); // salted devices want the proof (§4.4)

        var proof = ActivationHelper.SaltedProof("admin", d.Salt!, "Sadp-Update-1");
        var ok = await CommandAsync($"<Types>update</Types><PWErrorParse>true</PWErrorParse><MAC>{mac}</MAC><Password bSalt=\"true\">{proof}</Password><IPv4Address>{target}</IPv4Address><CommandPort>8000</CommandPort><IPv4SubnetMask>255.255.255.0</IPv4SubnetMask><IPv4Gateway>{b[0]}.{b[1]}.{b[2] ^ 0x40}.1</IPv4Gateway><DHCP>false</DHCP>");
        Assert.Equal("success", ok.V("Result"));
        Assert.Equal("update", ok.V("Types"));
        await Xml.WaitUntilAsync(() => d.Address.Equals(target), 2000);
        Assert.Equal(0, d.FailedLogins);
        Assert.True(await Xml.AcceptsAsync(target, d.HttpPort));
        var seen = await SadpTests.ProbeAsync(new IPEndPoint(target, fx.Fleet.SadpPort!.Value), $"<Probe><Uuid>{Uuid()}</Uuid><Types>inquiry</Types></Probe>", until: _ => true);
        Assert.Equal(target.ToString(), Assert.Single(seen).Reply.V("IPv4Address"));
    }

    [Fact]
    public async Task Legacy_device_takes_the_plain_password_and_reboots_on_command()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec { Model = DeviceCatalog.LegacyBullet.Model });
        var inquiry = (await SadpTests.ProbeAsync(new IPEndPoint(d.Address, fx.Fleet.SadpPort!.Value), $"<Probe><Uuid>{Uuid()}</Uuid><Types>inquiry</Types></Probe>", until: _ => true)).Single().Reply;
        Assert.DoesNotContain(inquiry.Elements(), e => e.Name.LocalName == "Salt");
        Assert.Equal("V5.2.0build 140721", inquiry.V("SoftwareVersion"));
        var count = d.RebootCount;
        var ok = await CommandAsync($"<Types>reboot</Types><MAC>{d.Mac.Replace(':', '-')}</MAC><Password>12345</Password>");
        Assert.Equal("success", ok.V("Result"));
        await Xml.WaitUntilAsync(() => d.RebootCount > count && d.Online, 3000);
    }

    [Fact]
    public async Task RestoreInactive_returns_the_device_to_factory_state_and_inactive_devices_refuse_update()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec { Password = "Restore-Me-1" });
        var mac = d.Mac.Replace(':', '-');
        var proof = ActivationHelper.SaltedProof("admin", d.Salt!, "Restore-Me-1");
        var ok = await CommandAsync($"<Types>restoreInactive</Types><MAC>{mac}</MAC><Password bSalt=\"true\">{proof}</Password>");
        Assert.Equal("success", ok.V("Result"));
        await Xml.WaitUntilAsync(() => !d.Activated && d.Online, 3000);
        Assert.Equal(fx.Options.FactoryAddress, d.Address);
        var inquiry = (await SadpTests.ProbeAsync(Group, $"<Probe><Uuid>{Uuid()}</Uuid><Types>inquiry</Types></Probe>", until: x => x.V("MAC") == mac)).Single(r => r.Reply.V("MAC") == mac).Reply;
        Assert.Equal("false", inquiry.V("Activated"));
        Assert.Equal(fx.Options.FactoryAddress.ToString(), inquiry.V("IPv4Address"));
        var refused = await CommandAsync($"<Types>update</Types><MAC>{mac}</MAC><Password bSalt=\"true\">{proof}</Password><IPv4Address>127.0.0.9</IPv4Address>");
        Assert.Equal("failed", refused.V("Result"));
    }

    [Fact]
    public async Task Wrong_passwords_over_sadp_lock_the_device_and_it_says_so()
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec { Password = "Lock-Me-Out-1" });
        var mac = d.Mac.Replace(':', '-');
        XElement? last = null;
        for (var i = 0; i < 5; i++)
            last = await CommandAsync($"<Types>reboot</Types><MAC>{mac}</MAC><Password bSalt=\"true\">{ActivationHelper.SaltedProof("admin", d.Salt!, "guess" + i)}</Password>");
        Assert.Contains("Device lock!", last!.ToString());
        Assert.Equal("true", last.V("DeviceLock"));
        Assert.True(d.IsLocked);
    }
}
