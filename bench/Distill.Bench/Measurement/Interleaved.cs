namespace Distill.Bench.Measurement;

/// <summary>
/// Times two sides of a case run by run in alternation (A B, B A, A B, …) after warming both up, so that load from
/// other processes and frequency changes fall on both columns alike and the ratio stays meaningful.
/// </summary>
public static class Interleaved
{
    /// <summary>
    /// The least warm-up per side: .NET's tiered compilation swaps in optimised code only after a method has run for
    /// a while (100 ms of call counting, then a background compile), and a case whose runs are short must not be
    /// timed before that.
    /// </summary>
    public const double WarmupSeconds = 1.0;

    public static (double[] A, double[] B) Measure(IBenchSide a, IBenchSide b, int warmup, int repeats, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentOutOfRangeException.ThrowIfNegative(warmup);
        ArgumentOutOfRangeException.ThrowIfLessThan(repeats, 1);
        a.Warmup(warmup, WarmupSeconds);
        b.Warmup(warmup, WarmupSeconds);
        var samplesA = new double[repeats];
        var samplesB = new double[repeats];
        for (var i = 0; i < repeats; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (i % 2 == 0)
            {
                samplesA[i] = a.RunTimed();
                samplesB[i] = b.RunTimed();
            }
            else
            {
                samplesB[i] = b.RunTimed();
                samplesA[i] = a.RunTimed();
            }
        }
        return (samplesA, samplesB);
    }
}
