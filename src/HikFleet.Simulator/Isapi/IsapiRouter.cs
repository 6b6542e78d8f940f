using System.Xml.Linq;
using HikFleet.Simulator.Http;
using static HikFleet.Simulator.Isapi.IsapiXml;

namespace HikFleet.Simulator.Isapi;

/// <summary>
/// The ISAPI face of a device (§2). Every handler runs under the device's lock, so a device's state changes one request at a time,
/// as on the real single-core web server. Handlers are split by area in partial files.
/// </summary>
internal static partial class IsapiRouter
{
    private const string UnauthorizedHtml =
        "<!DOCTYPE html>\r\n<html><head><title>Document Error: Unauthorized</title></head>\r\n" +
        "<body><h2>Access Error: 401 -- Unauthorized</h2>\r\n<p>Authentication Error</p>\r\n</body>\r\n</html>\r\n";

    public static SimResponse Handle(VirtualDevice d, SimRequest r)
    {
        var path = r.Path.TrimEnd('/').ToLowerInvariant();
        if (path.Length == 0)
            path = "/";
        // Very old firmware also answers the PSIA tree the web UI falls back to (§1.1).
        if (d.ModelInfo.IsLegacy && path.StartsWith("/psia/", StringComparison.Ordinal))
            path = path == "/psia/custom/selfext/upgradestatus" ? "/isapi/system/upgradestatus" : "/isapi/" + path[6..];

        // Pre-login helpers (§3.2) answer without authentication, activated or not.
        if (path is "/sdk/activatestatus" or "/isapi/security/challenge" or "/isapi/system/activate")
            d.CountRequest(r);
        switch (path)
        {
            case "/sdk/activatestatus":
                return r.Method == "GET" ? ActivateStatus(d) : MethodNotAllowed(d, r);
            case "/isapi/security/challenge":
                return r.Method == "POST" ? Challenge(d, r) : MethodNotAllowed(d, r);
            case "/isapi/system/activate":
                return r.Method == "PUT" ? Activate(d, r) : MethodNotAllowed(d, r);
        }

        if (!d.Activated)
        {
            if (path == "/isapi/security/capabilities" && r.Method == "GET")
                lock (d.Sync)
                    return SecurityCapabilities(d);
            return ResponseStatus.Error(d, r, 4, "notActivated", "device is not activated");
        }

        var (outcome, user) = d.Auth.Authenticate(r);
        switch (outcome)
        {
            case AuthOutcome.Ok:
                d.CountRequest(r);
                break;
            case AuthOutcome.Locked:
                return Unauthorized(d, UserCheckBody(d, r, locked: true), stale: false);
            case AuthOutcome.BadCredentials:
                return Unauthorized(d, UserCheckBody(d, r, locked: false), stale: false);
            case AuthOutcome.Stale:
                return Unauthorized(d, null, stale: true);
            default:
                return Unauthorized(d, null, stale: false);
        }

        if (d.Faults.DeviceError)
            return ResponseStatus.Error(d, r, 3, "deviceError");
        if (d.Upgrading && r.Method != "GET")
            return ResponseStatus.Error(d, r, 2, "upgrading", "firmware upgrade in progress");
        if (path == "/isapi/event/notification/alertstream")
            return r.Method == "GET" ? AlertStream.Open(d) : MethodNotAllowed(d, r);

        lock (d.Sync)
            return Dispatch(d, r, user!, path);
    }

