namespace Distill.Bench.Pipeline;

/// <summary>
/// The pipeline suite's result: throughput rows against raw operations measured in the same run, the event-to-stage-start
/// latencies, the overhead of a demo-like run (each null or empty when its case was not run), and notes.
/// </summary>
public sealed record PipelineReport
{
    public required PipelineMachine Machine { get; init; }

    public required IReadOnlyList<PipelineRow> Rows { get; init; }

    public required IReadOnlyList<LatencyRow> Latencies { get; init; }

    public OverheadResult? Overhead { get; init; }

    public required IReadOnlyList<string> Notes { get; init; }

    public required double Seconds { get; init; }
}
