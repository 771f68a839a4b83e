using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Distill.Contracts.Manifests;
using Distill.Contracts.Storage;
using Distill.Pipeline.Messaging;
using Distill.Pipeline.Storage;

namespace Distill.Pipeline.Uploads;

/// <summary>
/// Submits a run folder (pipeline.json, the teacher folder, the data): <see cref="Check"/> reads it without the teacher
/// (the manifest parses and validates on its own, the teacher folder and the data paths exist), then
/// <see cref="UploadAsync"/> uploads the teacher's and the data's files under <c>uploads/{uploadId}/</c> and the manifest
/// last, since its arrival starts the run. On Azure, Event Grid then notifies the pipeline; a store without Event Grid
/// (the local one) is notified with <see cref="NotifyAsync"/>.
/// </summary>
public sealed class UploadClient(IBlobStore blobs, TimeProvider time)
{
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Checks a run folder and lists what to upload, or throws <see cref="UploadFolderException"/> listing every
    /// problem (each with its path). Files and folders whose names start with '.' (a <c>.git</c> folder) are left out.
    /// </summary>
    public static UploadPlan Check(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var root = Path.GetFullPath(folder);
        if (!Directory.Exists(root))
        {
            throw new UploadFolderException([$"{root}: the run folder does not exist"]);
        }
        var manifestPath = Path.Join(root, PipelineManifest.FileName);
        if (!File.Exists(manifestPath))
        {
            throw new UploadFolderException([$"{manifestPath}: missing; a run folder needs its manifest (see the pipeline.json reference)"]);
        }
        var bytes = File.ReadAllBytes(manifestPath);
        PipelineManifest manifest;
        try
        {
            manifest = PipelineManifest.Parse(s_strictUtf8.GetString(bytes).TrimStart('\uFEFF'), manifestPath);
        }
        catch (DecoderFallbackException)
        {
            throw new UploadFolderException([$"{manifestPath}: not UTF-8 text"]);
        }
        catch (ManifestException e)
        {
            throw new UploadFolderException([.. e.Problems.Select(problem => $"{manifestPath}: {problem}")]);
        }

        var problems = new List<string>();
        var files = new SortedDictionary<string, UploadFile>(StringComparer.Ordinal);
        var teacher = Path.Join(root, manifest.Teacher.Path);
        if (!Directory.Exists(teacher))
        {
            problems.Add($"{teacher}: the teacher folder does not exist (teacher.path is '{manifest.Teacher.Path}')");
        }
        else if (AddFolder(root, teacher, files, problems) == 0)
        {
            problems.Add($"{teacher}: the teacher folder is empty");
        }
        var data = (manifest.Data.Train ?? []).Select((path, i) => (Field: string.Create(CultureInfo.InvariantCulture, $"data.train[{i}]"), Path: path))
            .Concat((manifest.Data.Validation ?? []).Select((path, i) => (Field: string.Create(CultureInfo.InvariantCulture, $"data.validation[{i}]"), Path: path)));
        foreach (var (field, path) in data)
        {
            var full = Path.Join(root, path);
            if (File.Exists(full) && !path.EndsWith('/'))
            {
                AddFile(root, full, files, problems);
            }
            else if (Directory.Exists(full))
            {
                if (AddFolder(root, full, files, problems) == 0)
                {
                    problems.Add($"{full}: the data folder is empty ({field})");
                }
            }
            else
            {
                problems.Add($"{full}: no such file or folder ({field})");
            }
        }
        if (problems.Count > 0)
        {
            throw new UploadFolderException(problems);
        }
        return new UploadPlan { Folder = root, ManifestPath = manifestPath, ManifestBytes = bytes, Manifest = manifest, Files = [.. files.Values] };
    }

    /// <summary>A fresh upload id for a run named <paramref name="name"/>: <c>{name}-{yyyyMMddHHmmss}-{4 hex digits}</c> (the name shortened to fit 63 characters).</summary>
    public static string NewUploadId(string name, DateTimeOffset now)
    {
        if (BlobPaths.IdProblem(name) is { } problem)
        {
            throw new ArgumentException($"name {problem}", nameof(name));
        }
        var suffix = string.Create(CultureInfo.InvariantCulture, $"-{now.UtcDateTime:yyyyMMddHHmmss}-{RandomNumberGenerator.GetHexString(4, lowercase: true)}");
        var prefix = name.Length > BlobPaths.MaxIdLength - suffix.Length ? name[..(BlobPaths.MaxIdLength - suffix.Length)].TrimEnd('-') : name;
        return prefix + suffix;
    }

