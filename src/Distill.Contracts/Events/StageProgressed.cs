using System.Text.Json.Serialization;

namespace Distill.Contracts.Events;

/// <summary><c>distill.stage.progress</c>: where a training stage is (throttled: a few per minute at most).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record StageProgressed : StageEventData
{
    /// <summary>Optimizer steps done.</summary>
    public required long Step { get; init; }

    /// <summary>Optimizer steps the stage trains in all.</summary>
    public required long TotalSteps { get; init; }

    /// <summary>The latest numbers by name (<c>loss</c>, <c>learningRate</c>, <c>tokensPerSecond</c>, <c>validationLoss</c>, …).</summary>
    public required IReadOnlyDictionary<string, double> Metrics { get; init; }
}
