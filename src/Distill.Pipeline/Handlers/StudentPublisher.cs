using System.Security.Cryptography;
using System.Text;
using Distill.Contracts.Checkpoints;
using Distill.Contracts.Manifests;
using Distill.Contracts.Models;
using Distill.Contracts.Runs;
using Distill.Contracts.Stages;
using Distill.Contracts.Storage;
using Distill.Pipeline.Storage;

namespace Distill.Pipeline.Handlers;

/// <summary>
/// Publishes a run's student: copies the distill stage's <c>student</c> artifact (a Hugging Face folder) blob by blob,
/// streamed, to <c>models/{name}/{runId}/</c>, and writes the model card (<see cref="ModelCard"/>) there. Publishing
/// again is harmless: a blob already copied from the same source version (its ETag is kept in the copy's metadata) is
/// not copied again, and the card is rewritten.
/// </summary>
public sealed class StudentPublisher(PipelineContext context)
{
    /// <summary>The metadata name under which a published blob keeps the ETag of the artifact blob it was copied from.</summary>
    public const string SourceETagMetadata = "sourceEtag";

    /// <summary>Publishes the student of <paramref name="state"/> (every stage completed) and returns the run's result.</summary>
    /// <param name="manifestJson">The manifest as uploaded, for the card.</param>
    /// <exception cref="StudentPublicationException">The artifact or the upload cannot make a published model; the message names the blob.</exception>
    public async Task<RunResult> PublishAsync(RunState state, PipelineManifest manifest, string manifestJson, TeacherComparison comparison, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(comparison);
        var runId = state.RunId;
        var source = StudentArtifact(state);
        var target = BlobPaths.PublishedModel(manifest.OutputName() ?? state.Name, runId);

        var files = new List<BlobItem>();
        await foreach (var item in context.Blobs.ListFolderAsync(source, cancellationToken).ConfigureAwait(false))
        {
            files.Add(item);
        }
        var names = files.Select(f => f.Name[source.Prefix.Length..]).ToHashSet(StringComparer.Ordinal);
        if (files.Count == 0)
        {
            throw new StudentPublicationException($"{source}/: the student artifact is missing; the distill stage must write the student there");
        }
        if (!names.Contains("config.json"))
        {
            throw new StudentPublicationException($"{source}/config.json: missing; the student artifact must be a Hugging Face folder");
        }
        if (!names.Contains(SafeTensorsIndex.SingleFileName) && !names.Contains(SafeTensorsIndex.FileName))
        {
            throw new StudentPublicationException($"{source}/: no {SafeTensorsIndex.SingleFileName} (or {SafeTensorsIndex.FileName}); the student artifact has no weights");
        }
        var studentConfig = await ReadConfigAsync(source.Child("config.json"), cancellationToken).ConfigureAwait(false);

        foreach (var file in files)
        {
            var relative = file.Name[source.Prefix.Length..];
            if (relative == ModelCard.FileName)
            {
                continue;
            }
            await CopyAsync(new BlobAddress(source.Container, file.Name), file.Properties, target.Child(relative).ToAddress(), cancellationToken).ConfigureAwait(false);
        }

        var teacherFolder = BlobPaths.UploadFile(runId, manifest.Teacher.Path.TrimEnd('/'));
        var lineage = new List<LineageFile>();
        await foreach (var item in context.Blobs.ListFolderAsync(teacherFolder, cancellationToken).ConfigureAwait(false))
        {
            lineage.Add(new LineageFile("teacher", $"{teacherFolder.Container}/{item.Name}", item.Properties.Length, item.Properties.ETag));
        }
        var teacherConfig = await ReadConfigAsync(teacherFolder.Child("config.json"), cancellationToken).ConfigureAwait(false);
        var data = await ListDataAsync(runId, manifest, cancellationToken).ConfigureAwait(false);
        lineage.AddRange(data);

        var evaluate = state.Stages[^1];
        var card = ModelCard.Write(new ModelCardContent
        {
            ModelName = target.Name[..target.Name.IndexOf('/', StringComparison.Ordinal)],
            RunId = runId,
            PublishedAt = context.Now,
            Student = target,
            StudentConfig = studentConfig,
            Teacher = teacherFolder,
            TeacherConfig = teacherConfig,
            Manifest = manifest,
            ManifestJson = manifestJson,
            ManifestSha256 = state.ManifestSha256,
            Files = lineage,
            DataHash = DataHash(data),
            Comparison = comparison,
            Stages = state.Stages,
            Report = BlobPaths.Report(runId),
        });
        await context.Blobs.PutAsync(target.Child(ModelCard.FileName).ToAddress(), new MemoryStream(Encoding.UTF8.GetBytes(card)),
            new BlobPutOptions { ContentType = ModelCard.ContentType }, cancellationToken).ConfigureAwait(false);

        return new RunResult
        {
            Student = target,
            Report = BlobPaths.Report(runId),
            Metrics = evaluate.Metrics,
            Comparison = comparison,
        };
    }

