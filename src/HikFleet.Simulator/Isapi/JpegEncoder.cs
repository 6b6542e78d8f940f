namespace HikFleet.Simulator.Isapi;

/// <summary>
/// A tiny baseline JPEG encoder (YCbCr 4:4:4, Annex K tables) so snapshots are real JPEGs without System.Drawing, which does not
/// run on Linux. Snapshots are pre-rendered into a small ring of frames shared by all devices.
/// </summary>
internal static class JpegEncoder
{
    private static readonly int[] Natural =
    [
        0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
        35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
    ];

    private static readonly byte[] LumQ =
    [
        16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
        18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
    ];

    private static readonly byte[] ChromQ =
    [
        17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    ];

    private static readonly byte[] DcLumBits = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
    private static readonly byte[] DcChromBits = [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0];
    private static readonly byte[] DcVals = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
    private static readonly byte[] AcLumBits = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d];
    private static readonly byte[] AcLumVals =
    [
        0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08,
        0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28,
        0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59,
        0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
        0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6,
        0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2,
        0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa,
    ];
    private static readonly byte[] AcChromBits = [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77];
    private static readonly byte[] AcChromVals =
    [
        0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71, 0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91,
        0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0, 0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26,
        0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58,
        0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
        0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4,
        0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda,
        0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa,
    ];

    private sealed class Huffman
    {
        public readonly ushort[] Code = new ushort[256];
        public readonly byte[] Size = new byte[256];

        public Huffman(byte[] bits, byte[] vals)
        {
            int code = 0, k = 0;
            for (var len = 1; len <= 16; len++)
            {
                for (var i = 0; i < bits[len - 1]; i++)
                {
                    Code[vals[k]] = (ushort)code;
                    Size[vals[k]] = (byte)len;
                    k++;
                    code++;
                }
                code <<= 1;
            }
        }
    }

    private static readonly Huffman DcLum = new(DcLumBits, DcVals), DcChrom = new(DcChromBits, DcVals);
    private static readonly Huffman AcLum = new(AcLumBits, AcLumVals), AcChrom = new(AcChromBits, AcChromVals);
    private static readonly double[,] Cos = CreateCos();

    private static double[,] CreateCos()
    {
        var c = new double[8, 8];
        for (var x = 0; x < 8; x++)
            for (var u = 0; u < 8; u++)
                c[x, u] = Math.Cos((2 * x + 1) * u * Math.PI / 16) * (u == 0 ? Math.Sqrt(0.5) : 1) / 2;
        return c;
    }

    private sealed class BitWriter(MemoryStream output)
    {
        private int _buffer, _count;

        public void Write(int code, int size)
        {
            for (var i = size - 1; i >= 0; i--)
            {
                _buffer = (_buffer << 1) | ((code >> i) & 1);
                if (++_count == 8)
                    Flush();
            }
        }

        private void Flush()
        {
            output.WriteByte((byte)_buffer);
            if (_buffer == 0xFF)
                output.WriteByte(0); // byte stuffing
            _buffer = 0;
            _count = 0;
        }

        public void Finish()
        {
            while (_count != 0)
                Write(1, 1);
        }
    }

    /// <summary>Encodes an RGB image (3 bytes per pixel, row-major).</summary>
    public static byte[] Encode(byte[] rgb, int width, int height, int quality = 75)
    {
        var scale = quality < 50 ? 5000 / quality : 200 - quality * 2;
        var lq = LumQ.Select(q => (byte)Math.Clamp((q * scale + 50) / 100, 1, 255)).ToArray();
        var cq = ChromQ.Select(q => (byte)Math.Clamp((q * scale + 50) / 100, 1, 255)).ToArray();

        using var ms = new MemoryStream();
        void Bytes(params byte[] b) => ms.Write(b);
        Bytes(0xFF, 0xD8, 0xFF, 0xE0, 0, 16, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0);
        Bytes(0xFF, 0xDB, 0, 132, 0);
        foreach (var n in Natural)
            ms.WriteByte(lq[n]);
        ms.WriteByte(1);
        foreach (var n in Natural)
            ms.WriteByte(cq[n]);
        Bytes(0xFF, 0xC0, 0, 17, 8, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, 3, 1, 0x11, 0, 2, 0x11, 1, 3, 0x11, 1);
        var dhtLength = 2 + (17 + DcVals.Length) * 2 + 17 + AcLumVals.Length + 17 + AcChromVals.Length;
        Bytes(0xFF, 0xC4, (byte)(dhtLength >> 8), (byte)dhtLength);
        foreach (var (cls, bits, vals) in new[] { ((byte)0x00, DcLumBits, DcVals), ((byte)0x10, AcLumBits, AcLumVals), ((byte)0x01, DcChromBits, DcVals), ((byte)0x11, AcChromBits, AcChromVals) })
        {
            ms.WriteByte(cls);
            ms.Write(bits);
            ms.Write(vals);
        }
        Bytes(0xFF, 0xDA, 0, 12, 3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0);

        var writer = new BitWriter(ms);
        var block = new double[3][];
        for (var c = 0; c < 3; c++)
            block[c] = new double[64];
        var dc = new int[3];
        for (var by = 0; by < height; by += 8)
        {
            for (var bx = 0; bx < width; bx += 8)
            {
                for (var y = 0; y < 8; y++)
                {
                    for (var x = 0; x < 8; x++)
                    {
                        var px = Math.Min(bx + x, width - 1);
                        var py = Math.Min(by + y, height - 1);
                        var i = (py * width + px) * 3;
                        double r = rgb[i], g = rgb[i + 1], b = rgb[i + 2];
                        block[0][y * 8 + x] = 0.299 * r + 0.587 * g + 0.114 * b - 128;
                        block[1][y * 8 + x] = -0.168736 * r - 0.331264 * g + 0.5 * b;
                        block[2][y * 8 + x] = 0.5 * r - 0.418688 * g - 0.081312 * b;
                    }
                }
                EncodeBlock(writer, block[0], lq, ref dc[0], DcLum, AcLum);
                EncodeBlock(writer, block[1], cq, ref dc[1], DcChrom, AcChrom);
                EncodeBlock(writer, block[2], cq, ref dc[2], DcChrom, AcChrom);
            }
        }
        writer.Finish();
        Bytes(0xFF, 0xD9);
        return ms.ToArray();
    }

    private static void EncodeBlock(BitWriter w, double[] data, byte[] q, ref int previousDc, Huffman dcTable, Huffman acTable)
    {
        Span<double> tmp = stackalloc double[64];
        Span<int> coef = stackalloc int[64];
        // Separable 2-D DCT-II: rows, then columns.
        for (var y = 0; y < 8; y++)
            for (var u = 0; u < 8; u++)
            {
                double s = 0;
                for (var x = 0; x < 8; x++)
                    s += data[y * 8 + x] * Cos[x, u];
                tmp[y * 8 + u] = s;
            }
        for (var u = 0; u < 8; u++)
            for (var v = 0; v < 8; v++)
            {
                double s = 0;
                for (var y = 0; y < 8; y++)
                    s += tmp[y * 8 + u] * Cos[y, v];
                coef[v * 8 + u] = (int)Math.Round(s / q[v * 8 + u]);
            }

        var diff = coef[0] - previousDc;
        previousDc = coef[0];
        WriteValue(w, dcTable, 0, diff);
        var run = 0;
        for (var k = 1; k < 64; k++)
        {
            var value = coef[Natural[k]];
            if (value == 0)
            {
                run++;
                continue;
            }
            while (run > 15)
            {
                w.Write(acTable.Code[0xF0], acTable.Size[0xF0]);
                run -= 16;
            }
            WriteValue(w, acTable, run, value);
            run = 0;
        }
        if (run > 0)
            w.Write(acTable.Code[0x00], acTable.Size[0x00]);
    }

    private static void WriteValue(BitWriter w, Huffman table, int run, int value)
    {
        var magnitude = Math.Abs(value);
        var category = 0;
        while (magnitude >> category != 0)
            category++;
        var symbol = (run << 4) | category;
        w.Write(table.Code[symbol], table.Size[symbol]);
        if (category > 0)
            w.Write(value < 0 ? value - 1 + (1 << category) : value, category);
    }
}

