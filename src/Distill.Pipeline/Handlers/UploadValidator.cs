using System.Globalization;
using System.Text;
using System.Text.Json;
using Distill.Contracts.Checkpoints;
using Distill.Contracts.Manifests;
using Distill.Contracts.Models;
using Distill.Contracts.Storage;
using Distill.Pipeline.Storage;

namespace Distill.Pipeline.Handlers;

/// <summary>
/// Checks an upload without the tensor engine before a run is created: the manifest parses; the teacher folder has a
/// readable config.json, weights whose safetensors headers are sound against the blobs' lengths (model.safetensors,
/// or the sharded index and every shard: two ranged reads each, so a truncated file is caught here), and a
/// tokenizer.json object with a <c>model</c>; every data path names a non-empty file or a folder with data files; and
/// the manifest fits the teacher (<see cref="PipelineManifest.Validate(ModelConfig)"/>). Every problem is collected,
/// each naming its blob. Failures to reach the store are not problems: they propagate, to be retried.
/// </summary>
public sealed class UploadValidator(IBlobStore blobs)
{
    /// <summary>Extensions of the files a data folder contributes (as the data reader takes them).</summary>
    public static IReadOnlyList<string> DataFileExtensions { get; } = [".jsonl", ".txt", ".text", ".md"];

    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Validates the upload <paramref name="uploadId"/> whose manifest holds <paramref name="manifestBytes"/>.</summary>
    public async Task<UploadValidation> ValidateAsync(string uploadId, ReadOnlyMemory<byte> manifestBytes, CancellationToken cancellationToken)
    {
        var manifestLocation = BlobPaths.UploadManifest(uploadId);
        var sha256 = PipelineManifest.Sha256(manifestBytes.Span);
        var problems = new List<string>();
        var manifest = ParseManifest(manifestLocation, manifestBytes, problems, out var text);
        if (manifest is null)
        {
            return new UploadValidation { Name = NameIn(text) ?? uploadId, ManifestSha256 = sha256, Problems = problems };
        }

        var teacher = await CheckTeacherAsync(uploadId, manifest, problems, cancellationToken).ConfigureAwait(false);
        await CheckDataAsync(uploadId, manifest, problems, cancellationToken).ConfigureAwait(false);
        if (teacher is not null)
        {
            problems.AddRange(manifest.Validate(teacher).Select(problem => $"{manifestLocation}: {problem}"));
        }
        return new UploadValidation
        {
            Name = manifest.Name ?? uploadId,
            ManifestSha256 = sha256,
            Manifest = manifest,
            TeacherConfig = teacher,
            Problems = problems,
        };
    }

    private static PipelineManifest? ParseManifest(BlobLocation location, ReadOnlyMemory<byte> bytes, List<string> problems, out string? text)
    {
        text = null;
        try
        {
            text = s_strictUtf8.GetString(bytes.Span).TrimStart('\uFEFF');
        }
        catch (DecoderFallbackException)
        {
            problems.Add($"{location}: the manifest is not UTF-8 text");
            return null;
        }
        try
        {
            return PipelineManifest.Parse(text, location.ToString());
        }
        catch (ManifestException e)
        {
            problems.AddRange(e.Problems.Select(problem => $"{location}: {problem}"));
            return null;
        }
    }

