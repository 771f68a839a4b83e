using System.Globalization;
using System.Text.Json;
using Distill.Contracts.Storage;
using Distill.Pipeline.Storage;
using Distill.Training.Trainers;
using Microsoft.Extensions.Logging;

namespace Distill.Runner.Storage;

/// <summary>
/// A stage's checkpoints in blob storage, for the trainer (<see cref="ICheckpointStore"/>):
/// <c>runs/{runId}/stages/{stage}/checkpoints/step-NNNNNNNNN-xxxxxxxx/{files}</c>, made current by one write of
/// <c>checkpoints/latest.json</c> (<see cref="CheckpointPointer"/>, as <see cref="LocalCheckpointStore"/> writes it).
/// </summary>
/// <remarks>
/// A save uploads the staged folder under a new prefix, then replaces the pointer, then deletes the checkpoints not kept
/// and every prefix no pointer names (a save that stopped before its pointer write). Every write checks the stage's
/// <see cref="StageFence"/> first; the pointer write also confirms the lease with the store and is conditional on the
/// pointer's ETag as this store last saw it, so a runner that lost the stage can never make its checkpoint current.
/// </remarks>
public sealed partial class BlobCheckpointStore : ICheckpointStore
{
    private const string CheckpointPrefix = "step-";
    private readonly IBlobStore _blobs;
    private readonly StageFence _fence;
    private readonly ILogger _logger;
    private readonly BlobLocation _checkpoints;
    private readonly BlobLocation _pointer;
    private readonly string _workRoot;

    // The pointer's ETag as this store last read or wrote it: "" for "absent", null before the first look.
    private string? _knownPointerETag;

    public BlobCheckpointStore(IBlobStore blobs, string runId, string stage, string workRoot, StageFence fence, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        ArgumentException.ThrowIfNullOrWhiteSpace(workRoot);
        ArgumentNullException.ThrowIfNull(fence);
        ArgumentNullException.ThrowIfNull(logger);
        _blobs = blobs;
        _fence = fence;
        _logger = logger;
        _checkpoints = BlobPaths.StageCheckpoints(runId, stage);
        _pointer = BlobPaths.StageCheckpointPointer(runId, stage);
        _workRoot = Path.GetFullPath(workRoot);
        Directory.CreateDirectory(_workRoot);
    }

    /// <summary>
    /// The trainer state (<c>trainer-state.json</c>: cumulative training time and tokens) of the newest checkpoint this store
    /// saved; null before the first save.
    /// </summary>
    public TrainerState? LastSaved { get; private set; }

    public string CreateWorkFolder()
    {
        var path = Path.Join(_workRoot, ".checkpoint-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    public async Task<CheckpointInfo> SaveAsync(string stagedFolder, long step, int keep, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(stagedFolder);
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, 1);
        var what = string.Create(CultureInfo.InvariantCulture, $"saving the checkpoint of step {step} to {_checkpoints}");
        _fence.ThrowIfTripped(what);
        var state = File.Exists(Path.Join(stagedFolder, TrainerCheckpoint.StateFileName)) ? TrainerCheckpoint.ReadState(stagedFolder) : null;
        var name = string.Create(CultureInfo.InvariantCulture, $"{CheckpointPrefix}{step:D9}-{Guid.NewGuid().ToString("N")[..8]}");
        var folder = _checkpoints.Child(name);
        foreach (var file in Directory.EnumerateFiles(stagedFolder).Order(StringComparer.Ordinal))
        {
            var blob = folder.Child(Path.GetFileName(file));
            _fence.ThrowIfTripped(what);
            var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous);
            await using (stream.ConfigureAwait(false))
            {
                await _blobs.PutAsync(Address(blob), stream, new BlobPutOptions { ContentType = BlobFolders.ContentType(file) }, cancellationToken).ConfigureAwait(false);
            }
        }

