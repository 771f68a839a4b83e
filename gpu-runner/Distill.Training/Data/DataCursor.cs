using System.Text.Json.Serialization;

namespace Distill.Training.Data;

/// <summary>Where a sampler stands: the epoch and the position in that epoch's block order. Saved in checkpoints.</summary>
public sealed record DataCursor(
    [property: JsonPropertyName("epoch")] long Epoch,
    [property: JsonPropertyName("position")] long Position)
{
    public static readonly DataCursor Start = new(0, 0);
}
