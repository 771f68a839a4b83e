using System.Text.Json.Serialization;

namespace Distill.Training.Data;

/// <summary>The index.json of a tokenized dataset folder: its shards, shape and where it came from.</summary>
public sealed record TokenDatasetIndex
{
    public const string FormatName = "distill-token-dataset";
    public const int CurrentVersion = 1;

    [JsonPropertyName("format")]
    public string Format { get; init; } = FormatName;

    [JsonPropertyName("version")]
    public int Version { get; init; } = CurrentVersion;

    /// <summary>A hash of the inputs, the tokenizer and the options: equal keys mean the folder can be reused.</summary>
    [JsonPropertyName("key")]
    public required string Key { get; init; }

    [JsonPropertyName("block_size")]
    public required int BlockSize { get; init; }

    /// <summary>"u16" or "u32" little-endian token ids.</summary>
    [JsonPropertyName("token_type")]
    public required string TokenType { get; init; }

    [JsonPropertyName("vocab_size")]
    public required int VocabSize { get; init; }

    [JsonPropertyName("train")]
    public required TokenSplitIndex Train { get; init; }

    [JsonPropertyName("validation")]
    public required TokenSplitIndex Validation { get; init; }

    [JsonPropertyName("sources")]
    public required IReadOnlyList<TokenSourceInfo> Sources { get; init; }

    /// <summary>Problems met and skipped while reading the inputs.</summary>
    [JsonPropertyName("skipped")]
    public IReadOnlyList<string> Skipped { get; init; } = [];
}

/// <summary>One split: its shard files, block count and whether it carries a loss mask.</summary>
public sealed record TokenSplitIndex
{
    [JsonPropertyName("documents")]
    public required long Documents { get; init; }

    [JsonPropertyName("tokens")]
    public required long Tokens { get; init; }

    [JsonPropertyName("blocks")]
    public required long Blocks { get; init; }

    /// <summary>Tokens at the end that did not fill a block.</summary>
    [JsonPropertyName("dropped_tokens")]
    public required long DroppedTokens { get; init; }

    [JsonPropertyName("has_mask")]
    public required bool HasMask { get; init; }

    [JsonPropertyName("shards")]
    public required IReadOnlyList<TokenShardInfo> Shards { get; init; }
}

/// <summary>A shard file and how many blocks it holds (its mask file, if any, has the same name with .mask).</summary>
public sealed record TokenShardInfo(
    [property: JsonPropertyName("file")] string File,
    [property: JsonPropertyName("blocks")] long Blocks);

/// <summary>An input file and what it contributed.</summary>
public sealed record TokenSourceInfo(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("documents")] long Documents);