    /// <summary>The manifest's name when it is a valid id, even in a manifest that is otherwise invalid.</summary>
    internal static string? NameIn(string? text)
    {
        if (text is null)
        {
            return null;
        }
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("name", out var name)
                && name.ValueKind == JsonValueKind.String
                && BlobPaths.IsValidId(name.GetString())
                ? name.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private async Task<ModelConfig?> CheckTeacherAsync(string uploadId, PipelineManifest manifest, List<string> problems, CancellationToken cancellationToken)
    {
        var folder = BlobPaths.UploadFile(uploadId, manifest.Teacher.Path.TrimEnd('/'));
        var files = new Dictionary<string, BlobItem>(StringComparer.Ordinal);
        await foreach (var item in blobs.ListFolderAsync(folder, cancellationToken).ConfigureAwait(false))
        {
            files[item.Name[folder.Prefix.Length..]] = item;
        }
        if (files.Count == 0)
        {
            problems.Add($"{folder}/: the teacher folder is missing or empty (teacher.path is '{manifest.Teacher.Path}'); it needs config.json, tokenizer.json and model.safetensors");
            return null;
        }

        var config = await ReadConfigAsync(folder, files, problems, cancellationToken).ConfigureAwait(false);
        await CheckWeightsAsync(folder, files, problems, cancellationToken).ConfigureAwait(false);
        await CheckTokenizerAsync(folder, files, problems, cancellationToken).ConfigureAwait(false);
        return config;
    }

    private async Task<ModelConfig?> ReadConfigAsync(BlobLocation folder, Dictionary<string, BlobItem> files, List<string> problems, CancellationToken cancellationToken)
    {
        var location = folder.Child("config.json");
        if (!files.ContainsKey("config.json"))
        {
            problems.Add($"{location}: missing; the teacher folder needs the model's Hugging Face config.json");
            return null;
        }
        var text = await ReadTextAsync(location, problems, cancellationToken).ConfigureAwait(false);
        if (text is null)
        {
            return null;
        }
        try
        {
            return ModelConfig.Parse(text, location.ToString());
        }
        catch (ModelConfigException e)
        {
            problems.Add(e.Message);
            return null;
        }
    }

    private async Task CheckWeightsAsync(BlobLocation folder, Dictionary<string, BlobItem> files, List<string> problems, CancellationToken cancellationToken)
    {
        try
        {
            if (files.TryGetValue(SafeTensorsIndex.SingleFileName, out var single))
            {
                var header = await ReadHeaderAsync(folder.Child(SafeTensorsIndex.SingleFileName), single.Properties.Length, cancellationToken).ConfigureAwait(false);
                if (header.Entries.Count == 0)
                {
                    problems.Add($"{header.FilePath}: holds no tensors");
                }
                return;
            }
            if (!files.ContainsKey(SafeTensorsIndex.FileName))
            {
                problems.Add($"{folder}/: no weights; the teacher folder needs {SafeTensorsIndex.SingleFileName}, or {SafeTensorsIndex.FileName} and its shards");
                return;
            }
            var indexLocation = folder.Child(SafeTensorsIndex.FileName);
            var indexBytes = await blobs.TryReadAllBytesAsync(indexLocation.ToAddress(), cancellationToken).ConfigureAwait(false);
            if (indexBytes is null)
            {
                problems.Add($"{indexLocation}: deleted while the upload was being checked");
                return;
            }
            var index = SafeTensorsIndex.Parse(indexLocation.ToString(), indexBytes.Value.Content);
            var headers = new List<SafeTensorsHeader>();
            var complete = true;
            foreach (var shard in index.ShardNames)
            {
                if (!files.TryGetValue(shard, out var item))
                {
                    problems.Add(index.MissingShard(shard, folder + "/").Message);
                    complete = false;
                    continue;
                }
                try
                {
                    headers.Add(await ReadHeaderAsync(folder.Child(shard), item.Properties.Length, cancellationToken).ConfigureAwait(false));
                }
                catch (SafeTensorsFormatException e)
                {
                    problems.Add(e.Message);
                    complete = false;
                }
            }
            if (complete)
            {
                index.Verify(headers);
            }
        }
        catch (SafeTensorsFormatException e)
        {
            problems.Add(e.Message);
        }
    }

    /// <summary>The header of a safetensors blob, from two ranged reads: the 8-byte length, then the JSON.</summary>
    private async Task<SafeTensorsHeader> ReadHeaderAsync(BlobLocation location, long length, CancellationToken cancellationToken)
    {
        var address = location.ToAddress();
        var name = location.ToString();
        var start = await blobs.ReadRangeAsync(address, 0, SafeTensorsHeader.LengthFieldSize, length, cancellationToken).ConfigureAwait(false);
        var headerLength = SafeTensorsHeader.ReadLength(name, start, length);
        var json = await blobs.ReadRangeAsync(address, SafeTensorsHeader.LengthFieldSize, headerLength, length, cancellationToken).ConfigureAwait(false);
        return SafeTensorsHeader.Parse(name, json, length);
    }

    private async Task CheckTokenizerAsync(BlobLocation folder, Dictionary<string, BlobItem> files, List<string> problems, CancellationToken cancellationToken)
    {
        var location = folder.Child("tokenizer.json");
        if (!files.ContainsKey("tokenizer.json"))
        {
            problems.Add($"{location}: missing; the teacher folder needs the tokenizer's tokenizer.json (the student shares it)");
            return;
        }
        var text = await ReadTextAsync(location, problems, cancellationToken).ConfigureAwait(false);
        if (text is null)
        {
            return;
        }
        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                problems.Add($"{location}: must be a JSON object, got {document.RootElement.ValueKind}");
            }
            else if (!document.RootElement.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object)
            {
                problems.Add($"{location}: has no 'model' object; it is not a tokenizer.json of the tokenizers library");
            }
        }
        catch (JsonException e)
        {
            problems.Add($"{location}: not valid JSON: {e.Message}");
        }
    }

    private async Task CheckDataAsync(string uploadId, PipelineManifest manifest, List<string> problems, CancellationToken cancellationToken)
    {
        var skipEmpty = manifest.Data.InvalidRecords == InvalidRecordAction.Skip;
        var paths = (manifest.Data.Train ?? []).Select((path, i) => (Field: Invariant($"data.train[{i}]"), Path: path))
            .Concat((manifest.Data.Validation ?? []).Select((path, i) => (Field: Invariant($"data.validation[{i}]"), Path: path)));
        foreach (var (field, path) in paths)
        {
            var location = BlobPaths.UploadFile(uploadId, path.TrimEnd('/'));
            if (!path.EndsWith('/') && await blobs.TryGetPropertiesAsync(location.ToAddress(), cancellationToken).ConfigureAwait(false) is { } file)
            {
                if (file.Length == 0)
                {
                    problems.Add($"{location}: the data file is empty ({field})");
                }
                continue;
            }

            var any = false;
            var dataFiles = 0;
            var nonEmpty = 0;
            var empty = new List<string>();
            await foreach (var item in blobs.ListFolderAsync(location, cancellationToken).ConfigureAwait(false))
            {
                any = true;
                if (!IsDataFile(item.Name))
                {
                    continue;
                }
                dataFiles++;
                if (item.Properties.Length > 0)
                {
                    nonEmpty++;
                }
                else
                {
                    empty.Add($"{location.Container}/{item.Name}");
                }
            }
            if (!any)
            {
                problems.Add($"{location}: no such file or folder in the upload ({field})");
            }
            else if (dataFiles == 0)
            {
                problems.Add($"{location}/: the folder holds no {string.Join(", ", DataFileExtensions.SkipLast(1))} or {DataFileExtensions[^1]} files ({field})");
            }
            else if (nonEmpty == 0)
            {
                problems.Add($"{location}/: every data file in the folder is empty ({field})");
            }
            else if (!skipEmpty)
            {
                problems.AddRange(empty.Select(name => $"{name}: the data file is empty ({field}); remove it, or set data.invalidRecords to 'skip'"));
            }
        }
    }

    /// <summary>A file a data folder contributes: a known extension, and a name not starting with '.'.</summary>
    public static bool IsDataFile(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var fileName = name[(name.LastIndexOf('/') + 1)..];
        return !fileName.StartsWith('.')
            && DataFileExtensions.Any(extension => fileName.EndsWith(extension, StringComparison.OrdinalIgnoreCase));
    }

    private async Task<string?> ReadTextAsync(BlobLocation location, List<string> problems, CancellationToken cancellationToken)
    {
        var read = await blobs.TryReadAllBytesAsync(location.ToAddress(), cancellationToken).ConfigureAwait(false);
        if (read is null)
        {
            problems.Add($"{location}: deleted while the upload was being checked");
            return null;
        }
        try
        {
            return s_strictUtf8.GetString(read.Value.Content).TrimStart('\uFEFF');
        }
        catch (DecoderFallbackException)
        {
            problems.Add($"{location}: not UTF-8 text");
            return null;
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
