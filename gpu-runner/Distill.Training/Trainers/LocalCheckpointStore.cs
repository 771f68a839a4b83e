using System.Text.Json;

namespace Distill.Training.Trainers;

/// <summary>
/// Checkpoints in a local folder: each one in a folder of its own (<c>step-000001000-3f2a9c1e</c>), made current by
/// atomically replacing <c>latest.json</c> (<see cref="CheckpointPointer"/>). A save moves the staged folder in under
/// its new name (a rename when it is on the same file system, which <see cref="CreateWorkFolder"/> ensures), then
/// replaces the pointer, then deletes the checkpoints beyond the ones kept and every folder no pointer ever named.
/// One trainer writes to a store at a time.
/// </summary>
public sealed class LocalCheckpointStore : ICheckpointStore
{
    public const string PointerFileName = "latest.json";
    private const string CheckpointPrefix = "step-";
    private const string WorkPrefix = ".work-";
    private const string TempSuffix = ".tmp";

    public LocalCheckpointStore(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = Path.GetFullPath(root);
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string PointerPath => Path.Combine(Root, PointerFileName);

    /// <summary>For tests: runs after the new checkpoint folder is in place and before the pointer is replaced.</summary>
    internal Action<string>? BeforePointerWrite { get; set; }

    public string CreateWorkFolder()
    {
        var path = Path.Combine(Root, WorkPrefix + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    public Task<CheckpointInfo> SaveAsync(string stagedFolder, long step, int keep, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(stagedFolder);
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, 1);
        cancellationToken.ThrowIfCancellationRequested();
        var staged = Path.GetFullPath(stagedFolder);
        if (!Directory.Exists(staged))
        {
            throw new DirectoryNotFoundException($"the staged checkpoint folder {staged} does not exist");
        }
        var name = $"{CheckpointPrefix}{step:D9}-{Guid.NewGuid().ToString("N")[..8]}";
        var target = Path.Combine(Root, name);
        if (string.Equals(Path.GetDirectoryName(staged), Root, StringComparison.Ordinal))
        {
            Directory.Move(staged, target);
        }
        else
        {
            // Another file system, perhaps: copy into a work folder here (flushing every file), then rename.
            var work = CreateWorkFolder();
            foreach (var file in Directory.EnumerateFiles(staged))
            {
                CopyDurably(file, Path.Combine(work, Path.GetFileName(file)));
            }
            Directory.Move(work, target);
        }
        BeforePointerWrite?.Invoke(target);
        var previous = ReadPointer();
        var kept = new[] { name }.Concat(previous?.Kept ?? [])
            .Where(n => IsCheckpointName(n) && Directory.Exists(Path.Combine(Root, n)))
            .Distinct(StringComparer.Ordinal)
            .Take(keep)
            .ToList();
        WritePointer(new CheckpointPointer { Step = step, Folder = name, Kept = kept });
        Prune(kept);
        return Task.FromResult(new CheckpointInfo(step, name));
    }

    public Task<CheckpointInfo?> FetchLatestAsync(string targetFolder, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(targetFolder);
        cancellationToken.ThrowIfCancellationRequested();
        var pointer = ReadPointer();
        if (pointer is null)
        {
            return Task.FromResult<CheckpointInfo?>(null);
        }
        var source = Path.Combine(Root, pointer.Folder);
        if (!Directory.Exists(source))
        {
            throw new CheckpointException($"{PointerPath}: names the checkpoint '{pointer.Folder}', which does not exist in {Root}");
        }
        Directory.CreateDirectory(targetFolder);
        foreach (var file in Directory.EnumerateFiles(source))
        {
            cancellationToken.ThrowIfCancellationRequested();
            File.Copy(file, Path.Combine(targetFolder, Path.GetFileName(file)), overwrite: true);
        }
        return Task.FromResult<CheckpointInfo?>(new CheckpointInfo(pointer.Step, pointer.Folder));
    }

    /// <summary>The current pointer, or null when the store has none.</summary>
    /// <exception cref="CheckpointException">The pointer file is malformed.</exception>
    public CheckpointPointer? ReadPointer()
    {
        var path = PointerPath;
        if (!File.Exists(path))
        {
            return null;
        }
        CheckpointPointer? pointer;
        try
        {
            pointer = JsonSerializer.Deserialize(File.ReadAllBytes(path), TrainerJsonContext.Default.CheckpointPointer);
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"{path}: not a valid checkpoint pointer: {e.Message}", e);
        }
        if (pointer is null || !IsCheckpointName(pointer.Folder) || pointer.Step < 0)
        {
            throw new CheckpointException($"{path}: the folder '{pointer?.Folder}' is not a checkpoint name of this store (step-NNNNNNNNN-xxxxxxxx) or the step {pointer?.Step} is negative");
        }
        return pointer;
    }

    private void WritePointer(CheckpointPointer pointer)
    {
        var path = PointerPath;
        var temp = Path.Combine(Root, $".{PointerFileName}.{Guid.NewGuid():N}{TempSuffix}");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                JsonSerializer.Serialize(stream, pointer, TrainerJsonContext.Default.CheckpointPointer);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>Deletes checkpoint folders not kept, leftover work folders and temporary pointer files.</summary>
    private void Prune(IReadOnlyList<string> kept)
    {
        var keep = new HashSet<string>(kept, StringComparer.Ordinal);
        foreach (var folder in Directory.EnumerateDirectories(Root))
        {
            var name = Path.GetFileName(folder);
            if ((name.StartsWith(CheckpointPrefix, StringComparison.Ordinal) && !keep.Contains(name)) || name.StartsWith(WorkPrefix, StringComparison.Ordinal))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        foreach (var file in Directory.EnumerateFiles(Root, $".{PointerFileName}.*{TempSuffix}"))
        {
            File.Delete(file);
        }
    }

    private static bool IsCheckpointName(string? name) =>
        !string.IsNullOrEmpty(name) && name.StartsWith(CheckpointPrefix, StringComparison.Ordinal)
        && name.IndexOfAny(['/', '\\']) < 0;

    private static void CopyDurably(string source, string destination)
    {
        using var input = File.OpenRead(source);
        using var output = new FileStream(destination, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16);
        input.CopyTo(output);
        output.Flush(flushToDisk: true);
    }
}
