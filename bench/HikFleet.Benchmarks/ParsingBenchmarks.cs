using System.Text;
using System.Xml;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using HikFleet.Isapi.Models;
using HikFleet.Isapi.Xml;

namespace HikFleet.Benchmarks;

/// <summary>
/// Time and allocations to turn a device answer (bytes) into the typed model: the XElement tree path (baseline) against the
/// forward-only reader the client uses for the per-minute health reads (issue #13), per answer.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ParsingBenchmarks
{
    private static readonly byte[] DeviceInfoXml = Encoding.UTF8.GetBytes("""
        <?xml version="1.0" encoding="UTF-8"?>
        <DeviceInfo version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
        <deviceName>Gate</deviceName>
        <deviceID>4e5a3f2c-1d2b-11b2-8a4e-a6639ef80109</deviceID>
        <deviceDescription>IPCamera</deviceDescription>
        <deviceLocation>hangzhou</deviceLocation>
        <systemContact>Hikvision.China</systemContact>
        <model>DS-2CD2386G2-IU</model>
        <serialNumber>DS-2CD2386G2-IU20230101AAWRJ12345678</serialNumber>
        <macAddress>a6:63:9e:f8:01:09</macAddress>
        <firmwareVersion>V5.7.18</firmwareVersion>
        <firmwareReleasedDate>build 240826</firmwareReleasedDate>
        <encoderVersion>V7.3</encoderVersion>
        <encoderReleasedDate>build 240801</encoderReleasedDate>
        <bootVersion>V1.3.4</bootVersion>
        <bootReleasedDate>100316</bootReleasedDate>
        <hardwareVersion>0x0</hardwareVersion>
        <deviceType>IPCamera</deviceType>
        <telecontrolID>88</telecontrolID>
        <supportBeep>false</supportBeep>
        <supportVideoLoss>false</supportVideoLoss>
        <firmwareVersionInfo>B-R-G5-0</firmwareVersionInfo>
        </DeviceInfo>
        """.Replace("\n", "\r\n", StringComparison.Ordinal));

    private static readonly byte[] StatusXml = Encoding.UTF8.GetBytes("""
        <?xml version="1.0" encoding="UTF-8"?>
        <DeviceStatus version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
        <currentDeviceTime>2024-05-01T12:34:56+08:00</currentDeviceTime>
        <deviceUpTime>513477</deviceUpTime>
        <CPUList><CPU><cpuDescription>SoC</cpuDescription><cpuUtilization>36.400002</cpuUtilization></CPU></CPUList>
        <MemoryList><Memory><memoryDescription>DDR Memory</memoryDescription><memoryUsage>245268</memoryUsage><memoryAvailable>163512</memoryAvailable><cacheSize>0</cacheSize></Memory></MemoryList>
        </DeviceStatus>
        """.Replace("\n", "\r\n", StringComparison.Ordinal));

    private static readonly byte[] LocalisedStatusXml = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(StatusXml)
        .Replace("<deviceUpTime>513477</deviceUpTime>", "<deviceUpTime>87天0时55分59秒</deviceUpTime>", StringComparison.Ordinal));

    // A camera's Storage answer as the simulator and current firmware send it: a ver10 hddList nested in ver20 (§1.3, §2.9).
    private static readonly byte[] StorageXml = Encoding.UTF8.GetBytes("""
        <?xml version="1.0" encoding="UTF-8"?>
        <storage version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
        <hddList version="1.0" xmlns="http://www.hikvision.com/ver10/XMLSchema">
        <hdd>
        <id>1</id>
        <hddName>hdde</hddName>
        <hddPath></hddPath>
        <hddType>SD</hddType>
        <status>ok</status>
        <capacity>30436</capacity>
        <freeSpace>12800</freeSpace>
        <property>RW</property>
        <formatType>EXT4</formatType>
        </hdd>
        </hddList>
        <nasList />
        <workMode opt="group,quota">quota</workMode>
        </storage>
        """.Replace("\n", "\r\n", StringComparison.Ordinal));

    private const long MaxCharacters = 1024 * 1024;

    private static readonly XmlReaderSettings FreshNameTableSettings = IsapiXml.ReaderSettings(MaxCharacters).Clone();

    private static T Reader<T>(byte[] xml, Func<XmlReader, T> read) where T : class =>
        IsapiXmlReader.Read(xml, 0, xml.Length, MaxCharacters, read, out _)!;

    /// <summary>The forward-only reader without the per-thread name table (a new <see cref="NameTable"/> per parse), to
    /// show what the cached table saves.</summary>
    private static T FreshNameTable<T>(byte[] xml, Func<XmlReader, T> read)
    {
        using var stream = new MemoryStream(xml, 0, xml.Length, writable: false);
        using var reader = XmlReader.Create(stream, FreshNameTableSettings);
        reader.MoveToContent();
        var model = read(reader);
        while (reader.Read())
        {
        }
        return model;
    }

    /// <summary>The floor: the XmlReader alone, every node read, no model (its own buffers, name table and nodes).</summary>
    private static int ReaderOnly(byte[] xml)
    {
        using var stream = new MemoryStream(xml, 0, xml.Length, writable: false);
        using var reader = XmlReader.Create(stream, FreshNameTableSettings);
        var nodes = 0;
        while (reader.Read()) nodes++;
        return nodes;
    }

    /// <summary>deviceInfo bytes → <see cref="DeviceInfo"/> through an XElement tree (before issue #13).</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("deviceInfo")]
    public DeviceInfo DeviceInfo() => Isapi.Models.DeviceInfo.FromXml(IsapiXml.Parse(DeviceInfoXml));

    /// <summary>deviceInfo bytes → <see cref="DeviceInfo"/>, forward-only (what the client does now).</summary>
    [Benchmark, BenchmarkCategory("deviceInfo")]
    public DeviceInfo DeviceInfoReader() => Reader(DeviceInfoXml, Isapi.Models.DeviceInfo.ReadXml);

    /// <summary>Forward-only with a new name table per parse.</summary>
    [Benchmark, BenchmarkCategory("deviceInfo")]
    public DeviceInfo DeviceInfoReaderFreshNameTable() => FreshNameTable(DeviceInfoXml, Isapi.Models.DeviceInfo.ReadXml);

    /// <summary>The XmlReader alone over the deviceInfo bytes.</summary>
    [Benchmark, BenchmarkCategory("deviceInfo")]
    public int DeviceInfoXmlReaderOnly() => ReaderOnly(DeviceInfoXml);

    /// <summary>status bytes → <see cref="DeviceStatus"/> (integer uptime) through an XElement tree.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("status")]
    public DeviceStatus Status() => DeviceStatus.FromXml(IsapiXml.Parse(StatusXml));

    /// <summary>status bytes → <see cref="DeviceStatus"/>, forward-only.</summary>
    [Benchmark, BenchmarkCategory("status")]
    public DeviceStatus StatusReader() => Reader(StatusXml, DeviceStatus.ReadXml);

    /// <summary>Forward-only with a new name table per parse.</summary>
    [Benchmark, BenchmarkCategory("status")]
    public DeviceStatus StatusReaderFreshNameTable() => FreshNameTable(StatusXml, DeviceStatus.ReadXml);

    /// <summary>The XmlReader alone over the status bytes.</summary>
    [Benchmark, BenchmarkCategory("status")]
    public int StatusXmlReaderOnly() => ReaderOnly(StatusXml);

    /// <summary>status bytes → <see cref="DeviceStatus"/> (localised uptime fallback) through an XElement tree.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("status-localised")]
    public DeviceStatus StatusLocalisedUptime() => DeviceStatus.FromXml(IsapiXml.Parse(LocalisedStatusXml));

    /// <summary>status bytes → <see cref="DeviceStatus"/> (localised uptime fallback), forward-only.</summary>
    [Benchmark, BenchmarkCategory("status-localised")]
    public DeviceStatus StatusLocalisedUptimeReader() => Reader(LocalisedStatusXml, DeviceStatus.ReadXml);

    /// <summary>Storage bytes → <see cref="StorageInfo"/> through an XElement tree.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("storage")]
    public StorageInfo Storage() => StorageInfo.FromXml(IsapiXml.Parse(StorageXml));

    /// <summary>Storage bytes → <see cref="StorageInfo"/>, forward-only.</summary>
    [Benchmark, BenchmarkCategory("storage")]
    public StorageInfo StorageReader() => Reader(StorageXml, StorageInfo.ReadXml);

    /// <summary>Forward-only with a new name table per parse.</summary>
    [Benchmark, BenchmarkCategory("storage")]
    public StorageInfo StorageReaderFreshNameTable() => FreshNameTable(StorageXml, StorageInfo.ReadXml);

    /// <summary>The XmlReader alone over the Storage bytes.</summary>
    [Benchmark, BenchmarkCategory("storage")]
    public int StorageXmlReaderOnly() => ReaderOnly(StorageXml);
}
