namespace Distill.Bench.Pipeline;

/// <summary>
/// One stage of a measured run, in seconds: the hand-off before it (the event that queued it, published, to its
/// stage.started), the stage from stage.started to stage.completed, and the time inside its executor.
/// </summary>
public sealed record StageTiming(string Stage, double HandoffSeconds, double StageSeconds, double ExecutorSeconds);
