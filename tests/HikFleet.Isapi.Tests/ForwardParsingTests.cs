using System.Net;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using HikFleet.Isapi.Http;
using HikFleet.Isapi.Models;
using HikFleet.Isapi.Tests.Support;
using HikFleet.Isapi.Xml;
using HikFleet.Simulator;

namespace HikFleet.Isapi.Tests;

/// <summary>
/// The forward-only readers of deviceInfo, status and Storage (issue #13) give exactly what the XElement readers give:
/// every fixture, the simulator's real answers, the protocol reference's samples and quirky documents are parsed both
/// ways and compared; malformed and oversize documents fail the same way; envelopes and HTTP errors through the client
/// keep their typed errors.
/// </summary>
public sealed class ForwardParsingTests(SimulatorFixture sim)
{
    private const long Max = 1024 * 1024;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly IReadOnlyList<double> NoCpus = [];
    private static readonly IReadOnlyList<MemoryStatus> NoMemory = [];
    private static readonly IReadOnlyList<NetPortStatus> NoPorts = [];
    private static readonly IReadOnlyList<StorageDisk> NoDisks = [];

    // ------------------------------------------------------------------ comparison helpers

    private static T Old<T>(byte[] xml, Func<XElement, T> fromXml, long max = Max) => fromXml(IsapiXml.Parse(xml, max));

    private static T New<T>(byte[] xml, Func<XmlReader, T> readXml, long max = Max) where T : class =>
        IsapiXmlReader.Read(xml, 0, xml.Length, max, readXml, out _) ?? throw new InvalidOperationException("read as an envelope");

    private static void SameDeviceInfo(byte[] xml)
    {
        var expected = Old(xml, DeviceInfo.FromXml);
        var actual = New(xml, DeviceInfo.ReadXml);
        Assert.Equal(expected, actual);
    }

    private static void SameStatus(byte[] xml)
    {
        var expected = Old(xml, DeviceStatus.FromXml);
        var actual = New(xml, DeviceStatus.ReadXml);
        AssertSame(expected, actual);
    }

    private static void AssertSame(DeviceStatus expected, DeviceStatus actual)
    {
        Assert.Equal(expected.Cpus, actual.Cpus);
        Assert.Equal(expected.Memory, actual.Memory);
        Assert.Equal(expected.NetPorts, actual.NetPorts);
        Assert.Equal(expected with { Cpus = NoCpus, Memory = NoMemory, NetPorts = NoPorts }, actual with { Cpus = NoCpus, Memory = NoMemory, NetPorts = NoPorts });
    }

    private static void SameStorage(byte[] xml)
    {
        var expected = Old(xml, StorageInfo.FromXml);
        var actual = New(xml, StorageInfo.ReadXml);
        AssertSame(expected, actual);
    }

    private static void AssertSame(StorageInfo expected, StorageInfo actual)
    {
        Assert.Equal(expected.Disks, actual.Disks);
        Assert.Equal(expected.NetworkStorage, actual.NetworkStorage);
        Assert.Equal(expected with { Disks = NoDisks, NetworkStorage = NoDisks }, actual with { Disks = NoDisks, NetworkStorage = NoDisks });
    }

    /// <summary>Every reader on every document: each must match the tree path, whatever the root is.</summary>
    private static void SameAll(string xml)
    {
        var bytes = Encoding.UTF8.GetBytes(xml);
        SameDeviceInfo(bytes);
        SameStatus(bytes);
        SameStorage(bytes);
    }

