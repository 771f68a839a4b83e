using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Distill.Training.Tokenizers;

/// <summary>
/// The BPE model of a tokenizer file: splits one pre-tokenized word into characters (falling back to byte tokens or
/// the unknown token), then applies merges lowest rank first with a priority queue, and caches the result per word.
/// </summary>
internal sealed class BpeModel
{
    private const int MaxCachedWordLength = 256;
    private const int CacheCapacity = 200_000;

    [ThreadStatic]
    private static PriorityQueue<(int Position, int NewId), long>? t_queue;

    [ThreadStatic]
    private static List<Symbol>? t_symbols;

    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _vocabBySpan;
    private readonly Dictionary<long, BpeMerge> _merges;
    private readonly int[]? _byteIds;
    private readonly string? _unkToken;
    private readonly int _unkId;
    private readonly bool _fuseUnk;
    private readonly bool _ignoreMerges;
    private readonly string _source;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    private int _cachedWords;

    public BpeModel(
        Dictionary<string, int> vocab,
        Dictionary<long, BpeMerge> merges,
        string? unkToken,
        bool fuseUnk,
        bool byteFallback,
        bool ignoreMerges,
        string source)
    {
        _vocab = vocab;
        _vocabBySpan = vocab.GetAlternateLookup<ReadOnlySpan<char>>();
        _merges = merges;
        _unkToken = unkToken;
        _unkId = unkToken is not null && vocab.TryGetValue(unkToken, out var unk) ? unk : -1;
        _fuseUnk = fuseUnk;
        _ignoreMerges = ignoreMerges;
        _source = source;
        if (byteFallback)
        {
            _byteIds = new int[256];
            for (var b = 0; b < 256; b++)
            {
                _byteIds[b] = vocab.TryGetValue(ByteToken(b), out var id) ? id : -1;
            }
        }
        MergeCount = merges.Count;
    }

    public IReadOnlyDictionary<string, int> Vocab => _vocab;

    public int MergeCount { get; }

    /// <summary>The byte-fallback token for <paramref name="value"/>: <c>&lt;0x0A&gt;</c>.</summary>
    public static string ByteToken(int value) => $"<0x{value.ToString("X2", CultureInfo.InvariantCulture)}>";

    public static long PairKey(int left, int right) => ((long)left << 32) | (uint)right;

    /// <summary>Appends the ids of <paramref name="word"/> to <paramref name="ids"/>.</summary>
    public void Tokenize(string word, List<int> ids)
    {
        if (word.Length == 0)
        {
            return;
        }
        if (_cache.TryGetValue(word, out var cached))
        {
            ids.AddRange(cached);
            return;
        }
        if (_ignoreMerges && _vocab.TryGetValue(word, out var whole))
        {
            ids.Add(whole);
            return;
        }
        var result = Merge(word);
        // ConcurrentDictionary.Count takes every lock, so the size is tracked here instead.
        if (word.Length < MaxCachedWordLength && Volatile.Read(ref _cachedWords) < CacheCapacity && _cache.TryAdd(word, result))
        {
            Interlocked.Increment(ref _cachedWords);
        }
        ids.AddRange(result);
    }

    private int[] Merge(string word)
    {
        var symbols = t_symbols ??= [];
        symbols.Clear();
        var unkPending = -1;
        for (var i = 0; i < word.Length;)
        {
            var length = char.IsHighSurrogate(word[i]) && i + 1 < word.Length && char.IsLowSurrogate(word[i + 1]) ? 2 : 1;
            var character = word.AsSpan(i, length);
            i += length;
            if (_vocabBySpan.TryGetValue(character, out var id))
            {
                if (unkPending >= 0)
                {
                    Add(symbols, unkPending);
                    unkPending = -1;
                }
                Add(symbols, id);
                continue;
            }
            if (_byteIds is not null && TryAddBytes(symbols, character, ref unkPending))
            {
                continue;
            }
            if (_unkToken is null)
            {
                continue;
            }
            if (_unkId < 0)
            {
                throw new TokenizerFormatException(_source, "model.unk_token", $"the unknown token {_unkToken} is needed but is not in model.vocab");
            }
            if (unkPending >= 0 && !_fuseUnk)
            {
                Add(symbols, unkPending);
            }
            unkPending = _unkId;
        }
        if (unkPending >= 0)
        {
            Add(symbols, unkPending);
        }
        MergeAll(symbols);
        var result = new int[symbols.Count(s => !s.Removed)];
        var n = 0;
        foreach (var symbol in symbols)
        {
            if (!symbol.Removed)
            {
                result[n++] = symbol.Id;
            }
        }
        return result;
    }

    private bool TryAddBytes(List<Symbol> symbols, ReadOnlySpan<char> character, ref int unkPending)
    {
        Span<byte> bytes = stackalloc byte[4];
        var count = Encoding.UTF8.GetBytes(character, bytes);
        for (var b = 0; b < count; b++)
        {
            if (_byteIds![bytes[b]] < 0)
            {
                return false;
            }
        }
        if (unkPending >= 0)
        {
            Add(symbols, unkPending);
            unkPending = -1;
        }
        for (var b = 0; b < count; b++)
        {
            Add(symbols, _byteIds![bytes[b]]);
        }
        return true;
    }

    private static void Add(List<Symbol> symbols, int id)
    {
        var index = symbols.Count;
        if (index > 0)
        {
            symbols[index - 1] = symbols[index - 1] with { Next = index };
        }
        symbols.Add(new Symbol(id, index - 1, -1, Removed: false));
    }

    /// <summary>Merges the lowest-ranked adjacent pair (leftmost first on ties) until no pair has a merge.</summary>
    private void MergeAll(List<Symbol> symbols)
    {
        if (symbols.Count < 2)
        {
            return;
        }
        var queue = t_queue ??= new PriorityQueue<(int Position, int NewId), long>();
        queue.Clear();
        for (var i = 0; i + 1 < symbols.Count; i++)
        {
            if (_merges.TryGetValue(PairKey(symbols[i].Id, symbols[i + 1].Id), out var merge))
            {
                queue.Enqueue((i, merge.NewId), Priority(merge.Rank, i));
            }
        }
        while (queue.TryDequeue(out var entry, out _))
        {
            var position = entry.Position;
            var left = symbols[position];
            if (left.Removed || left.Next < 0)
            {
                continue;
            }
            var right = symbols[left.Next];
            // An entry is stale when the pair at its position changed since it was queued.
            if (!_merges.TryGetValue(PairKey(left.Id, right.Id), out var merge) || merge.NewId != entry.NewId)
            {
                continue;
            }
            symbols[left.Next] = right with { Removed = true };
            left = left with { Id = entry.NewId, Next = right.Next };
            symbols[position] = left;
            if (right.Next >= 0)
            {
                symbols[right.Next] = symbols[right.Next] with { Previous = position };
            }
            if (left.Previous >= 0 && _merges.TryGetValue(PairKey(symbols[left.Previous].Id, left.Id), out var before))
            {
                queue.Enqueue((left.Previous, before.NewId), Priority(before.Rank, left.Previous));
            }
            if (left.Next >= 0 && _merges.TryGetValue(PairKey(left.Id, symbols[left.Next].Id), out var after))
            {
                queue.Enqueue((position, after.NewId), Priority(after.Rank, position));
            }
        }
    }

    private static long Priority(int rank, int position) => ((long)rank << 32) | (uint)position;

    private readonly record struct Symbol(int Id, int Previous, int Next, bool Removed);
}
