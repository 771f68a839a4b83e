using Distill.Training.Data;

namespace Distill.Training.Tokenizers;

/// <summary>
/// A BPE tokenizer read from a tokenizer.json file: byte-level BPE (GPT-2, Llama-3, Qwen2) and SentencePiece-style BPE
/// with byte fallback (Llama-2, TinyLlama). Encoding runs added-token matching, the normalizer, the pre-tokenizer and
/// the BPE model; decoding runs the decoder. Thread-safe once loaded.
/// </summary>
public sealed class BpeTokenizer : ITextTokenizer
{
    private readonly BpeModel _model;
    private readonly ITokenizerNormalizer? _normalizer;
    private readonly IPreTokenizer? _preTokenizer;
    private readonly ITokenDecoder? _decoder;
    private readonly IReadOnlyList<TemplatePostProcessor> _postProcessors;
    private readonly Dictionary<int, AddedToken> _addedById;
    private readonly Dictionary<string, AddedToken> _addedByContent;
    private readonly string?[] _idToToken;
    private readonly AddedTokenMatcher _rawAll;
    private readonly AddedTokenMatcher _rawPlain;
    private readonly AddedTokenMatcher _normalizedAll;
    private readonly AddedTokenMatcher _normalizedPlain;

    internal BpeTokenizer(
        string source,
        BpeModel model,
        IReadOnlyList<AddedToken> addedTokens,
        ITokenizerNormalizer? normalizer,
        IPreTokenizer? preTokenizer,
        ITokenDecoder? decoder,
        IReadOnlyList<TemplatePostProcessor> postProcessors)
    {
        Source = source;
        _model = model;
        _normalizer = normalizer;
        _preTokenizer = preTokenizer;
        _decoder = decoder;
        _postProcessors = postProcessors;
        AddedTokens = addedTokens;
        _addedById = addedTokens.ToDictionary(t => t.Id);
        _addedByContent = new Dictionary<string, AddedToken>(StringComparer.Ordinal);
        foreach (var token in addedTokens)
        {
            _addedByContent.TryAdd(token.Content, token);
        }
        var largest = Math.Max(model.Vocab.Count == 0 ? -1 : model.Vocab.Values.Max(), addedTokens.Count == 0 ? -1 : addedTokens.Max(t => t.Id));
        VocabSize = largest + 1;
        _idToToken = new string?[VocabSize];
        foreach (var (token, id) in model.Vocab)
        {
            _idToToken[id] = token;
        }
        foreach (var token in addedTokens)
        {
            _idToToken[token.Id] = token.Content;
        }
        var raw = addedTokens.Where(t => !t.Normalized).Select(t => (t, t.Content)).ToList();
        var normalized = addedTokens.Where(t => t.Normalized).Select(t => (t, normalizer?.Normalize(t.Content) ?? t.Content)).ToList();
        _rawAll = new AddedTokenMatcher(raw);
        _rawPlain = new AddedTokenMatcher(raw.Where(p => !p.t.Special));
        _normalizedAll = new AddedTokenMatcher(normalized);
        _normalizedPlain = new AddedTokenMatcher(normalized.Where(p => !p.t.Special));
    }

    /// <summary>The file (or source name) the tokenizer was read from.</summary>
    public string Source { get; }

    /// <summary>The largest id of the vocabulary and the added tokens, plus one.</summary>
    public int VocabSize { get; }

    /// <summary>The number of merges of the BPE model.</summary>
    public int MergeCount => _model.MergeCount;

    /// <summary>The tokens of <c>added_tokens</c>, in file order.</summary>
    public IReadOnlyList<AddedToken> AddedTokens { get; }

    /// <summary>The beginning-of-text id, if known (tokenizer_config.json, config.json, or the post-processor template).</summary>
    public int? BosTokenId { get; internal set; }

    /// <summary>The end-of-text id placed between packed documents, if known.</summary>
    public int? EosTokenId { get; internal set; }

    /// <summary>The padding id, if known.</summary>
    public int? PadTokenId { get; internal set; }

    /// <summary>The unknown-token id, if the model has one.</summary>
    public int? UnkTokenId { get; internal set; }

