using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Distill.Training.Tokenizers;

/// <summary>
/// Builds a <see cref="BpeTokenizer"/> from tokenizer.json. Only the components Distill implements are accepted;
/// anything else is a <see cref="TokenizerFormatException"/> naming the file and the JSON path of the component.
/// </summary>
internal static class TokenizerJsonReader
{
    private static readonly string[] s_bosNames = ["<s>", "<|begin_of_text|>", "<|startoftext|>"];
    private static readonly string[] s_eosNames = ["</s>", "<|endoftext|>", "<|end_of_text|>"];
    private static readonly string[] s_padNames = ["<pad>", "<|pad|>"];
    private static readonly JsonSerializerOptions s_quoteOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static BpeTokenizer Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var file = Directory.Exists(path) ? Path.Combine(path, "tokenizer.json") : path;
        if (!File.Exists(file))
        {
            throw new TokenizerFormatException(file, "", "the file does not exist");
        }
        var folder = Path.GetDirectoryName(Path.GetFullPath(file))!;
        var hints = ReadHints(folder);
        return Parse(File.ReadAllText(file, Encoding.UTF8), file, hints);
    }

    public static BpeTokenizer Parse(string json, string source, SpecialTokenHints? hints)
    {
        ArgumentNullException.ThrowIfNull(json);
        using var document = ParseDocument(json, source);
        var root = new TokenizerJsonNode(document.RootElement, "", source);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw root.Error("expected a JSON object at the top level");
        }
        var model = ReadModel(root.Required("model"), source);
        var normalizer = root.Optional("normalizer") is { } n ? ReadNormalizer(n) : null;
        var preTokenizer = root.Optional("pre_tokenizer") is { } p ? ReadPreTokenizer(p) : null;
        var addedTokens = root.Optional("added_tokens") is { } a ? ReadAddedTokens(a, model) : [];
        var decoder = root.Optional("decoder") is { } d ? ReadDecoder(d) : null;
        var postProcessors = new List<TemplatePostProcessor>();
        if (root.Optional("post_processor") is { } post)
        {
            ReadPostProcessor(post, postProcessors);
        }
        var tokenizer = new BpeTokenizer(source, model, addedTokens, normalizer, preTokenizer, decoder, postProcessors);
        AssignSpecialTokens(tokenizer, root, postProcessors, hints);
        return tokenizer;
    }

    private static JsonDocument ParseDocument(string json, string source)
    {
        try
        {
            return JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException exception)
        {
            throw new TokenizerFormatException(source, "", $"invalid JSON: {exception.Message}", exception);
        }
    }

    private static BpeModel ReadModel(TokenizerJsonNode node, string source)
    {
        var type = node.Optional("type")?.GetString() ?? (node.Optional("merges") is not null ? "BPE" : null);
        if (type != "BPE")
        {
            throw new TokenizerFormatException(node.File, node.Child("type"), type is null ? "is missing" : $"model type '{type}' is not supported (only BPE)");
        }
        if (node.Optional("dropout") is { } dropout && dropout.GetDouble() != 0)
        {
            throw dropout.Error("BPE dropout is not supported; it must be null or 0");
        }
        foreach (var affix in new[] { "continuing_subword_prefix", "end_of_word_suffix" })
        {
            if (node.Optional(affix) is { } value && value.GetString().Length > 0)
            {
                throw value.Error($"a non-empty {affix} is not supported");
            }
        }
        var vocabNode = node.Required("vocab");
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        var owners = new Dictionary<int, string>();
        foreach (var (token, value) in vocabNode.Properties())
        {
            var id = value.GetInt32();
            if (id < 0)
            {
                throw value.Error($"the id {id.ToString(CultureInfo.InvariantCulture)} is negative");
            }
            if (owners.TryGetValue(id, out var other))
            {
                throw vocabNode.Error($"the id {id.ToString(CultureInfo.InvariantCulture)} is given to both {Quote(other)} and {Quote(token)}");
            }
            if (!vocab.TryAdd(token, id))
            {
                throw value.Error($"{Quote(token)} appears twice in the vocabulary");
            }
            owners[id] = token;
        }
        var merges = new Dictionary<long, BpeMerge>(PairKeyComparer.Instance);
        if (node.Optional("merges") is { } mergesNode)
        {
            var rank = 0;
            foreach (var item in mergesNode.Items())
            {
                if (!TryReadMerge(item, out var left, out var right))
                {
                    continue;
                }
                var leftId = LookUp(vocab, left, item);
                var rightId = LookUp(vocab, right, item);
                var newId = LookUp(vocab, left + right, item);
                merges[BpeModel.PairKey(leftId, rightId)] = new BpeMerge(rank, newId);
                rank++;
            }
        }
        var unk = node.OptionalString("unk_token");
        return new BpeModel(
            vocab,
            merges,
            unk,
            node.OptionalBoolean("fuse_unk", false),
            node.OptionalBoolean("byte_fallback", false),
            node.OptionalBoolean("ignore_merges", false),
            source);
    }

    /// <summary>A merge as <c>"a b"</c> (legacy) or <c>["a", "b"]</c>; false for a <c>#version</c> line.</summary>
    private static bool TryReadMerge(TokenizerJsonNode item, out string left, out string right)
    {
        if (item.Element.ValueKind == JsonValueKind.String)
        {
            var line = item.GetString();
            if (line.StartsWith("#version", StringComparison.Ordinal))
            {
                left = right = "";
                return false;
            }
            var parts = line.Split(' ');
            if (parts.Length != 2)
            {
                throw item.Error($"a merge written as a string must be two tokens separated by one space, found {Quote(line)}");
            }
            (left, right) = (parts[0], parts[1]);
            return true;
        }
        if (item.Element.ValueKind == JsonValueKind.Array && item.Count() == 2)
        {
            var parts = item.Items().Select(i => i.GetString()).ToArray();
            (left, right) = (parts[0], parts[1]);
            return true;
        }
        throw item.Error("a merge must be \"a b\" or [\"a\", \"b\"]");
    }

    private static int LookUp(Dictionary<string, int> vocab, string token, TokenizerJsonNode item) =>
        vocab.TryGetValue(token, out var id) ? id : throw item.Error($"the merge names {Quote(token)}, which is not in model.vocab");

    private static List<AddedToken> ReadAddedTokens(TokenizerJsonNode node, BpeModel model)
    {
        var tokens = new List<AddedToken>();
        var byId = new Dictionary<int, string>();
        foreach (var item in node.Items())
        {
            var id = item.Required("id").GetInt32();
            var content = item.Required("content").GetString();
            if (id < 0)
            {
                throw item.Error($"the id {id.ToString(CultureInfo.InvariantCulture)} is negative");
            }
            if (byId.TryGetValue(id, out var other) && other != content)
            {
                throw item.Error($"the id {id.ToString(CultureInfo.InvariantCulture)} is given to both {Quote(other)} and {Quote(content)}");
            }
            if (model.Vocab.TryGetValue(content, out var vocabId) && vocabId != id)
            {
                throw item.Error($"{Quote(content)} has id {id.ToString(CultureInfo.InvariantCulture)} here but {vocabId.ToString(CultureInfo.InvariantCulture)} in model.vocab");
            }
            byId[id] = content;
            var special = item.OptionalBoolean("special", false);
            tokens.Add(new AddedToken(
                id,
                content,
                special,
                item.OptionalBoolean("single_word", false),
                item.OptionalBoolean("lstrip", false),
                item.OptionalBoolean("rstrip", false),
                item.OptionalBoolean("normalized", !special)));
        }
        return tokens;
    }

    private static ITokenizerNormalizer ReadNormalizer(TokenizerJsonNode node) => node.GetTypeTag() switch
    {
        "NFC" => new NfcNormalizer(),
        "Prepend" => new PrependNormalizer(node.Required("prepend").GetString()),
        "Replace" => new ReplaceNormalizer(TextPattern.Read(node.Required("pattern")), node.Required("content").GetString()),
        "Sequence" => new SequenceNormalizer(node.Required("normalizers").Items().Select(ReadNormalizer).ToList()),
        var other => throw node.Error($"type '{other}' is not supported"),
    };

    private static IPreTokenizer ReadPreTokenizer(TokenizerJsonNode node) => node.GetTypeTag() switch
    {
        "ByteLevel" => new ByteLevelPreTokenizer(node.OptionalBoolean("add_prefix_space", true), node.OptionalBoolean("use_regex", true)),
        "Split" => new SplitPreTokenizer(
            TextPattern.Read(node.Required("pattern")),
            ReadBehavior(node.Required("behavior")),
            node.OptionalBoolean("invert", false)),
        "Metaspace" => new MetaspacePreTokenizer(ReadReplacement(node), ReadPrependScheme(node), node.OptionalBoolean("split", true)),
        "Sequence" => new SequencePreTokenizer(node.Required("pretokenizers").Items().Select(ReadPreTokenizer).ToList()),
        var other => throw node.Error($"type '{other}' is not supported"),
    };

    private static SplitDelimiterBehavior ReadBehavior(TokenizerJsonNode node) => node.GetString() switch
    {
        "Removed" => SplitDelimiterBehavior.Removed,
        "Isolated" => SplitDelimiterBehavior.Isolated,
        "MergedWithPrevious" => SplitDelimiterBehavior.MergedWithPrevious,
        "MergedWithNext" => SplitDelimiterBehavior.MergedWithNext,
        "Contiguous" => SplitDelimiterBehavior.Contiguous,
        var other => throw node.Error($"behavior '{other}' is not supported"),
    };

    private static string ReadReplacement(TokenizerJsonNode node)
    {
        var replacement = node.Required("replacement");
        var text = replacement.GetString();
        if (text.EnumerateRunes().Count() != 1)
        {
            throw replacement.Error($"the replacement must be one character, found {Quote(text)}");
        }
        return text;
    }

    /// <summary><c>prepend_scheme</c>, or the older <c>add_prefix_space</c> (true: always, false: never).</summary>
    private static PrependScheme ReadPrependScheme(TokenizerJsonNode node)
    {
        var addPrefixSpace = node.Optional("add_prefix_space")?.GetBoolean();
        if (node.Optional("prepend_scheme") is not { } schemeNode)
        {
            return addPrefixSpace == false ? PrependScheme.Never : PrependScheme.Always;
        }
        var scheme = schemeNode.GetString() switch
        {
            "always" => PrependScheme.Always,
            "first" => PrependScheme.First,
            "never" => PrependScheme.Never,
            var other => throw schemeNode.Error($"prepend_scheme '{other}' is not supported"),
        };
        if (addPrefixSpace == false && scheme != PrependScheme.Never)
        {
            throw schemeNode.Error("add_prefix_space is false but prepend_scheme is not 'never'");
        }
        return scheme;
    }

    private static ITokenDecoder ReadDecoder(TokenizerJsonNode node) => node.GetTypeTag() switch
    {
        "ByteLevel" => new ByteLevelDecoder(),
        "Replace" => new ReplaceDecoder(TextPattern.Read(node.Required("pattern")), node.Required("content").GetString()),
        "ByteFallback" => new ByteFallbackDecoder(),
        "Fuse" => new FuseDecoder(),
        "Strip" => ReadStrip(node),
        "Metaspace" => new MetaspaceDecoder(ReadReplacement(node), ReadPrependScheme(node)),
        "Sequence" => new SequenceDecoder(node.Required("decoders").Items().Select(ReadDecoder).ToList()),
        var other => throw node.Error($"type '{other}' is not supported"),
    };

    private static StripDecoder ReadStrip(TokenizerJsonNode node)
    {
        var contentNode = node.Required("content");
        var content = contentNode.GetString();
        if (content.EnumerateRunes().Count() != 1)
        {
            throw contentNode.Error($"the content must be one character, found {Quote(content)}");
        }
        return new StripDecoder(content.EnumerateRunes().First(), node.OptionalInt32("start", 0), node.OptionalInt32("stop", 0));
    }

    private static void ReadPostProcessor(TokenizerJsonNode node, List<TemplatePostProcessor> processors)
    {
        switch (node.GetTypeTag())
        {
            case "ByteLevel":
                // Offsets only: it adds no tokens.
                return;
            case "TemplateProcessing":
                processors.Add(ReadTemplate(node));
                return;
            case "Sequence":
                foreach (var item in node.Required("processors").Items())
                {
                    ReadPostProcessor(item, processors);
                }
                return;
            case var other:
                throw node.Error($"type '{other}' is not supported");
        }
    }

    private static TemplatePostProcessor ReadTemplate(TokenizerJsonNode node)
    {
        var specials = new Dictionary<string, int[]>(StringComparer.Ordinal);
        if (node.Optional("special_tokens") is { } specialNode)
        {
            foreach (var (name, value) in specialNode.Properties())
            {
                specials[name] = value.Required("ids").Items().Select(i => i.GetInt32()).ToArray();
            }
        }
        var items = new List<int[]?>();
        foreach (var item in node.Required("single").Items())
        {
            if (item.Optional("SpecialToken") is { } special)
            {
                var name = special.Required("id").GetString();
                items.Add(specials.TryGetValue(name, out var ids)
                    ? ids
                    : throw special.Error($"the special token {Quote(name)} is not in special_tokens"));
            }
            else if (item.Optional("Sequence") is { } sequence)
            {
                var id = sequence.Required("id").GetString();
                if (id != "A")
                {
                    throw sequence.Error($"the single template can only hold sequence A, found {Quote(id)}");
                }
                items.Add(null);
            }
            else
            {
                throw item.Error("expected {\"SpecialToken\": ...} or {\"Sequence\": ...}");
            }
        }
        return new TemplatePostProcessor(items);
    }

    private static void AssignSpecialTokens(BpeTokenizer tokenizer, TokenizerJsonNode root, List<TemplatePostProcessor> processors, SpecialTokenHints? hints)
    {
        int? Named(string? token) => token is null ? null : tokenizer.TokenToId(token);
        int? Known(int? id) => id is { } value && tokenizer.IdToToken(value) is not null ? value : null;
        int? FirstSpecial(string[] names) => names
            .Select(name => tokenizer.AddedTokens.FirstOrDefault(t => t.Special && t.Content == name)?.Id)
            .FirstOrDefault(id => id is not null);

        var unkToken = root.Required("model").OptionalString("unk_token");
        tokenizer.UnkTokenId = Named(unkToken) ?? Named(hints?.Unk);
        tokenizer.BosTokenId = Named(hints?.Bos) ?? Known(hints?.BosId)
            ?? processors.SelectMany(p => p.Prefix).Select(id => (int?)id).FirstOrDefault()
            ?? FirstSpecial(s_bosNames);
        tokenizer.EosTokenId = Named(hints?.Eos) ?? Known(hints?.EosId)
            ?? processors.SelectMany(p => p.Suffix).Select(id => (int?)id).LastOrDefault()
            ?? FirstSpecial(s_eosNames);
        tokenizer.PadTokenId = Named(hints?.Pad) ?? Known(hints?.PadId) ?? FirstSpecial(s_padNames);
    }

    /// <summary>Special tokens from tokenizer_config.json (bos_token etc.) and config.json (bos_token_id etc.) in <paramref name="folder"/>.</summary>
    private static SpecialTokenHints? ReadHints(string folder)
    {
        var configFile = Path.Combine(folder, "tokenizer_config.json");
        var modelConfigFile = Path.Combine(folder, "config.json");
        if (!File.Exists(configFile) && !File.Exists(modelConfigFile))
        {
            return null;
        }
        string? bos = null, eos = null, pad = null, unk = null;
        if (File.Exists(configFile))
        {
            using var document = ParseDocument(File.ReadAllText(configFile, Encoding.UTF8), configFile);
            var root = new TokenizerJsonNode(document.RootElement, "", configFile);
            bos = TokenName(root, "bos_token");
            eos = TokenName(root, "eos_token");
            pad = TokenName(root, "pad_token");
            unk = TokenName(root, "unk_token");
        }
        int? bosId = null, eosId = null, padId = null;
        if (File.Exists(modelConfigFile))
        {
            using var document = ParseDocument(File.ReadAllText(modelConfigFile, Encoding.UTF8), modelConfigFile);
            var root = new TokenizerJsonNode(document.RootElement, "", modelConfigFile);
            bosId = TokenIdHint(root, "bos_token_id");
            eosId = TokenIdHint(root, "eos_token_id");
            padId = TokenIdHint(root, "pad_token_id");
        }
        return new SpecialTokenHints(bos, eos, pad, unk, bosId, eosId, padId);
    }

    /// <summary>A token named as a string or as <c>{"content": ...}</c>.</summary>
    private static string? TokenName(TokenizerJsonNode root, string name) => root.Optional(name) switch
    {
        null => null,
        { Element.ValueKind: JsonValueKind.String } value => value.GetString(),
        { } value => value.Required("content").GetString(),
    };

    /// <summary>An id, or the first of a list of ids.</summary>
    private static int? TokenIdHint(TokenizerJsonNode root, string name) => root.Optional(name) switch
    {
        null => null,
        { Element.ValueKind: JsonValueKind.Array } list => list.Items().Select(i => (int?)i.GetInt32()).FirstOrDefault(),
        { } value => value.GetInt32(),
    };

    private static string Quote(string text) => JsonSerializer.Serialize(text, s_quoteOptions);
}