    private static SimResponse Dispatch(VirtualDevice d, SimRequest r, DeviceUser user, string path)
    {
        var m = r.Method;
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        switch (path)
        {
            case "/isapi/system/deviceinfo": return m switch { "GET" => DeviceInfo(d), "PUT" => PutDeviceInfo(d, r, user), _ => MethodNotAllowed(d, r) };
            case "/isapi/system/status": return m == "GET" ? Status(d) : MethodNotAllowed(d, r);
            case "/isapi/system/capabilities": return m == "GET" ? DeviceCapabilities(d) : MethodNotAllowed(d, r);
            case "/isapi/security/capabilities": return m == "GET" ? SecurityCapabilities(d) : MethodNotAllowed(d, r);
            case "/isapi/system/reboot": return m is "PUT" or "POST" ? Reboot(d, r, user) : MethodNotAllowed(d, r);
            case "/isapi/system/factoryreset": return m is "PUT" or "POST" ? FactoryReset(d, r, user) : MethodNotAllowed(d, r);
            case "/isapi/system/network/interfaces": return m == "GET" ? Interfaces(d) : MethodNotAllowed(d, r);
            case "/isapi/system/network/interfaces/1": return m switch { "GET" => Interface(d), "PUT" => PutIpAddress(d, r, user), _ => MethodNotAllowed(d, r) };
            case "/isapi/system/network/interfaces/1/ipaddress": return m switch { "GET" => IpAddressResponse(d), "PUT" => PutIpAddress(d, r, user), _ => MethodNotAllowed(d, r) };
            case "/isapi/system/time": return m switch { "GET" => Time(d), "PUT" => PutTime(d, r, user), _ => MethodNotAllowed(d, r) };
            case "/isapi/system/time/localtime": return m switch { "GET" => Text(d.DeviceNow.ToString("yyyy-MM-ddTHH:mm:sszzz")), "PUT" => PutLocalTimeText(d, r, user), _ => MethodNotAllowed(d, r) };
            case "/isapi/system/time/timezone": return m switch { "GET" => Text(d.Config.Time.TimeZone), "PUT" => PutTimeZoneText(d, r, user), _ => MethodNotAllowed(d, r) };
            case "/isapi/system/time/capabilities": return m == "GET" ? TimeCapabilities(d) : MethodNotAllowed(d, r);
            case "/isapi/system/time/ntpservers": return m switch { "GET" => NtpServers(d), "PUT" => PutNtpServers(d, r, user, null), _ => MethodNotAllowed(d, r) };
            case "/isapi/security/users": return m switch { "GET" => Users(d), "POST" => PostUser(d, r, user), _ => MethodNotAllowed(d, r) };
            case "/isapi/security/usercheck": return m == "GET" ? IsapiXml.Response(UserCheckOk(d, user)) : MethodNotAllowed(d, r);
            case "/isapi/security/illegalloginlock": return m switch { "GET" => IllegalLoginLock(d), "PUT" => PutIllegalLoginLock(d, r, user), _ => MethodNotAllowed(d, r) };
            case "/isapi/security/adminaccesses": return m switch { "GET" => AdminAccesses(d), "PUT" => PutAdminAccesses(d, r, user), _ => MethodNotAllowed(d, r) };
            case "/isapi/system/configurationdata": return m switch { "GET" => ExportConfiguration(d, r, user), "PUT" or "POST" => ImportConfiguration(d, r, user), _ => MethodNotAllowed(d, r) };
            case "/isapi/system/updatefirmware": return m is "PUT" or "POST" ? UpdateFirmware(d, r, user) : MethodNotAllowed(d, r);
            case "/isapi/system/upgradestatus": return m == "GET" ? UpgradeStatus(d) : MethodNotAllowed(d, r);
            case "/isapi/streaming/channels": return m == "GET" ? StreamingChannels(d) : MethodNotAllowed(d, r);
            case "/isapi/system/video/inputs/channels": return m == "GET" ? VideoInputs(d) : MethodNotAllowed(d, r);
            case "/isapi/system/video/inputs/channels/1": return m switch { "GET" => VideoInput(d), "PUT" => PutVideoInput(d, r, user), _ => MethodNotAllowed(d, r) };
            case "/isapi/system/video/inputs/channels/1/motiondetection": return m switch { "GET" => MotionDetection(d), "PUT" => PutMotionDetection(d, r, user), _ => MethodNotAllowed(d, r) };
            case "/isapi/system/video/inputs/channels/1/overlays": return m == "GET" ? Overlays(d) : MethodNotAllowed(d, r);
            case "/isapi/contentmgmt/storage": return m == "GET" ? Storage(d) : MethodNotAllowed(d, r);
            case "/isapi/contentmgmt/storage/hdd": return m == "GET" ? HddList(d) : MethodNotAllowed(d, r);
            case "/isapi/system/network/ezviz": return m switch { "GET" => Ezviz(d), "PUT" => PutEzviz(d, r, user), _ => MethodNotAllowed(d, r) };
            case "/isapi/contentmgmt/inputproxy/channels": return m == "GET" ? InputProxyChannels(d, r) : MethodNotAllowed(d, r);
            case "/isapi/contentmgmt/inputproxy/channels/status": return m == "GET" ? InputProxyStatus(d, r) : MethodNotAllowed(d, r);
        }

        // Parameterised paths.
        if (segments is ["isapi", "security", "users", var uid] && int.TryParse(uid, out var userId))
            return m switch { "GET" => UserById(d, r, userId), "PUT" => PutUser(d, r, user, userId), "DELETE" => DeleteUser(d, r, user, userId), _ => MethodNotAllowed(d, r) };
        if (segments is ["isapi", "system", "time", "ntpservers", var nid] && int.TryParse(nid, out var ntpId))
            return m switch { "GET" => NtpServer(d, r, ntpId), "PUT" => PutNtpServers(d, r, user, ntpId), _ => MethodNotAllowed(d, r) };
        if (segments is ["isapi", "streaming", "channels", var sid] && int.TryParse(sid, out var streamId))
            return m switch { "GET" => StreamingChannel(d, r, streamId), "PUT" => PutStreamingChannel(d, r, user, streamId), _ => MethodNotAllowed(d, r) };
        if (segments is ["isapi", "streaming", "channels", var pid, "picture"] && int.TryParse(pid, out var pictureId))
            return m == "GET" ? Picture(d, r, pictureId) : MethodNotAllowed(d, r);
        if (segments is ["isapi", "contentmgmt", "streamingproxy", "channels", var ppid, "picture"] && int.TryParse(ppid, out var proxyPictureId) && d.ModelInfo.IsNvr)
            return m == "GET" ? Picture(d, r, proxyPictureId) : MethodNotAllowed(d, r);
        if (segments is ["isapi", "contentmgmt", "storage", "hdd", var hid] && int.TryParse(hid, out var hddId))
            return m == "GET" ? Hdd(d, r, hddId) : MethodNotAllowed(d, r);
        if (segments is ["isapi", "contentmgmt", "inputproxy", "channels", var mid, "video", "motiondetection"] && int.TryParse(mid, out var motionChannel) && d.ModelInfo.IsNvr)
            return NvrChannels.Channel(d, motionChannel) is null ? ResponseStatus.Error(d, r, 6, "badParameters", "no such channel")
                : m switch { "GET" => MotionDetection(d), "PUT" => PutMotionDetection(d, r, user), _ => MethodNotAllowed(d, r) };
        if (segments is ["isapi", "contentmgmt", "inputproxy", "channels", var cid] && int.TryParse(cid, out var channelId) && d.ModelInfo.IsNvr)
            return m == "GET" ? InputProxyChannel(d, r, channelId) : MethodNotAllowed(d, r);

        return ResponseStatus.Error(d, r, 4, "notSupport", "unknown resource");
    }

