namespace Distill.Torch.Serialization;

/// <summary>
/// Writes a file so that its final name only ever shows a complete file: the content goes to a temporary file in
/// the same folder, is flushed to disk, then renamed over the target (an atomic replace on one file system).
/// </summary>
internal static class AtomicFile
{
    /// <summary>The temporary files <see cref="Write"/> uses start with this (".model.safetensors.&lt;id&gt;.tmp").</summary>
    internal const string TempSuffix = ".tmp";

    public static void Write(string path, Action<FileStream> write)
    {
        var fullPath = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(fullPath) ?? throw new ArgumentException($"'{path}' names no file", nameof(path));
        Directory.CreateDirectory(folder);
        var temp = Path.Combine(folder, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}{TempSuffix}");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, fullPath, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The original failure matters more than a temporary file that could not be removed.
        }
    }
}
