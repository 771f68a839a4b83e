using System.Text.Json.Serialization;

namespace Distill.Training.Data;

/// <summary>
/// The index.json of a tokenized dataset folder: its shards, shape and where it came from. It is written last and
/// atomically, so a folder without it is incomplete. The block layout is <see cref="OverlappingLayout"/>: each stored
/// block holds <see cref="BlockSize"/> + 1 tokens; a block's inputs are its tokens [0, BlockSize) and its targets
/// tokens [1, BlockSize], so every input position has a next-token target; block i + 1 starts with block i's last
/// token (consecutive blocks overlap by one token, so the token stream is used without gaps).
/// </summary>
public sealed record TokenDatasetIndex
{
    public const string FormatName = "distill-token-dataset";
    public const int CurrentVersion = 1;
    public const string OverlappingLayout = "overlapping";
    public const string U16 = "u16";
    public const string U32 = "u32";

    [JsonPropertyName("format")]
    public string Format { get; init; } = FormatName;

    [JsonPropertyName("version")]
    public int Version { get; init; } = CurrentVersion;

    /// <summary>A hash of the inputs, the tokenizer and the options: equal keys mean the folder can be reused.</summary>
    [JsonPropertyName("key")]
    public required string Key { get; init; }

    /// <summary>The identity the caller gave the tokenizer (for example its file's sha256).</summary>
    [JsonPropertyName("tokenizer")]
    public required string Tokenizer { get; init; }

    /// <summary>Input positions per block (the context length); a stored block holds one token more.</summary>
    [JsonPropertyName("block_size")]
    public required int BlockSize { get; init; }

    /// <summary>How blocks are laid out; <see cref="OverlappingLayout"/> (see the type's summary).</summary>
    [JsonPropertyName("layout")]
    public string Layout { get; init; } = OverlappingLayout;

    /// <summary>Tokens stored per block: <see cref="BlockSize"/> + 1.</summary>
    [JsonPropertyName("stored_block_tokens")]
    public required int StoredBlockTokens { get; init; }

    /// <summary>"u16" or "u32" little-endian token ids.</summary>
    [JsonPropertyName("token_type")]
    public required string TokenType { get; init; }

    [JsonPropertyName("vocab_size")]
    public required int VocabSize { get; init; }

    /// <summary>The id placed after every document, or null when the tokenizer has none.</summary>
    [JsonPropertyName("eos_token_id")]
    public int? EosTokenId { get; init; }

    [JsonPropertyName("train")]
    public required TokenSplitIndex Train { get; init; }

    [JsonPropertyName("validation")]
    public required TokenSplitIndex Validation { get; init; }

    [JsonPropertyName("sources")]
    public required IReadOnlyList<TokenSourceInfo> Sources { get; init; }

    /// <summary>Problems met and skipped while reading the inputs.</summary>
    [JsonPropertyName("skipped")]
    public IReadOnlyList<string> Skipped { get; init; } = [];

    /// <summary>The index of one split.</summary>
    public TokenSplitIndex Split(DataSplit split) => split switch
    {
        DataSplit.Train => Train,
        DataSplit.Validation => Validation,
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, "not a split"),
    };
}

/// <summary>One split: its shard files, block count and whether it carries a loss mask.</summary>
public sealed record TokenSplitIndex
{
    [JsonPropertyName("documents")]
    public required long Documents { get; init; }

    /// <summary>Tokens in the split's stream, end-of-document ids included.</summary>
    [JsonPropertyName("tokens")]
    public required long Tokens { get; init; }

    [JsonPropertyName("blocks")]
    public required long Blocks { get; init; }

    /// <summary>Tokens at the end that did not fill a block.</summary>
    [JsonPropertyName("dropped_tokens")]
    public required long DroppedTokens { get; init; }

    /// <summary>True when some shard has a .mask file (some tokens must not count as targets).</summary>
    [JsonPropertyName("has_mask")]
    public required bool HasMask { get; init; }

    [JsonPropertyName("shards")]
    public required IReadOnlyList<TokenShardInfo> Shards { get; init; }
}

/// <summary>
/// A shard file and how many blocks it holds. When <see cref="HasMask"/>, a file of the same name with the extension
/// .mask holds one byte per stored token: 1 when the token counts as a target, 0 when it does not (a chat prompt).
/// Shards without a mask count every target.
/// </summary>
public sealed record TokenShardInfo(
    [property: JsonPropertyName("file")] string File,
    [property: JsonPropertyName("blocks")] long Blocks,
    [property: JsonPropertyName("mask")] bool HasMask);

/// <summary>An input file and what it contributed.</summary>
public sealed record TokenSourceInfo(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("documents")] long Documents);