    private static byte[] Fixture(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", name));

    // ------------------------------------------------------------------ fixtures and protocol reference samples

    [Theory]
    [InlineData("deviceInfo-ipc-ver20.xml")]
    [InlineData("deviceInfo-nvr-isapi.xml")]
    [InlineData("status-ipc.xml")]
    [InlineData("status-localised.xml")]
    [InlineData("storage-nvr.xml")]
    [InlineData("securityCap.xml")]
    [InlineData("streamingChannel-101.xml")]
    [InlineData("adminAccesses-ipc.xml")]
    public void Fixtures_ReadTheSameBothWays(string name)
    {
        var bytes = Fixture(name);
        SameDeviceInfo(bytes);
        SameStatus(bytes);
        SameStorage(bytes);
    }

    [Fact]
    public void Fixtures_GiveTheExpectedValues()
    {
        // Not only equal to the old path: equal to what the fixtures say (a broken twin could agree with nothing).
        var info = New(Fixture("deviceInfo-nvr-isapi.xml"), DeviceInfo.ReadXml);
        Assert.Equal("c4:2f:90:f2:b1:aa", info.MacAddress);
        Assert.Equal(new FirmwareVersion(4, 62, 210, 230201), info.Firmware);
        Assert.Equal("http://www.isapi.org/ver20/XMLSchema", info.Namespace);
        var status = New(Fixture("status-localised.xml"), DeviceStatus.ReadXml);
        Assert.Equal(TimeSpan.FromDays(87) + new TimeSpan(0, 55, 59), status.Uptime);
        Assert.Equal([36.400002], status.Cpus);
        Assert.Equal([new NetPortStatus("1", 1000), new NetPortStatus("2", 0)], status.NetPorts);
        var storage = New(Fixture("storage-nvr.xml"), StorageInfo.ReadXml);
        Assert.Equal(new StorageDisk("2", "hddf", "SATA", "error", 30436, 120, "RW"), storage.Disks[1]);
        Assert.Empty(storage.NetworkStorage);
        Assert.Equal("quota", storage.WorkMode);
    }

    [Fact]
    public void ProtocolReferenceSamples_ReadTheSameBothWays()
    {
        // §2.1 and §2.9 of the protocol reference, with the placeholders filled in.
        SameAll("""
            <DeviceInfo version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
              <deviceName/> <deviceID/> <deviceDescription/> <deviceLocation/> <systemContact/>
              <model>DS-2CD2386G2-IU</model> <serialNumber>DS-2CD2386G2-IU0000</serialNumber>
              <macAddress>a6:63:9e:f8:01:09</macAddress>
              <firmwareVersion>V5.7.18</firmwareVersion> <firmwareReleasedDate>build 240826</firmwareReleasedDate>
              <encoderVersion/> <encoderReleasedDate/> <bootVersion/> <bootReleasedDate/> <hardwareVersion/>
              <deviceType>IPCamera</deviceType>
              <telecontrolID/> <supportBeep/> <supportVideoLoss/> <firmwareVersionInfo/> <manufacturer/> <subSerialNumber/> <OEMCode/>
            </DeviceInfo>
            """);
        SameAll("""
            <DeviceStatus version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
              <currentDeviceTime>2024-05-01T12:34:56+08:00</currentDeviceTime>
              <deviceUpTime>513477</deviceUpTime>
              <CPUList><CPU><cpuDescription/><cpuUtilization>36.4</cpuUtilization></CPU></CPUList>
              <MemoryList><Memory><memoryDescription/><memoryUsage/><memoryAvailable/><cacheSize/></Memory></MemoryList>
              <NetPortStatusList><NetPortStatus><id>1</id><workSpeed>100</workSpeed></NetPortStatus></NetPortStatusList>
              <bootTime>2024-04-25T22:56:59+08:00</bootTime><totalRebootCount>4</totalRebootCount>
              <lastCalibrationTime>2024-05-01T12:00:00+08:00</lastCalibrationTime><lastCalibrationTimeMode>NTP</lastCalibrationTimeMode>
            </DeviceStatus>
            """);
        SameAll("""
            <storage>
              <hddList><hdd><id>1</id><hddName>hdde</hddName><hddPath/><hddType>SATA</hddType><status>ok</status>
                 <capacity>1907729</capacity><freeSpace>0</freeSpace><property>RW</property><group>1</group></hdd></hddList>
              <nasList><nas><id>9</id><addressingFormatType>ipaddress</addressingFormatType><ipAddress>10.0.0.5</ipAddress><path>/vol/nvr</path>
                 <nasType>NFS</nasType><mountType>SMB/CIFS</mountType><status>ok</status><capacity>953869</capacity><freeSpace>1024</freeSpace></nas></nasList>
              <workMode opt="group,quota">quota</workMode>
            </storage>
            """);
        var nas = New(Encoding.UTF8.GetBytes("<storage><nasList><nas><path>/vol/nvr</path><nasType>NFS</nasType></nas></nasList></storage>"), StorageInfo.ReadXml);
        Assert.Equal(new StorageDisk(null, "/vol/nvr", "NFS", null, null, null, null), nas.NetworkStorage.Single());
    }

    // ------------------------------------------------------------------ quirks

    [Fact]
    public void Namespaces_MatchByLocalName_AndTheRootNamespaceIsKept()
    {
        SameAll("""<h:DeviceInfo xmlns:h="http://www.hikvision.com/ver10/XMLSchema"><h:model>A</h:model><h:macAddress>58-50-ED-1F-E3-85</h:macAddress></h:DeviceInfo>""");
        SameAll("""<DeviceInfo><model xmlns="urn:other">B</model><x:deviceType xmlns:x="urn:psialliance-org">NVR</x:deviceType></DeviceInfo>""");
        SameAll("""
            <storage xmlns="http://www.isapi.org/ver20/XMLSchema"><hddList xmlns="http://www.hikvision.com/ver10/XMLSchema">
            <hdd><id>1</id><status>ok</status></hdd><p:hdd xmlns:p="urn:x"><id>2</id></p:hdd></hddList></storage>
            """);
        var info = New(Encoding.UTF8.GetBytes("""<h:DeviceInfo xmlns:h="urn:h"><h:model>A</h:model></h:DeviceInfo>"""), DeviceInfo.ReadXml);
        Assert.Equal(("A", "urn:h"), (info.Model, info.Namespace));
        Assert.Equal("", New(Encoding.UTF8.GetBytes("<DeviceInfo/>"), DeviceInfo.ReadXml).Namespace);
    }

    [Fact]
    public void MissingFieldsAndEmptyDocuments()
    {
        SameAll("<DeviceInfo/>");
        SameAll("<DeviceInfo></DeviceInfo>");
        SameAll("<DeviceStatus><deviceUpTime/><currentDeviceTime>  </currentDeviceTime></DeviceStatus>");
        SameAll("<DeviceStatus><bootTime>2024-05-01T00:00:00Z</bootTime><currentDeviceTime>2024-05-01T01:00:00Z</currentDeviceTime></DeviceStatus>");
        SameAll("<DeviceStatus><bootTime>2024-05-01T02:00:00Z</bootTime><currentDeviceTime>2024-05-01T01:00:00Z</currentDeviceTime></DeviceStatus>");
        SameAll("<storage><hddList><hdd/><hdd></hdd></hddList></storage>");
        var status = New(Encoding.UTF8.GetBytes("<DeviceStatus><bootTime>2024-05-01T00:00:00Z</bootTime><currentDeviceTime>2024-05-01T01:00:00Z</currentDeviceTime></DeviceStatus>"), DeviceStatus.ReadXml);
        Assert.Equal(TimeSpan.FromHours(1), status.Uptime);
    }

    [Fact]
    public void EmptyLists()
    {
        SameAll("<DeviceStatus><CPUList/><MemoryList></MemoryList><NetPortStatusList>\r\n</NetPortStatusList></DeviceStatus>");
        SameAll("<DeviceStatus><CPUList><CPU/></CPUList><MemoryList><Memory/></MemoryList><NetPortStatusList><NetPortStatus/></NetPortStatusList></DeviceStatus>");
        SameAll("<storage><hddList/><nasList/><workMode/></storage>");
        SameAll("<storage><nasList></nasList></storage>");
        var status = New(Encoding.UTF8.GetBytes("<DeviceStatus><MemoryList><Memory/></MemoryList></DeviceStatus>"), DeviceStatus.ReadXml);
        Assert.Equal([new MemoryStatus(null, null, null, null)], status.Memory);
        Assert.Null(status.CpuUtilization);
    }

    [Fact]
    public void GarbageNumbers_AreUnknown()
    {
        SameAll("""
            <DeviceStatus><deviceUpTime>unknown</deviceUpTime><totalRebootCount>3.9</totalRebootCount>
            <CPUList><CPU><cpuUtilization>abc</cpuUtilization></CPU><CPU><cpuUtilization>NaN</cpuUtilization></CPU>
              <CPU><cpuUtilization>1e400</cpuUtilization></CPU><CPU><cpuUtilization> 7.5 </cpuUtilization></CPU><CPU><cpuUtilization>1,5</cpuUtilization></CPU></CPUList>
            <MemoryList><Memory><memoryUsage>12 KB</memoryUsage><memoryAvailable>-</memoryAvailable><cacheSize>Infinity</cacheSize></Memory>
              <Memory><memoryUsage>-1</memoryUsage><memoryAvailable>1</memoryAvailable></Memory></MemoryList>
            <NetPortStatusList><NetPortStatus><id> 2 </id><workSpeed>100Mbps</workSpeed></NetPortStatus>
              <NetPortStatus><workSpeed>99999999999</workSpeed></NetPortStatus><NetPortStatus><workSpeed>1e3</workSpeed></NetPortStatus></NetPortStatusList>
            </DeviceStatus>
            """);
        SameAll("<storage><hddList><hdd><capacity>12.7</capacity><freeSpace>-</freeSpace></hdd><hdd><capacity>99999999999999999999999</capacity><freeSpace>0x10</freeSpace></hdd></hddList></storage>");
        var status = New(Encoding.UTF8.GetBytes("<DeviceStatus><CPUList><CPU><cpuUtilization>abc</cpuUtilization></CPU><CPU><cpuUtilization> 7.5 </cpuUtilization></CPU></CPUList></DeviceStatus>"), DeviceStatus.ReadXml);
        Assert.Equal([7.5], status.Cpus);
    }

    [Fact]
    public void UnknownElements_AreSkipped_OnlyDirectChildrenCount()
    {
        SameAll("""
            <DeviceInfo><extra><model>inner</model><deviceName>inner</deviceName></extra><model>outer</model>
            <unknown a="1"><deep><deeper>x</deeper></deep></unknown><deviceName>Gate</deviceName></DeviceInfo>
            """);
        SameAll("""
            <DeviceStatus><group><CPUList><CPU><cpuUtilization>99</cpuUtilization></CPU></CPUList></group>
            <CPUList><note>x</note><group><CPU><cpuUtilization>98</cpuUtilization></CPU></group><CPU><extra><cpuUtilization>97</cpuUtilization></extra><cpuUtilization>12</cpuUtilization></CPU></CPUList>
            <MemoryList><Memory><x><memoryUsage>1</memoryUsage></x><memoryUsage>2</memoryUsage></Memory><Other/></MemoryList></DeviceStatus>
            """);
        SameAll("<storage><hddList><nas><id>n</id></nas><hdd><id>1</id><sub><status>bad</status></sub></hdd></hddList><nasList><hdd><id>h</id></hdd></nasList></storage>");
        var info = New(Encoding.UTF8.GetBytes("<DeviceInfo><extra><model>inner</model></extra><model>outer</model></DeviceInfo>"), DeviceInfo.ReadXml);
        Assert.Equal("outer", info.Model);
    }

    [Fact]
    public void Duplicates_TheFirstWins_EvenWhenEmpty()
    {
        SameAll("<DeviceInfo><model></model><model>second</model><deviceName>a</deviceName><deviceName>b</deviceName></DeviceInfo>");
        SameAll("<DeviceStatus><CPUList><CPU><cpuUtilization>1</cpuUtilization><cpuUtilization>2</cpuUtilization></CPU></CPUList><CPUList><CPU><cpuUtilization>50</cpuUtilization></CPU></CPUList></DeviceStatus>");
        SameAll("<storage><hddList><hdd><id>1</id></hdd></hddList><hddList><hdd><id>2</id></hdd></hddList><workMode>group</workMode><workMode>quota</workMode></storage>");
        var info = New(Encoding.UTF8.GetBytes("<DeviceInfo><model></model><model>second</model></DeviceInfo>"), DeviceInfo.ReadXml);
        Assert.Null(info.Model);
    }

    [Fact]
    public void MixedContent_CData_Entities_Whitespace()
    {
        SameAll("""
            <DeviceInfo>
            <deviceName>  Gate <b>North</b> &amp; <![CDATA[Yard <1>]]> &#x41;&#66; </deviceName>
            <model><!-- c -->DS-<?pi x?>2CD</model>
            <deviceLocation xml:space="preserve">  <a>x</a>  <b/> y </deviceLocation>
            <deviceType>
               IPDome
            </deviceType>
            <serialNumber>&lt;serial&gt;</serialNumber>
            <deviceID>  　 </deviceID>
            </DeviceInfo>
            """);
        SameAll("<DeviceStatus><deviceUpTime><![CDATA[87天0时55分59秒]]></deviceUpTime><CPUList><CPU><cpuUtilization><![CDATA[ 3]]>6.5</cpuUtilization></CPU></CPUList></DeviceStatus>");
        var info = New(Encoding.UTF8.GetBytes("<DeviceInfo><deviceName> Gate <b>North</b> &amp; <![CDATA[Yard]]> </deviceName></DeviceInfo>"), DeviceInfo.ReadXml);
        Assert.Equal("Gate North & Yard", info.DeviceName);
    }

    [Fact]
    public void Encodings_AndLongText()
    {
        var latin1 = Encoding.Latin1.GetBytes("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><DeviceInfo><deviceName>Caf\u00e9 Stra\u00dfe</deviceName></DeviceInfo>");
        SameDeviceInfo(latin1);
        Assert.Equal("Caf\u00e9 Stra\u00dfe", New(latin1, DeviceInfo.ReadXml).DeviceName);
        var bom = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("<DeviceInfo><model>M</model></DeviceInfo>")).ToArray();
        SameDeviceInfo(bom);
        // Text longer than the reader's buffers, split over several reads.
        SameAll("<DeviceInfo><deviceName>" + new string('n', 20_000) + "</deviceName><model>" + string.Concat(Enumerable.Repeat("ab&amp;", 5000)) + "</model></DeviceInfo>");
    }