    /// <summary>Reads a tokenizer.json file (or the tokenizer.json of a folder), with hints from a tokenizer_config.json and config.json beside it.</summary>
    public static BpeTokenizer Load(string path) => TokenizerJsonReader.Load(path);

    /// <summary>Reads tokenizer.json text; <paramref name="sourceName"/> names it in errors.</summary>
    public static BpeTokenizer FromJson(string json, string sourceName = "tokenizer.json") => TokenizerJsonReader.Parse(json, sourceName, hints: null);

    /// <summary>
    /// The ids of <paramref name="text"/> for training data: no template tokens are added, and special tokens written
    /// in the text are treated as plain text (non-special added tokens are still matched).
    /// </summary>
    public IReadOnlyList<int> Encode(string text) => Encode(text, addSpecialTokens: false, matchSpecialTokens: false);

    /// <summary>The ids of <paramref name="text"/>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="addSpecialTokens">Apply the post-processor template (e.g. put BOS first).</param>
    /// <param name="matchSpecialTokens">Recognize special tokens written in the text (e.g. "&lt;|endoftext|&gt;") as their ids.</param>
    public IReadOnlyList<int> Encode(string text, bool addSpecialTokens, bool matchSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 4);
        var segments = new List<TextSegment>();
        (matchSpecialTokens ? _rawAll : _rawPlain).Split(text, segments);
        var normalizedMatcher = matchSpecialTokens ? _normalizedAll : _normalizedPlain;
        var pieces = new List<TextSegment>();
        var input = new List<PreToken>(1);
        var words = new List<PreToken>();
        foreach (var segment in segments)
        {
            if (segment.TokenId >= 0)
            {
                ids.Add(segment.TokenId);
                continue;
            }
            if (segment.End == segment.Start)
            {
                continue;
            }
            var raw = segment.Start == 0 && segment.End == text.Length ? text : text[segment.Start..segment.End];
            var normalized = _normalizer?.Normalize(raw) ?? raw;
            pieces.Clear();
            normalizedMatcher.Split(normalized, pieces);
            foreach (var piece in pieces)
            {
                if (piece.TokenId >= 0)
                {
                    ids.Add(piece.TokenId);
                    continue;
                }
                if (piece.End == piece.Start)
                {
                    continue;
                }
                var pieceText = piece.Start == 0 && piece.End == normalized.Length ? normalized : normalized[piece.Start..piece.End];
                var atStart = segment.Start == 0 && piece.Start == 0;
                if (_preTokenizer is null)
                {
                    _model.Tokenize(pieceText, ids);
                    continue;
                }
                input.Clear();
                input.Add(new PreToken(pieceText, atStart));
                words.Clear();
                _preTokenizer.PreTokenize(input, words);
                foreach (var word in words)
                {
                    _model.Tokenize(word.Text, ids);
                }
            }
        }
        if (addSpecialTokens)
        {
            foreach (var processor in _postProcessors)
            {
                ids = processor.Apply(ids);
            }
        }
        return ids;
    }

    /// <summary>
    /// The text of <paramref name="ids"/>. Ids without a token (beyond the vocabulary, or holes in it) are skipped.
    /// Without a decoder in the file, tokens are joined with spaces.
    /// </summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var tokens = new List<string>();
        foreach (var id in ids)
        {
            if (IdToToken(id) is not { } token)
            {
                continue;
            }
            if (skipSpecialTokens && _addedById.TryGetValue(id, out var added) && added.Special)
            {
                continue;
            }
            tokens.Add(token);
        }
        return _decoder is null ? string.Join(' ', tokens) : string.Concat(_decoder.DecodeChain(tokens));
    }

    /// <summary>The id of a token string (added tokens first, then the model's vocabulary), or null.</summary>
    public int? TokenToId(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (_addedByContent.TryGetValue(token, out var added))
        {
            return added.Id;
        }
        return _model.Vocab.TryGetValue(token, out var id) ? id : null;
    }

    /// <summary>The token string of an id, or null when no token has it.</summary>
    public string? IdToToken(int id) => id >= 0 && id < _idToToken.Length ? _idToToken[id] : null;
}
