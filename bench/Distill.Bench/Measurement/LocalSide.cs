using System.Diagnostics;

namespace Distill.Bench.Measurement;

/// <summary>A case run in this process: an action timed with the Stopwatch, and whatever it owns to dispose.</summary>
public sealed class LocalSide(Action run, Func<IReadOnlyDictionary<string, double>> results, params IDisposable[] owned) : IBenchSide
{
    public void Warmup(int runs, double seconds)
    {
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < runs || Stopwatch.GetElapsedTime(start).TotalSeconds < seconds; i++)
        {
            run();
        }
    }

    public double RunTimed()
    {
        var start = Stopwatch.GetTimestamp();
        run();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    public IReadOnlyDictionary<string, double> Results() => results();

    /// <summary>Disposes what the case owns, last first.</summary>
    public void Dispose()
    {
        for (var i = owned.Length - 1; i >= 0; i--)
        {
            owned[i].Dispose();
        }
    }
}