        var (previous, etag) = await ReadPointerWithETagAsync(cancellationToken).ConfigureAwait(false);
        if (_knownPointerETag is { } known && known != (etag ?? ""))
        {
            _fence.Trip($"{_pointer} was changed by another writer since this runner last wrote it");
        }
        var kept = new[] { name }.Concat(previous?.Kept ?? []).Where(IsCheckpointName).Distinct(StringComparer.Ordinal).Take(keep).ToList();
        var pointer = new CheckpointPointer { Step = step, Folder = name, Kept = kept };
        await _fence.ConfirmAsync($"making the checkpoint of step {step} current", cancellationToken).ConfigureAwait(false);
        try
        {
            var written = await _blobs.PutAsync(Address(_pointer), new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(pointer, RunnerJsonContext.Default.CheckpointPointer)),
                new BlobPutOptions
                {
                    ContentType = "application/json",
                    Conditions = etag is null ? BlobConditions.IfNotExists : BlobConditions.IfMatchETag(etag),
                }, cancellationToken).ConfigureAwait(false);
            _knownPointerETag = written.ETag;
        }
        catch (BlobStoreException e) when (e.Reason == BlobStoreErrorReason.ConditionNotMet)
        {
            _fence.Trip($"{_pointer} was changed by another writer while this runner saved step {step}");
            throw new StageFencedException($"{what} refused: {_fence.Reason}", e);
        }
        LastSaved = state;
        await PruneAsync(kept, cancellationToken).ConfigureAwait(false);
        return new CheckpointInfo(step, name);
    }

    public async Task<CheckpointInfo?> FetchLatestAsync(string targetFolder, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(targetFolder);
        var (pointer, etag) = await ReadPointerWithETagAsync(cancellationToken).ConfigureAwait(false);
        _knownPointerETag = etag ?? "";
        if (pointer is null)
        {
            return null;
        }
        var folder = _checkpoints.Child(pointer.Folder);
        Directory.CreateDirectory(targetFolder);
        var files = 0;
        await foreach (var item in _blobs.ListAsync(folder.Container, folder.Prefix, cancellationToken).ConfigureAwait(false))
        {
            var relative = item.Name[folder.Prefix.Length..];
            if (relative.Contains('/', StringComparison.Ordinal))
            {
                continue;
            }
            var download = await _blobs.GetAsync(new BlobAddress(folder.Container, item.Name), null, cancellationToken).ConfigureAwait(false);
            await using (download.ConfigureAwait(false))
            {
                var file = new FileStream(Path.Join(targetFolder, relative), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
                await using (file.ConfigureAwait(false))
                {
                    await download.Content.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
                }
            }
            files++;
        }
        if (files == 0)
        {
            throw new CheckpointException($"{_pointer} names the checkpoint '{pointer.Folder}', which has no blobs under {folder}/");
        }
        return new CheckpointInfo(pointer.Step, pointer.Folder);
    }

    /// <summary>The current pointer, or null when the stage has no checkpoint.</summary>
    /// <exception cref="CheckpointException">The pointer blob is malformed.</exception>
    public async Task<CheckpointPointer?> ReadPointerAsync(CancellationToken cancellationToken) =>
        (await ReadPointerWithETagAsync(cancellationToken).ConfigureAwait(false)).Pointer;

    private async Task<(CheckpointPointer? Pointer, string? ETag)> ReadPointerWithETagAsync(CancellationToken cancellationToken)
    {
        BlobDownload download;
        try
        {
            download = await _blobs.GetAsync(Address(_pointer), null, cancellationToken).ConfigureAwait(false);
        }
        catch (BlobStoreException e) when (e.Reason is BlobStoreErrorReason.NotFound or BlobStoreErrorReason.ContainerNotFound)
        {
            return (null, null);
        }
        await using (download.ConfigureAwait(false))
        {
            CheckpointPointer? pointer;
            try
            {
                pointer = await JsonSerializer.DeserializeAsync(download.Content, RunnerJsonContext.Default.CheckpointPointer, cancellationToken).ConfigureAwait(false);
            }
            catch (JsonException e)
            {
                throw new CheckpointException($"{_pointer}: not a valid checkpoint pointer: {e.Message}", e);
            }
            if (pointer is null || !IsCheckpointName(pointer.Folder) || pointer.Step < 0)
            {
                throw new CheckpointException($"{_pointer}: the folder '{pointer?.Folder}' is not a checkpoint name (step-NNNNNNNNN-xxxxxxxx) or the step {pointer?.Step} is negative");
            }
            return (pointer, download.Properties.ETag);
        }
    }

    /// <summary>Deletes the checkpoint blobs not in <paramref name="kept"/>; a failure is logged, never thrown (the save is complete).</summary>
    private async Task PruneAsync(IReadOnlyList<string> kept, CancellationToken cancellationToken)
    {
        var keep = new HashSet<string>(kept, StringComparer.Ordinal);
        try
        {
            var doomed = new List<string>();
            await foreach (var item in _blobs.ListAsync(_checkpoints.Container, _checkpoints.Prefix, cancellationToken).ConfigureAwait(false))
            {
                var relative = item.Name[_checkpoints.Prefix.Length..];
                var slash = relative.IndexOf('/', StringComparison.Ordinal);
                if (slash > 0 && !keep.Contains(relative[..slash]))
                {
                    doomed.Add(item.Name);
                }
            }
            foreach (var name in doomed)
            {
                if (_fence.IsTripped)
                {
                    return;
                }
                try
                {
                    await _blobs.DeleteAsync(new BlobAddress(_checkpoints.Container, name), null, cancellationToken).ConfigureAwait(false);
                }
                catch (BlobStoreException e) when (e.Reason == BlobStoreErrorReason.NotFound)
                {
                    // Deleted meanwhile.
                }
            }
        }
        catch (Exception e) when (e is BlobStoreException or IOException)
        {
            LogPruneFailed(_logger, _checkpoints.ToString(), e);
        }
    }

    private static bool IsCheckpointName(string? name) =>
        !string.IsNullOrEmpty(name) && name.StartsWith(CheckpointPrefix, StringComparison.Ordinal) && BlobPaths.RelativePathProblem(name) is null
        && !name.Contains('/', StringComparison.Ordinal);

    private static BlobAddress Address(BlobLocation location) => new(location.Container, location.Name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete old checkpoints under {Checkpoints}; the next save tries again")]
    private static partial void LogPruneFailed(ILogger logger, string checkpoints, Exception exception);
}
