namespace Distill.Training.Data;

/// <summary>
/// SplitMix64: a small generator whose sequence is fixed by its seed on every platform and runtime version
/// (System.Random makes no such promise), so data order is reproducible forever.
/// </summary>
public sealed class DeterministicRandom(ulong seed)
{
    private ulong _state = seed;

    public ulong NextUInt64()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, bound), without modulo bias.</summary>
    public long NextInt64(long bound)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bound, 1);
        var limit = ulong.MaxValue - ulong.MaxValue % (ulong)bound;
        ulong value;
        do
        {
            value = NextUInt64();
        }
        while (value >= limit);
        return (long)(value % (ulong)bound);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A permutation of 0..count-1 (Fisher–Yates).</summary>
    public int[] Permutation(int count)
    {
        var result = new int[count];
        for (var i = 0; i < count; i++)
        {
            result[i] = i;
        }
        for (var i = count - 1; i > 0; i--)
        {
            var j = (int)NextInt64(i + 1);
            (result[i], result[j]) = (result[j], result[i]);
        }
        return result;
    }
}
