using System.Text.Json.Serialization;

namespace Distill.Contracts.Events;

/// <summary>The data of an event about one attempt of one stage.</summary>
public abstract record StageEventData : DistillEventData
{
    /// <summary>One of <see cref="Stages.StageNames.All"/>.</summary>
    [JsonPropertyOrder(-2)]
    public required string Stage { get; init; }

    /// <summary>The attempt (the stage command's <c>attempt</c>).</summary>
    [JsonPropertyOrder(-1)]
    public required int Attempt { get; init; }
}
