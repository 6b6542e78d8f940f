namespace HikFleet.Simulator.Http;

/// <summary>Just enough multipart/form-data to take the file out of an upload (firmware: field updateFile, §2.7).</summary>
internal static class Multipart
{
    public static byte[]? ExtractFile(SimRequest r, string preferredField)
    {
        var type = r.Header("Content-Type");
        if (type is null || !type.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase))
            return null;
        var b = type.IndexOf("boundary=", StringComparison.OrdinalIgnoreCase);
        if (b < 0)
            return null;
        var boundary = type[(b + 9)..].Split(';')[0].Trim().Trim('"');
        var delimiter = System.Text.Encoding.ASCII.GetBytes("--" + boundary);
        var body = r.Body.AsSpan();
        byte[]? first = null;
        var pos = body.IndexOf(delimiter);
        while (pos >= 0)
        {
            var rest = body[(pos + delimiter.Length)..];
            if (rest.StartsWith("--"u8))
                break;
            var headEnd = rest.IndexOf("\r\n\r\n"u8);
            if (headEnd < 0)
                break;
            var head = System.Text.Encoding.ASCII.GetString(rest[..headEnd]);
            var content = rest[(headEnd + 4)..];
            var next = content.IndexOf(delimiter);
            if (next < 0)
                break;
            var data = content[..next];
            if (data.EndsWith("\r\n"u8))
                data = data[..^2];
            var isFile = head.Contains("filename=", StringComparison.OrdinalIgnoreCase);
            if (head.Contains($"name=\"{preferredField}\"", StringComparison.OrdinalIgnoreCase) || head.Contains($"name={preferredField}", StringComparison.OrdinalIgnoreCase))
                return data.ToArray();
            if (isFile)
                first ??= data.ToArray();
            body = content[next..];
            pos = 0;
        }
        return first;
    }
}
