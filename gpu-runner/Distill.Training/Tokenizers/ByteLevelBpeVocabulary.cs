using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Distill.Training.Tokenizers;

/// <summary>
/// The vocabulary and merges of a byte-level BPE tokenizer (tokens spelled in GPT-2's byte alphabet), as learned by
/// <see cref="ByteLevelBpeTrainer"/> or read from GPT-2's encoder.json and vocab.bpe. Writes the tokenizer.json
/// (byte-level pre-tokenizer, post-processor and decoder; the end-of-text token as a special added token).
/// </summary>
public sealed class ByteLevelBpeVocabulary
{
    private static readonly JsonWriterOptions s_writerOptions = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <param name="tokens">Every token, indexed by id.</param>
    /// <param name="merges">The merges, highest priority first; each side and their concatenation must be tokens.</param>
    /// <param name="endOfTextToken">A token of <paramref name="tokens"/> that marks the end of a text, or null.</param>
    public ByteLevelBpeVocabulary(IReadOnlyList<string> tokens, IReadOnlyList<(string Left, string Right)> merges, string? endOfTextToken)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(merges);
        if (endOfTextToken is not null && !tokens.Contains(endOfTextToken))
        {
            throw new ArgumentException($"the end-of-text token {endOfTextToken} is not one of the tokens", nameof(endOfTextToken));
        }
        Tokens = tokens;
        Merges = merges;
        EndOfTextToken = endOfTextToken;
    }

    /// <summary>Every token, indexed by id.</summary>
    public IReadOnlyList<string> Tokens { get; }

    /// <summary>The merges, highest priority first.</summary>
    public IReadOnlyList<(string Left, string Right)> Merges { get; }

    /// <summary>The end-of-text token (a special added token, and the tokenizer's BOS and EOS), or null.</summary>
    public string? EndOfTextToken { get; }

    /// <summary>
    /// Reads GPT-2's original files: encoder.json (token → id, ids 0..n-1) and vocab.bpe (a <c>#version</c> line, then
    /// one "left right" merge per line). "&lt;|endoftext|&gt;" becomes the end-of-text token when present.
    /// </summary>
    public static ByteLevelBpeVocabulary FromGpt2Files(string encoderJsonPath, string vocabBpePath)
    {
        ArgumentNullException.ThrowIfNull(encoderJsonPath);
        ArgumentNullException.ThrowIfNull(vocabBpePath);
        Dictionary<string, int> encoder;
        try
        {
            encoder = JsonSerializer.Deserialize(File.ReadAllText(encoderJsonPath, Encoding.UTF8), TokenizerJsonContext.Default.DictionaryStringInt32)
                ?? throw new TokenizerFormatException(encoderJsonPath, "", "expected an object of token ids, found null");
        }
        catch (JsonException exception)
        {
            throw new TokenizerFormatException(encoderJsonPath, "", $"expected an object of token → id: {exception.Message}", exception);
        }
        var tokens = new string?[encoder.Count];
        foreach (var (token, id) in encoder)
        {
            if (id < 0 || id >= tokens.Length || tokens[id] is not null)
            {
                throw new TokenizerFormatException(encoderJsonPath, $"[{JsonSerializer.Serialize(token)}]", $"the id {id.ToString(CultureInfo.InvariantCulture)} is out of range or repeated; ids must be 0..{(tokens.Length - 1).ToString(CultureInfo.InvariantCulture)}, each once");
            }
            tokens[id] = token;
        }
        var merges = new List<(string, string)>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(vocabBpePath, Encoding.UTF8))
        {
            lineNumber++;
            if (line.Length == 0 || line.StartsWith("#version", StringComparison.Ordinal))
            {
                continue;
            }
            var parts = line.Split(' ');
            if (parts.Length != 2)
            {
                throw new TokenizerFormatException(vocabBpePath, $"line {lineNumber.ToString(CultureInfo.InvariantCulture)}", $"expected two tokens separated by one space, found \"{line}\"");
            }
            merges.Add((parts[0], parts[1]));
        }
        const string EndOfText = "<|endoftext|>";
        return new ByteLevelBpeVocabulary(tokens!, merges, encoder.ContainsKey(EndOfText) ? EndOfText : null);
    }

    /// <summary>The tokenizer.json text.</summary>
    public string ToTokenizerJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("version", "1.0");
            writer.WriteNull("truncation");
            writer.WriteNull("padding");
            writer.WriteStartArray("added_tokens");
            if (EndOfTextToken is not null)
            {
                writer.WriteStartObject();
                writer.WriteNumber("id", IndexOf(EndOfTextToken));
                writer.WriteString("content", EndOfTextToken);
                writer.WriteBoolean("single_word", false);
                writer.WriteBoolean("lstrip", false);
                writer.WriteBoolean("rstrip", false);
                writer.WriteBoolean("normalized", false);
                writer.WriteBoolean("special", true);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteNull("normalizer");
            WriteByteLevel(writer, "pre_tokenizer", addPrefixSpace: false, trimOffsets: true);
            WriteByteLevel(writer, "post_processor", addPrefixSpace: true, trimOffsets: false);
            WriteByteLevel(writer, "decoder", addPrefixSpace: true, trimOffsets: true);
            writer.WriteStartObject("model");
            writer.WriteString("type", "BPE");
            writer.WriteNull("dropout");
            writer.WriteNull("unk_token");
            writer.WriteNull("continuing_subword_prefix");
            writer.WriteNull("end_of_word_suffix");
            writer.WriteBoolean("fuse_unk", false);
            writer.WriteBoolean("byte_fallback", false);
            writer.WriteBoolean("ignore_merges", false);
            writer.WriteStartObject("vocab");
            for (var id = 0; id < Tokens.Count; id++)
            {
                writer.WriteNumber(Tokens[id], id);
            }
            writer.WriteEndObject();
            writer.WriteStartArray("merges");
            foreach (var (left, right) in Merges)
            {
                writer.WriteStartArray();
                writer.WriteStringValue(left);
                writer.WriteStringValue(right);
                writer.WriteEndArray();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Writes tokenizer.json and a tokenizer_config.json naming the special tokens into <paramref name="folder"/>.</summary>
    public void Save(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), ToTokenizerJson(), new UTF8Encoding(false));
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("tokenizer_class", "GPT2Tokenizer");
            writer.WriteBoolean("add_prefix_space", false);
            if (EndOfTextToken is not null)
            {
                writer.WriteString("bos_token", EndOfTextToken);
                writer.WriteString("eos_token", EndOfTextToken);
                writer.WriteString("unk_token", EndOfTextToken);
            }
            writer.WriteEndObject();
        }
        File.WriteAllBytes(Path.Combine(folder, "tokenizer_config.json"), buffer.ToArray());
    }

    /// <summary>A tokenizer for this vocabulary, with the end-of-text token as BOS and EOS.</summary>
    public BpeTokenizer CreateTokenizer()
    {
        var tokenizer = BpeTokenizer.FromJson(ToTokenizerJson());
        if (EndOfTextToken is not null)
        {
            tokenizer.BosTokenId = tokenizer.EosTokenId = IndexOf(EndOfTextToken);
        }
        return tokenizer;
    }

    private int IndexOf(string token)
    {
        for (var i = 0; i < Tokens.Count; i++)
        {
            if (Tokens[i] == token)
            {
                return i;
            }
        }
        throw new InvalidOperationException($"{token} is not a token");
    }

    private static void WriteByteLevel(Utf8JsonWriter writer, string name, bool addPrefixSpace, bool trimOffsets)
    {
        writer.WriteStartObject(name);
        writer.WriteString("type", "ByteLevel");
        writer.WriteBoolean("add_prefix_space", addPrefixSpace);
        writer.WriteBoolean("trim_offsets", trimOffsets);
        writer.WriteBoolean("use_regex", true);
        writer.WriteEndObject();
    }
}
