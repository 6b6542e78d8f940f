using System.Diagnostics;
using System.Text;
using HikFleet.Sadp;

namespace HikFleet.Sadp.Tests;

/// <summary>
/// Seeded fuzzing of the reader: random bytes, random XML-ish text and mutations of real replies. The reader must return a result
/// for every input and never throw (device input is hostile, common.md "Hard rules").
/// </summary>
public sealed class SadpFuzzTests(ITestOutputHelper output)
{
    private const int Iterations = 100_000;

    private static readonly string[] Tokens =
    [
        "<", ">", "</", "/>", "<?xml version=\"1.0\"?>", "<!DOCTYPE x [<!ENTITY e \"v\">]>", "&amp;", "&e;", "&#0;", "&#x1F;", "<![CDATA[",
        "]]>", "<!--", "-->", "ProbeMatch", "Probe", "MAC", "Activated", "flase", "58-50-ed-1f-e3-85", "build", "1970-01-01 00:00:00",
        "xmlns=\"u\"", "bSalt=\"1\"", "\0", "\uFFFF", "\uD800", "é", " ", "\r\n", "=", "\"", "'", "9999999999999999999999",
    ];

    [Fact]
    public void Reader_NeverThrows_OnRandomAndMutatedDatagrams()
    {
        var rng = new Random(20261126);
        var seeds = SeedDatagrams();
        var statuses = new Dictionary<SadpReadStatus, int>();
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < Iterations; i++)
        {
            var datagram = (i % 4) switch
            {
                0 => RandomBytes(rng),
                1 => Encoding.UTF8.GetBytes(RandomTokens(rng)),
                2 => Mutate(rng, seeds[rng.Next(seeds.Length)], structural: true),
                _ => Mutate(rng, seeds[rng.Next(seeds.Length)], structural: false),
            };
            SadpReadResult r;
            try
            {
                r = SadpMessageReader.Read(datagram);
            }
            catch (Exception ex)
            {
                Assert.Fail($"iteration {i}: {ex.GetType().Name} escaped for input {Convert.ToBase64String(datagram)}: {ex.Message}");
                return;
            }
            Assert.Equal(r.IsSuccess, r.Message is not null);
            statuses[r.Status] = statuses.GetValueOrDefault(r.Status) + 1;
            if (r.Message is { } m)
                _ = SadpMessageWriter.Write(Sanitised(m)); // whatever was read can be written back
        }
        sw.Stop();
        output.WriteLine($"{Iterations} datagrams in {sw.ElapsedMilliseconds} ms: " + string.Join(", ", statuses.Select(kv => $"{kv.Key}={kv.Value}")));
        // The mutations must keep exercising the parser, not only the early rejections.
        Assert.True(statuses.GetValueOrDefault(SadpReadStatus.Ok) > Iterations / 8, "too few inputs parsed: the fuzzer is not reaching the parser");
        Assert.True(statuses.GetValueOrDefault(SadpReadStatus.NotXml) > Iterations / 10);
    }

    private static byte[][] SeedDatagrams()
    {
        var full = SadpMessageRoundTripTests.FullProbeMatch();
        full.UnknownFields["QuestionList"] = "q";
        return
        [
            SadpMessageWriter.Write(full),
            SadpMessageWriter.Write(SadpMessage.NewProbe("inquiry")),
            Encoding.UTF8.GetBytes("<ProbeMatch><MAC>58-50-ed-1f-e3-85</MAC><SoftwareVersion>V5.6.2build 190701</SoftwareVersion><HCPlatformEnable>flase</HCPlatformEnable><BootTime>1970-01-15 02:44:11</BootTime></ProbeMatch>"),
        ];
    }

    private static byte[] RandomBytes(Random rng)
    {
        var b = new byte[rng.Next(0, 600)];
        rng.NextBytes(b);
        if (b.Length > 0 && rng.Next(2) == 0)
            b[rng.Next(b.Length)] = (byte)'<';
        return b;
    }

    private static string RandomTokens(Random rng)
    {
        var sb = new StringBuilder();
        var n = rng.Next(1, 60);
        for (var i = 0; i < n; i++)
            sb.Append(Tokens[rng.Next(Tokens.Length)]);
        return sb.ToString();
    }

    private static byte[] Mutate(Random rng, byte[] seed, bool structural)
    {
        var b = new List<byte>(seed);
        var edits = rng.Next(1, 6);
        for (var e = 0; e < edits && b.Count > 0; e++)
        {
            var at = rng.Next(b.Count);
            switch (structural ? rng.Next(6) : 5)
            {
                case 0: b[at] = (byte)rng.Next(256); break;                                         // flip a byte
                case 1: b.RemoveRange(at, Math.Min(rng.Next(1, 40), b.Count - at)); break;          // delete a run
                case 2: b.InsertRange(at, Encoding.UTF8.GetBytes(Tokens[rng.Next(Tokens.Length)])); break; // insert a token
                case 3: var src = rng.Next(b.Count); b.InsertRange(at, b.GetRange(src, Math.Min(30, b.Count - src))); break; // duplicate a slice
                case 4: b.RemoveRange(at, b.Count - at); break;                                      // truncate
                default:
                    // swap two elements' text: mutate a value but keep the XML well-formed more often
                    var text = Encoding.UTF8.GetString(b.ToArray());
                    var open = text.IndexOf('>', rng.Next(text.Length));
                    var close = open < 0 ? -1 : text.IndexOf('<', open);
                    if (close > open + 1)
                    {
                        text = text[..(open + 1)] + Tokens[rng.Next(Tokens.Length)].Replace("<", "", StringComparison.Ordinal).Replace("&", "", StringComparison.Ordinal) + text[close..];
                        b = [.. Encoding.UTF8.GetBytes(text)];
                    }
                    break;
            }
        }
        return [.. b];
    }

    /// <summary>Values read from XML are always writable; unknown element names may need encoding, which the writer does.</summary>
    private static SadpMessage Sanitised(SadpMessage m) => m;
}
