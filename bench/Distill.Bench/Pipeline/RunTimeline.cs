using Distill.Contracts.Events;

namespace Distill.Bench.Pipeline;

/// <summary>
/// One pipeline run as measured: when the upload notification was sent, the run's events (from its event folder, each
/// with the time it was published), and the seconds each stage's executor took.
/// </summary>
public sealed record RunTimeline(string RunId, double UploadSeconds, DateTimeOffset NotifiedAt, IReadOnlyList<CloudEventEnvelope> Events,
    IReadOnlyDictionary<string, double> ExecutorSeconds)
{
    /// <summary>The stages in the order the run accepted them.</summary>
    public IReadOnlyList<string> Stages => Data<RunAccepted>(DistillEventTypes.RunAccepted).Single().Data.Stages;

    /// <summary>
    /// Each stage's hand-off: from the event that let it be queued being published (the upload notification for the first
    /// stage, the previous stage's stage.completed for the others) to its stage.started, in milliseconds.
    /// </summary>
    public IReadOnlyList<(string From, string To, double Milliseconds)> Handoffs()
    {
        var started = Data<StageStarted>(DistillEventTypes.StageStarted).Where(e => e.Data.Attempt == 1).ToDictionary(e => e.Data.Stage, e => e.Time, StringComparer.Ordinal);
        var completed = Data<StageCompleted>(DistillEventTypes.StageCompleted).ToDictionary(e => e.Data.Stage, e => e.Time, StringComparer.Ordinal);
        var result = new List<(string, string, double)>();
        var from = "upload";
        var previous = NotifiedAt;
        foreach (var stage in Stages)
        {
            var start = Lookup(started, stage, "stage.started");
            result.Add((from, stage, (start - previous).TotalMilliseconds));
            from = stage;
            previous = Lookup(completed, stage, "stage.completed");
        }
        return result;
    }

    /// <summary>The hand-off, stage and executor seconds of every stage, in order.</summary>
    public IReadOnlyList<StageTiming> StageTimings()
    {
        var started = Data<StageStarted>(DistillEventTypes.StageStarted).Where(e => e.Data.Attempt == 1).ToDictionary(e => e.Data.Stage, e => e.Time, StringComparer.Ordinal);
        var completed = Data<StageCompleted>(DistillEventTypes.StageCompleted).ToDictionary(e => e.Data.Stage, e => e.Time, StringComparer.Ordinal);
        var handoffs = Handoffs();
        return [.. Stages.Select((stage, i) => new StageTiming(stage, handoffs[i].Milliseconds / 1e3,
            (Lookup(completed, stage, "stage.completed") - Lookup(started, stage, "stage.started")).TotalSeconds,
            ExecutorSeconds.TryGetValue(stage, out var executor) ? executor : 0))];
    }

    /// <summary>The time distill.pipeline.completed was published.</summary>
    public DateTimeOffset CompletedAt => Data<PipelineCompleted>(DistillEventTypes.PipelineCompleted).Single().Time;

    /// <summary>The time <paramref name="stage"/>'s stage.completed was published.</summary>
    public DateTimeOffset StageCompletedAt(string stage) =>
        Data<StageCompleted>(DistillEventTypes.StageCompleted).Where(e => e.Data.Stage == stage).Select(e => e.Time).DefaultIfEmpty(DateTimeOffset.MinValue).Max() is var time && time != DateTimeOffset.MinValue
            ? time
            : throw new PipelineBenchException($"run {RunId}: stage {stage} has no stage.completed event");

    /// <summary>A metric the stage reported in its stage.completed.</summary>
    public double Metric(string stage, string name)
    {
        var data = Data<StageCompleted>(DistillEventTypes.StageCompleted).Single(e => e.Data.Stage == stage).Data;
        return data.Metrics.TryGetValue(name, out var value)
            ? value
            : throw new PipelineBenchException($"run {RunId}: stage {stage} reported no metric '{name}' (it reported {string.Join(", ", data.Metrics.Keys)})");
    }

    private IEnumerable<(T Data, DateTimeOffset Time)> Data<T>(string type)
        where T : DistillEventData =>
        Events.Where(e => e.Type == type).Select(e => (DistillEvents.ReadData<T>(e),
            e.Time ?? throw new PipelineBenchException($"run {RunId}: event {e.Id} has no time")));

    private DateTimeOffset Lookup(Dictionary<string, DateTimeOffset> times, string stage, string what) =>
        times.TryGetValue(stage, out var time) ? time : throw new PipelineBenchException($"run {RunId}: stage {stage} has no {what} event");
}
