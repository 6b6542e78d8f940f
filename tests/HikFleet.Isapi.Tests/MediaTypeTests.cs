using HikFleet.Isapi.Http;

namespace HikFleet.Isapi.Tests;

/// <summary>
/// The raw-header media type read (issue #13) must give what the typed <c>ContentType?.MediaType</c> gives for every
/// value, plain or odd, since the client judges answers (XML or not, image or not) by it.
/// </summary>
public sealed class MediaTypeTests
{
    public static TheoryData<string> Values() =>
    [
        "application/xml", "application/xml; charset=\"UTF-8\"", "application/xml;charset=UTF-8", "image/jpeg", "text/html; charset=utf-8; q=x",
        "multipart/mixed; boundary=boundary", "application/octet-stream", "APPLICATION/XML; Charset=\"utf-8\"", "text/plain\t;\tcharset=ascii",
        "application/xml; charset=\"UT\\\"F\"", "image / jpeg", "image jpeg", "image/", "/jpeg", "application/xml;", "application/xml; charset",
        "application/xml; charset=", "text/xml, image/jpeg", "application/xml; charset=\"ä\"", "application/xml; charset=\"UTF-8\" garbage",
        "x/y; a=b c", "application/xml; charset=\"open", "a/b;c=d;e=\"f\"", "ïmage/jpeg", "application/xml; =x", "application/xml;; a=b",
    ];

    [Theory]
    [MemberData(nameof(Values))]
    public void RawRead_EqualsTheTypedParse(string value)
    {
        using var raw = new ByteArrayContent([]);
        Assert.True(raw.Headers.TryAddWithoutValidation("Content-Type", value));
        using var typed = new ByteArrayContent([]);
        Assert.True(typed.Headers.TryAddWithoutValidation("Content-Type", value));

        Assert.Equal(typed.Headers.ContentType?.MediaType, MediaTypes.Of(raw));
    }

    [Fact]
    public void NoHeader_IsNull_AndTwoHeadersGoThroughTheTypedParser()
    {
        using var none = new ByteArrayContent([]);
        Assert.Null(MediaTypes.Of(none));

        using var two = new ByteArrayContent([]);
        two.Headers.TryAddWithoutValidation("Content-Type", "image/jpeg");
        two.Headers.TryAddWithoutValidation("Content-Type", "application/xml");
        using var twoTyped = new ByteArrayContent([]);
        twoTyped.Headers.TryAddWithoutValidation("Content-Type", "image/jpeg");
        twoTyped.Headers.TryAddWithoutValidation("Content-Type", "application/xml");
        Assert.Equal(twoTyped.Headers.ContentType?.MediaType, MediaTypes.Of(two));
    }

    [Fact]
    public void PlainValues_AreReadWithoutTheTypedHeader()
    {
        using var content = new ByteArrayContent([]);
        content.Headers.TryAddWithoutValidation("Content-Type", "application/xml; charset=\"UTF-8\"");
        Assert.Same("application/xml", MediaTypes.Of(content));
        Assert.Equal(15, MediaTypes.PlainMediaTypeLength("application/xml; charset=\"UTF-8\""));
        Assert.Equal(0, MediaTypes.PlainMediaTypeLength("image / jpeg"));
    }
}
