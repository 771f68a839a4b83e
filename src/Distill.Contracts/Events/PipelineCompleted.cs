using System.Text.Json.Serialization;
using Distill.Contracts.Runs;
using Distill.Contracts.Storage;

namespace Distill.Contracts.Events;

/// <summary>
/// <c>distill.pipeline.completed</c>: the student passed the gates and was published. Subscribers (a deployment job,
/// a notification) read the student from <see cref="Student"/>.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record PipelineCompleted : DistillEventData
{
    /// <summary>The manifest's name.</summary>
    public required string Name { get; init; }

    /// <summary>The published student's folder, a checkpoint in the Hugging Face layout (<c>models/{name}/{runId}</c>).</summary>
    public required BlobLocation Student { get; init; }

    /// <summary>The evaluation report's folder (<c>runs/{runId}/report</c>).</summary>
    public required BlobLocation Report { get; init; }

    /// <summary>The evaluation's numbers by name.</summary>
    public required IReadOnlyDictionary<string, double> Metrics { get; init; }

    /// <summary>Sizes, perplexities and their ratio, agreement, KL and throughput of student and teacher.</summary>
    public required TeacherComparison Comparison { get; init; }
}
