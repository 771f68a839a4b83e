namespace Distill.Bench.Reporting;

public enum GoalKind
{
    /// <summary>Higher is better (a throughput ratio).</summary>
    AtLeast,

    /// <summary>Lower is better (a time ratio).</summary>
    AtMost,
}
