namespace Distill.Training.Tokenizers;

/// <summary>
/// Hashing for pair keys <c>(left &lt;&lt; 32) | right</c>. The default hash of a long XORs its halves, which sends
/// every pair of small ids into a few buckets; this mixes all 64 bits instead.
/// </summary>
internal sealed class PairKeyComparer : IEqualityComparer<long>
{
    public static PairKeyComparer Instance { get; } = new();

    public bool Equals(long x, long y) => x == y;

    public int GetHashCode(long obj) => (int)((ulong)obj * 0x9E3779B97F4A7C15UL >> 32);
}
