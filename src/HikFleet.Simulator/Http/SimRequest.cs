using System.Net;

namespace HikFleet.Simulator.Http;

/// <summary>One parsed HTTP request.</summary>
internal sealed class SimRequest
{
    public required string Method { get; init; }
    public required string Target { get; init; }
    public required string Path { get; init; }
    public required string Query { get; init; }
    public required string Version { get; init; }
    public required List<KeyValuePair<string, string>> Headers { get; init; }
    public byte[] Body { get; set; } = [];
    public IPEndPoint? Remote { get; init; }
    public bool Https { get; init; }

    public string? Header(string name)
    {
        foreach (var h in Headers)
            if (string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase))
                return h.Value;
        return null;
    }

    public string? QueryValue(string name)
    {
        foreach (var part in Query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=');
            var key = Uri.UnescapeDataString(eq < 0 ? part : part[..eq]);
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
                return eq < 0 ? "" : Uri.UnescapeDataString(part[(eq + 1)..].Replace('+', ' '));
        }
        return null;
    }
}

/// <summary>One HTTP answer. Either a buffered <see cref="Body"/> or a <see cref="Streamer"/> for endless answers.</summary>
internal sealed class SimResponse
{
    public int Status { get; set; } = 200;
    public string? Reason { get; set; }
    public List<KeyValuePair<string, string>> Headers { get; } = [];
    public byte[] Body { get; set; } = [];
    public string? ContentType { get; set; }
    /// <summary>True when the body is XML (the malformed/oversized faults apply to it).</summary>
    public bool IsXml { get; set; }
    /// <summary>Writes an endless body (alertStream) as HTTP/1.0 without Content-Length, then the connection closes.</summary>
    public Func<Stream, CancellationToken, Task>? Streamer { get; set; }
    /// <summary>Run after the answer is on the wire (e.g. start the reboot the answer promised).</summary>
    public Action? AfterSend { get; set; }
    /// <summary>Close the connection after this answer.</summary>
    public bool Close { get; set; }
    /// <summary>Exempt from body faults (challenges).</summary>
    public bool NoFaults { get; set; }

    public SimResponse Header(string name, string value)
    {
        Headers.Add(new(name, value));
        return this;
    }

    public static string ReasonFor(int status) => status switch
    {
        100 => "Continue",
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Request Entity Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Unknown",
    };
}
