using System.Collections.Concurrent;
using System.Diagnostics;
using Distill.Runner.Stages;

namespace Distill.Bench.Pipeline;

/// <summary>A stage executor that times the one it wraps: the seconds each (run, stage) spent inside <c>RunAsync</c>.</summary>
public sealed class TimedExecutor(IStageExecutor inner, ConcurrentDictionary<(string RunId, string Stage), double> seconds) : IStageExecutor
{
    public async Task<StageResult> RunAsync(StageContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var start = Stopwatch.GetTimestamp();
        try
        {
            return await inner.RunAsync(context, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
            seconds.AddOrUpdate((context.RunId, context.Stage), elapsed, (_, before) => before + elapsed);
        }
    }

    /// <summary>Every executor of <see cref="StageExecutors.Create"/>, each timed into <paramref name="seconds"/>.</summary>
    public static IReadOnlyDictionary<string, IStageExecutor> WrapAll(ConcurrentDictionary<(string RunId, string Stage), double> seconds) =>
        StageExecutors.Create().ToDictionary(p => p.Key, p => (IStageExecutor)new TimedExecutor(p.Value, seconds), StringComparer.Ordinal);
}
