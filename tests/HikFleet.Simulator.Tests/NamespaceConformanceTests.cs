using System.Net;
using System.Xml.Linq;

namespace HikFleet.Simulator.Tests;

/// <summary>
/// Every XML read answers with the device family's default namespace on every element (§1.3), root version attribute included;
/// the one sanctioned exception is the ver10 hddList nested in ver20 storage documents.
/// </summary>
public sealed class NamespaceConformanceTests(FleetFixture fx) : IClassFixture<FleetFixture>
{
    private static readonly string[] CameraReads =
    [
        "/ISAPI/System/deviceInfo", "/ISAPI/System/status", "/ISAPI/System/capabilities", "/ISAPI/Security/capabilities",
        "/ISAPI/System/Network/interfaces", "/ISAPI/System/Network/interfaces/1", "/ISAPI/System/Network/interfaces/1/ipAddress",
        "/ISAPI/System/time", "/ISAPI/System/time/capabilities", "/ISAPI/System/time/ntpServers", "/ISAPI/System/time/ntpServers/1",
        "/ISAPI/Security/users", "/ISAPI/Security/users/1", "/ISAPI/Security/userCheck", "/ISAPI/Security/illegalLoginLock",
        "/ISAPI/Security/adminAccesses", "/ISAPI/System/upgradeStatus", "/ISAPI/Streaming/channels", "/ISAPI/Streaming/channels/101",
        "/ISAPI/Streaming/channels/102", "/ISAPI/System/Video/inputs/channels", "/ISAPI/System/Video/inputs/channels/1",
        "/ISAPI/System/Video/inputs/channels/1/motionDetection", "/ISAPI/System/Video/inputs/channels/1/overlays",
        "/ISAPI/ContentMgmt/Storage", "/ISAPI/ContentMgmt/Storage/hdd", "/ISAPI/System/Network/EZVIZ", "/SDK/activateStatus",
    ];

    private static readonly string[] NvrReads =
    [
        "/ISAPI/System/deviceInfo", "/ISAPI/System/status", "/ISAPI/System/capabilities", "/ISAPI/ContentMgmt/InputProxy/channels",
        "/ISAPI/ContentMgmt/InputProxy/channels/1", "/ISAPI/ContentMgmt/InputProxy/channels/status", "/ISAPI/Streaming/channels",
        "/ISAPI/Streaming/channels/801", "/ISAPI/ContentMgmt/Storage", "/ISAPI/ContentMgmt/Storage/hdd/1", "/ISAPI/Security/users",
    ];

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var model in new[] { DeviceCatalog.Turret4K.Model, DeviceCatalog.LegacyBullet.Model })
            foreach (var path in CameraReads)
                data.Add(model, path);
        foreach (var path in NvrReads)
            data.Add(DeviceCatalog.Nvr8P.Model, path);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Read_answers_use_the_family_namespace_throughout(string model, string path)
    {
        var d = fx.Fleet.AddDevice(new DeviceSpec { Model = model });
        using var c = new DeviceClient(d);
        var (r, x) = await c.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.NotNull(x);
        Assert.NotEqual("ResponseStatus", x!.Name.LocalName);
        XNamespace expected = d.Family switch
        {
            DeviceFamily.Camera => DeviceClient.Ver20,
            DeviceFamily.LegacyCamera => DeviceClient.Ver10,
            _ => DeviceClient.IsapiOrg,
        };
        var isNestedHddList = d.Family == DeviceFamily.Camera && x.Name.LocalName == "hddList";
        Assert.Equal(isNestedHddList ? DeviceClient.Ver10 : expected, x.Name.Namespace);
        Assert.NotNull(x.Attribute("version"));
        foreach (var e in x.Descendants())
        {
            var inHddList = e.AncestorsAndSelf().Any(a => a.Name.LocalName == "hddList");
            Assert.Equal(inHddList && d.Family == DeviceFamily.Camera ? DeviceClient.Ver10 : expected, e.Name.Namespace);
        }
    }
}
