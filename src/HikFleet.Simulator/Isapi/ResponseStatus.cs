using System.Xml.Linq;
using HikFleet.Simulator.Http;

namespace HikFleet.Simulator.Isapi;

/// <summary>The ResponseStatus envelope (§1.4) with the status/sub-status/error-code table.</summary>
internal static class ResponseStatus
{
    // errorCode values: from the reference where given; otherwise the next free value in the statusCode's range [U].
    private static readonly Dictionary<string, uint> ErrorCodes = new(StringComparer.Ordinal)
    {
        ["ok"] = 0x1,
        ["riskPassword"] = 0x10000002,
        ["noMemory"] = 0x20000001, ["serviceUnavailable"] = 0x20000002, ["upgrading"] = 0x20000003, ["deviceBusy"] = 0x20000004,
        ["deviceError"] = 0x30000001, ["badFlash"] = 0x30000002,
        ["notSupport"] = 0x40000001, ["lowPrivilege"] = 0x40000002, ["badAuthorization"] = 0x40000003,
        ["methodNotAllowed"] = 0x40000004, ["invalidOperation"] = 0x40000006, ["notActivated"] = 0x40000007,
        ["hasActivated"] = 0x40000008, ["loginPasswordError"] = 0x4000000C, ["userNameExist"] = 0x4000000D,
        ["cannotSameAsOldPassword"] = 0x400010E8, ["originalPassError"] = 0x400010E9,
        ["badXmlFormat"] = 0x50000001, ["badJsonFormat"] = 0x50000002, ["badURLFormat"] = 0x50000003,
        ["badParameters"] = 0x60000001, ["badXmlContent"] = 0x60000003, ["badIPv4Address"] = 0x60000004,
        ["badNetMask"] = 0x60000006, ["badPort"] = 0x6000000B, ["badVersion"] = 0x6000000F, ["badDevType"] = 0x60000010,
        ["badLanguage"] = 0x60000011, ["importErrorData"] = 0x60000019, ["fileFormatError"] = 0x6000001A,
        ["rebootRequired"] = 0x70000001,
    };

    public static string StatusString(int code) => code switch
    {
        0 or 1 => "OK",
        2 => "Device Busy",
        3 => "Device Error",
        4 => "Invalid Operation",
        5 => "Invalid XML Format",
        6 => "Invalid XML Content",
        7 => "Reboot Required",
        _ => "Unknown",
    };

    /// <summary>HTTP status that accompanies each statusCode (the HTTP status does not carry the result, §1.4).</summary>
    public static int HttpStatusFor(int statusCode, string sub) => statusCode switch
    {
        0 or 1 or 7 => 200,
        2 => 503,
        3 => 500,
        4 when sub == "notSupport" => 404,
        4 when sub == "methodNotAllowed" => 405,
        4 => 403,
        _ => 400,
    };

    public static XElement Build(DeviceFamily family, string requestUrl, int statusCode, string sub, string? errorMsg = null, int? id = null)
    {
        var isError = statusCode is not (0 or 1 or 7) || sub != "ok";
        uint? code = isError && ErrorCodes.TryGetValue(sub, out var c) ? c : null;
        return IsapiXml.Root(family, "ResponseStatus",
            IsapiXml.E("requestURL", requestUrl),
            IsapiXml.E("statusCode", statusCode),
            IsapiXml.E("statusString", StatusString(statusCode)),
            IsapiXml.E("subStatusCode", sub),
            code is null ? null : IsapiXml.E("errorCode", $"0x{code.Value:x8}"),
            isError ? IsapiXml.E("errorMsg", errorMsg ?? sub) : null,
            id is null ? null : IsapiXml.E("id", id.Value));
    }

    public static SimResponse Response(DeviceFamily family, string requestUrl, int statusCode, string sub, string? errorMsg = null, int? id = null) =>
        IsapiXml.Response(Build(family, requestUrl, statusCode, sub, errorMsg, id), HttpStatusFor(statusCode, sub));

    public static SimResponse Ok(VirtualDevice d, SimRequest r, int? id = null) => Response(d.Family, r.Path, 1, "ok", id: id);
    public static SimResponse RebootRequired(VirtualDevice d, SimRequest r) => Response(d.Family, r.Path, 7, "rebootRequired");
    public static SimResponse Error(VirtualDevice d, SimRequest r, int statusCode, string sub, string? msg = null) =>
        Response(d.Family, r.Path, statusCode, sub, msg);
}

internal static class IsapiXmlErrors
{
    public static SimResponse BadRequest(VirtualDevice d, int httpStatus)
    {
        var r = ResponseStatus.Response(d.Family, "/", httpStatus == 413 ? 6 : 5, httpStatus == 413 ? "badParameters" : "badURLFormat",
            httpStatus == 413 ? "request body too large" : "malformed request");
        r.Status = httpStatus;
        r.NoFaults = true;
        return r;
    }
}
