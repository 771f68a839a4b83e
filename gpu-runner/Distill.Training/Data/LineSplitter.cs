namespace Distill.Training.Data;

/// <summary>Splits a stream into lines of raw bytes ('\n' separated, a trailing '\r' removed) without decoding.</summary>
internal static class LineSplitter
{
    public static IEnumerable<byte[]> Lines(Stream stream)
    {
        var buffer = new byte[1 << 16];
        var line = new MemoryStream();
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            var start = 0;
            for (var i = 0; i < read; i++)
            {
                if (buffer[i] == (byte)'\n')
                {
                    line.Write(buffer, start, i - start);
                    yield return Take(line);
                    start = i + 1;
                }
            }
            line.Write(buffer, start, read - start);
        }
        if (line.Length > 0)
        {
            yield return Take(line);
        }
    }

    private static byte[] Take(MemoryStream line)
    {
        var bytes = line.ToArray();
        line.SetLength(0);
        return bytes.Length > 0 && bytes[^1] == (byte)'\r' ? bytes[..^1] : bytes;
    }
}
