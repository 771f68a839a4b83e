using System.Text.Json.Serialization;

namespace Distill.Contracts.Methods;

/// <summary><c>method.atkd</c>: ATKD's settings, defaults from the authors' code.</summary>
/// <remarks>Properties with a default have setters, not init: the JSON source generator sets every init-only property, giving
/// those missing from the JSON default(T) instead of their default.</remarks>
public sealed record AtkdOptions
{
    // Settable, not init-only: source-generated JSON resets an init-only property that the document leaves out to
    // default(T) instead of keeping its initializer (dotnet/runtime#84484).

    /// <summary>λ = 0.2, the authors' default and best setting.</summary>
    public const double DefaultLambda = 0.2;

    /// <summary>k = 50%: the batch median of the teacher's uncertainty splits easy from hard tokens.</summary>
    public const double DefaultHardFraction = 0.5;

    /// <summary>λ, the weight of the easy group (1 − λ weights the hard group); in [0, 1].</summary>
    public double Lambda { get; set; } = DefaultLambda;

    /// <summary>k, the share of valid tokens called hard (the (1 − k) quantile of the teacher's uncertainty); in (0, 1).</summary>
    public double HardFraction { get; set; } = DefaultHardFraction;

    /// <summary><c>forward</c> (KL(p‖q), the authors' vanilla) or <c>reverse</c> (KL(q‖p)).</summary>
    public string? Setting { get; set; } = "forward";

    /// <summary>The parsed <see cref="Setting"/>; null when it is not a known setting.</summary>
    [JsonIgnore]
    public AtkdSetting? ParsedSetting => Setting switch
    {
        "forward" => AtkdSetting.Forward,
        "reverse" => AtkdSetting.Reverse,
        _ => null,
    };
}
