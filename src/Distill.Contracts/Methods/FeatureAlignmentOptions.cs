using System.Text.Json.Serialization;

namespace Distill.Contracts.Methods;

/// <summary>
/// <c>method.featureAlignment</c>: how hidden states are compared and which layers are matched. The four weights
/// (output, feature, attention, CE) are <c>method.weights.kd</c>, <c>.hidden</c>, <c>.attention</c> and <c>.ce</c>.
/// </summary>
/// <remarks>Properties with a default have setters, not init: the JSON source generator sets every init-only property, giving
/// those missing from the JSON default(T) instead of their default.</remarks>
public sealed record FeatureAlignmentOptions
{
    // Settable, not init-only: source-generated JSON resets an init-only property that the document leaves out to
    // default(T) instead of keeping its initializer (dotnet/runtime#84484).

    /// <summary><c>mse</c> (squared error averaged over features) or <c>cosine</c> (1 − cosine similarity).</summary>
    public string? HiddenLoss { get; set; } = "mse";

    /// <summary>Explicit (student, teacher) layer pairs, 1-based; null maps every student layer uniformly.</summary>
    public IReadOnlyList<LayerPair>? LayerPairs { get; init; }

    /// <summary>The parsed <see cref="HiddenLoss"/>; null when it is not a known kind.</summary>
    [JsonIgnore]
    public HiddenLossKind? ParsedHiddenLoss => HiddenLoss switch
    {
        "mse" => HiddenLossKind.Mse,
        "cosine" => HiddenLossKind.Cosine,
        _ => null,
    };
}
