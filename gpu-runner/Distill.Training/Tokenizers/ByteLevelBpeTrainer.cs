using System.Text;

namespace Distill.Training.Tokenizers;

/// <summary>
/// Learns a byte-level BPE vocabulary: texts are split with GPT-2's pattern into words written in the byte alphabet,
/// word frequencies are counted, and the most frequent adjacent pair is merged until the vocabulary has the requested
/// size (the 256 byte tokens, the merges, and the end-of-text token last). Pair counts are kept up to date
/// incrementally, touching only the words that contain the merged pair. Ties go to the pair of smaller ids, so the
/// result depends only on the texts (not on the order they were added in).
/// </summary>
public sealed class ByteLevelBpeTrainer
{
    private readonly ByteLevelPreTokenizer _preTokenizer = new(addPrefixSpace: false, useRegex: true);
    private readonly Dictionary<string, long> _wordCounts = new(StringComparer.Ordinal);

    /// <param name="vocabSize">The number of tokens to learn, including the 256 byte tokens and the end-of-text token.</param>
    public ByteLevelBpeTrainer(int vocabSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabSize, 257);
        VocabSize = vocabSize;
    }

    public int VocabSize { get; }

    /// <summary>Pairs seen fewer times than this are never merged (training stops early instead).</summary>
    public int MinFrequency { get; init; } = 2;

    /// <summary>The special token appended as the last id; also the BOS and EOS of the result.</summary>
    public string EndOfTextToken { get; init; } = "<|endoftext|>";

    /// <summary>Counts the words of <paramref name="text"/>.</summary>
    public void AddText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var words = new List<PreToken>();
        _preTokenizer.PreTokenize([new PreToken(text, AtStart: true)], words);
        foreach (var word in words)
        {
            _wordCounts[word.Text] = _wordCounts.GetValueOrDefault(word.Text) + 1;
        }
    }

    /// <summary>Counts the words of a UTF-8 text file (read whole).</summary>
    public void AddFile(string path) => AddText(File.ReadAllText(path, Encoding.UTF8));

    /// <summary>Learns the merges. May stop below <see cref="VocabSize"/> when no pair is frequent enough.</summary>
    public ByteLevelBpeVocabulary Train()
    {
        var tokens = ByteLevelAlphabet.Characters.Select(c => c.ToString()).ToList();
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < tokens.Count; i++)
        {
            ids[tokens[i]] = i;
        }
        var wordTexts = _wordCounts.Keys.Order(StringComparer.Ordinal).ToArray();
        var counts = wordTexts.Select(w => _wordCounts[w]).ToArray();
        var words = wordTexts.Select(w => w.Select(c => ids[c.ToString()]).ToList()).ToArray();

        var pairCounts = new Dictionary<long, long>(PairKeyComparer.Instance);
        var wordsWithPair = new Dictionary<long, HashSet<int>>(PairKeyComparer.Instance);
        for (var w = 0; w < words.Length; w++)
        {
            var symbols = words[w];
            for (var i = 0; i + 1 < symbols.Count; i++)
            {
                var pair = BpeModel.PairKey(symbols[i], symbols[i + 1]);
                pairCounts[pair] = pairCounts.GetValueOrDefault(pair) + counts[w];
                Where(wordsWithPair, pair).Add(w);
            }
        }
        var queue = new PriorityQueue<long, PairPriority>(PairPriority.Comparer);
        foreach (var (pair, count) in pairCounts)
        {
            queue.Enqueue(pair, new PairPriority(count, pair));
        }

        var merges = new List<(string, string)>();
        var changes = new List<(long Pair, int Delta)>();
        var grown = new HashSet<long>(PairKeyComparer.Instance);
        var target = VocabSize - 1;
        while (tokens.Count < target && queue.TryDequeue(out var top, out var priority))
        {
            var current = pairCounts.GetValueOrDefault(top);
            if (current != priority.Count)
            {
                if (current > 0)
                {
                    queue.Enqueue(top, new PairPriority(current, top));
                }
                continue;
            }
            if (current < Math.Max(1, MinFrequency))
            {
                break;
            }
            var left = (int)(top >> 32);
            var right = (int)(uint)top;
            var merged = tokens[left] + tokens[right];
            if (!ids.TryGetValue(merged, out var newId))
            {
                newId = tokens.Count;
                tokens.Add(merged);
                ids[merged] = newId;
            }
            merges.Add((tokens[left], tokens[right]));
            grown.Clear();
            foreach (var w in wordsWithPair[top])
            {
                changes.Clear();
                MergeWord(words[w], left, right, newId, changes);
                foreach (var (pair, delta) in changes)
                {
                    pairCounts[pair] = pairCounts.GetValueOrDefault(pair) + (delta * counts[w]);
                    if (delta > 0)
                    {
                        Where(wordsWithPair, pair).Add(w);
                        grown.Add(pair);
                    }
                }
            }
            pairCounts.Remove(top);
            wordsWithPair.Remove(top);
            foreach (var pair in grown)
            {
                if (pairCounts.GetValueOrDefault(pair) > 0)
                {
                    queue.Enqueue(pair, new PairPriority(pairCounts[pair], pair));
                }
            }
        }
        if (ids.ContainsKey(EndOfTextToken))
        {
            throw new InvalidOperationException($"the end-of-text token {EndOfTextToken} was learned as an ordinary token");
        }
        tokens.Add(EndOfTextToken);
        return new ByteLevelBpeVocabulary(tokens, merges, EndOfTextToken);
    }

    /// <summary>Replaces each occurrence of (left, right) by <paramref name="newId"/>, recording how neighbouring pairs change.</summary>
    private static void MergeWord(List<int> symbols, int left, int right, int newId, List<(long Pair, int Delta)> changes)
    {
        for (var i = 0; i + 1 < symbols.Count; i++)
        {
            if (symbols[i] != left || symbols[i + 1] != right)
            {
                continue;
            }
            if (i > 0)
            {
                changes.Add((BpeModel.PairKey(symbols[i - 1], left), -1));
                changes.Add((BpeModel.PairKey(symbols[i - 1], newId), 1));
            }
            symbols[i] = newId;
            symbols.RemoveAt(i + 1);
            if (i + 1 < symbols.Count)
            {
                changes.Add((BpeModel.PairKey(right, symbols[i + 1]), -1));
                changes.Add((BpeModel.PairKey(newId, symbols[i + 1]), 1));
            }
        }
    }

    private static HashSet<int> Where(Dictionary<long, HashSet<int>> wordsWithPair, long pair)
    {
        if (!wordsWithPair.TryGetValue(pair, out var set))
        {
            set = [];
            wordsWithPair[pair] = set;
        }
        return set;
    }

    /// <summary>Queue order: higher count first, then the pair of smaller (left, right) ids.</summary>
    private readonly record struct PairPriority(long Count, long Pair)
    {
        public static IComparer<PairPriority> Comparer { get; } = Comparer<PairPriority>.Create(static (x, y) =>
            x.Count != y.Count ? y.Count.CompareTo(x.Count) : x.Pair.CompareTo(y.Pair));
    }
}
