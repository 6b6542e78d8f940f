using System.Text;
using BenchmarkDotNet.Attributes;
using HikFleet.Isapi.Models;
using HikFleet.Isapi.Xml;

namespace HikFleet.Benchmarks;

/// <summary>Time and allocations to turn a device answer (bytes) into the typed model.</summary>
[MemoryDiagnoser]
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

    /// <summary>deviceInfo bytes → <see cref="DeviceInfo"/>.</summary>
    [Benchmark]
    public DeviceInfo DeviceInfo() => Isapi.Models.DeviceInfo.FromXml(IsapiXml.Parse(DeviceInfoXml));

    /// <summary>status bytes → <see cref="DeviceStatus"/> (integer uptime).</summary>
    [Benchmark]
    public DeviceStatus Status() => DeviceStatus.FromXml(IsapiXml.Parse(StatusXml));

    /// <summary>status bytes → <see cref="DeviceStatus"/> (localised uptime fallback).</summary>
    [Benchmark]
    public DeviceStatus StatusLocalisedUptime() => DeviceStatus.FromXml(IsapiXml.Parse(LocalisedStatusXml));
}