    [Fact]
    public void StatusEnvelope_IsLeftToTheTreePath()
    {
        foreach (var root in new[] { "ResponseStatus", "userCheck" })
        {
            var xml = Encoding.UTF8.GetBytes($"<{root} xmlns=\"http://www.isapi.org/ver20/XMLSchema\"><statusCode>4</statusCode><subStatusCode>notSupport</subStatusCode></{root}>");
            Assert.Null(IsapiXmlReader.Read(xml, 0, xml.Length, Max, DeviceInfo.ReadXml, out var ns));
            Assert.Null(ns);
        }
    }

    // ------------------------------------------------------------------ malformed, forbidden, oversize

    [Theory]
    [InlineData("<DeviceInfo><deviceName>Gate & Yard</deviceName></DeviceInfo>")]
    [InlineData("<DeviceInfo><model>DS-2CD")]
    [InlineData("<DeviceInfo><model>x</model></DeviceInfo><DeviceInfo/>")]
    [InlineData("<DeviceInfo><model>x</model></DeviceInfo>trailing")]
    [InlineData("<DeviceInfo><model>x</deviceName></DeviceInfo>")]
    [InlineData("<!DOCTYPE x><DeviceInfo/>")]
    [InlineData("<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY e \"x\">]><DeviceInfo><model>&e;</model></DeviceInfo>")]
    [InlineData("<DeviceInfo><model>&undefined;</model></DeviceInfo>")]
    [InlineData("<!-- only a comment -->")]
    [InlineData("<DeviceInfo><model>\u0001</model></DeviceInfo>")]
    [InlineData("<storage><hddList><hdd><id>1</id></hdd></hddList><unknown><deep>unclosed</unknown></storage>")]
    public void Malformed_FailsTheSameWay(string xml)
    {
        var bytes = Encoding.UTF8.GetBytes(xml);
        var expected = Assert.Throws<IsapiException>(() => IsapiXml.Parse(bytes, Max));
        foreach (var read in new Action[]
                 {
                     () => IsapiXmlReader.Read(bytes, 0, bytes.Length, Max, DeviceInfo.ReadXml, out _),
                     () => IsapiXmlReader.Read(bytes, 0, bytes.Length, Max, DeviceStatus.ReadXml, out _),
                     () => IsapiXmlReader.Read(bytes, 0, bytes.Length, Max, StorageInfo.ReadXml, out _),
                 })
        {
            var actual = Assert.Throws<IsapiException>(read);
            Assert.Equal(IsapiErrorKind.MalformedAnswer, actual.Kind);
            Assert.Equal(expected.Message, actual.Message);
        }
    }