/// <summary>A ring of pre-encoded snapshot frames that change with (simulated) time.</summary>
internal static class JpegFrames
{
    public const int Width = 640, Height = 360, Count = 16;
    public static readonly long Epoch = SimClock.Now;
    private static readonly byte[]?[] Frames = new byte[Count][];
    private static readonly Lazy<byte[]> BlackFrame = new(() => JpegEncoder.Encode(new byte[Width * Height * 3], Width, Height));

    public static byte[] Black => BlackFrame.Value;

    /// <summary>The frame with a JPEG comment segment (COM) carrying the simulated second, after SOI and the JFIF APP0 segment
    /// (which must come first).</summary>
    public static byte[] WithClock(byte[] frame, long second)
    {
        var text = System.Text.Encoding.ASCII.GetBytes("t=" + second.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var at = frame[2] == 0xFF && frame[3] == 0xE0 ? 4 + (frame[4] << 8 | frame[5]) : 2;
        var result = new byte[frame.Length + 4 + text.Length];
        frame.AsSpan(0, at).CopyTo(result);
        result[at] = 0xFF;
        result[at + 1] = 0xFE;
        result[at + 2] = (byte)((text.Length + 2) >> 8);
        result[at + 3] = (byte)(text.Length + 2);
        text.CopyTo(result, at + 4);
        frame.AsSpan(at).CopyTo(result.AsSpan(at + 4 + text.Length));
        return result;
    }

    public static byte[] Frame(long n)
    {
        var i = (int)(((n % Count) + Count) % Count);
        return Frames[i] ??= Render(i);
    }

    private static byte[] Render(int frame)
    {
        var rgb = new byte[Width * Height * 3];
        var barX = frame * Width / Count;
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                var o = (y * Width + x) * 3;
                // sky gradient, ground, a moving "car" and a blinking light: enough to look like a scene and to differ per frame
                byte r, g, b;
                if (y < Height / 2)
                {
                    r = (byte)(90 + y / 3);
                    g = (byte)(140 + y / 4);
                    b = (byte)(200 - y / 5);
                }
                else
                {
                    r = (byte)(70 + (x + y) % 23);
                    g = (byte)(75 + (x * 3 + y) % 19);
                    b = (byte)(70 + (x + y * 2) % 17);
                }
                if (x >= barX && x < barX + 80 && y > 220 && y < 280)
                {
                    r = 200;
                    g = 30;
                    b = 30;
                }
                if (frame % 2 == 0 && (x - 580) * (x - 580) + (y - 40) * (y - 40) < 144)
                {
                    r = 255;
                    g = 220;
                    b = 0;
                }
                rgb[o] = r;
                rgb[o + 1] = g;
                rgb[o + 2] = b;
            }
        }
        return JpegEncoder.Encode(rgb, Width, Height);
    }
}
