using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace HikFleet.Isapi.Diagnostics;

/// <summary>
/// The ISAPI client's own <see cref="Meter"/> and <see cref="ActivitySource"/>, both named <see cref="Name"/>. The protocol library
/// knows no exporter: a host subscribes by name (OpenTelemetry's <c>AddMeter</c>/<c>AddSource</c>, or a <see cref="MeterListener"/>).
/// Metric labels are the method and a path template only, never a device address or serial, so a fleet of 10,000 cameras makes
/// tens of series, not tens of thousands; traces do carry the device address (one span per call, nothing aggregated).
/// </summary>
public static class IsapiTelemetry
{
    /// <summary>The name of the meter and of the activity source: <c>HikFleet.Isapi</c>.</summary>
    public const string Name = "HikFleet.Isapi";

    /// <summary>Spans of ISAPI calls (kind Client), one per request including its Digest round trip.</summary>
    public static readonly ActivitySource ActivitySource = new(Name);

    private static readonly Meter Meter = new(Name);

    /// <summary>
    /// <c>hikfleet.isapi.request.duration</c> (seconds): time from sending a request to its outcome (the answer read, or the error),
    /// labelled <c>method</c>, <c>path</c> (template) and <c>outcome</c> (<c>ok</c> or the <see cref="IsapiErrorKind"/>, snake case).
    /// </summary>
    public static readonly Histogram<double> RequestDuration = Meter.CreateHistogram<double>(
        "hikfleet.isapi.request.duration", unit: "s", description: "ISAPI request latency (send to outcome), by method, path template and outcome.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] });

    /// <summary><c>hikfleet.isapi.errors</c>: failed ISAPI calls, labelled <c>method</c>, <c>path</c> and <c>kind</c> (the <see cref="IsapiErrorKind"/>).</summary>
    public static readonly Counter<long> Errors = Meter.CreateCounter<long>(
        "hikfleet.isapi.errors", unit: "{error}", description: "Failed ISAPI calls by method, path template and error kind.");

    private const int MaxTemplateLength = 96;

    /// <summary>
    /// The label for a request path: the query string dropped and every segment holding a digit (a channel, user, interface or
    /// server id) replaced by <c>{id}</c>, so <c>/ISAPI/Streaming/channels/101/picture?snapShotImageType=JPEG</c> becomes
    /// <c>/ISAPI/Streaming/channels/{id}/picture</c>. A path outside <c>/ISAPI/</c> or an unusually long one becomes <c>other</c>:
    /// the label set stays bounded whatever a caller passes.
    /// </summary>
    public static string PathTemplate(string? path)
    {
        if (string.IsNullOrEmpty(path)) return "other";
        var query = path.AsSpan().IndexOfAny('?', '#');
        var bare = query >= 0 ? path.AsSpan(0, query) : path.AsSpan();
        if (!bare.StartsWith("/ISAPI/", StringComparison.OrdinalIgnoreCase)) return "other";
        // Called for every request (issue #13): a path with no id (deviceInfo, status, Storage) is its own template, no new
        // string; otherwise the template is built once in a stack buffer.
        if (!bare.ContainsAny(Digits)) return bare.Length > MaxTemplateLength ? "other" : query < 0 ? path : bare.ToString();
        Span<char> template = stackalloc char[MaxTemplateLength];
        var length = 0;
        var first = true;
        foreach (var range in bare.Split('/'))
        {
            var segment = bare[range];
            var piece = segment.ContainsAny(Digits) ? "{id}" : segment;
            if (length + piece.Length + (first ? 0 : 1) > MaxTemplateLength) return "other";
            if (!first) template[length++] = '/';
            piece.CopyTo(template[length..]);
            length += piece.Length;
            first = false;
        }
        return new string(template[..length]);
    }

    private static readonly SearchValues<char> Digits = SearchValues.Create("0123456789");

    /// <summary>The label value of an error kind, e.g. <c>locked_out</c>.</summary>
    public static string KindLabel(IsapiErrorKind kind) => kind switch
    {
        IsapiErrorKind.Unreachable => "unreachable",
        IsapiErrorKind.Timeout => "timeout",
        IsapiErrorKind.Unauthorized => "unauthorized",
        IsapiErrorKind.LockedOut => "locked_out",
        IsapiErrorKind.NotActivated => "not_activated",
        IsapiErrorKind.Busy => "busy",
        IsapiErrorKind.NotSupported => "not_supported",
        IsapiErrorKind.BadRequest => "bad_request",
        IsapiErrorKind.DeviceError => "device_error",
        IsapiErrorKind.MalformedAnswer => "malformed_answer",
        IsapiErrorKind.CertificateChanged => "certificate_changed",
        _ => "other",
    };
}
