namespace Distill.Bench.Measurement;

/// <summary>One side of a case (Distill's or a peer's), set up and ready to run; disposing it tears it down.</summary>
public interface IBenchSide : IDisposable
{
    /// <summary>
    /// Runs the case without timing it, at least <paramref name="runs"/> times and for at least
    /// <paramref name="seconds"/> (so just-in-time compilers reach their final code before the timed runs).
    /// </summary>
    void Warmup(int runs, double seconds);

    /// <summary>Runs the case once and returns the seconds it took, timed by the side itself.</summary>
    double RunTimed();

    /// <summary>What the case computed, for checks (a checksum, parameter count, losses); call after the runs.</summary>
    IReadOnlyDictionary<string, double> Results();
}