    /// <summary>
    /// SHA-256 (lowercase hex) over one line per data file, <c>{blob}\t{length}\t{etag}\n</c>, in ordinal order of the
    /// blob names: it changes when any data file is added, removed or rewritten.
    /// </summary>
    public static string DataHash(IEnumerable<LineageFile> dataFiles)
    {
        ArgumentNullException.ThrowIfNull(dataFiles);
        var text = new StringBuilder();
        foreach (var file in dataFiles.OrderBy(f => f.Blob, StringComparer.Ordinal))
        {
            text.Append(file.Blob).Append('\t').Append(file.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('\t').Append(file.ETag).Append('\n');
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>The distill stage's <c>student</c> artifact as it reported it, else where it belongs (<c>runs/{runId}/artifacts/student</c>).</summary>
    public static BlobLocation StudentArtifact(RunState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        foreach (var stage in state.Stages.Reverse())
        {
            if (stage.Artifacts.TryGetValue(ArtifactNames.Student, out var path) && ParseLocation(path) is { } location)
            {
                return location;
            }
        }
        return BlobPaths.Artifact(state.RunId, ArtifactNames.Student);
    }

    /// <summary><c>{container}/{name}</c> (a trailing '/' allowed) as a location; null when it is not one.</summary>
    private static BlobLocation? ParseLocation(string path)
    {
        var trimmed = path.Trim().TrimEnd('/');
        var slash = trimmed.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == trimmed.Length - 1)
        {
            return null;
        }
        try
        {
            var location = new BlobLocation { Container = trimmed[..slash], Name = trimmed[(slash + 1)..] };
            _ = location.ToAddress();
            return location;
        }
        catch (BlobStoreException)
        {
            return null;
        }
    }

    private async Task CopyAsync(BlobAddress source, BlobProperties sourceProperties, BlobAddress target, CancellationToken cancellationToken)
    {
        if (await context.Blobs.TryGetPropertiesAsync(target, cancellationToken).ConfigureAwait(false) is { } existing
            && existing.Length == sourceProperties.Length
            && existing.Metadata.Any(m => string.Equals(m.Key, SourceETagMetadata, StringComparison.OrdinalIgnoreCase) && m.Value == sourceProperties.ETag))
        {
            return;
        }
        await context.Blobs.CopyAsync(source, target, new Dictionary<string, string> { [SourceETagMetadata] = sourceProperties.ETag }, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ModelConfig> ReadConfigAsync(BlobLocation location, CancellationToken cancellationToken)
    {
        var read = await context.Blobs.TryReadAllBytesAsync(location.ToAddress(), cancellationToken).ConfigureAwait(false)
            ?? throw new StudentPublicationException($"{location}: missing (it was there when the run was accepted)");
        try
        {
            return ModelConfig.Parse(Encoding.UTF8.GetString(read.Content), location.ToString());
        }
        catch (ModelConfigException e)
        {
            throw new StudentPublicationException(e.Message, e);
        }
    }

    /// <summary>Every data file the manifest names (a file, or the data files of a folder), with its size and ETag.</summary>
    private async Task<List<LineageFile>> ListDataAsync(string runId, PipelineManifest manifest, CancellationToken cancellationToken)
    {
        var files = new List<LineageFile>();
        var splits = (manifest.Data.Train ?? []).Select(path => ("train", path))
            .Concat((manifest.Data.Validation ?? []).Select(path => ("validation", path)));
        foreach (var (role, path) in splits)
        {
            var location = BlobPaths.UploadFile(runId, path.TrimEnd('/'));
            if (!path.EndsWith('/') && await context.Blobs.TryGetPropertiesAsync(location.ToAddress(), cancellationToken).ConfigureAwait(false) is { } file)
            {
                files.Add(new LineageFile(role, location.ToString(), file.Length, file.ETag));
                continue;
            }
            await foreach (var item in context.Blobs.ListFolderAsync(location, cancellationToken).ConfigureAwait(false))
            {
                if (UploadValidator.IsDataFile(item.Name))
                {
                    files.Add(new LineageFile(role, $"{location.Container}/{item.Name}", item.Properties.Length, item.Properties.ETag));
                }
            }
        }
        return files;
    }
}
