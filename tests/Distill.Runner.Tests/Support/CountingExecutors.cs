using Distill.Runner.Stages;

namespace Distill.Runner.Tests.Support;

/// <summary>The real stage executors, counting how often each stage runs (shared by every worker given the same instance).</summary>
public sealed class CountingExecutors
{
    private readonly Dictionary<string, int> _runs = new(StringComparer.Ordinal);

    public CountingExecutors()
    {
        Executors = StageExecutors.Create().ToDictionary(e => e.Key, e => (IStageExecutor)new Counting(this, e.Key, e.Value), StringComparer.Ordinal);
    }

    public IReadOnlyDictionary<string, IStageExecutor> Executors { get; }

    public int Runs(string stage)
    {
        lock (_runs)
        {
            return _runs.GetValueOrDefault(stage);
        }
    }

    private sealed class Counting(CountingExecutors owner, string stage, IStageExecutor inner) : IStageExecutor
    {
        public Task<StageResult> RunAsync(StageContext context, CancellationToken cancellationToken)
        {
            lock (owner._runs)
            {
                owner._runs[stage] = owner._runs.GetValueOrDefault(stage) + 1;
            }
            return inner.RunAsync(context, cancellationToken);
        }
    }
}