    /// <summary>
    /// Uploads the plan's files under <c>uploads/{uploadId}/</c>, then the manifest, last and only if the upload has
    /// none yet (an id used twice fails with <see cref="BlobStoreErrorReason.ConditionNotMet"/>), reporting bytes as they go.
    /// </summary>
    public async Task<UploadResult> UploadAsync(UploadPlan plan, string uploadId, IProgress<UploadProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var upload = BlobPaths.Upload(uploadId);
        var total = plan.TotalBytes;
        var totalFiles = plan.Files.Count + 1;
        long sent = 0;
        var filesSent = 0;
        void Advance(int bytes, string file)
        {
            sent += bytes;
            progress?.Report(new UploadProgress(sent, total, filesSent, totalFiles, file));
        }

        foreach (var file in plan.Files)
        {
            var stream = new FileStream(file.FullPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
            await using (var content = new ProgressReadStream(stream, bytes => Advance(bytes, file.RelativePath)))
            {
                await blobs.PutAsync(upload.Child(file.RelativePath).ToAddress(), content,
                    new BlobPutOptions { ContentType = ContentTypeOf(file.RelativePath) }, cancellationToken).ConfigureAwait(false);
            }
            filesSent++;
            Advance(0, file.RelativePath);
        }

        var manifest = BlobPaths.UploadManifest(uploadId);
        BlobWriteResult written;
        await using (var content = new ProgressReadStream(new MemoryStream(plan.ManifestBytes.ToArray()), bytes => Advance(bytes, PipelineManifest.FileName)))
        {
            written = await blobs.PutAsync(manifest.ToAddress(), content,
                new BlobPutOptions { ContentType = "application/json", Conditions = BlobConditions.IfNotExists }, cancellationToken).ConfigureAwait(false);
        }
        filesSent++;
        Advance(0, PipelineManifest.FileName);
        return new UploadResult
        {
            UploadId = uploadId,
            Upload = upload,
            ManifestETag = written.ETag,
            ManifestLength = plan.ManifestBytes.Length,
            ManifestWrittenAt = written.LastModified == default ? time.GetUtcNow() : written.LastModified,
            Files = totalFiles,
            Bytes = total,
        };
    }

    /// <summary>
    /// Tells the pipeline that the upload's manifest arrived, as Event Grid does on Azure: sends the
    /// <c>Microsoft.Storage.BlobCreated</c> event (<see cref="BlobCreatedEvent.ForUploadManifest"/>) to the
    /// <see cref="PipelineTopology.UploadEventsQueue"/> queue. For stores without Event Grid only.
    /// </summary>
    /// <param name="accountUri">The store's base URI, for the event's source and the blob's URL.</param>
    public static async Task<BlobCreatedEvent> NotifyAsync(IMessageBus bus, UploadResult upload, Uri accountUri, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentNullException.ThrowIfNull(upload);
        var notification = BlobCreatedEvent.ForUploadManifest(upload.UploadId, upload.ManifestETag, upload.ManifestLength, upload.ManifestWrittenAt, accountUri);
        await bus.SendAsync(PipelineTopology.UploadEventsQueue, notification.ToBusMessage(), cancellationToken).ConfigureAwait(false);
        return notification;
    }

    private static int AddFolder(string root, string folder, SortedDictionary<string, UploadFile> files, List<string> problems)
    {
        var added = 0;
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false };
        foreach (var path in Directory.EnumerateFiles(folder, "*", options))
        {
            var relative = Path.GetRelativePath(folder, path);
            if (relative.Split(Path.DirectorySeparatorChar).Any(segment => segment.StartsWith('.')))
            {
                continue;
            }
            AddFile(root, path, files, problems);
            added++;
        }
        return added;
    }

    private static void AddFile(string root, string path, SortedDictionary<string, UploadFile> files, List<string> problems)
    {
        var relative = Path.GetRelativePath(root, path).Replace(Path.DirectorySeparatorChar, '/');
        if (BlobPaths.RelativePathProblem(relative) is { } problem)
        {
            problems.Add($"{path}: cannot be uploaded: {problem}");
            return;
        }
        try
        {
            _ = new BlobAddress(BlobPaths.UploadsContainer, "upload/" + relative);
        }
        catch (BlobStoreException e)
        {
            problems.Add($"{path}: cannot be uploaded: {e.Message}");
            return;
        }
        files.TryAdd(relative, new UploadFile(relative, path, new FileInfo(path).Length));
    }

    private static string ContentTypeOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".json" => "application/json",
        ".jsonl" => "application/jsonl",
        ".txt" or ".text" or ".md" => "text/plain; charset=utf-8",
        _ => BlobPutOptions.DefaultContentType,
    };
}
