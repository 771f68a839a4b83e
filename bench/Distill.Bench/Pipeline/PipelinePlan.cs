namespace Distill.Bench.Pipeline;

/// <summary>
/// What the pipeline suite measures and how much: the local bus against raw SQLite, blob checkpoints against a file
/// copy, hand-off latencies over several short runs, and the overhead of one demo-like run. The defaults take about
/// four minutes on a loaded 2-core machine.
/// </summary>
public sealed record PipelinePlan
{
    public static IReadOnlyList<string> CaseNames { get; } = ["bus", "checkpoint", "latency", "overhead"];

    public IReadOnlySet<string> Cases { get; init; } = new HashSet<string>(CaseNames, StringComparer.Ordinal);

    /// <summary>Messages per timed run of each bus case, and the timed runs per side.</summary>
    public int BusMessages { get; init; } = 250;

    public int BusBatch { get; init; } = 100;

    public int BusRepeats { get; init; } = 5;

    /// <summary>The bus message body's size: about a stage command's JSON.</summary>
    public int BodyBytes { get; init; } = 320;

    /// <summary>The checkpoint's model (a GPT-2 of this width, depth and vocabulary: its weights and AdamW moments).</summary>
    public (int Hidden, int Layers, int Vocab) CheckpointModel { get; init; } = (384, 6, 8192);

    public int CheckpointRepeats { get; init; } = 5;

    /// <summary>Short runs (a few training steps) whose hand-offs give the latency samples, besides the demo-like run's.</summary>
    public int LatencyRuns { get; init; } = 6;

    public int LatencyRunSteps { get; init; } = 4;

    /// <summary>The demo-like run: training steps, checkpoint and evaluation interval, validation blocks evaluated.</summary>
    public int OverheadSteps { get; init; } = 450;

    public int OverheadCheckpointEvery { get; init; } = 150;

    public int OverheadEvaluationBlocks { get; init; } = 64;

    public int VocabSize { get; init; } = 512;

    public int TeacherHidden { get; init; } = 128;

    public int TeacherLayers { get; init; } = 4;

    public int BlockSize { get; init; } = 64;

    public int BatchSize { get; init; } = 16;

    /// <summary>The longest a pipeline run may take before the case gives up.</summary>
    public TimeSpan RunTimeout { get; init; } = TimeSpan.FromMinutes(10);
}
