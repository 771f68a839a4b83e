namespace Distill.Training.Data;

/// <summary>
/// The training documents with the smallest content hashes, just enough of them to fill one block: when the hash
/// assignment leaves the validation split short of one block, these move to validation, smallest hash first. Memory
/// stays bounded: a document is dropped once the smaller-hashed ones already hold enough tokens.
/// </summary>
internal sealed class ValidationReserve(long neededTokens)
{
    private readonly PriorityQueue<Candidate, Candidate> _largestFirst = new(Comparer<Candidate>.Create((a, b) => Compare(b, a)));
    private long _tokens;

    /// <summary>A training document: its hash, its number in the training stream, and its token range there.</summary>
    public readonly record struct Candidate(ulong Hash, long Sequence, long Start, long Tokens);

    public void Offer(Candidate candidate)
    {
        _largestFirst.Enqueue(candidate, candidate);
        _tokens += candidate.Tokens;
        while (_largestFirst.Count > 1 && _tokens - _largestFirst.Peek().Tokens >= neededTokens)
        {
            _tokens -= _largestFirst.Dequeue().Tokens;
        }
    }

    /// <summary>The smallest-hashed candidates holding at least <paramref name="tokens"/> tokens (or all), in stream order.</summary>
    public IReadOnlyList<Candidate> Take(long tokens)
    {
        var ascending = _largestFirst.UnorderedItems.Select(item => item.Element).ToList();
        ascending.Sort(Compare);
        var taken = new List<Candidate>();
        long total = 0;
        foreach (var candidate in ascending)
        {
            if (total >= tokens)
            {
                break;
            }
            taken.Add(candidate);
            total += candidate.Tokens;
        }
        taken.Sort((a, b) => a.Start.CompareTo(b.Start));
        return taken;
    }

    private static int Compare(Candidate a, Candidate b)
    {
        var byHash = a.Hash.CompareTo(b.Hash);
        return byHash != 0 ? byHash : a.Sequence.CompareTo(b.Sequence);
    }
}
