using System.Globalization;
using System.Text.Json.Nodes;
using Distill.Training.Tokenizers;

namespace Distill.Training.Tests.Tokenizers;

/// <summary>Small hand-made tokenizer.json files in the styles Distill reads.</summary>
internal static class TestTokenizers
{
    /// <summary>SentencePiece-style pieces after &lt;unk&gt; 0, &lt;s&gt; 1, &lt;/s&gt; 2 and the 256 byte tokens (3..258).</summary>
    public static readonly string[] SentencePiecePieces =
        ["▁", "h", "e", "l", "o", "w", "r", "d", "▁h", "ll", "▁he", "llo", "▁hello", "▁w", "or", "▁wor", "ld", "▁world", "!"];

    /// <summary>Merges over ▁-pieces, in rank order.</summary>
    public static readonly (string Left, string Right)[] SentencePieceMerges =
        [("▁", "h"), ("l", "l"), ("▁h", "e"), ("ll", "o"), ("▁he", "llo"), ("▁", "w"), ("o", "r"), ("▁w", "or"), ("l", "d"), ("▁wor", "ld")];

    /// <summary>The id of a SentencePiece-style piece.</summary>
    public static int Piece(string piece) => 259 + Array.IndexOf(SentencePiecePieces, piece);

    /// <summary>The id of the byte token &lt;0xXX&gt;.</summary>
    public static int Byte(int value) => 3 + value;

    /// <summary>
    /// A Llama-2-style file: newer spelling (Prepend + Replace normalizer, no pre-tokenizer) or older spelling
    /// (Metaspace pre-tokenizer with add_prefix_space); byte fallback, &lt;unk&gt; with fuse_unk, a BOS template.
    /// </summary>
    public static JsonObject SentencePiece(bool olderSpelling, bool legacyMerges = false, bool byteFallback = true, bool fuseUnk = true)
    {
        var vocab = new JsonObject { ["<unk>"] = 0, ["<s>"] = 1, ["</s>"] = 2 };
        for (var b = 0; b < 256; b++)
        {
            vocab[$"<0x{b.ToString("X2", CultureInfo.InvariantCulture)}>"] = Byte(b);
        }
        foreach (var piece in SentencePiecePieces)
        {
            vocab[piece] = Piece(piece);
        }
        var file = new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = new JsonArray(
                AddedTokenJson(0, "<unk>", special: true),
                AddedTokenJson(1, "<s>", special: true),
                AddedTokenJson(2, "</s>", special: true)),
            ["normalizer"] = olderSpelling
                ? null
                : new JsonObject
                {
                    ["type"] = "Sequence",
                    ["normalizers"] = new JsonArray(
                        new JsonObject { ["type"] = "Prepend", ["prepend"] = "▁" },
                        new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["String"] = " " }, ["content"] = "▁" }),
                },
            ["pre_tokenizer"] = olderSpelling
                ? new JsonObject { ["type"] = "Metaspace", ["replacement"] = "▁", ["add_prefix_space"] = true }
                : null,
            ["post_processor"] = new JsonObject
            {
                ["type"] = "TemplateProcessing",
                ["single"] = new JsonArray(
                    new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = "<s>", ["type_id"] = 0 } },
                    new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } }),
                ["pair"] = new JsonArray(),
                ["special_tokens"] = new JsonObject
                {
                    ["<s>"] = new JsonObject { ["id"] = "<s>", ["ids"] = new JsonArray(1), ["tokens"] = new JsonArray("<s>") },
                },
            },
            ["decoder"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["decoders"] = new JsonArray(
                    new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["String"] = "▁" }, ["content"] = " " },
                    new JsonObject { ["type"] = "ByteFallback" },
                    new JsonObject { ["type"] = "Fuse" },
                    new JsonObject { ["type"] = "Strip", ["content"] = " ", ["start"] = 1, ["stop"] = 0 }),
            },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["dropout"] = null,
                ["unk_token"] = "<unk>",
                ["continuing_subword_prefix"] = null,
                ["end_of_word_suffix"] = null,
                ["fuse_unk"] = fuseUnk,
                ["byte_fallback"] = byteFallback,
                ["ignore_merges"] = false,
                ["vocab"] = vocab,
                ["merges"] = Merges(SentencePieceMerges, legacyMerges),
            },
        };
        return file;
    }

    /// <summary>
    /// A Llama-3-style file: Split(Regex, Isolated) then ByteLevel(use_regex false), the 256 byte tokens as ids 0..255,
    /// then the merged tokens, a special &lt;|begin_of_text|&gt; added by the template.
    /// </summary>
    public static JsonObject ByteLevelSplit((string Left, string Right)[] merges, string[] extraTokens, bool ignoreMerges)
    {
        var vocab = new JsonObject();
        var id = 0;
        foreach (var c in ByteLevelAlphabet.Characters)
        {
            vocab[c.ToString()] = id++;
        }
        foreach (var token in extraTokens)
        {
            vocab[token] = id++;
        }
        var bos = id;
        return new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = new JsonArray(AddedTokenJson(bos, "<|begin_of_text|>", special: true)),
            ["normalizer"] = null,
            ["pre_tokenizer"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["pretokenizers"] = new JsonArray(
                    new JsonObject
                    {
                        ["type"] = "Split",
                        ["pattern"] = new JsonObject { ["Regex"] = Llama3Pattern },
                        ["behavior"] = "Isolated",
                        ["invert"] = false,
                    },
                    new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = false }),
            },
            ["post_processor"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["processors"] = new JsonArray(
                    new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = true, ["trim_offsets"] = false, ["use_regex"] = true },
                    new JsonObject
                    {
                        ["type"] = "TemplateProcessing",
                        ["single"] = new JsonArray(
                            new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = "<|begin_of_text|>", ["type_id"] = 0 } },
                            new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } }),
                        ["pair"] = new JsonArray(),
                        ["special_tokens"] = new JsonObject
                        {
                            ["<|begin_of_text|>"] = new JsonObject { ["id"] = "<|begin_of_text|>", ["ids"] = new JsonArray(bos), ["tokens"] = new JsonArray("<|begin_of_text|>") },
                        },
                    }),
            },
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = true, ["trim_offsets"] = true, ["use_regex"] = true },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["dropout"] = null,
                ["unk_token"] = null,
                ["continuing_subword_prefix"] = null,
                ["end_of_word_suffix"] = null,
                ["fuse_unk"] = false,
                ["byte_fallback"] = false,
                ["ignore_merges"] = ignoreMerges,
                ["vocab"] = vocab,
                ["merges"] = Merges(merges, legacy: false),
            },
        };
    }

    /// <summary>Llama-3's pre-tokenization pattern.</summary>
    public const string Llama3Pattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    public static JsonObject AddedTokenJson(int id, string content, bool special, bool lstrip = false, bool rstrip = false, bool singleWord = false, bool normalized = false) => new()
    {
        ["id"] = id,
        ["content"] = content,
        ["single_word"] = singleWord,
        ["lstrip"] = lstrip,
        ["rstrip"] = rstrip,
        ["normalized"] = normalized,
        ["special"] = special,
    };

    public static JsonArray Merges((string Left, string Right)[] merges, bool legacy)
    {
        var array = new JsonArray();
        foreach (var (left, right) in merges)
        {
            array.Add(legacy ? JsonValue.Create($"{left} {right}") : new JsonArray(left, right));
        }
        return array;
    }

    public static BpeTokenizer Load(JsonObject file) => BpeTokenizer.FromJson(file.ToJsonString());
}
