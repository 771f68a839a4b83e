using System.Buffers.Binary;
using SkiaSharp;

namespace Distill.Runner.Tests.Support;

/// <summary>Checks that bytes are a real, drawn PNG image.</summary>
internal static class Png
{
    private static readonly byte[] s_signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Asserts the PNG signature and IHDR size, decodes the image and returns how many distinct colours it has.</summary>
    public static int AssertImage(byte[] png, int width, int height)
    {
        Assert.True(png.Length > 1000, $"the PNG has only {png.Length} bytes");
        Assert.Equal(s_signature, png[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
        Assert.Equal(width, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
        Assert.Equal(height, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
        using var bitmap = SKBitmap.Decode(png);
        Assert.NotNull(bitmap);
        var colors = new HashSet<uint>();
        for (var y = 0; y < bitmap.Height; y += 2)
        {
            for (var x = 0; x < bitmap.Width; x += 2)
            {
                colors.Add((uint)bitmap.GetPixel(x, y));
            }
        }
        return colors.Count;
    }

    /// <summary>How many pixels are close to <paramref name="color"/> (a series' colour).</summary>
    public static int CountNear(byte[] png, SKColor color, int tolerance = 24)
    {
        using var bitmap = SKBitmap.Decode(png);
        var count = 0;
        for (var y = 0; y < bitmap.Height; y++)
        {
            for (var x = 0; x < bitmap.Width; x++)
            {
                var p = bitmap.GetPixel(x, y);
                if (Math.Abs(p.Red - color.Red) <= tolerance && Math.Abs(p.Green - color.Green) <= tolerance && Math.Abs(p.Blue - color.Blue) <= tolerance)
                {
                    count++;
                }
            }
        }
        return count;
    }
}