    // ------------------------------------------------------------------ shared helpers

    private static SimResponse MethodNotAllowed(VirtualDevice d, SimRequest r) => ResponseStatus.Error(d, r, 4, "methodNotAllowed");

    private static SimResponse Text(string text) => new()
    {
        Body = System.Text.Encoding.UTF8.GetBytes(text),
        ContentType = "text/plain",
    };

    private static SimResponse Unauthorized(VirtualDevice d, XElement? body, bool stale)
    {
        var r = body is null
            ? new SimResponse { Body = System.Text.Encoding.ASCII.GetBytes(UnauthorizedHtml), ContentType = "text/html" }
            : IsapiXml.Response(body);
        r.Status = 401;
        r.NoFaults = true;
        foreach (var challenge in d.Auth.Challenges(stale))
            r.Header("WWW-Authenticate", challenge);
        return r;
    }

    /// <summary>The userCheck body of a refused login (§1.5): lockStatus, unlockTime, retryLoginTime.</summary>
    internal static XElement UserCheckBody(VirtualDevice d, SimRequest r, bool locked) =>
        Root(d.Family, "userCheck",
            E("statusValue", 401),
            E("statusString", "Unauthorized"),
            E("isActivated", d.Activated),
            E("lockStatus", locked ? "lock" : "unlock"),
            E("unlockTime", locked ? d.UnlockSecondsFor(r.Remote?.Address) : 0),
            E("retryLoginTime", d.RetryLoginTimeFor(r.Remote?.Address)));

    private static XElement UserCheckOk(VirtualDevice d, DeviceUser user) =>
        Root(d.Family, "userCheck",
            E("statusValue", 200),
            E("statusString", "OK"),
            E("isDefaultPassword", user.Password == "12345"),
            E("isRiskPassword", PasswordRules.Level(user.UserName, user.Password) <= 1),
            E("isActivated", true));

    /// <summary>null when the caller may do administrator things; otherwise the lowPrivilege answer.</summary>
    private static SimResponse? RequireAdmin(VirtualDevice d, SimRequest r, DeviceUser user) =>
        user.UserLevel == "Administrator" ? null : ResponseStatus.Error(d, r, 4, "lowPrivilege");

    private static SimResponse? RequireOperator(VirtualDevice d, SimRequest r, DeviceUser user) =>
        user.UserLevel is "Administrator" or "Operator" ? null : ResponseStatus.Error(d, r, 4, "lowPrivilege");

    /// <summary>Parses a write body: malformed → statusCode 5, wrong root → statusCode 6 badXmlContent (§1.4).</summary>
    private static (XElement? Body, SimResponse? Error) ParseBody(VirtualDevice d, SimRequest r, params string[] roots)
    {
        var x = Parse(r.Body);
        if (x is null)
            return (null, ResponseStatus.Error(d, r, 5, "badXmlFormat"));
        if (roots.Length > 0 && !roots.Contains(x.Name.LocalName))
            return (null, ResponseStatus.Error(d, r, 6, "badXmlContent", $"expected {string.Join(" or ", roots)}"));
        // Empty elements in a write are a classic cause of badXmlContent on real firmware (§1.3, §5.12).
        var empty = x.Descendants().FirstOrDefault(e => !e.HasElements && e.Value.Length == 0 && !e.HasAttributes);
        if (empty is not null)
            return (null, ResponseStatus.Error(d, r, 6, "badXmlContent", $"empty element {empty.Name.LocalName}"));
        return (x, null);
    }
}
