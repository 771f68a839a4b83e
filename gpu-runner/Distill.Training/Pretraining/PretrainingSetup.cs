using System.Globalization;
using Distill.Contracts.Models;
using Distill.Training.Data;

namespace Distill.Training.Pretraining;

/// <summary>
/// The settings of a pretraining that must not change between its sessions (everything but the number of steps), kept
/// as <c>run.json</c> in the work area: a rerun with equal settings resumes, one with other settings is refused with
/// each difference named. Also the <c>setup</c> section of training.json.
/// </summary>
public sealed record PretrainingSetup
{
    public const string FormatName = "distill-pretraining-run";
    public const int CurrentVersion = 1;

    /// <summary>The <see cref="Tokenizer"/> value of a tokenizer trained on the inputs.</summary>
    public const string TrainedTokenizer = "trained";

    public string Format { get; init; } = FormatName;

    public int Version { get; init; } = CurrentVersion;

    /// <summary>The input files and folders, as full paths in ordinal order.</summary>
    public required IReadOnlyList<string> Inputs { get; init; }

    /// <summary><see cref="TrainedTokenizer"/>, or the identity of the tokenizer given (sha256 of its tokenizer.json).</summary>
    public required string Tokenizer { get; init; }

    /// <summary>The size asked of a trained tokenizer; null when a tokenizer was given.</summary>
    public int? VocabSize { get; init; }

    /// <summary>The config's model_type: gpt2 or llama.</summary>
    public required string ModelType { get; init; }

    public required int Layers { get; init; }

    public required int HiddenSize { get; init; }

    public required int Heads { get; init; }

    public required int KeyValueHeads { get; init; }

    public required int IntermediateSize { get; init; }

    public required int BlockSize { get; init; }

    public required string TextField { get; init; }

    /// <summary>How plain text files were cut into documents (<see cref="DataOptions.DescribeTextDocuments"/>).</summary>
    public string TextDocuments { get; init; } = "paragraphs";

    /// <summary>"fail" or "skip".</summary>
    public required string InvalidRecords { get; init; }

    public required double ValidationFraction { get; init; }

    public required int BatchSize { get; init; }

    public required double LearningRate { get; init; }

    public required long WarmupSteps { get; init; }

    public required ulong Seed { get; init; }

    /// <summary>"cpu" or "cuda:N".</summary>
    public required string Device { get; init; }

    /// <summary>The setup of <paramref name="options"/> with the shape its config resolves to.</summary>
    public static PretrainingSetup Create(PretrainingOptions options, string tokenizer)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(tokenizer);
        var config = options.CreateConfig(vocabSize: 512);
        return new PretrainingSetup
        {
            Inputs = options.Inputs.Select(Path.GetFullPath).Order(StringComparer.Ordinal).ToList(),
            Tokenizer = tokenizer,
            VocabSize = tokenizer == TrainedTokenizer ? options.VocabSize : null,
            ModelType = config.ModelType,
            Layers = config.NumLayers,
            HiddenSize = config.HiddenSize,
            Heads = config.NumHeads,
            KeyValueHeads = config.NumKeyValueHeads,
            IntermediateSize = config.IntermediateSize,
            BlockSize = options.BlockSize,
            TextField = options.TextField,
            TextDocuments = options.ToDataOptions().DescribeTextDocuments(),
            InvalidRecords = options.InvalidRecords == InvalidRecordPolicy.Skip ? "skip" : "fail",
            ValidationFraction = options.ValidationFraction,
            BatchSize = options.BatchSize,
            LearningRate = options.LearningRate,
            WarmupSteps = options.WarmupSteps,
            Seed = options.Seed,
            Device = options.Device.ToString(),
        };
    }

    /// <summary>Each setting that differs from <paramref name="earlier"/>, as "name: this value (the earlier training: that value)".</summary>
    public IReadOnlyList<string> Differences(PretrainingSetup earlier)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        var theirs = earlier.Fields().ToDictionary(f => f.Name, f => f.Value, StringComparer.Ordinal);
        return Fields()
            .Where(f => theirs.GetValueOrDefault(f.Name) != f.Value)
            .Select(f => $"{f.Name}: {f.Value} (the earlier training: {theirs.GetValueOrDefault(f.Name) ?? "not set"})")
            .ToList();
    }

    private IEnumerable<(string Name, string Value)> Fields()
    {
        var culture = CultureInfo.InvariantCulture;
        yield return ("inputs", string.Join(", ", Inputs));
        yield return ("tokenizer", Tokenizer);
        yield return ("vocabulary size", VocabSize?.ToString(culture) ?? "that of the tokenizer");
        yield return ("family", ModelType);
        yield return ("layers", Layers.ToString(culture));
        yield return ("hidden size", HiddenSize.ToString(culture));
        yield return ("heads", Heads.ToString(culture));
        yield return ("key/value heads", KeyValueHeads.ToString(culture));
        yield return ("intermediate size", IntermediateSize.ToString(culture));
        yield return ("block size", BlockSize.ToString(culture));
        yield return ("text field", TextField);
        yield return ("text documents", TextDocuments);
        yield return ("invalid records", InvalidRecords);
        yield return ("validation fraction", ValidationFraction.ToString("R", culture));
        yield return ("batch size", BatchSize.ToString(culture));
        yield return ("learning rate", LearningRate.ToString("R", culture));
        yield return ("warmup steps", WarmupSteps.ToString(culture));
        yield return ("seed", Seed.ToString(culture));
        yield return ("device", Device);
    }
}
