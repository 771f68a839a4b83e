using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Distill.Training.Data;

namespace Distill.Runner.Stages;

/// <summary>
/// Tokenizes a run's data into one dataset folder: the training inputs with the manifest's held-out share, or, when the
/// manifest names validation files, each side on its own (nothing held out) joined into one folder whose validation
/// split is exactly the validation files.
/// </summary>
internal static partial class DatasetPreparation
{
    private const string TrainSplit = "train";
    private const string ValidationSplit = "validation";

    public static TokenDatasetIndex Build(
        ITextTokenizer tokenizer, string tokenizerId, DataOptions options, IReadOnlyList<string> train, IReadOnlyList<string>? validation,
        string folder, string scratch, CancellationToken cancellationToken)
    {
        if (validation is null)
        {
            return Builder(tokenizer, tokenizerId, options).Build(train, folder, null, cancellationToken).Index;
        }
        var separate = options with { ValidationFraction = 0 };
        var trainPart = Builder(tokenizer, tokenizerId, separate).Build(train, Path.Join(scratch, TrainSplit), null, cancellationToken);
        var validationPart = Builder(tokenizer, tokenizerId, separate).Build(validation, Path.Join(scratch, ValidationSplit), null, cancellationToken);
        return Join(trainPart, validationPart, folder);
    }

    /// <summary>
    /// One dataset of <paramref name="train"/>'s training split and <paramref name="validation"/>'s training split as its
    /// validation split (shards copied and renamed); keyed by both keys.
    /// </summary>
    private static TokenDatasetIndex Join(TokenDatasetBuildResult train, TokenDatasetBuildResult validation, string folder)
    {
        Directory.CreateDirectory(folder);
        foreach (var existing in Directory.EnumerateFiles(folder))
        {
            File.Delete(existing);
        }
        var trainShards = Copy(train, TrainSplit, folder);
        var validationShards = Copy(validation, ValidationSplit, folder);
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"train={train.Index.Key}\nvalidation={validation.Index.Key}\n")));
        var index = train.Index with
        {
            Key = key,
            Train = train.Index.Train with { Shards = trainShards },
            Validation = validation.Index.Train with { Shards = validationShards },
            Sources = [.. train.Index.Sources, .. validation.Index.Sources],
            Skipped = [.. train.Index.Skipped, .. validation.Index.Skipped],
        };
        var path = Path.Join(folder, TokenDataset.IndexFileName);
        File.WriteAllBytes(path + ".tmp", JsonSerializer.SerializeToUtf8Bytes(index, DatasetIndexJsonContext.Default.TokenDatasetIndex));
        File.Move(path + ".tmp", path, overwrite: true);
        return index;
    }

    /// <summary>Copies the training shards of a built dataset into <paramref name="folder"/> as <paramref name="split"/>'s shards.</summary>
    private static List<TokenShardInfo> Copy(TokenDatasetBuildResult source, string split, string folder)
    {
        var shards = new List<TokenShardInfo>();
        for (var i = 0; i < source.Index.Train.Shards.Count; i++)
        {
            var shard = source.Index.Train.Shards[i];
            // The engine's shard names: {split}-{index:D5}.bin, the mask beside it as .mask.
            var name = string.Create(CultureInfo.InvariantCulture, $"{split}-{i:D5}.bin");
            File.Copy(Path.Join(source.Folder, shard.File), Path.Join(folder, name));
            if (shard.HasMask)
            {
                File.Copy(Path.Join(source.Folder, Path.ChangeExtension(shard.File, ".mask")), Path.Join(folder, Path.ChangeExtension(name, ".mask")));
            }
            shards.Add(shard with { File = name });
        }
        return shards;
    }

    private static TokenDatasetBuilder Builder(ITextTokenizer tokenizer, string tokenizerId, DataOptions options) =>
        new(tokenizer, tokenizerId, options) { MaxDegreeOfParallelism = Environment.ProcessorCount };

    /// <summary>index.json as the engine writes it (the property names come from the records' attributes).</summary>
    [JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
    [JsonSerializable(typeof(TokenDatasetIndex))]
    private sealed partial class DatasetIndexJsonContext : JsonSerializerContext;
}
