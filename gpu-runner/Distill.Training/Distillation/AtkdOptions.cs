using System.Text.Json.Serialization;

namespace Distill.Training.Distillation;

/// <summary><c>method.atkd</c>: ATKD's settings, defaults from the authors' code.</summary>
public sealed record AtkdOptions
{
    /// <summary>λ, the weight of the easy group (1 − λ weights the hard group); in [0, 1].</summary>
    public double Lambda { get; init; } = Distillation.Atkd.DefaultLambda;

    /// <summary>k, the share of valid tokens called hard (the (1 − k) quantile of the teacher's uncertainty); in (0, 1).</summary>
    public double HardFraction { get; init; } = Distillation.Atkd.DefaultHardFraction;

    /// <summary><c>forward</c> (KL(p‖q), the authors' vanilla) or <c>reverse</c> (KL(q‖p)).</summary>
    public string? Setting { get; init; } = "forward";

    /// <summary>The parsed <see cref="Setting"/>; null when it is not a known setting.</summary>
    [JsonIgnore]
    public AtkdSetting? ParsedSetting => Setting switch
    {
        "forward" => AtkdSetting.Forward,
        "reverse" => AtkdSetting.Reverse,
        _ => null,
    };
}