    [Fact]
    public void Oversize_IsRejected_EvenAfterTheFieldsWereRead()
    {
        // The fields come first; what follows pushes the document over the bound, which must still fail as before. The
        // padding is longer than the reader's 8 KB buffer, so the tail is only seen when the document is read to its end.
        foreach (var text in new[]
                 {
                     "<DeviceInfo><model>M</model><pad>" + new string('a', 20_000) + "</pad></DeviceInfo>",
                     "<DeviceInfo><model>M</model></DeviceInfo><!--" + new string('a', 20_000) + "-->",
                     "<storage><workMode>quota</workMode></storage>" + new string(' ', 20_000),
                 })
        {
            var xml = Encoding.UTF8.GetBytes(text);
            var expected = Assert.Throws<IsapiException>(() => IsapiXml.Parse(xml, 10_000));
            var actual = Assert.Throws<IsapiException>(() => IsapiXmlReader.Read(xml, 0, xml.Length, 10_000, DeviceInfo.ReadXml, out _));
            Assert.Equal(IsapiErrorKind.MalformedAnswer, actual.Kind);
            Assert.Equal(expected.Message, actual.Message);
        }
        SameDeviceInfo(Encoding.UTF8.GetBytes("<DeviceInfo><model>M</model></DeviceInfo>"));
    }

