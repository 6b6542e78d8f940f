using System.Text;
using HikFleet.Isapi.Events;

namespace HikFleet.Isapi.Tests;

/// <summary>The alert-stream multipart reader (§2.10) on recorded-style byte streams.</summary>
public sealed class MultipartTests
{
    private const string Heartbeat =
        "<EventNotificationAlert version=\"1.0\" xmlns=\"urn:psialliance-org\">\n<ipAddress>10.0.0.20</ipAddress>\n<channelID>1</channelID>\n" +
        "<dateTime>2024-05-01T12:34:56+08:00</dateTime>\n<activePostCount>0</activePostCount>\n<eventType>videoloss</eventType>\n" +
        "<eventState>inactive</eventState>\n<eventDescription>videoloss alarm</eventDescription>\n</EventNotificationAlert>\n";

    private static async Task<List<MultipartPart>> ReadAll(string raw, string boundary = "boundary")
    {
        var reader = new MultipartMixedReader(new MemoryStream(Encoding.UTF8.GetBytes(raw)), boundary, 64 * 1024, TimeSpan.FromSeconds(5));
        var parts = new List<MultipartPart>();
        while (await reader.ReadPartAsync(TestContext.Current.CancellationToken) is { } part) parts.Add(part);
        return parts;
    }

    [Fact]
    public async Task FramesByContentLength_IncludingTheTrailingLf()
    {
        var len = Encoding.UTF8.GetByteCount(Heartbeat);
        var raw = $"--boundary\r\nContent-Type: application/xml; charset=\"UTF-8\"\r\nContent-Length: {len}\r\n\r\n{Heartbeat}\r\n" +
                  $"--boundary\r\nContent-Type: application/xml; charset=\"UTF-8\"\r\nContent-Length: {len}\r\n\r\n{Heartbeat}\r\n";
        var parts = await ReadAll(raw);
        Assert.Equal(2, parts.Count);
        Assert.Equal(Heartbeat, Encoding.UTF8.GetString(parts[1].Body));
        var evt = IsapiEvent.FromXml(Encoding.UTF8.GetString(parts[0].Body), 1 << 20);
        Assert.True(evt.IsHeartbeat);
        Assert.Equal("videoloss", evt.EventType);
    }

    [Fact]
    public async Task FallsBackToBoundaryScan_WithLfLineEnds_AndAClosingDelimiter()
    {
        var raw = $"preamble\n--boundary\nContent-Type: application/xml\n\n{Heartbeat}--boundary\nContent-Type: application/xml\n\n<EventNotificationAlert><eventType>VMD</eventType><eventState>active</eventState><activePostCount>1</activePostCount></EventNotificationAlert>\n--boundary--\n--boundary\nContent-Type: application/xml\n\n<ignored/>";
        var parts = await ReadAll(raw);
        Assert.Equal(2, parts.Count);
        Assert.Equal(Heartbeat.TrimEnd('\n'), Encoding.UTF8.GetString(parts[0].Body));
        var vmd = IsapiEvent.FromXml(Encoding.UTF8.GetString(parts[1].Body), 1 << 20);
        Assert.Equal("VMD", vmd.EventType);
        Assert.False(vmd.IsHeartbeat);
    }

    [Fact]
    public async Task CustomBoundary_AndBinaryImagePart()
    {
        var raw = "--MIME_boundary\r\nContent-Type: image/jpeg\r\nContent-Length: 4\r\n\r\n\xff\xd8\xff\xd9\r\n--MIME_boundary\r\nContent-Type: application/json\r\n\r\n{\"eventType\":\"AccessControllerEvent\",\"eventState\":\"active\"}\r\n--MIME_boundary--\r\n";
        var parts = await ReadAll(raw, "MIME_boundary");
        Assert.Equal(2, parts.Count);
        Assert.Equal("image/jpeg", parts[0].ContentType);
        Assert.Equal("AccessControllerEvent", IsapiEvent.FromJson(Encoding.UTF8.GetString(parts[1].Body)).EventType);
    }

    [Theory]
    [InlineData("multipart/mixed; boundary=boundary", "boundary")]
    [InlineData("multipart/mixed; boundary=\"MIME_boundary\"", "MIME_boundary")]
    [InlineData("multipart/mixed", "boundary")]
    [InlineData(null, "boundary")]
    public void Boundary_FromContentTypeOrDefault(string? contentType, string expected) =>
        Assert.Equal(expected, MultipartMixedReader.BoundaryFrom(contentType));

    [Fact]
    public async Task OversizedDeclaredPart_IsMalformed()
    {
        var raw = "--boundary\r\nContent-Type: application/xml\r\nContent-Length: 999999999\r\n\r\n<x/>";
        var ex = await Assert.ThrowsAsync<IsapiException>(() => ReadAll(raw));
        Assert.Equal(IsapiErrorKind.MalformedAnswer, ex.Kind);
    }
}