    [Fact]
    public void ManyDistinctNames_DoNotBreakLaterParses()
    {
        // A hostile document full of new names fills the per-thread name table; it is dropped and the next parse is normal.
        var hostile = "<DeviceInfo>" + string.Concat(Enumerable.Range(0, 3000).Select(i => $"<n{i}/>")) + "<model>M</model></DeviceInfo>";
        SameAll(hostile);
        SameAll(hostile);
        SameDeviceInfo(Fixture("deviceInfo-ipc-ver20.xml"));
    }

    [Fact]
    public void ConcurrentParses_OnManyThreads_AgreeWithTheTreePath()
    {
        // The name tables are per thread; parses on many threads at once (as the health sweep does) must not mix them up.
        var docs = new[] { Fixture("deviceInfo-ipc-ver20.xml"), Fixture("deviceInfo-nvr-isapi.xml") };
        var expected = docs.Select(d => Old(d, DeviceInfo.FromXml)).ToArray();
        var status = Fixture("status-localised.xml");
        var expectedStatus = Old(status, DeviceStatus.FromXml);
        var mismatches = 0;
        Parallel.For(0, 4000, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Ct }, i =>
        {
            if (New(docs[i % 2], DeviceInfo.ReadXml) != expected[i % 2]) Interlocked.Increment(ref mismatches);
            if (!New(status, DeviceStatus.ReadXml).Cpus.SequenceEqual(expectedStatus.Cpus)) Interlocked.Increment(ref mismatches);
        });
        Assert.Equal(0, mismatches);
    }

    // ------------------------------------------------------------------ the simulator's real answers

    public static TheoryData<string, string> SimulatedDevices() => new()
    {
        { DeviceCatalog.Turret4K.Model, "" },
        { DeviceCatalog.Ptz.Model, "localised uptime" },
        { DeviceCatalog.Dome4MP.Model, "sd card error" },
        { DeviceCatalog.LegacyBullet.Model, "" },
        { DeviceCatalog.Nvr8P.Model, "" },
        { DeviceCatalog.Nvr8P.Model, "sd card error" },
    };

    [Theory]
    [MemberData(nameof(SimulatedDevices))]
    public async Task SimulatorAnswers_ReadTheSameBothWays(string model, string fault)
    {
        var device = sim.AddCamera(model);
        device.Faults.LocalizedUptime = fault == "localised uptime";
        device.Faults.SdCardError = fault == "sd card error";
        var password = device.AdminPassword ?? SimulatorFixture.Password;
        using var raw = new HttpClient(new DigestAuthenticationHandler(() => new IsapiCredentials("admin", password),
            new SocketsHttpHandler { UseProxy = false })) { BaseAddress = device.HttpUri };

        var info = await raw.GetByteArrayAsync("/ISAPI/System/deviceInfo", Ct);
        var status = await raw.GetByteArrayAsync("/ISAPI/System/status", Ct);
        var storage = await raw.GetByteArrayAsync("/ISAPI/ContentMgmt/Storage", Ct);

        SameDeviceInfo(info);
        SameStatus(status);
        SameStorage(storage);
        Assert.Equal(device.Serial, New(info, DeviceInfo.ReadXml).SerialNumber);
        Assert.NotNull(New(status, DeviceStatus.ReadXml).Uptime);
        Assert.Equal(device.Faults.SdCardError ? "error" : "ok", New(storage, StorageInfo.ReadXml).Disks.SingleOrDefault()?.Status ?? "ok");

        // And through the client, which now takes the forward-only path.
        using var client = sim.Client(device, password);
        Assert.Equal(Old(info, DeviceInfo.FromXml), await client.GetDeviceInfoAsync(Ct));
        AssertSame(Old(storage, StorageInfo.FromXml), await client.GetStorageAsync(Ct));
        var fromClient = await client.GetStatusAsync(Ct);
        Assert.Equal(Old(status, DeviceStatus.FromXml).Memory.Count, fromClient.Memory.Count);
    }

    // ------------------------------------------------------------------ through the client: envelopes and HTTP errors

    private static async Task<(T? Value, IsapiException? Error)> ServeAsync<T>(string status, string contentType, string body, Func<IsapiClient, Task<T>> call)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        await using var server = HostileServer.Start(async (s, _, ct) =>
        {
            await HostileServer.WriteAsync(s, $"HTTP/1.1 {status}\r\nContent-Type: {contentType}\r\nContent-Length: {bytes.Length}\r\n\r\n", ct);
            await s.WriteAsync(bytes, ct);
        });
        using var client = new IsapiClientFactory(SimulatorFixture.Options).Create(server.Endpoint, new IsapiCredentials("admin", "Secret#2024x"));
        try
        {
            return (await call(client), null);
        }
        catch (IsapiException ex)
        {
            return (default, ex);
        }
    }

    [Fact]
    public async Task Client_QuirkyAnswers_EqualTheTreePath()
    {
        const string info = "<?xml version=\"1.0\"?><DeviceInfo xmlns=\"http://www.isapi.org/ver20/XMLSchema\"><model> M </model><x><model>no</model></x><macAddress>5850ED1FE385</macAddress></DeviceInfo>";
        var (gotInfo, _) = await ServeAsync("200 OK", "application/xml", info, c => c.GetDeviceInfoAsync(Ct));
        Assert.Equal(Old(Encoding.UTF8.GetBytes(info), DeviceInfo.FromXml), gotInfo);
        Assert.Equal(("M", "58:50:ed:1f:e3:85"), (gotInfo!.Model, gotInfo.MacAddress));

        const string status = "<DeviceStatus><deviceUpTime>87天0时55分59秒</deviceUpTime><CPUList><CPU><cpuUtilization>x</cpuUtilization></CPU><CPU><cpuUtilization>4</cpuUtilization></CPU></CPUList></DeviceStatus>";
        var (gotStatus, _) = await ServeAsync("200 OK", "text/plain", status, c => c.GetStatusAsync(Ct));
        AssertSame(Old(Encoding.UTF8.GetBytes(status), DeviceStatus.FromXml), gotStatus!);

        const string storage = "<storage><hddList><hdd><id>1</id><status>error</status><capacity>30436</capacity></hdd></hddList></storage>";
        var (gotStorage, _) = await ServeAsync("200 OK", "application/xml; charset=\"UTF-8\"", storage, c => c.GetStorageAsync(Ct));
        AssertSame(Old(Encoding.UTF8.GetBytes(storage), StorageInfo.FromXml), gotStorage!);
    }

    [Fact]
    public async Task Client_ErrorEnvelopeIn200_IsStillTheTypedError()
    {
        const string body = "<?xml version=\"1.0\"?><ResponseStatus version=\"1.0\" xmlns=\"http://www.hikvision.com/ver20/XMLSchema\"><statusCode>4</statusCode>" +
                            "<statusString>Invalid Operation</statusString><subStatusCode>notSupport</subStatusCode><errorCode>0x40000001</errorCode></ResponseStatus>";
        foreach (var call in new Func<IsapiClient, Task<object>>[]
                 {
                     async c => await c.GetDeviceInfoAsync(Ct), async c => await c.GetStatusAsync(Ct), async c => await c.GetStorageAsync(Ct),
                 })
        {
            var (_, error) = await ServeAsync("200 OK", "application/xml", body, call);
            Assert.NotNull(error);
            Assert.Equal(IsapiErrorKind.NotSupported, error.Kind);
            Assert.Equal(4, error.StatusCode);
            Assert.Equal("notSupport", error.SubStatusCode);
            Assert.Equal(0x40000001, error.ErrorCode);
        }

        var (_, busy) = await ServeAsync("200 OK", "application/xml",
            "<ResponseStatus><statusCode>2</statusCode><subStatusCode>upgrading</subStatusCode></ResponseStatus>", c => c.GetStatusAsync(Ct));
        Assert.Equal(IsapiErrorKind.Busy, busy!.Kind);
    }

    [Fact]
    public async Task Client_SuccessEnvelopeAndErrors_AsBefore()
    {
        // A 200 whose root is a success envelope was read by FromXml from that root: all fields unknown, no error.
        const string ok = "<ResponseStatus><statusCode>1</statusCode><model>not a field here</model></ResponseStatus>";
        var (info, error) = await ServeAsync("200 OK", "application/xml", ok, c => c.GetDeviceInfoAsync(Ct));
        Assert.Null(error);
        Assert.Equal(Old(Encoding.UTF8.GetBytes(ok), DeviceInfo.FromXml), info);

        var (_, notFound) = await ServeAsync("404 Not Found", "text/html", "<html>no</html>", c => c.GetStorageAsync(Ct));
        Assert.Equal((IsapiErrorKind.NotSupported, HttpStatusCode.NotFound), (notFound!.Kind, notFound.HttpStatus));

        var (_, html) = await ServeAsync("200 OK", "text/html", "<!DOCTYPE html><html/>", c => c.GetStatusAsync(Ct));
        Assert.Equal(IsapiErrorKind.MalformedAnswer, html!.Kind);
        Assert.Contains("text/html", html.Message, StringComparison.Ordinal);

        var (_, empty) = await ServeAsync("200 OK", "application/xml", "", c => c.GetDeviceInfoAsync(Ct));
        Assert.Equal(IsapiErrorKind.MalformedAnswer, empty!.Kind);
        Assert.Contains("empty answer", empty.Message, StringComparison.Ordinal);

        var (_, brokenEnvelope) = await ServeAsync("200 OK", "application/xml", "<ResponseStatus><statusCode>4</statusCode>", c => c.GetStatusAsync(Ct));
        Assert.Equal(IsapiErrorKind.MalformedAnswer, brokenEnvelope!.Kind);

        var (_, malformed) = await ServeAsync("200 OK", "application/xml", "<DeviceInfo><model>x</DeviceInfo>", c => c.GetDeviceInfoAsync(Ct));
        Assert.Equal(IsapiErrorKind.MalformedAnswer, malformed!.Kind);
        Assert.Equal(Assert.Throws<IsapiException>(() => IsapiXml.Parse(Encoding.UTF8.GetBytes("<DeviceInfo><model>x</DeviceInfo>"), Max)).Message, malformed.Message);
    }
}
